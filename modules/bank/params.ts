import { Params as PbParams } from "cosmjs-types/cosmos/bank/v1beta1/bank";

// bank's params: cosmos.bank.v1beta1.Params, stored as its protobuf. As the SDK since v0.47,
// per-denom send_enabled entries are not params (always empty here); only the default remains.

export interface BankParams {
  /** Whether MsgSend / MsgMultiSend are accepted at all. */
  defaultSendEnabled: boolean;
}

export function defaultParams(): BankParams {
  return { defaultSendEnabled: true };
}

/** Every BankParams is valid (one boolean); kept so bank has the same shape as every module. */
export function validateParams(_p: BankParams): void {}

export function encodeParams(p: BankParams): Uint8Array {
  return PbParams.encode({ sendEnabled: [], defaultSendEnabled: p.defaultSendEnabled }).finish();
}

export function decodeParams(raw: Uint8Array): BankParams {
  return { defaultSendEnabled: PbParams.decode(raw).defaultSendEnabled };
}
