// Event types the jobs module emits (the module-shape test checks that every event the module's
// code emits is listed here). Attributes name the job (`id`) and, where one is involved, the
// provider; amounts are coins strings.
export const eventTypes = {
  /** Indexed on every state transition of a job: id, state, requester, note. */
  job: "job",
  jobSubmitted: "job_submitted",
  jobAssigned: "job_assigned",
  jobCommitted: "job_committed",
  jobRevealed: "job_revealed",
  jobUnusableReported: "job_unusable_reported",
  jobUnusable: "job_unusable",
  jobPaid: "job_paid",
  jobSlashed: "job_slashed",
  jobSettled: "job_settled",
  jobPruned: "job_pruned",
  /** An audit opened or decided: id, status, reason. */
  jobAudit: "job_audit",
  jobVindicated: "job_vindicated",
  auditVerdict: "audit_verdict",
  /** Per block with matching work: jobs examined and matched. */
  matching: "matching",
} as const;
