export { createJobsModule } from "./module.js";
export { JobsKeeper, escrowAccount } from "./keeper.js";
export { codecs as jobsCodecs, JobState, Outcome, AuditStatus, isFinal, isOpen, type Job } from "./types.js";
export { computeSketch, sketchesAgree, majorityGroup, type Sketch, type ComparisonRule } from "./sketch.js";
export { commitmentOf, sketchToPb, sketchFromPb, sketchBytes } from "./commitment.js";
export { proofCodecs } from "./proofTypes.js";
export { auditSignsId, verdictCommitmentOf } from "./auditVerdicts.js";
export { claimCodecs, ClaimStatus, claimStatusNames } from "./claims.js";
export { auditKeyCodecs } from "./auditKeys.js";
