import { encodePubkey, makeAuthInfoBytes, makeSignDoc, type OfflineDirectSigner } from "@cosmjs/proto-signing";
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { AuthGenesisJson } from "../../modules/auth/genesis.js";
import { bech32Prefix, decodeAddress, encodeAddress } from "../../modules/sdk/address.js";
import { parseDec } from "../../modules/sdk/coins.js";
import { genesisErrors, type GenesisDoc } from "./genesisDoc.js";

// Genesis transactions (the SDK's genutil): each validator signs a MsgCreateValidator with its
// operator account (funded in genesis) and its node's consensus key; `collect-gentxs` puts them
// in app_state.genutil.gen_txs (base64 TxRaw), and InitChain delivers them, so that the first
// validator set comes from stake, not from a hand-written list.

export interface GentxSpec {
  chainId: string;
  /** The operator's account (tc1...), which must be funded in this genesis. */
  operator: string;
  consensusPubKey: Uint8Array;
  amount: bigint;
  denom: string;
  moniker: string;
  /** Decimal strings, e.g. "0.1". */
  commissionRate: string;
  commissionMaxRate: string;
  commissionMaxChangeRate: string;
  minSelfDelegation: bigint;
}

export interface GenutilGenesisJson {
  gen_txs: string[];
}

export function accountNumberInGenesis(doc: GenesisDoc, address: string): bigint {
  const a = (doc.app_state["auth"] as AuthGenesisJson).accounts.find((x) => x.address === address);
  if (a === undefined)
    throw genesisErrors.invalid.wrap(
      `${address} has no account in genesis; add it with \`tcd genesis add-account\` first`,
    );
  return BigInt(a.account_number);
}

export function gentxMsg(s: GentxSpec): { typeUrl: string; value: Uint8Array } {
  return {
    typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
    value: MsgCreateValidator.encode({
      description: { moniker: s.moniker, identity: "", website: "", securityContact: "", details: "" },
      commission: {
        rate: parseDec(s.commissionRate).toString(),
        maxRate: parseDec(s.commissionMaxRate).toString(),
        maxChangeRate: parseDec(s.commissionMaxChangeRate).toString(),
      },
      minSelfDelegation: s.minSelfDelegation.toString(),
      delegatorAddress: "",
      validatorAddress: encodeAddress(decodeAddress(s.operator), bech32Prefix.validator),
      pubkey: {
        typeUrl: "/cosmos.crypto.ed25519.PubKey",
        value: Ed25519PubKey.encode({ key: s.consensusPubKey }).finish(),
      },
      value: { denom: s.denom, amount: s.amount.toString() },
    }).finish(),
  };
}

/** Signs a gentx (sequence 0, no fee: genesis txs pay none) with the operator's wallet. */
export async function signGentx(signer: OfflineDirectSigner, doc: GenesisDoc, s: GentxSpec): Promise<Uint8Array> {
  const account = (await signer.getAccounts()).find((a) => a.address === s.operator);
  if (account === undefined) throw genesisErrors.invalid.wrap(`the signer has no key for ${s.operator}`);
  const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: [gentxMsg(s)] })).finish();
  const authInfoBytes = makeAuthInfoBytes(
    [{ pubkey: encodePubkey(encodeSecp256k1Pubkey(account.pubkey)), sequence: 0 }],
    [],
    400_000,
    undefined,
    undefined,
  );
  const signDoc = makeSignDoc(bodyBytes, authInfoBytes, s.chainId, Number(accountNumberInGenesis(doc, s.operator)));
  const { signature } = await signer.signDirect(s.operator, signDoc);
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [Buffer.from(signature.signature, "base64")] }).finish();
}

/**
 * Puts the gentxs in genesis (in the given order) and clears the hand-written validator list:
 * the set now comes from InitChain.
 */
export function collectGentxs(doc: GenesisDoc, txs: readonly Uint8Array[]): void {
  for (const [i, tx] of txs.entries()) {
    let body: TxBody;
    try {
      body = TxBody.decode(TxRaw.decode(tx).bodyBytes);
    } catch (e) {
      throw genesisErrors.invalid.wrap(`gentx ${i} is not a transaction: ${(e as Error).message}`);
    }
    if (body.messages.length !== 1 || body.messages[0]!.typeUrl !== "/cosmos.staking.v1beta1.MsgCreateValidator") {
      throw genesisErrors.invalid.wrap(`gentx ${i} must hold exactly one MsgCreateValidator`);
    }
  }
  doc.app_state["genutil"] = {
    gen_txs: txs.map((t) => Buffer.from(t).toString("base64")),
  } satisfies GenutilGenesisJson;
  doc.validators = [];
}
