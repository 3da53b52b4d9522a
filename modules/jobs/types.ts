import type { PageRequestPb, PageResponsePb } from "../sdk/pagination.js";
import { codec } from "../sdk/proto.js";

// The jobs module's messages as TypeScript sees them (mirroring proto/jobs/v1/jobs.proto).

const file = "jobs/v1/jobs.proto";
const pkg = "tcompute.jobs.v1";

export const JobState = { unspecified: 0, pending: 1, assigned: 2, settled: 3, failed: 4, expired: 5, cancelled: 6, revealing: 7, auditing: 8 } as const;
export type JobState = (typeof JobState)[keyof typeof JobState];
export const jobStateNames: Record<number, string> = { 0: "unspecified", 1: "pending", 2: "assigned", 3: "settled", 4: "failed", 5: "expired", 6: "cancelled", 7: "revealing", 8: "auditing" };

export const Outcome = { unspecified: 0, accepted: 1, rejected: 2, noShow: 3, fraud: 4 } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export const AuditStatus = { none: 0, open: 1, confirmed: 2, rejected: 3, inconclusive: 4 } as const;
export type AuditStatus = (typeof AuditStatus)[keyof typeof AuditStatus];

/** Open jobs hold escrow; final ones never change again (only audits and pruning touch them). */
export const isOpen = (s: JobState) => s === JobState.pending || s === JobState.assigned || s === JobState.revealing || s === JobState.auditing;
/** A job in a final state (what clients wait for). */
export const isFinal = (s: JobState) => s === JobState.settled || s === JobState.failed || s === JobState.expired || s === JobState.cancelled;

export interface Transition {
  height: string;
  state: JobState;
  note: string;
}

export interface Input {
  inline: Uint8Array;
  uri: string;
  sha256: string;
}

export interface SealedInput {
  provider: string;
  ciphertext: Uint8Array;
}

export interface GpuRequirement {
  vendor: string;
  model: string;
  minMemoryMib: number;
  minCount: number;
}

/** Wire form of a sketch: 64-bit numbers as decimal strings. */
export interface SketchPb {
  components: string[];
  topK: number[];
  length: string;
}

export interface Assignment {
  provider: string;
  gpu: string;
  pricePerUnit: string;
  commitment: Uint8Array;
  committedHeight: string;
  digest: Uint8Array;
  sketch: SketchPb | null;
  outputUri: string;
  revealedHeight: string;
  outcome: Outcome;
  paid: string;
  slashed: string;
}

export interface Verdict {
  validator: string;
  sketch: SketchPb | null;
  digest: Uint8Array;
  unable: boolean;
  height: string;
}

export interface Job {
  id: string;
  requester: string;
  model: string;
  inputs: Input[];
  sealed: SealedInput[];
  k: number;
  maxPricePerUnit: string;
  deadlineHeight: string;
  minReputation: number;
  gpu: GpuRequirement | null;
  state: JobState;
  escrow: string;
  assignments: Assignment[];
  createdHeight: string;
  assignedHeight: string;
  phaseDeadline: string;
  computeUnits: string;
  history: Transition[];
  batchId: string;
  shardIndex: number;
  shardCount: number;
  audit: AuditStatus;
  auditDeadline: string;
  verdicts: Verdict[];
  paid: string;
  refunded: string;
  compensated: string;
  finalHeight: string;
}

export interface Receipt {
  id: string;
  requester: string;
  model: string;
  state: JobState;
  paid: string;
  refunded: string;
  compensated: string;
  finalHeight: string;
  batchId: string;
  digest: Uint8Array;
  providers: string[];
  prunedHeight: string;
}

export interface JobsParamsPb {
  maxInlineInputBytes: string;
  maxRedundancy: number;
  maxMatchesPerBlock: number;
  maxDeadlineBlocks: string;
  commitWindow: string;
  revealWindow: string;
  auditWindow: string;
  maxInputsPerShard: number;
  maxBatchInputs: number;
  maxSealed: number;
  slashFractionWrongResult: string;
  slashFractionNoShow: string;
  slashFractionFraud: string;
  auditRatePpm: number;
  auditRateSinglePpm: number;
  auditRateLowReputationPpm: number;
  retentionBlocks: string;
  minPricePerUnit: string;
  maxPendingPerRequester: number;
  maxMatchScansPerBlock: number;
  maxMissesPerRequester: number;
}

export interface MsgSubmitJob {
  requester: string;
  model: string;
  inputs: Input[];
  sealed: SealedInput[];
  k: number;
  maxPricePerUnit: string;
  deadlineBlocks: string;
  minReputation: number;
  gpu: GpuRequirement | null;
}

export interface MsgCancelJob {
  requester: string;
  id: string;
}

export interface MsgCommitResult {
  provider: string;
  jobId: string;
  commitment: Uint8Array;
}

export interface MsgRevealResult {
  provider: string;
  jobId: string;
  salt: Uint8Array;
  digest: Uint8Array;
  sketch: SketchPb | null;
  outputUri: string;
}

export interface MsgAuditVerdict {
  validator: string;
  jobId: string;
  sketch: SketchPb | null;
  digest: Uint8Array;
  unable: boolean;
}

export type { PageRequestPb, PageResponsePb };

type Empty = Record<string, never>;
const c = <T>(name: string) => codec<T>(file, `${pkg}.${name}`);

export const codecs = {
  job: c<Job>("Job"),
  receipt: c<Receipt>("Receipt"),
  sketch: c<SketchPb>("Sketch"),
  params: c<JobsParamsPb>("Params"),
  msgSubmitJob: c<MsgSubmitJob>("MsgSubmitJob"),
  msgSubmitJobResponse: c<{ ids: string[] }>("MsgSubmitJobResponse"),
  msgCancelJob: c<MsgCancelJob>("MsgCancelJob"),
  msgCancelJobResponse: c<Empty>("MsgCancelJobResponse"),
  msgCommitResult: c<MsgCommitResult>("MsgCommitResult"),
  msgCommitResultResponse: c<Empty>("MsgCommitResultResponse"),
  msgRevealResult: c<MsgRevealResult>("MsgRevealResult"),
  msgRevealResultResponse: c<Empty>("MsgRevealResultResponse"),
  msgAuditVerdict: c<MsgAuditVerdict>("MsgAuditVerdict"),
  msgAuditVerdictResponse: c<Empty>("MsgAuditVerdictResponse"),
  queryJobRequest: c<{ id: string }>("QueryJobRequest"),
  queryJobResponse: c<{ job: Job | null }>("QueryJobResponse"),
  queryReceiptRequest: c<{ id: string }>("QueryReceiptRequest"),
  queryReceiptResponse: c<{ receipt: Receipt | null }>("QueryReceiptResponse"),
  queryJobsByRequesterRequest: c<{ requester: string; pagination: PageRequestPb | null }>("QueryJobsByRequesterRequest"),
  queryJobsByProviderRequest: c<{ provider: string; pagination: PageRequestPb | null }>("QueryJobsByProviderRequest"),
  queryJobsByStateRequest: c<{ state: JobState; pagination: PageRequestPb | null }>("QueryJobsByStateRequest"),
  queryJobsResponse: c<{ jobs: Job[]; pagination: PageResponsePb | null }>("QueryJobsResponse"),
  queryParamsResponse: c<{ params: JobsParamsPb | null }>("QueryParamsResponse"),
  queryEscrowResponse: c<{ total: string }>("QueryEscrowResponse"),
  queryAuditStatsRequest: c<{ validator: string }>("QueryAuditStatsRequest"),
  queryAuditStatsResponse: c<{ stats: { validator: string; verdicts: string } | null; auditsOpened: string }>("QueryAuditStatsResponse"),
};
