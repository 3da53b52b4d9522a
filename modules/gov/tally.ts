import { BondStatus, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { VoteOption, type WeightedVoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import { decOne } from "../sdk/coins.js";
import type { GovParams } from "./params.js";

// The tally of x/gov v1 (keeper/tally.go), as a pure function: bonded validators vote with
// their bonded tokens, minus the shares of delegators who voted themselves; a delegator's
// power is shares × bonded tokens / validator shares. Decimal arithmetic is the SDK's
// LegacyDec: 18 decimals, Mul and Quo rounding half to even.

/** LegacyDec's chopPrecisionAndRound: divide by 10^18, rounding half to even. */
function chop(x: bigint): bigint {
  const neg = x < 0n;
  const a = neg ? -x : x;
  let q = a / decOne;
  const r = a % decOne;
  const half = decOne / 2n;
  if (r > half || (r === half && q % 2n === 1n)) q += 1n;
  return neg ? -q : q;
}
export const decMul = (a: bigint, b: bigint): bigint => chop(a * b);
export const decQuo = (a: bigint, b: bigint): bigint => chop((a * decOne * decOne) / b);

export interface TallyVote {
  voter: string;
  /** The voter's account as a validator operator address (same bytes). */
  voterValoper: string;
  options: readonly WeightedVoteOption[];
  delegations: ReadonlyArray<{ valoper: string; shares: bigint }>;
}

export interface TallyOutcome {
  passes: boolean;
  burnDeposits: boolean;
  /** Whole tokens per option (truncated), as the SDK's TallyResult. */
  yes: bigint;
  abstain: bigint;
  no: bigint;
  noWithVeto: bigint;
}

const weightOf = (w: string): bigint => {
  const m = /^([0-9]{1,40})(?:\.([0-9]{1,18}))?$/.exec(w);
  return m === null ? 0n : BigInt(m[1]!) * decOne + BigInt((m[2] ?? "").padEnd(18, "0"));
};

export function tally(
  validators: readonly Validator[],
  votes: readonly TallyVote[],
  params: GovParams,
  expedited: boolean,
): TallyOutcome {
  const results = new Map<VoteOption, bigint>([
    [VoteOption.VOTE_OPTION_YES, 0n],
    [VoteOption.VOTE_OPTION_ABSTAIN, 0n],
    [VoteOption.VOTE_OPTION_NO, 0n],
    [VoteOption.VOTE_OPTION_NO_WITH_VETO, 0n],
  ]);
  const add = (o: VoteOption, v: bigint) => results.set(o, (results.get(o) ?? 0n) + v);
  let totalVotingPower = 0n;
  let totalBonded = 0n;
  const vals = new Map<
    string,
    { tokens: bigint; shares: bigint; deductions: bigint; vote: readonly WeightedVoteOption[] | null }
  >();
  for (const v of validators) {
    if (v.status !== BondStatus.BOND_STATUS_BONDED) continue;
    const tokens = BigInt(v.tokens || "0");
    totalBonded += tokens;
    vals.set(v.operatorAddress, { tokens, shares: BigInt(v.delegatorShares || "0"), deductions: 0n, vote: null });
  }
  for (const vote of votes) {
    const own = vals.get(vote.voterValoper);
    if (own !== undefined) own.vote = vote.options;
    for (const d of vote.delegations) {
      const val = vals.get(d.valoper);
      if (val === undefined || val.shares === 0n) continue;
      val.deductions += d.shares;
      // shares (dec) × tokens (int) / validator shares (dec), in dec atomics
      const power = decQuo(d.shares * val.tokens, val.shares);
      for (const o of vote.options) add(o.option, decMul(power, weightOf(o.weight)));
      totalVotingPower += power;
    }
  }
  for (const val of vals.values()) {
    if (val.vote === null || val.shares === 0n) continue;
    const power = decQuo((val.shares - val.deductions) * val.tokens, val.shares);
    for (const o of val.vote) add(o.option, decMul(power, weightOf(o.weight)));
    totalVotingPower += power;
  }
  const r = (o: VoteOption) => results.get(o) ?? 0n;
  const out = (passes: boolean, burnDeposits: boolean): TallyOutcome => ({
    passes,
    burnDeposits,
    yes: r(VoteOption.VOTE_OPTION_YES) / decOne,
    abstain: r(VoteOption.VOTE_OPTION_ABSTAIN) / decOne,
    no: r(VoteOption.VOTE_OPTION_NO) / decOne,
    noWithVeto: r(VoteOption.VOTE_OPTION_NO_WITH_VETO) / decOne,
  });
  // No stake: nothing can pass.
  if (totalBonded === 0n) return out(false, false);
  if (decQuo(totalVotingPower, totalBonded * decOne) < params.quorum) return out(false, params.burnVoteQuorum);
  const nonAbstain = totalVotingPower - r(VoteOption.VOTE_OPTION_ABSTAIN);
  if (nonAbstain === 0n) return out(false, false);
  if (decQuo(r(VoteOption.VOTE_OPTION_NO_WITH_VETO), totalVotingPower) > params.vetoThreshold)
    return out(false, params.burnVoteVeto);
  const threshold = expedited ? params.expeditedThreshold : params.threshold;
  if (decQuo(r(VoteOption.VOTE_OPTION_YES), nonAbstain) > threshold) return out(true, false);
  return out(false, false);
}
