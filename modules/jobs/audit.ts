import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import { sketchFromPb } from "./commitment.js";
import type { JobsKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { samplePpm } from "./matching.js";
import { penalise, payWorker, reportedUnusable, revealed, ruleOf, workerPay } from "./settlement.js";
import { sketchesAgree } from "./sketch.js";
import { AuditStatus, JobState, Outcome, type Job } from "./types.js";

// Validator audits. A freshly settled job is sampled at a rate that rises as its accepted
// workers' reputation falls (and k = 1 jobs at their own rate); a job without a majority always
// goes to audit. Validators re-run the job off-chain and send their own sketch (MsgAuditVerdict);
// a result is confirmed or rejected when validators holding more than 2/3 of the bonded power
// agree or disagree with it. Resolution runs at the audit deadline, or as soon as it is decided.

export function maybeOpenAudit(ctx: Context, k: JobsKeeper, j: Job, lowestScore: number): void {
  const p = k.params(ctx.store);
  const base = j.k === 1 ? p.auditRateSinglePpm : p.auditRatePpm;
  const deficit = BigInt(Math.max(0, 1_000_000 - lowestScore));
  const rate = BigInt(base) + (BigInt(p.auditRateLowReputationPpm) * deficit) / 1_000_000n;
  if (BigInt(samplePpm(ctx, j.id, "audit")) >= rate) return;
  openAudit(ctx, k, j, "sampled for audit");
}

export function openNoMajorityAudit(ctx: Context, k: JobsKeeper, j: Job): void {
  k.transition(ctx, j, JobState.auditing, "no strict majority: validators decide");
  openAudit(ctx, k, j, "no majority");
}

function openAudit(ctx: Context, k: JobsKeeper, j: Job, reason: string): void {
  j.audit = AuditStatus.open;
  j.auditDeadline = (ctx.height + k.params(ctx.store).auditWindow).toString();
  k.schedule(ctx.store, j, BigInt(j.auditDeadline));
  k.bump(ctx.store, keys.auditsOpened);
  ctx.events.emit(event("job_audit", [["id", j.id], ["status", "open"], ["reason", reason], ["deadline", j.auditDeadline], ["model", j.model]]));
}

export interface Tally {
  total: bigint;
  /** Per assignment (revealed ones only; others 0): power agreeing and disagreeing with it. */
  agree: bigint[];
  disagree: bigint[];
}

/** Verdicts weighed by each validator's bonded power now. */
export function tally(ctx: Context, k: JobsKeeper, j: Job): Tally {
  const rule = ruleOf(k, ctx, j);
  let total = 0n;
  for (const { power } of k.staking.lastPowers(ctx.store)) total += power;
  const agree = j.assignments.map(() => 0n);
  const disagree = j.assignments.map(() => 0n);
  // Each revealed sketch parsed once, not once per verdict.
  const results = j.assignments.map((a) => (revealed(a) ? sketchFromPb(a.sketch!, rule.sketchSize) : null));
  for (const v of j.verdicts) {
    if (v.unable || v.sketch === null) continue;
    const power = k.staking.lastPower(ctx.store, v.validator);
    const vs = sketchFromPb(v.sketch, rule.sketchSize);
    if (power === 0n || typeof vs === "string") continue;
    for (const [i, as] of results.entries()) {
      if (as === null) continue;
      if (typeof as !== "string" && sketchesAgree(as, vs, rule)) agree[i]! += power;
      else disagree[i]! += power;
    }
  }
  return { total, agree, disagree };
}

const superMajority = (power: bigint, total: bigint) => total > 0n && power * 3n > total * 2n;

/** Whether the verdicts so far already decide the audit (so it can resolve before its deadline). */
export function auditDecided(ctx: Context, k: JobsKeeper, j: Job): boolean {
  const t = tally(ctx, k, j);
  const decided = (i: number) => superMajority(t.agree[i]!, t.total) || superMajority(t.disagree[i]!, t.total);
  if (j.state === JobState.auditing) return j.assignments.every((a, i) => !revealed(a) || decided(i));
  const first = j.assignments.findIndex((a) => a.outcome === Outcome.accepted);
  return first >= 0 && decided(first);
}

export function resolveAudit(ctx: Context, k: JobsKeeper, j: Job): void {
  const t = tally(ctx, k, j);
  const p = k.params(ctx.store);
  k.unschedule(ctx.store, j);
  if (j.state === JobState.auditing) {
    // No majority among workers: each revealed result stands or falls on the validators' word.
    let accepted = 0;
    for (const [i, a] of j.assignments.entries()) {
      if (!revealed(a)) continue;
      if (superMajority(t.agree[i]!, t.total)) {
        payWorker(ctx, k, j, a);
        k.reputation.recordOutcome(ctx, a.provider, "auditPass");
        accepted++;
      } else if (superMajority(t.disagree[i]!, t.total)) {
        penalise(ctx, k, j, a, Outcome.rejected, p.slashFractionWrongResult, "result rejected by validators");
        k.reputation.recordOutcome(ctx, a.provider, "auditFail");
      }
    }
    // A result the validators accepted shows the input was usable: "unusable" reports were false.
    if (accepted > 0) {
      for (const a of j.assignments) {
        if (!reportedUnusable(a)) continue;
        penalise(ctx, k, j, a, Outcome.rejected, p.slashFractionWrongResult, "reported the input unusable; validators accepted a result");
        k.reputation.recordOutcome(ctx, a.provider, "auditFail");
      }
    }
    j.audit = accepted > 0 ? AuditStatus.confirmed : AuditStatus.inconclusive;
    ctx.events.emit(event("job_audit", [["id", j.id], ["status", accepted > 0 ? "confirmed" : "inconclusive"]]));
    if (accepted > 0) k.finish(ctx, j, JobState.settled, `validators accepted ${accepted} result(s)`);
    else k.finish(ctx, j, JobState.failed, "no result accepted by validators; full refund");
    return;
  }
  // A settled job's accepted result: confirmed, rejected (fraud), or inconclusive.
  const winners = j.assignments.map((a, i) => [a, i] as const).filter(([a]) => a.outcome === Outcome.accepted);
  const first = winners[0]?.[1];
  let status: AuditStatus = AuditStatus.inconclusive;
  if (first !== undefined && superMajority(t.disagree[first]!, t.total)) {
    status = AuditStatus.rejected;
    // Who the fraud slash makes whole, in order: the requester (what the job cost it), then each
    // outvoted worker whose result the validators confirmed (its slash and its ask).
    const owed: Array<{ to: string; left: bigint; onPaid: (x: bigint) => void }> = [{ to: j.requester, left: BigInt(j.paid || "0") - BigInt(j.compensated || "0"), onPaid: (x) => (j.compensated = (BigInt(j.compensated || "0") + x).toString()) }];
    for (const [i, a] of j.assignments.entries()) {
      if (a.outcome !== Outcome.rejected || !superMajority(t.agree[i]!, t.total)) continue;
      owed.push({ to: a.provider, left: BigInt(a.slashed || "0") + workerPay(j, a), onPaid: (x) => (a.paid = (BigInt(a.paid || "0") + x).toString()) });
      a.outcome = Outcome.accepted;
      k.reputation.recordOutcome(ctx, a.provider, "auditPass");
      ctx.events.emit(event("job_vindicated", [["id", j.id], ["provider", a.provider]]));
    }
    for (const [a] of winners) {
      const cap = owed.reduce((sum, o) => sum + o.left, 0n);
      // The slash is routed through escrow (up to what is owed) and paid out at once.
      const cut = penalise(ctx, k, j, a, Outcome.fraud, p.slashFractionFraud, "accepted result rejected by validators", { address: k.escrowAddress(), cap });
      let got = cap <= 0n ? 0n : cut < cap ? cut : cap;
      for (const o of owed) {
        const x = got < o.left ? got : o.left;
        if (x <= 0n) continue;
        k.bank.transfer(ctx, k.escrowAddress(), o.to, [{ denom: k.denom(ctx.store), amount: x }]);
        o.left -= x;
        got -= x;
        o.onPaid(x);
      }
      k.reputation.recordOutcome(ctx, a.provider, "auditFail");
    }
  } else if (first !== undefined && superMajority(t.agree[first]!, t.total)) {
    status = AuditStatus.confirmed;
    for (const [a] of winners) k.reputation.recordOutcome(ctx, a.provider, "auditPass");
  }
  j.audit = status;
  j.history.push({ height: ctx.height.toString(), state: j.state, note: `audit ${status === AuditStatus.confirmed ? "confirmed" : status === AuditStatus.rejected ? "rejected the result" : "inconclusive"}` });
  ctx.events.emit(event("job_audit", [["id", j.id], ["status", status === AuditStatus.confirmed ? "confirmed" : status === AuditStatus.rejected ? "rejected" : "inconclusive"], ["compensated", j.compensated || "0"]]));
  k.schedulePrune(ctx, j);
}
