import { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { bech32Prefix, encodeAddress } from "../sdk/address.js";
import { prefixRange, type KVStore } from "../sdk/store.js";
import type { StakingForSlashing } from "./expectedKeepers.js";
import { keys } from "./keys.js";
import { readParams, type SlashingParams } from "./params.js";

// Liveness and double-sign records per validator, by consensus address (uppercase hex of the
// 20-byte CometBFT address). Only this file touches the slashing store.

export const farFuture = { seconds: 253402300799n, nanos: 0 }; // 9999-12-31T23:59:59Z, as the SDK's

export function consBech32(consHex: string): string {
  return encodeAddress(Buffer.from(consHex, "hex"), bech32Prefix.consensus);
}

export class SlashingKeeper {
  constructor(readonly staking: StakingForSlashing) {}

  params(store: KVStore): SlashingParams {
    return readParams(store);
  }

  getSigningInfo(store: KVStore, consHex: string): ValidatorSigningInfo | null {
    const raw = store.get(keys.signingInfo(consHex));
    return raw === undefined ? null : ValidatorSigningInfo.decode(raw);
  }

  setSigningInfo(store: KVStore, consHex: string, info: ValidatorSigningInfo): void {
    store.set(keys.signingInfo(consHex), ValidatorSigningInfo.encode(info).finish());
  }

  *signingInfos(store: KVStore): IterableIterator<{ consHex: string; info: ValidatorSigningInfo }> {
    for (const [k, raw] of prefixRange(store, keys.signingInfoPrefix))
      yield { consHex: k.slice(keys.signingInfoPrefix.length), info: ValidatorSigningInfo.decode(raw) };
  }

  missed(store: KVStore, consHex: string, index: bigint): boolean {
    return store.get(keys.missed(consHex, index)) !== undefined;
  }

  setMissed(store: KVStore, consHex: string, index: bigint, missed: boolean): void {
    if (missed) store.set(keys.missed(consHex, index), new Uint8Array([1]));
    else store.delete(keys.missed(consHex, index));
  }

  missedIndices(store: KVStore, consHex: string): bigint[] {
    const prefix = keys.missedOf(consHex);
    return [...prefixRange(store, prefix)].map(([k]) => BigInt(k.slice(prefix.length)));
  }

  clearMissed(store: KVStore, consHex: string): void {
    for (const [k] of [...prefixRange(store, keys.missedOf(consHex))]) store.delete(k);
  }
}
