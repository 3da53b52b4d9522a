import type { Context } from "../sdk/context.js";
import {
  auditDecided,
  auditRatePpm,
  checkableReport,
  distribute,
  falseReportOwed,
  fraudOwed,
  noMajorityAuditVerdict,
  settledAuditVerdict,
  tally,
  unusableAuditVerdict,
  type Owed,
  type Powers,
  type Tally,
} from "./audit.js";
import { allCommitted, allRevealed, auditorRewardPool, auditorVerdicts, commitBlocks } from "./auditVerdicts.js";
import { auditorsNow } from "./auditKeys.js";
import { moduleAddress, operatorAccount } from "../sdk/address.js";
import { answered, committed, declined, isOpen, type Assignment, type Job, type Verdict } from "./domain.js";
import { jobEvent } from "./events.js";
import { parsePrice, type JobsKeeper } from "./keeper.js";
import { samplePpm } from "./sampling.js";
import { defaultRule, settlementVerdict, unusableFee, workerPay, type AssigneeVerdict } from "./settlement.js";
import type { ComparisonRule } from "./sketch.js";
import { AuditStatus, JobState, Outcome, type SketchPb, type UnusableReason } from "./types.js";

// The life cycle of a job: every change of a job's state is one of the transitions below, and
// nothing else changes a job. Each transition opens with a guard and does nothing (returns false)
// when the job is not in the state it expects, so that a repeated or late call is harmless (Akash
// x/market's keeper methods are the model). What settlement and audits decide is computed by the
// pure verdicts in settlement.ts and audit.ts; a transition only applies them: moves escrow,
// slashes, records reputation, schedules the next step, emits events and saves the job.
//
//   pending ──assign──▶ assigned ──openReveals──▶ revealing ──settle──▶ settled | failed | unusable
//      │                                                        └──▶ auditing ──resolveAudit──▶ settled | failed
//      └──cancel──▶ cancelled, └──expire──▶ expired
//   settled (audit open) ──resolveAudit──▶ settled (audit confirmed | rejected | inconclusive)
//   final (no audit open) ──prune──▶ receipt
//
// The end-block drives the windows (advance): a job whose window ends, or that is ready early
// (every assignee committed, every committer answered, an audit decided), runs its next step.

/** The model's rule, or an exact comparison when the model has none. */
export function ruleOf(k: JobsKeeper, ctx: Context, j: Job): ComparisonRule {
  const m = k.registry.getModel(ctx.store, j.model);
  return m?.rule ?? defaultRule;
}

/** Bonded power now, as audits weigh verdicts. */
function powersOf(k: JobsKeeper, ctx: Context, j: Job): Powers {
  let total = 0n;
  for (const { power } of k.staking.lastPowers(ctx.store)) total += power;
  const of = new Map(j.verdicts.map((v) => [v.validator, k.staking.lastPower(ctx.store, v.validator)]));
  return { total, of: (v) => of.get(v) ?? k.staking.lastPower(ctx.store, v) };
}

export function tallyOf(k: JobsKeeper, ctx: Context, j: Job): Tally {
  return tally(j, ruleOf(k, ctx, j), powersOf(k, ctx, j));
}

// ---- small steps shared by the transitions (never called from outside this file)

/** Moves a job to `state`: the state index and slots, its history, the indexed `job` event. */
function setState(ctx: Context, k: JobsKeeper, j: Job, state: JobState, note: string): void {
  k.reindexState(ctx.store, j, j.state, state);
  j.state = state;
  j.history.push({ height: ctx.height, state, note });
  ctx.events.emit(jobEvent.transition(j.id, state, j.requester, note));
}

const denomOf = (j: Job) => parsePrice(j.maxPricePerUnit)![1];

/** Pays `amount` of the job's escrow to a worker. */
function payOut(ctx: Context, k: JobsKeeper, j: Job, to: string, amount: bigint): void {
  if (amount <= 0n) return;
  if (amount > j.escrow) throw new Error(`jobs: paying ${amount} from job ${j.id} holding ${j.escrow}`);
  k.bank.transfer(ctx, k.escrowAddress(), to, [{ denom: denomOf(j), amount }]);
  j.escrow -= amount;
  j.paid += amount;
}

/** Slashes a worker's bond for an outcome and records what was taken. */
function penalise(
  ctx: Context,
  k: JobsKeeper,
  j: Job,
  a: Assignment,
  outcome: Outcome,
  fraction: bigint,
  reason: string,
  beneficiary?: { address: string; cap: bigint },
): bigint {
  a.outcome = outcome;
  const cut = k.registry.slashProviderBond(ctx, a.provider, fraction, `job ${j.id}: ${reason}`, beneficiary);
  a.slashed += cut;
  ctx.events.emit(jobEvent.slashed(j.id, a.provider, cut, reason));
  return cut;
}

/** Pays an accepted worker and credits its verified work to the emissions pool. */
function payWorker(ctx: Context, k: JobsKeeper, j: Job, a: Assignment): void {
  const pay = workerPay(j, a);
  a.outcome = Outcome.accepted;
  payOut(ctx, k, j, a.provider, pay);
  a.paid = pay;
  k.emissions.recordVerifiedWork(ctx, a.provider, j.computeUnits, j.requester, pay);
  ctx.events.emit(jobEvent.paid(j.id, a.provider, pay));
}

/**
 * Ends an open job in a final state: refunds what remains in escrow, leaves the pending index and
 * the deadline queue, and schedules pruning unless an audit is still open.
 */
function finish(ctx: Context, k: JobsKeeper, j: Job, state: JobState, note: string): void {
  const refund = j.escrow;
  if (refund > 0n) k.bank.transfer(ctx, k.escrowAddress(), j.requester, [{ denom: denomOf(j), amount: refund }]);
  j.escrow = 0n;
  j.refunded += refund;
  k.removePending(ctx.store, j.requester, j.id);
  k.removeDeadline(ctx.store, j);
  j.finalHeight = ctx.height;
  setState(ctx, k, j, state, note);
  if (j.audit !== AuditStatus.open) {
    k.unschedule(ctx.store, j);
    k.schedulePrune(ctx.store, j, ctx.height + k.params(ctx.store).retentionBlocks);
  }
}

/**
 * Opens an audit: validators' verdicts are collected until the audit window ends. Its auditors
 * are the validators bonded now (for a sealed job, those of them holding an audit copy, auditKeys.ts).
 */
function openAudit(ctx: Context, k: JobsKeeper, j: Job, reason: string, auditors: string[]): void {
  j.audit = AuditStatus.open;
  k.setAuditOpen(ctx.store, j.id, true);
  j.auditDeadline = ctx.height + k.params(ctx.store).auditWindow;
  k.schedule(ctx.store, j, j.auditDeadline);
  k.bumpAuditsOpened(ctx.store);
  // Commit–reveal (auditVerdicts.ts): reveals open after the commit phase.
  j.auditors = auditors;
  j.verdictCommits = [];
  j.verdictRevealHeight = ctx.height + commitBlocks(k.params(ctx.store));
  ctx.events.emit(jobEvent.auditOpened(j.id, reason, j.auditDeadline, j.model));
}

/** A sampled sealed job no bonded validator holds an audit copy of: nobody can re-run it, so it is marked and not audited. */
function markUnaudited(ctx: Context, j: Job, reason: string): void {
  j.audit = AuditStatus.unaudited;
  j.history.push({ height: ctx.height, state: j.state, note: `not audited: ${reason}` });
  ctx.events.emit(jobEvent.unaudited(j.id, j.requester, reason));
}

/** Pays the auditors that agreed with the outcome and slashes those that skipped (auditorVerdicts). */
function settleAuditors(ctx: Context, k: JobsKeeper, j: Job, t: Tally): void {
  const p = k.params(ctx.store);
  const denom = k.denom(ctx.store);
  const pool = moduleAddress(auditorRewardPool);
  for (const v of auditorVerdicts(j, t, ruleOf(k, ctx, j), ctx.height, (v) => k.staking.lastPower(ctx.store, v))) {
    if (v.kind === "missed") {
      const cut =
        p.auditMissSlashFraction > 0n ? k.staking.slashForMissedAudit(ctx, v.validator, p.auditMissSlashFraction) : 0n;
      ctx.events.emit(jobEvent.auditorMissed(j.id, v.validator, cut, v.committed, v.unable));
      continue;
    }
    const have = k.bank.getBalance(ctx.store, pool, denom);
    const pay = p.auditorReward < have ? p.auditorReward : have;
    if (pay > 0n) k.bank.transfer(ctx, pool, operatorAccount(v.validator), [{ denom, amount: pay }]);
    ctx.events.emit(jobEvent.auditorRewarded(j.id, v.validator, pay));
  }
}

// ---- transitions

/** (new) → pending: indexes a job whose escrow the submit handler takes. */
export function create(ctx: Context, k: JobsKeeper, j: Job, escrowCoin: string): boolean {
  if (j.state !== JobState.pending || k.getJob(ctx.store, j.id) !== null) return false;
  k.create(ctx.store, j);
  ctx.events.emit(jobEvent.submitted(j.id, j.requester, j.model, escrowCoin, j.batchId));
  return true;
}

/** pending → cancelled, with a full refund. */
export function cancel(ctx: Context, k: JobsKeeper, j: Job): boolean {
  if (j.state !== JobState.pending) return false;
  finish(ctx, k, j, JobState.cancelled, "cancelled by the requester");
  k.saveJob(ctx.store, j);
  return true;
}

/** pending → expired (its deadline passed), with a full refund. */
export function expire(ctx: Context, k: JobsKeeper, j: Job): boolean {
  if (j.state !== JobState.pending) return false;
  finish(ctx, k, j, JobState.expired, "deadline passed before enough providers were free");
  k.saveJob(ctx.store, j);
  return true;
}

/** pending → assigned: the drawn providers take a slot each; the commit window opens. */
export function assign(ctx: Context, k: JobsKeeper, j: Job, assignments: Assignment[], note: string): boolean {
  if (j.state !== JobState.pending || assignments.length !== j.k) return false;
  j.assignments = assignments;
  k.removePending(ctx.store, j.requester, j.id);
  k.removeDeadline(ctx.store, j);
  k.indexAssignees(ctx.store, j);
  j.assignedHeight = ctx.height;
  setState(ctx, k, j, JobState.assigned, note);
  k.schedule(ctx.store, j, ctx.height + k.params(ctx.store).commitWindow);
  for (const a of j.assignments) ctx.events.emit(jobEvent.assigned(j.id, a.provider, a.gpu));
  k.saveJob(ctx.store, j);
  return true;
}

/** An assignee commits (assigned only, once); reveals open as soon as every assignee has. */
export function commit(ctx: Context, k: JobsKeeper, j: Job, provider: string, commitment: Uint8Array): boolean {
  const a = j.assignments.find((x) => x.provider === provider);
  if (j.state !== JobState.assigned || a === undefined || committed(a)) return false;
  a.commitment = commitment;
  a.committedHeight = ctx.height;
  ctx.events.emit(jobEvent.committed(j.id, provider));
  if (j.assignments.every(committed)) openRevealsUnsaved(ctx, k, j, "every assignee committed");
  k.saveJob(ctx.store, j);
  return true;
}

/** assigned → revealing: the commit phase is over (with no commitment at all, settlement runs now). */
export function openReveals(ctx: Context, k: JobsKeeper, j: Job, note: string): boolean {
  if (!openRevealsUnsaved(ctx, k, j, note)) return false;
  k.saveJob(ctx.store, j);
  return true;
}

function openRevealsUnsaved(ctx: Context, k: JobsKeeper, j: Job, note: string): boolean {
  if (j.state !== JobState.assigned) return false;
  setState(ctx, k, j, JobState.revealing, note);
  if (!j.assignments.some(committed)) settleUnsaved(ctx, k, j);
  else k.schedule(ctx.store, j, ctx.height + k.params(ctx.store).revealWindow);
  return true;
}

/** What an assignee reveals: a result (checked against its commitment by the handler), or "unusable". */
export type Answer =
  | { kind: "result"; digest: Uint8Array; sketch: SketchPb; outputUri: string }
  | { kind: "unusable"; reason: UnusableReason; inputIndex: number };

/** A committed assignee answers (revealing only, once); settlement runs in this end-block once every committer has. */
export function reveal(ctx: Context, k: JobsKeeper, j: Job, provider: string, answer: Answer): boolean {
  const a = j.assignments.find((x) => x.provider === provider);
  if (j.state !== JobState.revealing || a === undefined || !committed(a) || answered(a)) return false;
  if (answer.kind === "result") {
    a.digest = answer.digest;
    a.sketch = answer.sketch;
    a.outputUri = answer.outputUri;
    a.revealedHeight = ctx.height;
    ctx.events.emit(jobEvent.revealed(j.id, provider));
  } else {
    a.unusable = answer.reason;
    a.unusableInput = answer.inputIndex;
    a.revealedHeight = ctx.height;
    ctx.events.emit(jobEvent.unusableReported(j.id, provider, answer.reason, answer.inputIndex, declined(j, a)));
  }
  if (j.assignments.every((x) => !committed(x) || answered(x))) k.schedule(ctx.store, j, ctx.height);
  k.saveJob(ctx.store, j);
  return true;
}

/**
 * revealing → settled | failed | unusable | auditing, by the settlement verdict: no-shows are
 * slashed first; then the majority is paid its ask and the others are slashed, or the unusable
 * fee is paid, or everything is refunded, or validators decide. A settled job may be sampled for
 * audit.
 */
export function settle(ctx: Context, k: JobsKeeper, j: Job): boolean {
  if (!settleUnsaved(ctx, k, j)) return false;
  k.saveJob(ctx.store, j);
  return true;
}

function settleUnsaved(ctx: Context, k: JobsKeeper, j: Job): boolean {
  if (j.state !== JobState.revealing) return false;
  const params = k.params(ctx.store);
  const verdict = settlementVerdict(j, ruleOf(k, ctx, j));
  const each = (f: (a: Assignment, v: AssigneeVerdict, i: number) => void) =>
    j.assignments.forEach((a, i) => f(a, verdict.assignees[i]!, i));
  each((a, v) => {
    if (v.kind !== "noShow") return;
    penalise(ctx, k, j, a, Outcome.noShow, params.slashFractionNoShow, v.reason);
    k.reputation.recordOutcome(ctx, a.provider, "noShow");
  });
  // A decline is not judged (domain.ts, `declined`), but it took a slot the job needed and may
  // leave a lone result without a majority, which sends the job to audit: it costs the
  // decliner reputation (loss_decline), whatever the verdict, so that declining is not free.
  each((a) => {
    if (declined(j, a)) k.reputation.recordOutcome(ctx, a.provider, "decline");
  });
  switch (verdict.kind) {
    case "unusable": {
      // Nobody who answered is slashed; each is paid the unusable fee when enough reported.
      const feePaid = verdict.reporters >= params.unusableFeeMinReporters;
      let fees = 0n;
      each((a, v) => {
        if (v.kind !== "unusable") return;
        a.outcome = Outcome.unusable;
        const fee = feePaid ? unusableFee(j, a, params.unusableFeeFraction) : 0n;
        payOut(ctx, k, j, a.provider, fee);
        a.paid = fee;
        fees += fee;
      });
      // Sampled as a settled job is (the reporters' reputation sets the rate), so that a false
      // report, most of all a lone k = 1 one, can be caught; a challenge is the challenge's
      // business (a reported challenge fails, challenges.ts).
      // Only a report validators can show false is audited (checkableReport: not a sealed job,
      // nor a URI the requester's server answers as it likes), so that nobody is slashed, nor
      // made to re-run anything, on a requester's word.
      const checkable = j.assignments.filter((a) => checkableReport(j, a));
      if (checkable.length > 0 && !k.isChallenge(ctx.store, j.id)) {
        const lowest = Math.min(...checkable.map((a) => k.reputation.score(ctx.store, a.provider, ctx.height)));
        if (BigInt(samplePpm(ctx, j.id, "audit")) < auditRatePpm(params, j.k, lowest)) {
          openAudit(ctx, k, j, "unusable report sampled for audit", auditorsNow(k, ctx.store, j));
        }
      }
      countUnusable(ctx, k, j.requester, 1n, fees);
      finish(
        ctx,
        k,
        j,
        JobState.unusable,
        `${verdict.reporters} of ${j.k} reported the input unusable; ${feePaid ? `fees ${fees} paid` : "too few reporters for a fee"}, the rest refunded`,
      );
      ctx.events.emit(jobEvent.unusable(j.id, j.requester, verdict.reporters, fees, j.refunded));
      return true;
    }
    case "failed":
      finish(ctx, k, j, JobState.failed, "no result was revealed; full refund");
      return true;
    case "noMajority":
      setState(ctx, k, j, JobState.auditing, "no strict majority: validators decide");
      openAudit(ctx, k, j, "no majority", auditorsNow(k, ctx.store, j));
      return true;
    case "settled": {
      // Scores before this job's outcomes set the audit rate.
      const lowest = Math.min(
        ...verdict.winners.map((i) => k.reputation.score(ctx.store, j.assignments[i]!.provider, ctx.height)),
      );
      each((a, v) => {
        if (v.kind === "accepted") {
          payWorker(ctx, k, j, a);
          k.reputation.recordOutcome(ctx, a.provider, "agree");
        } else if (v.kind === "rejected") {
          penalise(ctx, k, j, a, Outcome.rejected, params.slashFractionWrongResult, v.reason);
          k.reputation.recordOutcome(ctx, a.provider, "disagree");
        }
      });
      // A capability challenge's answer is always checked by the validators (challenges.ts); a
      // sampled sealed job only by the bonded validators it was sealed to (auditKeys.ts).
      if (k.isChallenge(ctx.store, j.id)) openAudit(ctx, k, j, "sampled for audit", auditorsNow(k, ctx.store, j));
      else if (BigInt(samplePpm(ctx, j.id, "audit")) < auditRatePpm(params, j.k, lowest)) {
        const auditors = auditorsNow(k, ctx.store, j);
        if (j.sealed.length > 0 && auditors.length === 0)
          markUnaudited(ctx, j, "sealed job: no validator bonded now holds an audit copy of its input");
        else openAudit(ctx, k, j, "sampled for audit", auditors);
      }
      finish(ctx, k, j, JobState.settled, `${verdict.winners.length} of ${j.k} agreed`);
      ctx.events.emit(jobEvent.settled(j.id, j.paid, j.refunded, j.audit));
      return true;
    }
  }
}

/** An auditor commits to its verdict (open audit, commit phase, once); reveals open as soon as every auditor has. */
export function commitVerdict(ctx: Context, k: JobsKeeper, j: Job, validator: string, commitment: Uint8Array): boolean {
  if (
    j.audit !== AuditStatus.open ||
    !j.auditors.includes(validator) ||
    j.verdictCommits.some((c) => c.validator === validator)
  )
    return false;
  if (j.verdictRevealHeight !== 0n && ctx.height >= j.verdictRevealHeight) return false;
  j.verdictCommits.push({ validator, commitment, height: ctx.height });
  if (allCommitted(j)) j.verdictRevealHeight = ctx.height;
  ctx.events.emit(jobEvent.auditVerdictCommitted(j.id, validator));
  k.saveJob(ctx.store, j);
  return true;
}

/**
 * A validator's verdict on an open audit (once per validator; the reveal of its commitment,
 * checked by the handler); resolves in this end-block once decided or every commitment is revealed.
 */
export function addVerdict(ctx: Context, k: JobsKeeper, j: Job, v: Verdict): boolean {
  if (j.audit !== AuditStatus.open || j.verdicts.some((x) => x.validator === v.validator)) return false;
  j.verdicts.push(v);
  k.bumpVerdicts(ctx.store, v.validator);
  ctx.events.emit(jobEvent.auditVerdict(j.id, v.validator, v.unable));
  if (allRevealed(j) || auditDecided(j, tallyOf(k, ctx, j))) k.schedule(ctx.store, j, ctx.height);
  k.saveJob(ctx.store, j);
  return true;
}

/**
 * An open audit ends (its window closed, or decided): auditing → settled | failed for a job
 * without a majority; for a settled job, its accepted result is confirmed, rejected (fraud: the
 * slash makes the requester and vindicated workers whole) or left inconclusive.
 */
export function resolveAudit(ctx: Context, k: JobsKeeper, j: Job): boolean {
  if (!resolveAuditUnsaved(ctx, k, j)) return false;
  k.saveJob(ctx.store, j);
  return true;
}

/** Adds to a requester's record of unusable jobs and the fees they cost it (never below 0). */
function countUnusable(ctx: Context, k: JobsKeeper, requester: string, jobs: bigint, fees: bigint): void {
  const rec = k.requesterRecord(ctx.store, requester);
  const n = BigInt(rec.unusableJobs) + jobs;
  const paid = BigInt(rec.unusableFeesPaid) + fees;
  rec.unusableJobs = (n > 0n ? n : 0n).toString();
  rec.unusableFeesPaid = (paid > 0n ? paid : 0n).toString();
  k.setRequesterRecord(ctx.store, rec);
}

/** Outvoted assignees whose result the validators confirmed: accepted after all. */
function vindicate(ctx: Context, k: JobsKeeper, j: Job, indices: readonly number[]): void {
  for (const i of indices) {
    const a = j.assignments[i]!;
    a.outcome = Outcome.accepted;
    k.reputation.recordOutcome(ctx, a.provider, "auditPass");
    ctx.events.emit(jobEvent.vindicated(j.id, a.provider));
  }
}

/**
 * Slashes each of `culprits` in turn, routing its slash through escrow (up to what is still
 * owed) and paying it out at once over `owed`, in order; the rest of a slash (all of it when
 * nobody is owed) is burned. What the requester gets is counted in j.compensated, what an
 * assignee gets in its `paid`.
 */
function slashToMakeWhole(
  ctx: Context,
  k: JobsKeeper,
  j: Job,
  culprits: readonly number[],
  owed: Owed[],
  how: { outcome: Outcome; fraction: bigint; reason: string },
): void {
  for (const w of culprits) {
    const a = j.assignments[w]!;
    const cap = owed.reduce((sum, o) => sum + o.left, 0n);
    const cut = penalise(ctx, k, j, a, how.outcome, how.fraction, how.reason, { address: k.escrowAddress(), cap });
    const got = cap <= 0n ? 0n : cut < cap ? cut : cap;
    for (const [n, x] of distribute(got, owed).entries()) {
      if (x <= 0n) continue;
      const o = owed[n]!;
      k.bank.transfer(ctx, k.escrowAddress(), o.to, [{ denom: k.denom(ctx.store), amount: x }]);
      o.left -= x;
      if (o.assignment === null) j.compensated += x;
      else j.assignments[o.assignment]!.paid += x;
    }
    k.reputation.recordOutcome(ctx, a.provider, "auditFail");
  }
}

const statusName = (s: AuditStatus) =>
  s === AuditStatus.confirmed ? "confirmed" : s === AuditStatus.rejected ? "rejected" : "inconclusive";

function resolveAuditUnsaved(ctx: Context, k: JobsKeeper, j: Job): boolean {
  if (j.audit !== AuditStatus.open) return false;
  const t = tallyOf(k, ctx, j);
  const p = k.params(ctx.store);
  k.unschedule(ctx.store, j);
  k.setAuditOpen(ctx.store, j.id, false);
  settleAuditors(ctx, k, j, t);
  if (j.state === JobState.unusable) {
    const v = unusableAuditVerdict(j, t);
    // The false reporters were paid the unusable fee, and an assignee that revealed the result
    // only that fee: their slash makes both whole, as a fraud slash does (fraudOwed).
    vindicate(ctx, k, j, v.vindicated);
    slashToMakeWhole(ctx, k, j, v.falseReports, falseReportOwed(j, v.falseReports, v.vindicated), {
      outcome: Outcome.rejected,
      fraction: p.slashFractionWrongResult,
      reason: "reported the input unusable; validators ran it",
    });
    if (v.status === AuditStatus.rejected) {
      // The input was usable: the job no longer counts against its requester.
      countUnusable(ctx, k, j.requester, -1n, -j.paid);
    }
    j.audit = v.status;
    j.history.push({
      height: ctx.height,
      state: j.state,
      note: `audit ${v.status === AuditStatus.rejected ? "found the input usable: the unusable reports were false" : v.status === AuditStatus.confirmed ? "confirmed the input unusable" : "inconclusive"}`,
    });
    ctx.events.emit(jobEvent.auditResolved(j.id, statusName(v.status), j.compensated));
    k.schedulePrune(ctx.store, j, ctx.height + p.retentionBlocks);
    return true;
  }
  if (j.state === JobState.auditing) {
    const v = noMajorityAuditVerdict(j, t);
    j.assignments.forEach((a, i) => {
      if (v.results[i] === "pass") {
        payWorker(ctx, k, j, a);
        k.reputation.recordOutcome(ctx, a.provider, "auditPass");
      } else if (v.results[i] === "fail") {
        penalise(ctx, k, j, a, Outcome.rejected, p.slashFractionWrongResult, "result rejected by validators");
        k.reputation.recordOutcome(ctx, a.provider, "auditFail");
      }
    });
    // No unusable fee was paid here (no majority reported it): nobody is owed, the slash is burned.
    slashToMakeWhole(ctx, k, j, v.falseUnusable, [], {
      outcome: Outcome.rejected,
      fraction: p.slashFractionWrongResult,
      reason: "reported the input unusable; validators accepted a result",
    });
    j.audit = v.status;
    ctx.events.emit(jobEvent.auditDecidedNoMajority(j.id, v.accepted > 0 ? "confirmed" : "inconclusive"));
    if (v.accepted > 0) finish(ctx, k, j, JobState.settled, `validators accepted ${v.accepted} result(s)`);
    else finish(ctx, k, j, JobState.failed, "no result accepted by validators; full refund");
    return true;
  }
  const v = settledAuditVerdict(j, t);
  if (v.status === AuditStatus.rejected) {
    vindicate(ctx, k, j, v.vindicated);
    slashToMakeWhole(ctx, k, j, v.winners, fraudOwed(j, v.vindicated), {
      outcome: Outcome.fraud,
      fraction: p.slashFractionFraud,
      reason: "accepted result rejected by validators",
    });
  } else if (v.status === AuditStatus.confirmed) {
    for (const w of v.winners) k.reputation.recordOutcome(ctx, j.assignments[w]!.provider, "auditPass");
  }
  j.audit = v.status;
  j.history.push({
    height: ctx.height,
    state: j.state,
    note: `audit ${v.status === AuditStatus.confirmed ? "confirmed" : v.status === AuditStatus.rejected ? "rejected the result" : "inconclusive"}`,
  });
  ctx.events.emit(jobEvent.auditResolved(j.id, statusName(v.status), j.compensated));
  k.schedulePrune(ctx.store, j, ctx.height + p.retentionBlocks);
  return true;
}

/** final (no audit open) → receipt: the job leaves the store and every index. */
export function prune(ctx: Context, k: JobsKeeper, j: Job): boolean {
  if (isOpen(j.state) || j.audit === AuditStatus.open) return false;
  k.replaceByReceipt(ctx.store, j, ctx.height);
  ctx.events.emit(jobEvent.pruned(j.id));
  return true;
}

// ---- end-block: bounded by what is due at this height

/** Runs the step of every job whose window ends at (or that became ready by) this height. */
export function advancePhases(ctx: Context, k: JobsKeeper): void {
  for (const id of k.takeDuePhases(ctx.store, ctx.height)) {
    const j = k.getJob(ctx.store, id);
    if (j === null) continue;
    j.phaseDeadline = 0n; // its queue entry is gone
    if (!openRevealsUnsaved(ctx, k, j, "commit window ended") && !settleUnsaved(ctx, k, j))
      resolveAuditUnsaved(ctx, k, j);
    k.saveJob(ctx.store, j);
  }
}

/** Expires pending jobs whose deadline is this height. */
export function expireDue(ctx: Context, k: JobsKeeper): void {
  for (const id of k.takeDueDeadlines(ctx.store, ctx.height)) {
    const j = k.getJob(ctx.store, id);
    if (j !== null) expire(ctx, k, j);
  }
}

/** Replaces final jobs past their retention by receipts. */
export function pruneDue(ctx: Context, k: JobsKeeper): void {
  for (const id of k.takeDuePrunes(ctx.store, ctx.height)) {
    const j = k.getJob(ctx.store, id);
    if (j !== null) prune(ctx, k, j);
  }
}
