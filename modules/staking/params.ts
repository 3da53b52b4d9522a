import { Params as PbParams } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { decOne, formatDec, parseDec, validateDenom } from "../sdk/coins.js";
import type { KVStore } from "../sdk/store.js";
import { stakingErrors } from "./errors.js";
import { keys } from "./keys.js";

export interface StakingParams {
  /** Seconds an unbonding (or a validator leaving the set) takes. */
  unbondingTimeSeconds: bigint;
  maxValidators: number;
  /** Unbonding or redelegation entries per (delegator, validator) pair. */
  maxEntries: number;
  historicalEntries: number;
  bondDenom: string;
  /** 18-decimal fixed point. */
  minCommissionRate: bigint;
}

/** Longest unbonding: stake and its queue entries are held no longer than this. */
export const maxUnbondingSeconds = 365n * 24n * 3600n;
/** Most unbonding or redelegation entries per pair: each is a state entry and a queue entry. */
export const maxMaxEntries = 100;
/** The most HistoricalInfo entries kept (one per block, each the bonded set): bounds the state they take. */
export const maxHistoricalEntries = 10_000;

export function defaultParams(): StakingParams {
  return {
    unbondingTimeSeconds: 21n * 24n * 3600n,
    maxValidators: 100,
    maxEntries: 7,
    historicalEntries: 100,
    bondDenom: "utcu",
    minCommissionRate: 0n,
  };
}

export function validateParams(p: StakingParams): void {
  if (p.unbondingTimeSeconds <= 0n || p.unbondingTimeSeconds > maxUnbondingSeconds)
    throw stakingErrors.invalidParams.wrap(
      `unbonding_time must be positive and at most ${maxUnbondingSeconds}s (365 days)`,
    );
  if (!Number.isSafeInteger(p.maxValidators) || p.maxValidators < 1 || p.maxValidators > 10_000)
    throw stakingErrors.invalidParams.wrap("max_validators must be between 1 and 10000");
  if (!Number.isSafeInteger(p.maxEntries) || p.maxEntries < 1 || p.maxEntries > maxMaxEntries)
    throw stakingErrors.invalidParams.wrap(`max_entries must be 1 to ${maxMaxEntries}`);
  if (
    !Number.isSafeInteger(p.historicalEntries) ||
    p.historicalEntries < 0 ||
    p.historicalEntries > maxHistoricalEntries
  )
    throw stakingErrors.invalidParams.wrap(`historical_entries must be between 0 and ${maxHistoricalEntries}`);
  validateDenom(p.bondDenom);
  if (p.minCommissionRate < 0n || p.minCommissionRate > decOne)
    throw stakingErrors.invalidParams.wrap("min_commission_rate must be between 0 and 1");
}

export function paramsToProto(p: StakingParams): PbParams {
  return {
    unbondingTime: { seconds: p.unbondingTimeSeconds, nanos: 0 },
    maxValidators: p.maxValidators,
    maxEntries: p.maxEntries,
    historicalEntries: p.historicalEntries,
    bondDenom: p.bondDenom,
    minCommissionRate: p.minCommissionRate.toString(),
  };
}

export function paramsFromProto(p: PbParams): StakingParams {
  return {
    unbondingTimeSeconds: p.unbondingTime.seconds,
    maxValidators: p.maxValidators,
    maxEntries: p.maxEntries,
    historicalEntries: p.historicalEntries,
    bondDenom: p.bondDenom,
    minCommissionRate: BigInt(p.minCommissionRate === "" ? "0" : p.minCommissionRate),
  };
}

/** Params as genesis JSON shows them (SDK shape: durations as "1814400s", decs as decimals). */
export function paramsToJson(p: StakingParams) {
  return {
    unbonding_time: `${p.unbondingTimeSeconds}s`,
    max_validators: p.maxValidators,
    max_entries: p.maxEntries,
    historical_entries: p.historicalEntries,
    bond_denom: p.bondDenom,
    min_commission_rate: formatDec(p.minCommissionRate),
  };
}

const paramsCache = new WeakMap<Uint8Array, StakingParams>();

export function readParams(store: KVStore): StakingParams {
  const raw = store.get(keys.params);
  if (raw === undefined) return defaultParams();
  let p = paramsCache.get(raw);
  if (p === undefined) {
    p = paramsFromProto(PbParams.decode(raw));
    paramsCache.set(raw, p);
  }
  return p;
}

export function writeParams(store: KVStore, p: StakingParams): void {
  validateParams(p);
  store.set(keys.params, PbParams.encode(paramsToProto(p)).finish());
}

export { parseDec };
