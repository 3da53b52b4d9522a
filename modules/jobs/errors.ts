import { registerError } from "../sdk/errors.js";

/** Stable codes of the jobs codespace. */
export const jobsErrors = {
  invalidJob: registerError("jobs", 2, "invalid job"),
  unknownModel: registerError("jobs", 3, "unknown model"),
  badDenom: registerError("jobs", 4, "price in the wrong denomination"),
  inputTooLarge: registerError("jobs", 5, "inline input too large"),
  jobNotFound: registerError("jobs", 6, "job not found"),
  notRequester: registerError("jobs", 7, "only the requester may do this"),
  badState: registerError("jobs", 8, "the job is not in a state that allows this"),
  invalidParams: registerError("jobs", 9, "invalid jobs params"),
  notAssignee: registerError("jobs", 10, "not an assignee of this job"),
  windowClosed: registerError("jobs", 11, "outside the window for this"),
  alreadyCommitted: registerError("jobs", 12, "already committed"),
  noCommitment: registerError("jobs", 13, "no commitment to reveal"),
  commitmentMismatch: registerError("jobs", 14, "the reveal does not match the commitment"),
  alreadyRevealed: registerError("jobs", 15, "already revealed"),
  invalidResult: registerError("jobs", 16, "invalid result"),
  notValidator: registerError("jobs", 17, "not a bonded validator"),
  notAudited: registerError("jobs", 18, "the job is not open for audit"),
  alreadyVoted: registerError("jobs", 19, "this validator already gave a verdict"),
  jobPruned: registerError("jobs", 20, "the job was pruned; its receipt remains"),
  verdictsCommitted: registerError(
    "jobs",
    21,
    "verdicts are committed, then revealed (MsgCommitVerdict, MsgRevealVerdict)",
  ),
  outputShapeMismatch: registerError(
    "jobs",
    22,
    "the result's element count does not fit the model's output shapes and the job's inputs",
  ),
  // 30+: matching limits (docs/jobs.md, "Matching").
  priceTooLow: registerError("jobs", 30, "price per unit below the minimum"),
  tooManyPending: registerError("jobs", 31, "too many pending jobs for this requester"),
  // 40+: non-delivery claims (claims.ts).
  alreadyClaimed: registerError("jobs", 40, "this worker's delivery of this job was already claimed"),
  noClaim: registerError("jobs", 41, "no open claim for this job and worker"),
  badClaimKey: registerError("jobs", 42, "the secret is not the claim key's"),
  claimOutputTooLarge: registerError("jobs", 43, "the output is too large to answer a claim on chain"),
  // 50+: sealed jobs' sketch keys and audits (auditKeys.ts).
  sketchKeyRequired: registerError("jobs", 50, "a sealed job needs the sha256 of its sketch key"),
  badAuditKey: registerError("jobs", 51, "an audit key is a 32-byte X25519 public key"),
  noAuditKey: registerError("jobs", 52, "an audit copy is for a bonded validator with an audit key"),
  auditCoverage: registerError(
    "jobs",
    53,
    "a sealed job needs an audit copy for every bonded validator with an audit key",
  ),
} as const;
