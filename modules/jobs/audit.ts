import { sketchFromPb } from "./commitment.js";
import { revealed, reportedAgainstInput, reportedUnusable, type Assignment, type Job } from "./domain.js";
import type { JobsParams } from "./params.js";
import { workerPay } from "./settlement.js";
import { sketchesAgree, type ComparisonRule, type Sketch } from "./sketch.js";
import { AuditStatus, JobState, Outcome, UnusableReason } from "./types.js";

// Validator audits, as pure verdicts. A freshly settled job is sampled at a rate that rises as its
// accepted workers' reputation falls (and k = 1 jobs at their own rate); a job without a majority
// always goes to audit. Validators re-run the job off-chain and send their own sketch
// (MsgAuditVerdict); a result is confirmed or rejected when validators holding more than 2/3 of
// the bonded power agree or disagree with it. Resolution runs at the audit deadline, or as soon as
// it is decided. lifecycle.ts opens and resolves audits by these functions.

/** The sampling rate of a settled job (ppm), from the lowest reputation among its accepted workers. */
export function auditRatePpm(p: JobsParams, k: number, lowestScore: number): bigint {
  const base = k === 1 ? p.auditRateSinglePpm : p.auditRatePpm;
  const deficit = BigInt(Math.max(0, 1_000_000 - lowestScore));
  return BigInt(base) + (BigInt(p.auditRateLowReputationPpm) * deficit) / 1_000_000n;
}

/** Bonded power: the total, and each verdict's validator's. */
export interface Powers {
  total: bigint;
  of(valoper: string): bigint;
}

export interface Tally {
  total: bigint;
  /** Per assignment (revealed ones only; others 0): power agreeing and disagreeing with it. */
  agree: bigint[];
  disagree: bigint[];
  /**
   * Power of the largest group of verdicts whose sketches agree with each other (validators that
   * re-ran the job and got the same result), those validators, and power that could not
   * (an "unable" verdict).
   */
  ran: bigint;
  ranBy: ReadonlySet<string>;
  unable: bigint;
}

/** Verdicts weighed by each validator's bonded power. */
export function tally(j: Job, rule: ComparisonRule, powers: Powers): Tally {
  const agree = j.assignments.map(() => 0n);
  const disagree = j.assignments.map(() => 0n);
  // Each revealed sketch parsed once, not once per verdict.
  const results = j.assignments.map((a) => (revealed(a) ? sketchFromPb(a.sketch!, rule.sketchSize) : null));
  let unable = 0n;
  const sketches: Array<{ validator: string; power: bigint; sketch: Sketch }> = [];
  for (const v of j.verdicts) {
    if (v.unable || v.sketch === null) {
      unable += powers.of(v.validator);
      continue;
    }
    const power = powers.of(v.validator);
    const vs = sketchFromPb(v.sketch, rule.sketchSize);
    if (power === 0n || typeof vs === "string") continue;
    sketches.push({ validator: v.validator, power, sketch: vs });
    for (const [i, as] of results.entries()) {
      if (as === null) continue;
      if (typeof as !== "string" && sketchesAgree(as, vs, rule)) agree[i]! += power;
      else disagree[i]! += power;
    }
  }
  // The largest agreeing group (first in verdict order on a tie): arbitrary sketches from lazy or
  // byzantine validators do not add up to "the input ran".
  let ran = 0n;
  let ranBy = new Set<string>();
  for (const a of sketches) {
    const group = sketches.filter((b) => b === a || sketchesAgree(a.sketch, b.sketch, rule));
    const power = group.reduce((x, b) => x + b.power, 0n);
    if (power > ran) {
      ran = power;
      ranBy = new Set(group.map((b) => b.validator));
    }
  }
  return { total: powers.total, agree, disagree, ran, ranBy, unable };
}

export const superMajority = (power: bigint, total: bigint) => total > 0n && power * 3n > total * 2n;

/** Whether the verdicts so far already decide the audit (so it can resolve before its deadline). */
export function auditDecided(j: Job, t: Tally): boolean {
  const decided = (i: number) => superMajority(t.agree[i]!, t.total) || superMajority(t.disagree[i]!, t.total);
  if (j.state === JobState.auditing) return j.assignments.every((a, i) => !revealed(a) || decided(i));
  // An unusable audit that found the input usable also waits (up to its deadline) for each
  // revealed result to be decided, so that a revealer's vindication does not depend on which
  // verdicts happened to be revealed first (under a tolerance rule, agreeing is not transitive).
  if (j.state === JobState.unusable)
    return (
      superMajority(t.unable, t.total) ||
      (superMajority(t.ran, t.total) && j.assignments.every((a, i) => !revealed(a) || decided(i)))
    );
  const first = j.assignments.findIndex((a) => a.outcome === Outcome.accepted);
  return first >= 0 && decided(first);
}

/** A job without a majority: each revealed result stands or falls on the validators' word. */
export interface NoMajorityAuditVerdict {
  /** Per assignment: paid (pass), slashed (fail), or untouched. */
  results: Array<"pass" | "fail" | "none">;
  accepted: number;
  /** A result the validators accepted shows the input was usable: these "unusable" reports were false. */
  falseUnusable: number[];
  status: AuditStatus;
}

export function noMajorityAuditVerdict(j: Job, t: Tally): NoMajorityAuditVerdict {
  const results = j.assignments.map((a, i) => {
    if (!revealed(a)) return "none" as const;
    if (superMajority(t.agree[i]!, t.total)) return "pass" as const;
    if (superMajority(t.disagree[i]!, t.total)) return "fail" as const;
    return "none" as const;
  });
  const accepted = results.filter((r) => r === "pass").length;
  // A decline (domain.ts) says only that its worker could not run the input: not slashed.
  const falseUnusable = accepted > 0 ? j.assignments.flatMap((a, i) => (reportedAgainstInput(j, a) ? [i] : [])) : [];
  return { results, accepted, falseUnusable, status: accepted > 0 ? AuditStatus.confirmed : AuditStatus.inconclusive };
}

/**
 * Whether validators re-running the job can show `a`'s "unusable" report false: the report is
 * about bytes the chain pins, the same for the provider and the validators. Inline bytes are on
 * chain: a report that they do not decode, that the model refuses them, or that they do not match
 * their sha256 is checkable. A URI input's bytes are pinned by its sha256, but the requester's
 * server chooses what each client gets and when, and the worker's own limits and fetch policy
 * differ: only "undecodable" (the fetched bytes matched their hash) is checkable. A sealed job's
 * copies are sealed to each recipient apart, and a requester can seal garbage to the provider and
 * the true input to the validators: never checkable. An audit is opened only for a job with a
 * checkable report, and only such reports are slashed.
 */
export function checkableReport(j: Job, a: Assignment): boolean {
  if (!reportedUnusable(a) || j.sealed.length > 0) return false;
  const input = j.inputs[a.unusableInput];
  if (input === undefined) return false;
  if (input.inline.length > 0)
    return (
      a.unusable === UnusableReason.undecodable ||
      a.unusable === UnusableReason.rejected ||
      a.unusable === UnusableReason.hashMismatch
    );
  return input.sha256 !== "" && a.unusable === UnusableReason.undecodable;
}

/** An audit of "unusable" reports: who was wrong, and who is made whole (only when rejected). */
export interface UnusableAuditVerdict {
  status: AuditStatus;
  /** The checkable reports the validators showed false: slashed as a wrong result. */
  falseReports: number[];
  /** Assignees that revealed a result the validators confirmed, outvoted by the reports. */
  vindicated: number[];
}

/**
 * A job that ended UNUSABLE and was sampled: validators holding more than 2/3 of the power re-ran
 * it, so the input was usable and every "unusable" report is false (rejected: the reporters are
 * slashed as for a wrong result, and their slash makes whole the requester, who paid them the
 * unusable fee, and each assignee whose revealed result the validators confirmed); more than 2/3
 * could not, so the reports stand (confirmed); otherwise inconclusive. Without it, a k = 1
 * provider could report every input unusable and skip the work at no cost: one report has nobody
 * to outvote it.
 */
export function unusableAuditVerdict(j: Job, t: Tally): UnusableAuditVerdict {
  if (superMajority(t.ran, t.total))
    return {
      status: AuditStatus.rejected,
      falseReports: j.assignments.flatMap((a, i) => (checkableReport(j, a) ? [i] : [])),
      vindicated: j.assignments.flatMap((a, i) => (revealed(a) && superMajority(t.agree[i]!, t.total) ? [i] : [])),
    };
  return {
    status: superMajority(t.unable, t.total) ? AuditStatus.confirmed : AuditStatus.inconclusive,
    falseReports: [],
    vindicated: [],
  };
}

/** A settled job's accepted result: confirmed, rejected (fraud), or inconclusive. */
export interface SettledAuditVerdict {
  status: AuditStatus;
  /** The accepted workers (slashed for fraud when rejected, credited when confirmed). */
  winners: number[];
  /** Outvoted workers whose result the validators confirmed (only when rejected). */
  vindicated: number[];
}

export function settledAuditVerdict(j: Job, t: Tally): SettledAuditVerdict {
  const winners = j.assignments.flatMap((a, i) => (a.outcome === Outcome.accepted ? [i] : []));
  const first = winners[0];
  if (first !== undefined && superMajority(t.disagree[first]!, t.total)) {
    const vindicated = j.assignments.flatMap((a, i) =>
      a.outcome === Outcome.rejected && superMajority(t.agree[i]!, t.total) ? [i] : [],
    );
    return { status: AuditStatus.rejected, winners, vindicated };
  }
  if (first !== undefined && superMajority(t.agree[first]!, t.total))
    return { status: AuditStatus.confirmed, winners, vindicated: [] };
  return { status: AuditStatus.inconclusive, winners, vindicated: [] };
}

/** Someone a fraud slash makes whole, and how much it is still owed. */
export interface Owed {
  to: string;
  left: bigint;
  /** Index of the vindicated assignment (null: the requester). */
  assignment: number | null;
}

/**
 * Who the fraud slash makes whole, in order: the requester (what the job cost it), then each
 * outvoted worker whose result the validators confirmed (its slash and its ask).
 */
export function fraudOwed(j: Job, vindicated: readonly number[]): Owed[] {
  const owed: Owed[] = [{ to: j.requester, left: j.paid - j.compensated, assignment: null }];
  for (const i of vindicated) {
    const a = j.assignments[i]!;
    owed.push({ to: a.provider, left: a.slashed + workerPay(j, a), assignment: i });
  }
  return owed;
}

/**
 * Who the slash of false "unusable" reports makes whole, in order: the requester (the unusable
 * fees it paid the false reporters), then each assignee whose revealed result the validators
 * confirmed (the rest of its ask: it was paid only the unusable fee, and its slash if any).
 */
export function falseReportOwed(j: Job, falseReports: readonly number[], vindicated: readonly number[]): Owed[] {
  const fees = falseReports.reduce((sum, i) => sum + j.assignments[i]!.paid, 0n);
  const owed: Owed[] = [{ to: j.requester, left: fees - j.compensated, assignment: null }];
  for (const i of vindicated) {
    const a = j.assignments[i]!;
    const rest = a.slashed + workerPay(j, a) - a.paid;
    owed.push({ to: a.provider, left: rest > 0n ? rest : 0n, assignment: i });
  }
  return owed;
}

/** Splits `got` over what is owed, in order; returns the amount for each entry. */
export function distribute(got: bigint, owed: readonly Owed[]): bigint[] {
  let rest = got;
  return owed.map((o) => {
    const x = rest < o.left ? rest : o.left;
    if (x <= 0n) return 0n;
    rest -= x;
    return x;
  });
}
