import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import { maybeOpenAudit, openNoMajorityAudit, resolveAudit } from "./audit.js";
import { sketchFromPb } from "./commitment.js";
import { decOne } from "../sdk/coins.js";
import { parsePrice, type JobsKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { majorityGroup, type ComparisonRule, type Sketch } from "./sketch.js";
import { AuditStatus, JobState, Outcome, type Assignment, type Job } from "./types.js";

// The life of an assigned job, driven from end-block by its phase queue: the commit window ends
// (or every assignee committed) → reveal window; the reveal window ends (or every committer
// revealed) → settlement. Settlement pays the strict-majority group their ask from escrow, slashes
// and marks down the others, refunds the rest in the same block, and may open an audit.

/** The model's rule, or an exact comparison when the model has none. */
export function ruleOf(k: JobsKeeper, ctx: Context, j: Job): ComparisonRule {
  const m = k.registry.getModel(ctx.store, j.model);
  return m?.rule ?? { sketchSize: 16, tolerance: 0, topK: 0 };
}

export const committed = (a: Assignment) => a.commitment.length > 0;
export const revealed = (a: Assignment) => a.sketch !== null && a.revealedHeight !== "0";
/** Revealed "unusable input" instead of a result (MsgRevealUnusable). */
export const reportedUnusable = (a: Assignment) => (a.unusable ?? 0) !== 0 && a.revealedHeight !== "0";
/** Revealed either a result or "unusable". */
export const answered = (a: Assignment) => revealed(a) || reportedUnusable(a);

/** Runs the step of every job whose window ends at or before this height. */
export function advancePhases(ctx: Context, k: JobsKeeper): void {
  for (const id of k.takeDue(ctx.store, keys.phasePrefix, ctx.height)) {
    const j = k.getJob(ctx.store, id);
    if (j === null) continue;
    j.phaseDeadline = "0"; // its queue entry is gone
    if (j.state === JobState.assigned) openReveals(ctx, k, j, "commit window ended");
    else if (j.state === JobState.revealing) settle(ctx, k, j);
    else if (j.audit === AuditStatus.open) resolveAudit(ctx, k, j);
    k.setJob(ctx.store, j);
  }
}

/** Commit phase over: reveals open (or, with no commitment at all, settlement runs now). */
export function openReveals(ctx: Context, k: JobsKeeper, j: Job, note: string): void {
  k.transition(ctx, j, JobState.revealing, note);
  if (!j.assignments.some(committed)) settle(ctx, k, j);
  else k.schedule(ctx.store, j, ctx.height + k.params(ctx.store).revealWindow);
}

/** A worker's ask times the job's compute units. */
export function workerPay(j: Job, a: Assignment): bigint {
  return parsePrice(a.pricePerUnit)![0] * BigInt(j.computeUnits);
}

/** Slashes a worker's bond for an outcome and records what was taken. */
export function penalise(ctx: Context, k: JobsKeeper, j: Job, a: Assignment, outcome: Outcome, fraction: bigint, reason: string, beneficiary?: { address: string; cap: bigint }): bigint {
  a.outcome = outcome;
  const cut = k.registry.slashProviderBond(ctx, a.provider, fraction, `job ${j.id}: ${reason}`, beneficiary);
  a.slashed = (BigInt(a.slashed || "0") + cut).toString();
  ctx.events.emit(event("job_slashed", [["id", j.id], ["provider", a.provider], ["amount", cut.toString()], ["reason", reason]]));
  return cut;
}

/** Pays an accepted worker and credits its verified compute units to the emissions pool. */
export function payWorker(ctx: Context, k: JobsKeeper, j: Job, a: Assignment): void {
  const pay = workerPay(j, a);
  a.outcome = Outcome.accepted;
  k.payOut(ctx, j, a.provider, pay);
  a.paid = pay.toString();
  k.emissions.recordVerifiedWork(ctx, a.provider, BigInt(j.computeUnits), j.requester, pay);
  ctx.events.emit(event("job_paid", [["id", j.id], ["provider", a.provider], ["amount", pay.toString()]]));
}

export function settle(ctx: Context, k: JobsKeeper, j: Job): void {
  const params = k.params(ctx.store);
  const rule = ruleOf(k, ctx, j);
  // No-shows first: never committed, or committed and never revealed.
  for (const a of j.assignments) {
    if (answered(a)) continue;
    penalise(ctx, k, j, a, Outcome.noShow, params.slashFractionNoShow, committed(a) ? "committed and never revealed" : "never committed");
    k.reputation.recordOutcome(ctx, a.provider, "noShow");
  }
  // A strict majority of the assignees says the input is unusable: nobody who answered is slashed.
  const unusable = j.assignments.filter(reportedUnusable).length;
  if (unusable * 2 > j.k) {
    settleUnusable(ctx, k, j, unusable);
    return;
  }
  const sketches: Array<Sketch | null> = j.assignments.map((a) => {
    if (!revealed(a)) return null;
    const s = sketchFromPb(a.sketch!, rule.sketchSize);
    return typeof s === "string" ? null : s;
  });
  if (!sketches.some((s) => s !== null)) {
    k.finish(ctx, j, JobState.failed, "no result was revealed; full refund");
    return;
  }
  const winners = majorityGroup(sketches, j.k, rule);
  if (winners === null) {
    openNoMajorityAudit(ctx, k, j);
    return;
  }
  // Scores before this job's outcomes set the audit rate.
  const lowest = Math.min(...winners.map((i) => k.reputation.score(ctx.store, j.assignments[i]!.provider, ctx.height)));
  const win = new Set(winners);
  for (const [i, a] of j.assignments.entries()) {
    if (reportedUnusable(a)) {
      // The majority fetched, verified and ran the same input: a false (or lazy) report.
      penalise(ctx, k, j, a, Outcome.rejected, params.slashFractionWrongResult, "reported the input unusable; the majority computed a result");
      k.reputation.recordOutcome(ctx, a.provider, "disagree");
      continue;
    }
    if (!revealed(a)) continue;
    if (win.has(i)) {
      payWorker(ctx, k, j, a);
      k.reputation.recordOutcome(ctx, a.provider, "agree");
    } else {
      penalise(ctx, k, j, a, Outcome.rejected, params.slashFractionWrongResult, "result outside the agreeing majority");
      k.reputation.recordOutcome(ctx, a.provider, "disagree");
    }
  }
  maybeOpenAudit(ctx, k, j, lowest);
  k.finish(ctx, j, JobState.settled, `${winners.length} of ${j.k} agreed`);
  ctx.events.emit(event("job_settled", [["id", j.id], ["paid", j.paid], ["refunded", j.refunded], ["audit", String(j.audit)]]));
}

/** The unusable fee of one assignee: unusable_fee_fraction of its pay for the job. */
export function unusableFee(j: Job, a: Assignment, fraction: bigint): bigint {
  return (workerPay(j, a) * fraction) / decOne;
}

/**
 * The input was unusable by a strict majority's word: every assignee that answered (an unusable
 * report, or a result the majority could not reproduce the input for) is paid the unusable fee
 * from escrow when at least unusable_fee_min_reporters reported, nobody who answered is slashed,
 * the rest is refunded, and the requester's record counts the job.
 */
export function settleUnusable(ctx: Context, k: JobsKeeper, j: Job, reporters: number): void {
  const params = k.params(ctx.store);
  const feePaid = reporters >= params.unusableFeeMinReporters;
  let fees = 0n;
  for (const a of j.assignments) {
    if (!answered(a)) continue;
    a.outcome = Outcome.unusable;
    const fee = feePaid ? unusableFee(j, a, params.unusableFeeFraction) : 0n;
    k.payOut(ctx, j, a.provider, fee);
    a.paid = fee.toString();
    fees += fee;
  }
  const rec = k.requesterRecord(ctx.store, j.requester);
  rec.unusableJobs = (BigInt(rec.unusableJobs) + 1n).toString();
  rec.unusableFeesPaid = (BigInt(rec.unusableFeesPaid) + fees).toString();
  k.setRequesterRecord(ctx.store, rec);
  k.finish(ctx, j, JobState.unusable, `${reporters} of ${j.k} reported the input unusable; ${feePaid ? `fees ${fees} paid` : "too few reporters for a fee"}, the rest refunded`);
  ctx.events.emit(event("job_unusable", [["id", j.id], ["requester", j.requester], ["reporters", String(reporters)], ["fees", fees.toString()], ["refunded", j.refunded]]));
}
