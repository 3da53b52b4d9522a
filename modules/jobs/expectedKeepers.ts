import type { Coin } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import type { KVStore } from "../sdk/store.js";
import type { ComparisonRule } from "./sketch.js";

export interface BankForJobs {
  transfer(ctx: Context, from: string, to: string, coins: readonly Coin[]): void;
  getBalance(store: KVStore, address: string, denom: string): bigint;
}

export interface ProviderForJobs {
  owner: string;
  pricePerUnit: string;
  slots: number;
  bond: string;
  gpus: ReadonlyArray<{ vendor: string; model: string; memoryMib: number; count: number }>;
}

/** A provider as capability challenges see it (status 1 active, 3 jailed). */
export interface ChallengeableProvider extends ProviderForJobs {
  models: string[];
  status: number;
  challengeHold: boolean;
  jailedUntil: string;
}

/** The registry as jobs sees it: models, the providers that may take a job now, bond slashing. */
export interface RegistryForJobs {
  getModel(
    store: KVStore,
    hash: string,
  ): {
    computeUnits: string;
    rule: ComparisonRule | null;
    inputs: ReadonlyArray<{ name: string; dtype: string; shape: number[] }>;
    outputs: ReadonlyArray<{ name: string; dtype: string; shape: number[] }>;
    /** The registrant's challenge recipe, one per input, or empty (modules/jobs/challenges.ts). */
    challengeInputs: ReadonlyArray<{ name: string; shape: number[]; values: string[] }>;
  } | null;
  activeProvidersOfModel(store: KVStore, hash: string): ProviderForJobs[];
  params(store: KVStore): { bondDenom: string; minProviderBond: bigint };
  /** Every provider, by owner address (capability challenges draw from them once an epoch). */
  providers(store: KVStore): IterableIterator<ChallengeableProvider>;
  /** A capability challenge's outcome: a fail jails with the challenge hold, a pass clears it. */
  recordChallenge(ctx: Context, owner: string, passed: boolean): void;
  /** Takes `fraction` (18-decimal) of the bond; up to `cap` of it goes to `beneficiary`, the rest is burned. */
  slashProviderBond(
    ctx: Context,
    owner: string,
    fraction: bigint,
    reason: string,
    beneficiary?: { address: string; cap: bigint },
  ): bigint;
}

export interface ReputationForJobs {
  score(store: KVStore, provider: string, height: bigint): number;
  recordOutcome(
    ctx: Context,
    provider: string,
    outcome: "agree" | "disagree" | "noShow" | "auditPass" | "auditFail" | "decline",
  ): unknown;
}

/**
 * Verified work feeds the emissions provider pool: emissions burns the protocol fee
 * (job_fee_burn_share of `feePaid`) from the provider's payment, and that burn, not the units,
 * weighs the provider in the pool (docs/economics.md, "Provider pool").
 */
export interface EmissionsForJobs {
  recordVerifiedWork(ctx: Context, provider: string, units: bigint, requester: string, feePaid: bigint): void;
}

/** Auditors: the bonded validators and their power now. */
export interface StakingForJobs {
  lastPower(store: KVStore, valoper: string): bigint;
  lastPowers(store: KVStore): IterableIterator<{ valoper: string; power: bigint }>;
  /** Burns `fraction` (18-decimal) of a validator's stake for an audit it was asked for and skipped; returns what was burned. */
  slashForMissedAudit(ctx: Context, valoper: string, fraction: bigint): bigint;
}
