import { MsgMultiSend, MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";

/** Any-encoded messages, for signTx. */
export function msgSendAny(from: string, to: string, amount: Array<{ denom: string; amount: string }>): Any {
  return {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: MsgSend.encode({ fromAddress: from, toAddress: to, amount }).finish(),
  };
}

export function msgMultiSendAny(
  from: string,
  coins: Array<{ denom: string; amount: string }>,
  outputs: Array<{ address: string; coins: Array<{ denom: string; amount: string }> }>,
): Any {
  return {
    typeUrl: "/cosmos.bank.v1beta1.MsgMultiSend",
    value: MsgMultiSend.encode({ inputs: [{ address: from, coins }], outputs }).finish(),
  };
}
