import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { isAscii, smallUint, varintLength, writeAscii, writeVarint } from "../sdk/protoWire.js";
import { fromUtf8, prefixRange, utf8, type KVStore } from "../sdk/store.js";
import { keys } from "./keys.js";
import { decodeParams, encodeFeeParams, encodeParams, type Params } from "./params.js";

export const secp256k1PubKeyTypeUrl = "/cosmos.crypto.secp256k1.PubKey";
export const baseAccountTypeUrl = "/cosmos.auth.v1beta1.BaseAccount";

const maxUint64 = 2n ** 64n - 1n;
const asciiAddress = /^[\x21-\x7e]*$/;

export const multisigPubKeyTypeUrl = "/cosmos.crypto.multisig.LegacyAminoPubKey";

/** A LegacyAminoPubKey: k of these compressed secp256k1 keys, in this order. */
export interface MultisigKey {
  threshold: number;
  pubKeys: Uint8Array[];
}

export interface Account {
  address: string;
  /** Compressed secp256k1 key (33 bytes), set by the account's first signed tx. */
  pubKey: Uint8Array | null;
  /** The multisig key of a multisig account (then pubKey is null), set by its first signed tx. */
  multisig?: MultisigKey;
  accountNumber: bigint;
  sequence: bigint;
}

export function encodeMultisig(m: MultisigKey): Uint8Array {
  return LegacyAminoPubKey.encode({
    threshold: m.threshold,
    publicKeys: m.pubKeys.map((key) => ({
      typeUrl: secp256k1PubKeyTypeUrl,
      value: Secp256k1PubKey.encode({ key }).finish(),
    })),
  }).finish();
}

export function decodeMultisig(bytes: Uint8Array): MultisigKey {
  const m = LegacyAminoPubKey.decode(bytes);
  return {
    threshold: m.threshold,
    pubKeys: m.publicKeys.map((k) =>
      k.typeUrl === secp256k1PubKeyTypeUrl ? Secp256k1PubKey.decode(k.value).key : new Uint8Array(),
    ),
  };
}

/** The BaseAccount.pub_key field of a 33-byte secp256k1 key, up to the key: tags and lengths. */
const secp256k1PubKeyFieldHead = (() => {
  const head = new Uint8Array(2 + 2 + secp256k1PubKeyTypeUrl.length + 2 + 2);
  let p = 0;
  head[p++] = 0x12; // BaseAccount.pub_key (2, length-delimited)
  head[p++] = 2 + secp256k1PubKeyTypeUrl.length + 2 + 2 + 33;
  head[p++] = 0x0a; // Any.type_url (1)
  head[p++] = secp256k1PubKeyTypeUrl.length;
  p = writeAscii(head, p, secp256k1PubKeyTypeUrl);
  head[p++] = 0x12; // Any.value (2)
  head[p++] = 2 + 33;
  head[p++] = 0x0a; // PubKey.key (1)
  head[p] = 33;
  return head;
})();

/**
 * encodeAccount for the accounts every tx writes (an ASCII address, one 33-byte key or none,
 * numbers below 2^31), written directly; null for anything else. The bytes are BaseAccount.encode's
 * (fields in order, defaults omitted), as modules/auth/test/accountCodec.test.ts checks.
 */
function encodeSimpleAccount(a: Account): Uint8Array | null {
  if (a.multisig !== undefined) return null;
  const { address, pubKey } = a;
  if (pubKey !== null && pubKey.length !== 33 && pubKey.length !== 0) return null;
  if (address.length > 127 || !isAscii(address)) return null;
  const accountNumber = smallUint(a.accountNumber);
  const sequence = smallUint(a.sequence);
  if (accountNumber < 0 || sequence < 0) return null;
  const withKey = pubKey !== null && pubKey.length === 33;
  const len =
    (address === "" ? 0 : 2 + address.length) +
    (pubKey === null ? 0 : withKey ? secp256k1PubKeyFieldHead.length + 33 : 4 + secp256k1PubKeyTypeUrl.length) +
    (accountNumber === 0 ? 0 : 1 + varintLength(accountNumber)) +
    (sequence === 0 ? 0 : 1 + varintLength(sequence));
  const out = new Uint8Array(len);
  let p = 0;
  if (address !== "") {
    out[p++] = 0x0a;
    out[p++] = address.length;
    p = writeAscii(out, p, address);
  }
  if (withKey) {
    out.set(secp256k1PubKeyFieldHead, p);
    p += secp256k1PubKeyFieldHead.length;
    out.set(pubKey, p);
    p += 33;
  } else if (pubKey !== null) {
    // An empty key: PubKey encodes to no bytes, so the Any carries its type URL only.
    out[p++] = 0x12;
    out[p++] = 2 + secp256k1PubKeyTypeUrl.length;
    out[p++] = 0x0a;
    out[p++] = secp256k1PubKeyTypeUrl.length;
    p = writeAscii(out, p, secp256k1PubKeyTypeUrl);
  }
  if (accountNumber !== 0) {
    out[p++] = 0x18;
    p = writeVarint(out, p, accountNumber);
  }
  if (sequence !== 0) {
    out[p++] = 0x20;
    writeVarint(out, p, sequence);
  }
  return out;
}

export function encodeAccount(a: Account): Uint8Array {
  return encodeSimpleAccount(a) ?? encodeGeneratedAccount(a);
}

/** The generated encoder's bytes (what encodeSimpleAccount must equal where it applies). */
export function encodeGeneratedAccount(a: Account): Uint8Array {
  return BaseAccount.encode({
    address: a.address,
    pubKey:
      a.multisig !== undefined
        ? { typeUrl: multisigPubKeyTypeUrl, value: encodeMultisig(a.multisig) }
        : a.pubKey === null
          ? undefined
          : { typeUrl: secp256k1PubKeyTypeUrl, value: Secp256k1PubKey.encode({ key: a.pubKey }).finish() },
    accountNumber: a.accountNumber,
    sequence: a.sequence,
  }).finish();
}

export function decodeAccount(bytes: Uint8Array): Account {
  const b = BaseAccount.decode(bytes);
  const multi = b.pubKey?.typeUrl === multisigPubKeyTypeUrl;
  return {
    address: b.address,
    pubKey: b.pubKey === undefined || multi ? null : Secp256k1PubKey.decode(b.pubKey.value).key,
    ...(multi ? { multisig: decodeMultisig(b.pubKey!.value) } : {}),
    accountNumber: b.accountNumber,
    sequence: b.sequence,
  };
}

/**
 * The only code that touches the auth store prefixes. Accounts are created, with the next
 * account number, when an address first receives funds (bank calls ensureAccount).
 */
export class AccountKeeper {
  /**
   * Decoded values by the identity of their stored bytes: store values are never mutated, so a
   * byte array seen before decodes to the same thing. Saves a protobuf decode per tx.
   */
  private readonly decoded = new WeakMap<Uint8Array, Account>();
  private readonly decodedParams = new WeakMap<Uint8Array, Params>();

  getAccount(store: KVStore, address: string): Account | null {
    const raw = store.get(keys.account(address));
    if (raw === undefined) return null;
    let a = this.decoded.get(raw);
    if (a === undefined) {
      a = decodeAccount(raw);
      this.decoded.set(raw, a);
    }
    return { ...a };
  }

  hasAccount(store: KVStore, address: string): boolean {
    return store.has(keys.account(address));
  }

  setAccount(store: KVStore, account: Account): void {
    const bytes = encodeAccount(account);
    store.set(keys.account(account.address), bytes);
    // What decodeAccount(bytes) gives, remembered now: the next tx of this sender (CheckTx on the
    // check state, the block's next tx) reads these bytes back. Only where the round trip is
    // exact: an ASCII address, a single key or none, both numbers within uint64 (multisig
    // accounts, or anything else, decode as usual).
    if (
      account.multisig === undefined &&
      asciiAddress.test(account.address) &&
      account.accountNumber >= 0n &&
      account.accountNumber <= maxUint64 &&
      account.sequence >= 0n &&
      account.sequence <= maxUint64
    ) {
      this.decoded.set(bytes, {
        address: account.address,
        pubKey: account.pubKey === null ? null : account.pubKey.slice(),
        accountNumber: account.accountNumber,
        sequence: account.sequence,
      });
    }
  }

  /** Returns the account, creating it with the next account number if it does not exist. */
  ensureAccount(store: KVStore, address: string): Account {
    const existing = this.getAccount(store, address);
    if (existing !== null) return existing;
    const account: Account = { address, pubKey: null, accountNumber: this.nextAccountNumber(store), sequence: 0n };
    this.setAccount(store, account);
    return account;
  }

  private nextAccountNumber(store: KVStore): bigint {
    const raw = store.get(keys.nextAccountNumber);
    const n = raw === undefined ? 0n : BigInt(fromUtf8(raw));
    store.set(keys.nextAccountNumber, utf8((n + 1n).toString()));
    return n;
  }

  /** The number the next new account gets, without taking it. */
  peekNextAccountNumber(store: KVStore): bigint {
    const raw = store.get(keys.nextAccountNumber);
    return raw === undefined ? 0n : BigInt(fromUtf8(raw));
  }

  /** Restores the counter from genesis (the highest number in use + 1). */
  setNextAccountNumber(store: KVStore, n: bigint): void {
    store.set(keys.nextAccountNumber, utf8(n.toString()));
  }

  *accounts(store: KVStore): IterableIterator<Account> {
    for (const [, v] of prefixRange(store, keys.accountPrefix)) yield decodeAccount(v);
  }

  getParams(store: KVStore): Params {
    const std = store.get(keys.params);
    const fee = store.get(keys.feeParams);
    if (std === undefined || fee === undefined) throw new Error("auth params missing from state");
    let p = this.decodedParams.get(fee);
    if (p === undefined || this.decodedParams.get(std) !== p) {
      p = decodeParams(std, fee);
      this.decodedParams.set(fee, p);
      this.decodedParams.set(std, p);
    }
    return p;
  }

  setParams(store: KVStore, p: Params): void {
    store.set(keys.params, encodeParams(p));
    store.set(keys.feeParams, encodeFeeParams(p));
  }
}

/** The narrow view of accounts other modules are given (CONVENTIONS: expected keepers). */
export interface AccountKeeperView {
  ensureAccount(store: KVStore, address: string): Account;
  hasAccount(store: KVStore, address: string): boolean;
}
