import { createHash } from "node:crypto";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { BondStatus, Redelegation, UnbondingDelegation, Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { BankForStaking } from "./expectedKeepers.js";
import { moduleAddress, operatorAccount } from "../sdk/address.js";
import { big, decOne } from "../sdk/coins.js";
import type { Context, Timestamp } from "../sdk/context.js";
import { paginateStore } from "../sdk/pagination.js";
import { fromUtf8, heightKey, prefixRange, utf8, type KVStore } from "../sdk/store.js";
import { stakingErrors } from "./errors.js";
import { keys } from "./keys.js";
import { readParams, type StakingParams } from "./params.js";

// The staking keeper: validators, delegations (shares), unbonding and redelegation entries,
// and the two pools that hold bonded and not-bonded stake. Only this file touches the staking
// store. Amounts are bigint; shares are 18-decimal fixed point (the SDK's LegacyDec atomics).

export const bondedPoolName = "bonded_tokens_pool";
export const notBondedPoolName = "not_bonded_tokens_pool";
/** Tokens per unit of consensus power (the SDK's DefaultPowerReduction). */
export const powerReduction = 1_000_000n;
/** The largest height a slash key holds (uint64, the request's heights). */
const maxSlashHeight = (1n << 64n) - 1n;
export const ed25519PubKeyTypeUrl = "/cosmos.crypto.ed25519.PubKey";

export function consensusPower(tokens: bigint): bigint {
  return tokens / powerReduction;
}

/** The 32-byte ed25519 key inside a validator's consensus_pubkey Any. */
export function consensusKey(pk: Any | undefined): Uint8Array {
  if (pk === undefined) throw stakingErrors.emptyValidatorPubKey.wrap();
  if (pk.typeUrl !== ed25519PubKeyTypeUrl)
    throw stakingErrors.validatorPubKeyTypeNotSupported.wrap(`got ${pk.typeUrl}, expected ${ed25519PubKeyTypeUrl}`);
  let key: Uint8Array;
  try {
    key = Ed25519PubKey.decode(pk.value).key;
  } catch (e) {
    throw stakingErrors.emptyValidatorPubKey.wrap((e as Error).message);
  }
  if (key.length !== 32) throw stakingErrors.validatorPubKeyTypeNotSupported.wrap("ed25519 keys are 32 bytes");
  return key;
}

/**
 * consensusKey for a message's key, which must also be in its one canonical encoding: amino
 * JSON signs the key, not these bytes (modules/auth/txForm.ts). Only at ValidateBasic: stored
 * validators are read with consensusKey, leniently, so that a key stored before this rule
 * never halts a block.
 */
export function canonicalConsensusKey(pk: Any | undefined): Uint8Array {
  const key = consensusKey(pk);
  if (!Buffer.from(Ed25519PubKey.encode({ key }).finish()).equals(pk!.value))
    throw stakingErrors.validatorPubKeyTypeNotSupported.wrap("the ed25519 key is not in its canonical encoding");
  return key;
}

/** Shares issued for `amount` tokens at the validator's exchange rate (floor). */
export function sharesFromTokens(v: Validator, amount: bigint): bigint {
  const tokens = big(v.tokens);
  const shares = big(v.delegatorShares);
  if (tokens === 0n) {
    if (shares !== 0n) throw stakingErrors.delegatorShareExRateInvalid.wrap();
    return amount * decOne;
  }
  return (amount * shares) / tokens;
}

/** Tokens that `shares` are worth (floor). */
export function tokensFromShares(v: Validator, shares: bigint): bigint {
  const total = big(v.delegatorShares);
  return total === 0n ? 0n : (shares * big(v.tokens)) / total;
}

/**
 * Called around every change of a delegation's shares (the SDK's staking hooks), so that the
 * reward module can settle what the old shares earned before they change.
 */
export interface StakingHooks {
  beforeDelegationSharesModified(ctx: Context, delegator: string, valoper: string): void;
  afterDelegationModified(ctx: Context, delegator: string, valoper: string): void;
}

export class StakingKeeper {
  private hooks: StakingHooks | null = null;

  constructor(readonly bank: BankForStaking) {}

  /** Set once at wiring time (the reward module is built after staking). */
  setHooks(h: StakingHooks): void {
    if (this.hooks !== null) throw new Error("staking hooks are already set");
    this.hooks = h;
  }

  params(store: KVStore): StakingParams {
    return readParams(store);
  }

  // ---- validators ----

  getValidator(store: KVStore, valoper: string): Validator | null {
    const raw = store.get(keys.validator(valoper));
    return raw === undefined ? null : Validator.decode(raw);
  }

  mustGetValidator(store: KVStore, valoper: string): Validator {
    const v = this.getValidator(store, valoper);
    if (v === null) throw stakingErrors.noValidatorFound.wrap(valoper);
    return v;
  }

  setValidator(store: KVStore, v: Validator): void {
    store.set(keys.validator(v.operatorAddress), Validator.encode(v).finish());
  }

  /** Registers a new validator and its consensus-key index. */
  createValidator(store: KVStore, v: Validator): void {
    const consHex = Buffer.from(consensusAddress(consensusKey(v.consensusPubkey)))
      .toString("hex")
      .toUpperCase();
    store.set(keys.byConsAddr(consHex), utf8(v.operatorAddress));
    this.setValidator(store, v);
    this.markDirty(store);
  }

  removeValidator(store: KVStore, v: Validator): void {
    const consHex = Buffer.from(consensusAddress(consensusKey(v.consensusPubkey)))
      .toString("hex")
      .toUpperCase();
    store.delete(keys.byConsAddr(consHex));
    store.delete(keys.validator(v.operatorAddress));
    // As the SDK's distribution on AfterValidatorRemoved: its slash history goes with it.
    for (const [k] of [...prefixRange(store, keys.slashEventsOf(v.operatorAddress))]) store.delete(k);
  }

  validatorByConsAddr(store: KVStore, consHex: string): Validator | null {
    const raw = store.get(keys.byConsAddr(consHex.toUpperCase()));
    return raw === undefined ? null : this.getValidator(store, fromUtf8(raw));
  }

  /** Every validator, by operator address. */
  *validators(store: KVStore): IterableIterator<Validator> {
    for (const [, raw] of prefixRange(store, keys.validatorPrefix)) yield Validator.decode(raw);
  }

  markDirty(store: KVStore): void {
    store.set(keys.dirty, utf8("1"));
  }

  poolOf(v: Validator): string {
    return moduleAddress(v.status === BondStatus.BOND_STATUS_BONDED ? bondedPoolName : notBondedPoolName);
  }

  // ---- delegations ----

  getDelegationShares(store: KVStore, delegator: string, valoper: string): bigint {
    const raw = store.get(keys.delegation(delegator, valoper));
    return raw === undefined ? 0n : BigInt(fromUtf8(raw));
  }

  private setDelegationShares(store: KVStore, delegator: string, valoper: string, shares: bigint): void {
    if (shares === 0n) {
      store.delete(keys.delegation(delegator, valoper));
      store.delete(keys.delegationByVal(valoper, delegator));
    } else {
      store.set(keys.delegation(delegator, valoper), utf8(shares.toString()));
      store.set(keys.delegationByVal(valoper, delegator), new Uint8Array());
    }
  }

  /** (validator, shares) of a delegator, by validator address. */
  *delegationsOf(store: KVStore, delegator: string): IterableIterator<{ valoper: string; shares: bigint }> {
    const prefix = keys.delegationsOf(delegator);
    for (const [k, raw] of prefixRange(store, prefix))
      yield { valoper: k.slice(prefix.length), shares: BigInt(fromUtf8(raw)) };
  }

  *delegatorsOf(store: KVStore, valoper: string): IterableIterator<{ delegator: string; shares: bigint }> {
    const prefix = keys.delegationsByVal(valoper);
    for (const [k] of prefixRange(store, prefix)) {
      const delegator = k.slice(prefix.length);
      yield { delegator, shares: this.getDelegationShares(store, delegator, valoper) };
    }
  }

  *allDelegations(store: KVStore): IterableIterator<{ delegator: string; valoper: string; shares: bigint }> {
    for (const [k, raw] of prefixRange(store, keys.delegationPrefix)) {
      const [delegator, valoper] = k.slice(keys.delegationPrefix.length).split("/") as [string, string];
      yield { delegator, valoper, shares: BigInt(fromUtf8(raw)) };
    }
  }

  /**
   * Adds `amount` tokens to a validator as new shares of `delegator`. The coins come from the
   * delegator's account (`fromAccount`) or, for a redelegation, are already in a pool.
   */
  delegate(
    ctx: Context,
    delegator: string,
    v: Validator,
    amount: bigint,
    fromAccount: boolean,
    fromPool?: string,
  ): bigint {
    const shares = sharesFromTokens(v, amount);
    if (shares === 0n) throw stakingErrors.delegationValidatorEmpty.wrap("amount too small for any share");
    this.hooks?.beforeDelegationSharesModified(ctx, delegator, v.operatorAddress);
    const denom = this.params(ctx.store).bondDenom;
    const coins = [{ denom, amount }];
    const pool = this.poolOf(v);
    if (fromAccount) this.bank.transfer(ctx, delegator, pool, coins);
    else if (fromPool !== undefined && fromPool !== pool) this.bank.transfer(ctx, fromPool, pool, coins);
    v.tokens = (big(v.tokens) + amount).toString();
    v.delegatorShares = (big(v.delegatorShares) + shares).toString();
    this.setValidator(ctx.store, v);
    this.setDelegationShares(
      ctx.store,
      delegator,
      v.operatorAddress,
      this.getDelegationShares(ctx.store, delegator, v.operatorAddress) + shares,
    );
    this.markDirty(ctx.store);
    this.hooks?.afterDelegationModified(ctx, delegator, v.operatorAddress);
    return shares;
  }

  /**
   * Removes `shares` of a delegation and the tokens they are worth from the validator (coins
   * stay in the validator's pool; the caller moves them). Jails an operator that falls below
   * its minimum self-delegation.
   */
  unbond(ctx: Context, delegator: string, v: Validator, shares: bigint): bigint {
    const have = this.getDelegationShares(ctx.store, delegator, v.operatorAddress);
    if (have === 0n) throw stakingErrors.noDelegation.wrap(`${delegator} to ${v.operatorAddress}`);
    if (shares > have) throw stakingErrors.notEnoughDelegationShares.wrap(`have ${have}, asked ${shares}`);
    this.hooks?.beforeDelegationSharesModified(ctx, delegator, v.operatorAddress);
    const remaining = have - shares;
    this.setDelegationShares(ctx.store, delegator, v.operatorAddress, remaining);
    const totalShares = big(v.delegatorShares);
    const amount = shares === totalShares ? big(v.tokens) : tokensFromShares(v, shares);
    v.tokens = (big(v.tokens) - amount).toString();
    v.delegatorShares = (totalShares - shares).toString();
    if (
      delegator === operatorAccount(v.operatorAddress) &&
      !v.jailed &&
      tokensFromShares(v, remaining) < big(v.minSelfDelegation)
    ) {
      v.jailed = true;
    }
    this.setValidator(ctx.store, v);
    this.markDirty(ctx.store);
    this.hooks?.afterDelegationModified(ctx, delegator, v.operatorAddress);
    return amount;
  }

  /** Amount → shares for an undelegation, as the SDK's ValidateUnbondAmount. */
  sharesForAmount(store: KVStore, delegator: string, v: Validator, amount: bigint): bigint {
    const have = this.getDelegationShares(store, delegator, v.operatorAddress);
    if (have === 0n) throw stakingErrors.noDelegation.wrap(`${delegator} to ${v.operatorAddress}`);
    const tokens = big(v.tokens);
    if (tokens === 0n) throw stakingErrors.insufficientShares.wrap();
    // Shares rounded up, so that the tokens returned are at least the amount asked when possible.
    const shares = (amount * big(v.delegatorShares) + tokens - 1n) / tokens;
    const truncated = (amount * big(v.delegatorShares)) / tokens;
    if (truncated > have)
      throw stakingErrors.insufficientShares.wrap(`delegation is worth ${tokensFromShares(v, have)}, asked ${amount}`);
    return shares > have ? have : shares;
  }

  // ---- unbonding delegations ----

  getUnbonding(store: KVStore, delegator: string, valoper: string): UnbondingDelegation | null {
    const raw = store.get(keys.unbonding(delegator, valoper));
    return raw === undefined ? null : UnbondingDelegation.decode(raw);
  }

  setUnbonding(store: KVStore, u: UnbondingDelegation): void {
    if (u.entries.length === 0) {
      store.delete(keys.unbonding(u.delegatorAddress, u.validatorAddress));
      store.delete(keys.unbondingByVal(u.validatorAddress, u.delegatorAddress));
      return;
    }
    store.set(keys.unbonding(u.delegatorAddress, u.validatorAddress), UnbondingDelegation.encode(u).finish());
    store.set(keys.unbondingByVal(u.validatorAddress, u.delegatorAddress), new Uint8Array());
  }

  *unbondingsOf(store: KVStore, delegator: string): IterableIterator<UnbondingDelegation> {
    for (const [, raw] of prefixRange(store, keys.unbondingsOf(delegator))) yield UnbondingDelegation.decode(raw);
  }

  *unbondingsFrom(store: KVStore, valoper: string): IterableIterator<UnbondingDelegation> {
    const prefix = keys.unbondingsByVal(valoper);
    for (const [k] of prefixRange(store, prefix)) {
      const u = this.getUnbonding(store, k.slice(prefix.length), valoper);
      if (u !== null) yield u;
    }
  }

  *allUnbondings(store: KVStore): IterableIterator<UnbondingDelegation> {
    for (const [, raw] of prefixRange(store, keys.unbondingPrefix)) yield UnbondingDelegation.decode(raw);
  }

  addUnbondingEntry(ctx: Context, delegator: string, valoper: string, amount: bigint, completion: Timestamp): void {
    const u = this.getUnbonding(ctx.store, delegator, valoper) ?? {
      delegatorAddress: delegator,
      validatorAddress: valoper,
      entries: [],
    };
    if (u.entries.length >= this.params(ctx.store).maxEntries) throw stakingErrors.maxUnbondingDelegationEntries.wrap();
    u.entries.push({
      creationHeight: ctx.height,
      completionTime: completion,
      initialBalance: amount.toString(),
      balance: amount.toString(),
      unbondingId: 0n,
      unbondingOnHoldRefCount: 0n,
    });
    this.setUnbonding(ctx.store, u);
    ctx.store.set(keys.unbondingQueue(completion, delegator, valoper), new Uint8Array());
  }

  // ---- redelegations ----

  getRedelegation(store: KVStore, delegator: string, src: string, dst: string): Redelegation | null {
    const raw = store.get(keys.redelegation(delegator, src, dst));
    return raw === undefined ? null : Redelegation.decode(raw);
  }

  setRedelegation(store: KVStore, r: Redelegation): void {
    const key = keys.redelegation(r.delegatorAddress, r.validatorSrcAddress, r.validatorDstAddress);
    if (r.entries.length === 0) store.delete(key);
    else store.set(key, Redelegation.encode(r).finish());
  }

  *redelegationsOf(store: KVStore, delegator: string): IterableIterator<Redelegation> {
    for (const [, raw] of prefixRange(store, keys.redelegationsOf(delegator))) yield Redelegation.decode(raw);
  }

  *allRedelegations(store: KVStore): IterableIterator<Redelegation> {
    for (const [, raw] of prefixRange(store, keys.redelegationPrefix)) yield Redelegation.decode(raw);
  }

  /** A redelegation into `valoper` by this delegator is still maturing. */
  hasReceivingRedelegation(store: KVStore, delegator: string, valoper: string): boolean {
    for (const r of this.redelegationsOf(store, delegator)) if (r.validatorDstAddress === valoper) return true;
    return false;
  }

  // ---- the last set handed to consensus ----

  /** Records a slash (one per validator and height; a second one that height adds its fraction). */
  recordSlash(store: KVStore, valoper: string, height: bigint, fraction: bigint): void {
    const key = keys.slashEvent(valoper, height);
    const prev = store.get(key);
    store.set(key, utf8(((prev === undefined ? 0n : BigInt(fromUtf8(prev))) + fraction).toString()));
  }

  /** A validator's slashes in height order, as (height, fraction in 18 decimals). */
  *slashEvents(store: KVStore, valoper: string): IterableIterator<{ height: bigint; fraction: bigint }> {
    const prefix = keys.slashEventsOf(valoper);
    for (const [k, v] of prefixRange(store, prefix))
      yield { height: BigInt(`0x${k.slice(prefix.length)}`), fraction: BigInt(fromUtf8(v)) };
  }

  /**
   * One page of a validator's slashes at heights in [from, to] (distribution's ValidatorSlashes),
   * read from the store's height-ordered keys; next_key is the next slash's height key.
   */
  slashEventsPage(
    store: KVStore,
    valoper: string,
    from: bigint,
    to: bigint,
    req: PageRequest | undefined,
  ): { page: Array<{ height: bigint; fraction: bigint }>; pagination: PageResponse } {
    return paginateStore(
      store,
      keys.slashEventsOf(valoper),
      req,
      (height, v) => ({ height: BigInt(`0x${height}`), fraction: BigInt(fromUtf8(v)) }),
      false,
      { start: heightKey(from), end: to >= maxSlashHeight ? undefined : heightKey(to + 1n) },
    );
  }

  lastPower(store: KVStore, valoper: string): bigint {
    const raw = store.get(keys.lastPower(valoper));
    return raw === undefined ? 0n : BigInt(fromUtf8(raw));
  }

  setLastPower(store: KVStore, valoper: string, power: bigint): void {
    if (power === 0n) store.delete(keys.lastPower(valoper));
    else store.set(keys.lastPower(valoper), utf8(power.toString()));
  }

  *lastPowers(store: KVStore): IterableIterator<{ valoper: string; power: bigint }> {
    for (const [k, raw] of prefixRange(store, keys.lastPowerPrefix))
      yield { valoper: k.slice(keys.lastPowerPrefix.length), power: BigInt(fromUtf8(raw)) };
  }
}

/** CometBFT's address of an ed25519 key: the first 20 bytes of its sha256. */
export function consensusAddress(pubKey: Uint8Array): Uint8Array {
  return createHash("sha256").update(pubKey).digest().subarray(0, 20);
}
