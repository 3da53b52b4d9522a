import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
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

export function encodeAccount(a: Account): Uint8Array {
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
