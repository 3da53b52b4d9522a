import { createHash, hash } from "node:crypto";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { sdkErrors } from "./errors.js";

/** The chain's bech32 prefixes, as in Cosmos: accounts, validator operators, consensus keys. */
export const bech32Prefix = {
  account: "tc",
  validator: "tcvaloper",
  consensus: "tcvalcons",
} as const;

/** Decodes and checks a bech32 address of the given prefix; 20 or 32 bytes, as the SDK allows. */
export function decodeAddress(addr: string, prefix: string = bech32Prefix.account): Uint8Array {
  let decoded: { prefix: string; data: Uint8Array };
  try {
    decoded = fromBech32(addr, 90);
  } catch (e) {
    throw sdkErrors.invalidAddress.wrap(`invalid address ${JSON.stringify(addr)}: ${(e as Error).message}`);
  }
  if (decoded.prefix !== prefix) {
    throw sdkErrors.invalidAddress.wrap(`invalid Bech32 prefix; expected ${prefix}, got ${decoded.prefix}`);
  }
  if (decoded.data.length !== 20 && decoded.data.length !== 32) {
    throw sdkErrors.invalidAddress.wrap(`address length must be 20 or 32 bytes, got ${decoded.data.length}`);
  }
  if (addr !== addr.toLowerCase()) {
    throw sdkErrors.invalidAddress.wrap("address must be lowercase");
  }
  return decoded.data;
}

/** Addresses already found valid, per prefix: bech32 checks are pure, and this is a hot path. */
const validAddresses = new Map<string, string>();

/** Validates and returns the canonical (lowercase) form. */
export function validateAddress(addr: string, prefix: string = bech32Prefix.account): string {
  if (validAddresses.get(addr) === prefix) return addr;
  decodeAddress(addr, prefix);
  if (validAddresses.size >= 100_000) validAddresses.clear();
  validAddresses.set(addr, prefix);
  return addr;
}

export function encodeAddress(bytes: Uint8Array, prefix: string = bech32Prefix.account): string {
  return toBech32(prefix, bytes);
}

/** Module accounts: the first 20 bytes of sha256(name), as the SDK's address.Module. */
const moduleAddresses = new Map<string, string>();
export function moduleAddress(name: string): string {
  let a = moduleAddresses.get(name);
  if (a === undefined) {
    a = encodeAddress(createHash("sha256").update(name).digest().subarray(0, 20));
    moduleAddresses.set(name, a);
  }
  return a;
}

/** Account address of a secp256k1 compressed public key: ripemd160(sha256(pubkey)). */
export function secp256k1Address(pubkey: Uint8Array): string {
  // A pure function of the key, asked for by every tx (pre-check, CheckTx, block): memoised, bounded.
  const k = Buffer.from(pubkey.buffer, pubkey.byteOffset, pubkey.byteLength).toString("latin1");
  let a = keyAddresses.get(k);
  if (a === undefined) {
    a = encodeAddress(hash("ripemd160", hash("sha256", pubkey, "buffer"), "buffer"));
    if (keyAddresses.size >= 100_000) keyAddresses.clear();
    keyAddresses.set(k, a);
  }
  return a;
}
const keyAddresses = new Map<string, string>();

/** A validator operator's account address: the valoper's bytes with the account prefix. */
export function operatorAccount(valoper: string): string {
  return encodeAddress(decodeAddress(valoper, bech32Prefix.validator));
}
