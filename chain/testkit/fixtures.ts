import assert from "node:assert/strict";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import {
  MsgBeginRedelegate,
  MsgCreateValidator,
  MsgDelegate,
  MsgUndelegate,
} from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import type { BlockReports, TestChain } from "./inProcessChain.js";
import { rawKeyFromSeed, signTx, type RawKey } from "../../client/sdk/signing.js";
import { bech32Prefix, decodeAddress, encodeAddress } from "../../modules/sdk/address.js";

// Shared by the staking and slashing scenario tests: operators, messages, and tx helpers.

export const ops = [0, 1, 2].map((i) => rawKeyFromSeed(`staking-op-${i}`));
export const dave = rawKeyFromSeed("staking-dave");
export const fee = { amount: [{ denom: "utcu", amount: "1000" }], gasLimit: 400_000n };
export const dec = (s: string) => (BigInt(Math.round(Number(s) * 1e6)) * 10n ** 12n).toString(); // "0.1" → 18-decimal atomics
export const valoper = (k: RawKey) => encodeAddress(decodeAddress(k.address), bech32Prefix.validator);
export const consKey = (i: number) => new Uint8Array(32).fill(40 + i);
export const any = (typeUrl: string, value: Uint8Array): Any => ({ typeUrl, value });
/** Genesis accounts: each key holding `amount` utcu (10^9 unless named). */
export const funded = (keys: ReadonlyArray<{ address: string }>, amount = 1_000_000_000n) =>
  keys.map((k) => ({ address: k.address, coins: [{ denom: "utcu", amount }] }));

export function createValidatorMsg(i: number, amount: bigint, over: Partial<MsgCreateValidator> = {}): Any {
  return any(
    "/cosmos.staking.v1beta1.MsgCreateValidator",
    MsgCreateValidator.encode({
      description: { moniker: `op${i}`, identity: "", website: "", securityContact: "", details: "" },
      commission: { rate: dec("0.1"), maxRate: dec("0.2"), maxChangeRate: dec("0.01") },
      minSelfDelegation: "1000000",
      delegatorAddress: "",
      validatorAddress: valoper(ops[i]!),
      pubkey: any("/cosmos.crypto.ed25519.PubKey", Ed25519PubKey.encode({ key: consKey(i) }).finish()),
      value: { denom: "utcu", amount: amount.toString() },
      ...over,
    }).finish(),
  );
}

export const delegateMsg = (from: RawKey, to: string, amount: bigint, denom = "utcu") =>
  any(
    "/cosmos.staking.v1beta1.MsgDelegate",
    MsgDelegate.encode({
      delegatorAddress: from.address,
      validatorAddress: to,
      amount: { denom, amount: amount.toString() },
    }).finish(),
  );
export const undelegateMsg = (from: RawKey, to: string, amount: bigint) =>
  any(
    "/cosmos.staking.v1beta1.MsgUndelegate",
    MsgUndelegate.encode({
      delegatorAddress: from.address,
      validatorAddress: to,
      amount: { denom: "utcu", amount: amount.toString() },
    }).finish(),
  );
export const redelegateMsg = (from: RawKey, src: string, dst: string, amount: bigint) =>
  any(
    "/cosmos.staking.v1beta1.MsgBeginRedelegate",
    MsgBeginRedelegate.encode({
      delegatorAddress: from.address,
      validatorSrcAddress: src,
      validatorDstAddress: dst,
      amount: { denom: "utcu", amount: amount.toString() },
    }).finish(),
  );

/** Signs with the account's current number and sequence, delivers in a block of its own. */
export function txHelpers(chain: () => TestChain) {
  async function tx(key: RawKey, msgs: Any[], reports?: BlockReports): Promise<ResponseFinalizeBlock> {
    const acc = await q(
      "/cosmos.auth.v1beta1.Query/Account",
      QueryAccountRequest.encode({ address: key.address }).finish(),
      (b) => BaseAccount.decode(QueryAccountResponse.decode(b).account!.value),
    );
    return chain().deliver(
      [signTx(key, { chainId: chain().chainId, accountNumber: acc.accountNumber, sequence: acc.sequence, msgs, fee })],
      reports,
    );
  }

  async function ok(key: RawKey, msgs: Any[], reports?: BlockReports): Promise<ResponseFinalizeBlock> {
    const res = await tx(key, msgs, reports);
    assert.equal(res.txResults[0]!.code, 0, res.txResults[0]!.log);
    return res;
  }

  async function fails(key: RawKey, msgs: Any[], codespace: string, code: number, pattern?: RegExp): Promise<void> {
    const res = await tx(key, msgs);
    const r = res.txResults[0]!;
    assert.equal(r.codespace, codespace, r.log);
    assert.equal(r.code, code, r.log);
    if (pattern !== undefined) assert.match(r.log, pattern);
  }

  async function q<T>(path: string, data: Uint8Array, decode: (b: Uint8Array) => T): Promise<T> {
    const res = await chain().query(path, data);
    assert.equal(res.code, 0, res.log);
    return decode(res.value);
  }

  return { tx, ok, fails, q };
}
