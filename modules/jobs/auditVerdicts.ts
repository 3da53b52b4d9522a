import { createHash } from "node:crypto";
import { superMajority, type Tally } from "./audit.js";
import { sketchBytes, sketchFromPb } from "./commitment.js";
import { revealed, type Job } from "./domain.js";
import { sketchesAgree, type ComparisonRule, type Sketch } from "./sketch.js";
import { JobState } from "./types.js";

// Audits by commit–reveal (issue 11; docs/jobs.md, "Audits"). When an audit opens, the validators
// bonded then (for a sealed job, those holding an audit copy: auditKeys.ts) are its auditors. For
// the first min(audit_commit_window, audit_window − 1) blocks each sends only a commitment to its
// verdict (MsgCommitVerdict); verdicts are revealed
// (MsgRevealVerdict) from then on, or as soon as every auditor has committed, so that no
// validator can copy another's verdict: when the first verdict is visible, commitments are
// closed. At resolution each auditor whose verdict agrees with the outcome (and whose audit
// sketch agrees with those of the others that re-ran, auditSignsId) is paid auditor_reward
// from the community pool, and each auditor that revealed nothing loses audit_miss_slash_fraction
// of its stake, as does one that answered "unable" on a public job whose audit was decided (others
// re-ran what it says it could not).

const domain = Buffer.from("tcompute/verdict/v2", "utf8");

/**
 * The job id the audit signs are drawn from: an auditor's verdict carries, besides its sketch (the
 * workers' signs, compared with their results), the sketch of the same output under these other
 * signs. The workers' revealed sketch says nothing about it (for outputs longer than the sketch),
 * so an auditor that copies the public sketch instead of re-running cannot produce it; the
 * auditors that re-ran agree on it. A sealed job's audit signs are keyed like its sketch.
 */
export const auditSignsId = (jobId: string) => `${jobId}/audit`;
/** Where auditor rewards come from: the community pool (emissions' remainder account). */
export const auditorRewardPool = "community_pool";

function lenPrefixed(s: string): Buffer {
  const b = Buffer.from(s, "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length, 0);
  return Buffer.concat([len, b]);
}

/**
 * sha256("tcompute/verdict/v2" ‖ len‖job id ‖ len‖validator ‖ salt(32) ‖ unable(1) ‖ digest(32,
 * zeros when unable) ‖ canonical sketch bytes ‖ canonical audit-sketch bytes (none when unable)).
 * It names the validator, so a copied commitment does not open for the copier.
 */
export function verdictCommitmentOf(
  jobId: string,
  validator: string,
  salt: Uint8Array,
  verdict: { unable: true } | { unable: false; digest: Uint8Array; sketch: Sketch; auditSketch: Sketch },
): Uint8Array {
  const h = createHash("sha256")
    .update(domain)
    .update(lenPrefixed(jobId))
    .update(lenPrefixed(validator))
    .update(salt)
    .update(Uint8Array.of(verdict.unable ? 1 : 0));
  if (verdict.unable) return h.update(new Uint8Array(32)).digest();
  return h.update(verdict.digest).update(sketchBytes(verdict.sketch)).update(sketchBytes(verdict.auditSketch)).digest();
}

/** Blocks of an audit's commit phase: min(audit_commit_window, audit_window − 1). */
export const commitBlocks = (p: { auditCommitWindow: bigint; auditWindow: bigint }) =>
  p.auditCommitWindow < p.auditWindow - 1n ? p.auditCommitWindow : p.auditWindow - 1n;

/** Reveals are open from verdict_reveal_height (moved to now once every auditor committed). */
export const revealsOpen = (height: bigint, j: Job) => j.verdictRevealHeight !== 0n && height >= j.verdictRevealHeight;

/** Every auditor has committed: nothing is left to copy. */
export const allCommitted = (j: Job) => j.auditors.every((v) => j.verdictCommits.some((c) => c.validator === v));

/** Every committed verdict has been revealed (and at least one was committed). */
export const allRevealed = (j: Job) =>
  j.verdictCommits.length > 0 && j.verdictCommits.every((x) => j.verdicts.some((v) => v.validator === x.validator));

/**
 * What an auditor gets at resolution: paid (its verdict agrees with every decided result), slashed
 * (it revealed nothing, or "unable" on a decided public audit), or nothing.
 */
export type AuditorVerdict =
  { validator: string; kind: "rewarded" } | { validator: string; kind: "missed"; committed: boolean; unable: boolean };

/**
 * At resolution (before the outcome changes the job): auditors whose revealed verdict agrees
 * with every decided result (confirmed where 2/3 agreed, rejected where 2/3 disagreed), and whose
 * audit sketch agrees with the audit sketches of more than half of those auditors' power (the ones
 * that re-ran agree with each other; a copier of the public sketch cannot), are paid
 * auditor_reward from the community pool, as far as it holds; auditors that did not commit, or
 * committed and did not reveal by the deadline, lose audit_miss_slash_fraction of their stake.
 * An "unable" verdict earns nothing; on a public job (no sealed input) whose audit was decided
 * (some result confirmed or rejected by validators that re-ran it) it costs the skip penalty too:
 * the input was there for everyone, so answering unable to every audit is skipping with two txs.
 * On sealed jobs (a requester may seal garbage to one validator) and inconclusive audits it
 * stays free. A committer cut short by an early resolution
 * (before the deadline) did not skip anything. Pure: lifecycle.resolveAudit applies it.
 */
export function auditorVerdicts(
  j: Job,
  t: Tally,
  rule: ComparisonRule,
  height: bigint,
  powerOf: (valoper: string) => bigint,
): AuditorVerdict[] {
  const decided = j.assignments.map((a, i) => {
    if (!revealed(a)) return null;
    if (superMajority(t.agree[i]!, t.total)) return true;
    if (superMajority(t.disagree[i]!, t.total)) return false;
    return null;
  });
  const results = j.assignments.map((a) => (revealed(a) ? sketchFromPb(a.sketch!, rule.sketchSize) : null));
  const atDeadline = height >= j.auditDeadline;
  // An audit of "unusable" reports (lifecycle.ts) has no accepted result to agree with: its
  // outcome is that more than 2/3 of the power re-ran the input (the reports were false), and
  // agreeing with it is having re-run it (a revealed result, if any, is judged below as in any
  // audit). An "unable" verdict there earns nothing, as an inconclusive one.
  const usable = j.state === JobState.unusable && superMajority(t.ran, t.total);
  const conclusive = usable || decided.some((d) => d !== null);
  const out: AuditorVerdict[] = [];
  const agreeing: Array<{ validator: string; audit: Sketch }> = [];
  for (const valoper of j.auditors) {
    const v = j.verdicts.find((x) => x.validator === valoper);
    if (v === undefined) {
      const committedIt = j.verdictCommits.some((c) => c.validator === valoper);
      if (committedIt && !atDeadline) continue;
      out.push({ validator: valoper, kind: "missed", committed: committedIt, unable: false });
      continue;
    }
    if (v.unable || v.sketch === null) {
      if (j.sealed.length === 0 && conclusive)
        out.push({ validator: valoper, kind: "missed", committed: true, unable: true });
      continue;
    }
    const vs = sketchFromPb(v.sketch, rule.sketchSize);
    if (typeof vs === "string") continue;
    // On an unusable audit, agreeing is being in the group that re-ran it and agreed.
    let agrees = usable ? t.ranBy.has(valoper) : decided.some((d) => d !== null);
    for (const [i, d] of decided.entries()) {
      const r = results[i];
      if (d === null || r === null || r === undefined || typeof r === "string") continue;
      if (sketchesAgree(r, vs, rule) !== d) agrees = false;
    }
    const audit = v.auditSketch === null ? null : sketchFromPb(v.auditSketch, rule.sketchSize);
    if (agrees && audit !== null && typeof audit !== "string") agreeing.push({ validator: valoper, audit });
  }
  // Of the auditors agreeing with the outcome, those whose audit sketch agrees with more than half
  // of their power (their own included) re-ran the job.
  const weight = agreeing.map((a) => powerOf(a.validator));
  const all = weight.reduce((x, y) => x + y, 0n);
  for (const [i, a] of agreeing.entries()) {
    let with_ = 0n;
    for (const [n, b] of agreeing.entries()) if (n === i || sketchesAgree(a.audit, b.audit, rule)) with_ += weight[n]!;
    if (with_ * 2n > all) out.push({ validator: a.validator, kind: "rewarded" });
  }
  return out;
}
