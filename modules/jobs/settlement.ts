import { decOne } from "../sdk/coins.js";
import { sketchFromPb } from "./commitment.js";
import {
  answered,
  committed,
  declined,
  reportedAgainstInput,
  reportedUnusable,
  revealed,
  type Assignment,
  type Job,
} from "./domain.js";
import { parsePrice } from "./keeper.js";
import { majorityGroup, type ComparisonRule, type Sketch } from "./sketch.js";

// Settlement verdicts, pure: from a job whose windows are over and its model's comparison rule,
// what happens to each assignee. lifecycle.ts applies the verdict (pays, slashes, refunds, marks
// reputation, opens audits); nothing here reads or writes state.

/** The rule the chain compares with when a model registers none: exact agreement. */
export const defaultRule: ComparisonRule = { sketchSize: 16, tolerance: 0, topK: 0 };

/** What settlement does with one assignment. */
export type AssigneeVerdict =
  /** Never committed, or committed and never revealed: slashed as a no-show. */
  | { kind: "noShow"; reason: string }
  /** In the agreeing strict majority: paid its ask. */
  | { kind: "accepted" }
  /** A result outside the majority, or an "unusable" report the majority's results contradict. */
  | { kind: "rejected"; reason: string }
  /** Part of an unusable verdict: paid the unusable fee when enough reported, never slashed. */
  | { kind: "unusable" }
  /** Nothing to do (it answered, but the job ends without judging it: no result at all, or an audit decides). */
  | { kind: "none" };

export type SettlementVerdict =
  /** A strict majority of the k assignees reported the input unusable. */
  | { kind: "unusable"; assignees: AssigneeVerdict[]; reporters: number }
  /** No result revealed at all: full refund. */
  | { kind: "failed"; assignees: AssigneeVerdict[] }
  /** Results, but no strict majority agrees: validators decide (an audit). */
  | { kind: "noMajority"; assignees: AssigneeVerdict[] }
  /** A strict majority agrees: `winners` are paid. */
  | { kind: "settled"; assignees: AssigneeVerdict[]; winners: number[] };

/** The revealed sketches, parsed under the rule (null: not revealed, or malformed). */
export function revealedSketches(j: Job, rule: ComparisonRule): Array<Sketch | null> {
  return j.assignments.map((a) => {
    if (!revealed(a)) return null;
    const s = sketchFromPb(a.sketch!, rule.sketchSize);
    return typeof s === "string" ? null : s;
  });
}

export function settlementVerdict(j: Job, rule: ComparisonRule): SettlementVerdict {
  const noShow = (a: Assignment): AssigneeVerdict | null =>
    answered(a) ? null : { kind: "noShow", reason: committed(a) ? "committed and never revealed" : "never committed" };
  // Declines (domain.ts, `declined`) are not reports against the input: they count for nothing.
  const unusable = j.assignments.filter((a) => reportedAgainstInput(j, a)).length;
  if (unusable * 2 > j.k)
    return {
      kind: "unusable",
      reporters: unusable,
      assignees: j.assignments.map((a) => noShow(a) ?? (declined(j, a) ? { kind: "none" } : { kind: "unusable" })),
    };
  const base = j.assignments.map((a) => noShow(a) ?? ({ kind: "none" } as const));
  const sketches = revealedSketches(j, rule);
  if (!sketches.some((s) => s !== null)) return { kind: "failed", assignees: base };
  const winners = majorityGroup(sketches, j.k, rule);
  if (winners === null) return { kind: "noMajority", assignees: base };
  const win = new Set(winners);
  const assignees = j.assignments.map((a, i): AssigneeVerdict => {
    const ns = noShow(a);
    if (ns !== null) return ns;
    // The majority fetched, verified and ran the same input: a false (or lazy) report. A
    // decline says only that this worker could not: not judged.
    if (declined(j, a)) return { kind: "none" };
    if (reportedUnusable(a))
      return { kind: "rejected", reason: "reported the input unusable; the majority computed a result" };
    if (!revealed(a)) return { kind: "none" };
    return win.has(i) ? { kind: "accepted" } : { kind: "rejected", reason: "result outside the agreeing majority" };
  });
  return { kind: "settled", assignees, winners };
}

/** A worker's ask times the job's compute units. */
export function workerPay(j: Job, a: Assignment): bigint {
  return parsePrice(a.pricePerUnit)![0] * j.computeUnits;
}

/** The unusable fee of one assignee: unusable_fee_fraction of its pay for the job. */
export function unusableFee(j: Job, a: Assignment, fraction: bigint): bigint {
  return (workerPay(j, a) * fraction) / decOne;
}
