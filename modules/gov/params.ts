import { Params as PbParams } from "cosmjs-types/cosmos/gov/v1/gov";
import { validateAddress } from "../sdk/address.js";
import { coinsFromProto, coinsToProto, decOne, formatDec, parseDec, type Coin } from "../sdk/coins.js";
import { sdkErrors } from "../sdk/errors.js";
import { asArray, asBool, asObject, asString, field, optField, type JsonObject } from "../sdk/json.js";
import type { KVStore } from "../sdk/store.js";
import { keys } from "./keys.js";

/**
 * x/gov v1 params (cosmos.gov.v1.Params). Decimals are 18-decimal fixed point on bigint (the
 * SDK's LegacyDec), periods whole seconds.
 */
export interface GovParams {
  minDeposit: Coin[];
  maxDepositPeriodSeconds: bigint;
  votingPeriodSeconds: bigint;
  quorum: bigint;
  threshold: bigint;
  vetoThreshold: bigint;
  minInitialDepositRatio: bigint;
  proposalCancelRatio: bigint;
  /** Where the cancellation charge goes; "" burns it. */
  proposalCancelDest: string;
  expeditedVotingPeriodSeconds: bigint;
  expeditedThreshold: bigint;
  expeditedMinDeposit: Coin[];
  burnVoteQuorum: boolean;
  burnProposalDepositPrevote: boolean;
  burnVoteVeto: boolean;
  minDepositRatio: bigint;
}

const dec = (s: string) => parseDec(s);

/**
 * The longest deposit or voting period (regular or expedited): 365 days. The SDK sets none; here
 * a period of, say, 10^12 seconds would hold deposits forever and put end times past what a
 * timestamp can show, so genesis and MsgUpdateParams refuse one beyond it.
 */
export const maxPeriodSeconds = 365n * 24n * 3600n;

/** The SDK's DefaultParams, in the chain's bond denom. */
export function defaultParams(denom = "utcu"): GovParams {
  return {
    minDeposit: [{ denom, amount: 10_000_000n }],
    maxDepositPeriodSeconds: 172_800n,
    votingPeriodSeconds: 172_800n,
    quorum: dec("0.334"),
    threshold: dec("0.5"),
    vetoThreshold: dec("0.334"),
    minInitialDepositRatio: 0n,
    proposalCancelRatio: dec("0.5"),
    proposalCancelDest: "",
    expeditedVotingPeriodSeconds: 86_400n,
    expeditedThreshold: dec("0.667"),
    expeditedMinDeposit: [{ denom, amount: 50_000_000n }],
    burnVoteQuorum: false,
    burnProposalDepositPrevote: false,
    burnVoteVeto: true,
    minDepositRatio: dec("0.01"),
  };
}

/** True when every coin of `b` is present in `a` with at least its amount (the SDK's IsAllGTE). */
export function allGte(a: readonly Coin[], b: readonly Coin[]): boolean {
  for (const c of b) {
    const have = a.find((x) => x.denom === c.denom)?.amount ?? 0n;
    if (have < c.amount) return false;
  }
  return true;
}

/** The SDK's Params.ValidateBasic, rule for rule. Throws sdk 18 (invalid request). */
export function validateParams(p: GovParams): void {
  const bad = (m: string) => sdkErrors.invalidRequest.wrap(`gov params: ${m}`);
  if (p.minDeposit.length === 0) throw bad("invalid minimum deposit: empty");
  if (p.expeditedMinDeposit.length === 0) throw bad("invalid expedited minimum deposit: empty");
  for (const c of [...p.minDeposit, ...p.expeditedMinDeposit])
    if (c.amount <= 0n) throw bad("deposit amounts must be positive");
  // Expedited proposals need more: every denom of the regular minimum, at least as much, and
  // not all of them merely equal (the SDK's "IsAllLTE" refusal).
  if (allGte(p.minDeposit, p.expeditedMinDeposit))
    throw bad("expedited minimum deposit must be greater than minimum deposit");
  if (p.maxDepositPeriodSeconds <= 0n) throw bad("maximum deposit period must be positive");
  if (p.votingPeriodSeconds <= 0n) throw bad("voting period must be positive");
  if (p.expeditedVotingPeriodSeconds <= 0n) throw bad("expedited voting period must be positive");
  for (const [k, v] of [
    ["maximum deposit period", p.maxDepositPeriodSeconds],
    ["voting period", p.votingPeriodSeconds],
    ["expedited voting period", p.expeditedVotingPeriodSeconds],
  ] as const) {
    if (v > maxPeriodSeconds) throw bad(`${k} must be at most ${maxPeriodSeconds}s (365 days)`);
  }
  if (p.expeditedVotingPeriodSeconds >= p.votingPeriodSeconds)
    throw bad("expedited voting period must be strictly less than the regular voting period");
  if (p.quorum < 0n || p.quorum > decOne) throw bad("quorum must be between 0 and 1");
  if (p.threshold <= 0n || p.threshold > decOne) throw bad("vote threshold must be positive and at most 1");
  if (p.expeditedThreshold <= 0n || p.expeditedThreshold > decOne)
    throw bad("expedited vote threshold must be positive and at most 1");
  if (p.expeditedThreshold <= p.threshold) throw bad("expedited threshold must be greater than the regular threshold");
  if (p.vetoThreshold <= 0n || p.vetoThreshold > decOne) throw bad("veto threshold must be positive and at most 1");
  for (const [k, v] of [
    ["min_initial_deposit_ratio", p.minInitialDepositRatio],
    ["proposal_cancel_ratio", p.proposalCancelRatio],
    ["min_deposit_ratio", p.minDepositRatio],
  ] as const) {
    if (v < 0n || v > decOne) throw bad(`${k} must be between 0 and 1`);
  }
  if (p.proposalCancelDest !== "") validateAddress(p.proposalCancelDest);
}

const seconds = (d: { seconds: bigint; nanos: number } | undefined, name: string): bigint => {
  if (d === undefined) throw sdkErrors.invalidRequest.wrap(`gov params: ${name} must be set`);
  if (d.nanos !== 0) throw sdkErrors.invalidRequest.wrap(`gov params: ${name} must be whole seconds`);
  return d.seconds;
};

const protoDec = (s: string, name: string): bigint => {
  try {
    return parseDec(s);
  } catch {
    throw sdkErrors.invalidRequest.wrap(`gov params: ${name} is not a decimal: ${JSON.stringify(s)}`);
  }
};

/** From the wire (MsgUpdateParams, store); checks shape, not rules (validateParams does). */
export function paramsFromProto(p: PbParams): GovParams {
  return {
    minDeposit: coinsFromProto(p.minDeposit),
    maxDepositPeriodSeconds: seconds(p.maxDepositPeriod, "max_deposit_period"),
    votingPeriodSeconds: seconds(p.votingPeriod, "voting_period"),
    quorum: protoDec(p.quorum, "quorum"),
    threshold: protoDec(p.threshold, "threshold"),
    vetoThreshold: protoDec(p.vetoThreshold, "veto_threshold"),
    minInitialDepositRatio: protoDec(p.minInitialDepositRatio, "min_initial_deposit_ratio"),
    proposalCancelRatio: protoDec(p.proposalCancelRatio, "proposal_cancel_ratio"),
    proposalCancelDest: p.proposalCancelDest,
    expeditedVotingPeriodSeconds: seconds(p.expeditedVotingPeriod, "expedited_voting_period"),
    expeditedThreshold: protoDec(p.expeditedThreshold, "expedited_threshold"),
    expeditedMinDeposit: coinsFromProto(p.expeditedMinDeposit),
    burnVoteQuorum: p.burnVoteQuorum,
    burnProposalDepositPrevote: p.burnProposalDepositPrevote,
    burnVoteVeto: p.burnVoteVeto,
    minDepositRatio: protoDec(p.minDepositRatio === "" ? "0" : p.minDepositRatio, "min_deposit_ratio"),
  };
}

export function paramsToProto(p: GovParams): PbParams {
  return {
    minDeposit: coinsToProto(p.minDeposit),
    maxDepositPeriod: { seconds: p.maxDepositPeriodSeconds, nanos: 0 },
    votingPeriod: { seconds: p.votingPeriodSeconds, nanos: 0 },
    quorum: formatDec(p.quorum),
    threshold: formatDec(p.threshold),
    vetoThreshold: formatDec(p.vetoThreshold),
    minInitialDepositRatio: formatDec(p.minInitialDepositRatio),
    proposalCancelRatio: formatDec(p.proposalCancelRatio),
    proposalCancelDest: p.proposalCancelDest,
    expeditedVotingPeriod: { seconds: p.expeditedVotingPeriodSeconds, nanos: 0 },
    expeditedThreshold: formatDec(p.expeditedThreshold),
    expeditedMinDeposit: coinsToProto(p.expeditedMinDeposit),
    burnVoteQuorum: p.burnVoteQuorum,
    burnProposalDepositPrevote: p.burnProposalDepositPrevote,
    burnVoteVeto: p.burnVoteVeto,
    minDepositRatio: formatDec(p.minDepositRatio),
  };
}

/** Genesis JSON (the SDK's field names; durations as "172800s", decimals with 18 digits). */
export function paramsToJson(p: GovParams) {
  const coins = (cs: readonly Coin[]) => cs.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));
  return {
    min_deposit: coins(p.minDeposit),
    max_deposit_period: `${p.maxDepositPeriodSeconds}s`,
    voting_period: `${p.votingPeriodSeconds}s`,
    quorum: formatDec(p.quorum),
    threshold: formatDec(p.threshold),
    veto_threshold: formatDec(p.vetoThreshold),
    min_initial_deposit_ratio: formatDec(p.minInitialDepositRatio),
    proposal_cancel_ratio: formatDec(p.proposalCancelRatio),
    proposal_cancel_dest: p.proposalCancelDest,
    expedited_voting_period: `${p.expeditedVotingPeriodSeconds}s`,
    expedited_threshold: formatDec(p.expeditedThreshold),
    expedited_min_deposit: coins(p.expeditedMinDeposit),
    burn_vote_quorum: p.burnVoteQuorum,
    burn_proposal_deposit_prevote: p.burnProposalDepositPrevote,
    burn_vote_veto: p.burnVoteVeto,
    min_deposit_ratio: formatDec(p.minDepositRatio),
  };
}

/** A protobuf-JSON duration ("172800s", "1.5s" refused: whole seconds only). */
export function parseDurationSeconds(v: unknown, path: string): bigint {
  const s = asString(v, path);
  const m = /^([0-9]{1,15})s$/.exec(s);
  if (m === null) throw sdkErrors.invalidRequest.wrap(`${path}: expected a duration in whole seconds like "172800s"`);
  return BigInt(m[1]!);
}

export function coinsFromJson(v: unknown, path: string): Coin[] {
  return coinsFromProto(
    asArray(v, path).map((c, i) => {
      const o = asObject(c, `${path}[${i}]`);
      return {
        denom: asString(field(o, "denom", `${path}[${i}]`), `${path}[${i}].denom`),
        amount: asString(field(o, "amount", `${path}[${i}]`), `${path}[${i}].amount`),
      };
    }),
  );
}

export function paramsFromJson(json: unknown, path: string): GovParams {
  const o: JsonObject = asObject(json, path);
  const d = (k: string) => {
    const s = asString(field(o, k, path), `${path}.${k}`);
    try {
      return parseDec(s);
    } catch {
      throw sdkErrors.invalidRequest.wrap(`${path}.${k}: not a decimal: ${JSON.stringify(s)}`);
    }
  };
  const p: GovParams = {
    minDeposit: coinsFromJson(field(o, "min_deposit", path), `${path}.min_deposit`),
    maxDepositPeriodSeconds: parseDurationSeconds(field(o, "max_deposit_period", path), `${path}.max_deposit_period`),
    votingPeriodSeconds: parseDurationSeconds(field(o, "voting_period", path), `${path}.voting_period`),
    quorum: d("quorum"),
    threshold: d("threshold"),
    vetoThreshold: d("veto_threshold"),
    minInitialDepositRatio: d("min_initial_deposit_ratio"),
    proposalCancelRatio: d("proposal_cancel_ratio"),
    proposalCancelDest: asString(optField(o, "proposal_cancel_dest") ?? "", `${path}.proposal_cancel_dest`),
    expeditedVotingPeriodSeconds: parseDurationSeconds(
      field(o, "expedited_voting_period", path),
      `${path}.expedited_voting_period`,
    ),
    expeditedThreshold: d("expedited_threshold"),
    expeditedMinDeposit: coinsFromJson(field(o, "expedited_min_deposit", path), `${path}.expedited_min_deposit`),
    burnVoteQuorum: asBool(optField(o, "burn_vote_quorum") ?? false, `${path}.burn_vote_quorum`),
    burnProposalDepositPrevote: asBool(
      optField(o, "burn_proposal_deposit_prevote") ?? false,
      `${path}.burn_proposal_deposit_prevote`,
    ),
    burnVoteVeto: asBool(optField(o, "burn_vote_veto") ?? true, `${path}.burn_vote_veto`),
    minDepositRatio: optField(o, "min_deposit_ratio") === undefined ? 0n : d("min_deposit_ratio"),
  };
  validateParams(p);
  return p;
}

const cache = new WeakMap<Uint8Array, GovParams>();

export function readParams(store: KVStore): GovParams {
  const raw = store.get(keys.params);
  if (raw === undefined) return defaultParams();
  let p = cache.get(raw);
  if (p === undefined) {
    p = paramsFromProto(PbParams.decode(raw));
    cache.set(raw, p);
  }
  return p;
}

export function writeParams(store: KVStore, p: GovParams): void {
  validateParams(p);
  store.set(keys.params, PbParams.encode(paramsToProto(p)).finish());
}
