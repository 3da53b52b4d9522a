import { event, type Event } from "../sdk/events.js";
import type { AuditStatus, JobState } from "./types.js";

// Event types of the jobs module, and the one function per event that builds it (indexed, so that
// tx_search and subscriptions can follow a job). Attribute values are strings, as ABCI carries them.

export const jobsEvents = {
  /** Every state change of a job (id, state, requester, note). */
  job: "job",
  submitted: "job_submitted",
  assigned: "job_assigned",
  committed: "job_committed",
  revealed: "job_revealed",
  unusableReported: "job_unusable_reported",
  paid: "job_paid",
  slashed: "job_slashed",
  settled: "job_settled",
  unusable: "job_unusable",
  audit: "job_audit",
  vindicated: "job_vindicated",
  auditVerdict: "audit_verdict",
  pruned: "job_pruned",
  matching: "matching",
  // Issue 11: commit–reveal verdicts, auditor pay and penalties, capability challenges, claims.
  auditVerdictCommitted: "audit_verdict_committed",
  auditorMissed: "auditor_missed",
  auditorRewarded: "auditor_rewarded",
  unaudited: "job_unaudited",
  challenge: "capability_challenge",
  deliveryClaim: "delivery_claim",
  auditKey: "audit_key_registered",
} as const;

const e = jobsEvents;
const s = (v: bigint | number) => v.toString();

export const jobEvent = {
  transition: (id: bigint, state: JobState, requester: string, note: string): Event =>
    event(e.job, [
      ["id", s(id)],
      ["state", String(state)],
      ["requester", requester],
      ["note", note],
    ]),
  submitted: (id: bigint, requester: string, model: string, escrow: string, batch: bigint): Event =>
    event(e.submitted, [
      ["id", s(id)],
      ["requester", requester],
      ["model", model],
      ["escrow", escrow],
      ["batch", s(batch)],
    ]),
  assigned: (id: bigint, provider: string, gpu: string): Event =>
    event(e.assigned, [
      ["id", s(id)],
      ["provider", provider],
      ["gpu", gpu],
    ]),
  committed: (id: bigint, provider: string): Event =>
    event(e.committed, [
      ["id", s(id)],
      ["provider", provider],
    ]),
  revealed: (id: bigint, provider: string): Event =>
    event(e.revealed, [
      ["id", s(id)],
      ["provider", provider],
    ]),
  /** `declined`: the report is a decline (domain.ts), not a report against the input. */
  unusableReported: (id: bigint, provider: string, reason: number, input: number, declined: boolean): Event =>
    event(e.unusableReported, [
      ["id", s(id)],
      ["provider", provider],
      ["reason", String(reason)],
      ["input", String(input)],
      ["declined", String(declined)],
    ]),
  paid: (id: bigint, provider: string, amount: bigint): Event =>
    event(e.paid, [
      ["id", s(id)],
      ["provider", provider],
      ["amount", s(amount)],
    ]),
  slashed: (id: bigint, provider: string, amount: bigint, reason: string): Event =>
    event(e.slashed, [
      ["id", s(id)],
      ["provider", provider],
      ["amount", s(amount)],
      ["reason", reason],
    ]),
  settled: (id: bigint, paid: bigint, refunded: bigint, audit: AuditStatus): Event =>
    event(e.settled, [
      ["id", s(id)],
      ["paid", s(paid)],
      ["refunded", s(refunded)],
      ["audit", String(audit)],
    ]),
  unusable: (id: bigint, requester: string, reporters: number, fees: bigint, refunded: bigint): Event =>
    event(e.unusable, [
      ["id", s(id)],
      ["requester", requester],
      ["reporters", String(reporters)],
      ["fees", s(fees)],
      ["refunded", s(refunded)],
    ]),
  auditOpened: (id: bigint, reason: string, deadline: bigint, model: string): Event =>
    event(e.audit, [
      ["id", s(id)],
      ["status", "open"],
      ["reason", reason],
      ["deadline", s(deadline)],
      ["model", model],
    ]),
  auditDecidedNoMajority: (id: bigint, status: "confirmed" | "inconclusive"): Event =>
    event(e.audit, [
      ["id", s(id)],
      ["status", status],
    ]),
  auditResolved: (id: bigint, status: "confirmed" | "rejected" | "inconclusive", compensated: bigint): Event =>
    event(e.audit, [
      ["id", s(id)],
      ["status", status],
      ["compensated", s(compensated)],
    ]),
  vindicated: (id: bigint, provider: string): Event =>
    event(e.vindicated, [
      ["id", s(id)],
      ["provider", provider],
    ]),
  auditVerdict: (id: bigint, validator: string, unable: boolean): Event =>
    event(e.auditVerdict, [
      ["id", s(id)],
      ["validator", validator],
      ["unable", String(unable)],
    ]),
  pruned: (id: bigint): Event => event(e.pruned, [["id", s(id)]]),
  auditVerdictCommitted: (id: bigint, validator: string): Event =>
    event(e.auditVerdictCommitted, [
      ["id", s(id)],
      ["validator", validator],
    ]),
  auditorMissed: (id: bigint, validator: string, slashed: bigint, committed: boolean, unable: boolean): Event =>
    event(e.auditorMissed, [
      ["id", s(id)],
      ["validator", validator],
      ["slashed", s(slashed)],
      ["committed", String(committed)],
      ["unable", String(unable)],
    ]),
  auditorRewarded: (id: bigint, validator: string, amount: bigint): Event =>
    event(e.auditorRewarded, [
      ["id", s(id)],
      ["validator", validator],
      ["amount", s(amount)],
    ]),
  unaudited: (id: bigint, requester: string, reason: string): Event =>
    event(e.unaudited, [
      ["id", s(id)],
      ["requester", requester],
      ["reason", reason],
    ]),
  challenge: (id: bigint, provider: string, status: "passed" | "failed" | "void", reason: string): Event =>
    event(e.challenge, [
      ["id", s(id)],
      ["provider", provider],
      ["status", status],
      ["reason", reason],
    ]),
  /** A claim's step: opened or answered (with the window's deadline), or closed (with what was slashed and paid back). */
  deliveryClaim: (
    id: bigint,
    provider: string,
    requester: string,
    status: string,
    extra: ReadonlyArray<[string, string]>,
  ): Event =>
    event(e.deliveryClaim, [
      ["id", s(id)],
      ["provider", provider],
      ["requester", requester],
      ["status", status],
      ...extra,
    ]),
  auditKey: (validator: string, pubkeyHex: string): Event =>
    event(e.auditKey, [
      ["validator", validator],
      ["x25519_pubkey", pubkeyHex],
    ]),
  matching: (examined: number, matched: number, requesters: number): Event =>
    event(e.matching, [
      ["examined", String(examined)],
      ["matched", String(matched)],
      ["requesters", String(requesters)],
    ]),
};
