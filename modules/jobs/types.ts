import type { PageRequestPb, PageResponsePb } from "../sdk/pagination.js";
import { codec } from "../sdk/proto.js";

// The jobs module's messages as TypeScript sees them (mirroring proto/jobs/v1/jobs.proto).

const file = "jobs/v1/jobs.proto";
const pkg = "tcompute.jobs.v1";

export const JobState = {
  unspecified: 0,
  pending: 1,
  assigned: 2,
  settled: 3,
  failed: 4,
  expired: 5,
  cancelled: 6,
  revealing: 7,
  auditing: 8,
  unusable: 9,
} as const;
export type JobState = (typeof JobState)[keyof typeof JobState];
export const jobStateNames: Record<number, string> = {
  0: "unspecified",
  1: "pending",
  2: "assigned",
  3: "settled",
  4: "failed",
  5: "expired",
  6: "cancelled",
  7: "revealing",
  8: "auditing",
  9: "unusable",
};

export const Outcome = { unspecified: 0, accepted: 1, rejected: 2, noShow: 3, fraud: 4, unusable: 5 } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** Why a worker could not use an input (MsgRevealUnusable). */
export const UnusableReason = {
  unspecified: 0,
  unreachable: 1,
  tooLarge: 2,
  hashMismatch: 3,
  undecodable: 4,
  refused: 5,
  unopenable: 6,
  rejected: 7,
  resources: 8,
} as const;
export type UnusableReason = (typeof UnusableReason)[keyof typeof UnusableReason];
export const unusableReasonNames: Record<number, string> = {
  0: "unspecified",
  1: "unreachable",
  2: "too_large",
  3: "hash_mismatch",
  4: "undecodable",
  5: "refused",
  6: "unopenable",
  7: "rejected",
  8: "resources",
};

export const AuditStatus = { none: 0, open: 1, confirmed: 2, rejected: 3, inconclusive: 4, unaudited: 5 } as const;
export type AuditStatus = (typeof AuditStatus)[keyof typeof AuditStatus];

/** Open jobs hold escrow; final ones never change again (only audits and pruning touch them). */
export const isOpen = (s: JobState) =>
  s === JobState.pending || s === JobState.assigned || s === JobState.revealing || s === JobState.auditing;
/** A job in a final state (what clients wait for). */
export const isFinal = (s: JobState) =>
  s === JobState.settled ||
  s === JobState.failed ||
  s === JobState.expired ||
  s === JobState.cancelled ||
  s === JobState.unusable;

export interface Transition {
  height: string;
  state: JobState;
  note: string;
}

export interface Input {
  inline: Uint8Array;
  uri: string;
  sha256: string;
  /** A URI input's declared size in bytes ("0" or absent: undeclared). */
  size?: string;
}

export interface SealedInput {
  provider: string;
  ciphertext: Uint8Array;
}

/** A sealed job's input sealed to a validator's audit key (auditKeys.ts). */
export interface AuditSealedInput {
  validator: string;
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
  /** Set by MsgRevealUnusable (0 or absent: not reported; decoded jobs always carry it). */
  unusable?: UnusableReason;
  unusableInput?: number;
}

export interface Verdict {
  validator: string;
  sketch: SketchPb | null;
  digest: Uint8Array;
  unable: boolean;
  height: string;
  /** The auditor's sketch under the audit signs (auditVerdicts.ts); absent on unable verdicts. */
  auditSketch?: SketchPb | null;
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
  /** Audits by commit–reveal (auditVerdicts.ts); absent on jobs never audited. */
  auditors?: string[];
  verdictCommits?: VerdictCommit[];
  verdictRevealHeight?: string;
  /** Sealed jobs: sha256 of the sketch key each sealed copy carries (empty: public sketches). */
  sketchKeyHash?: Uint8Array;
  /** Sealed jobs: the copies sealed to validators' audit keys (absent: none). */
  auditSealed?: AuditSealedInput[];
  /** A final job: when it is replaced by its receipt (absent: not scheduled). */
  pruneHeight?: string;
}

export interface VerdictCommit {
  validator: string;
  commitment: Uint8Array;
  height: string;
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
  unusableFeeFraction: string;
  unusableFeeMinReporters: number;
  auditCommitWindow?: string;
  auditorReward?: string;
  auditMissSlashFraction?: string;
  challengeEpochBlocks?: string;
  challengesPerEpoch?: number;
  challengeBudgetPerEpoch?: string;
  challengeSlackBlocks?: string;
  gpuThroughput?: Array<{ vendor: string; model: string; unitsPerBlock: string }>;
  defaultGpuUnitsPerBlock?: string;
  challengeSlashFraction?: string;
  claimWindow?: string;
  claimDeposit?: string;
  claimAnswerWindow?: string;
  claimDisputeWindow?: string;
  maxClaimOutputBytes?: string;
  claimSlashFraction?: string;
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
  sketchKeyHash?: Uint8Array;
  /** Sealed jobs: the input also sealed to bonded validators' audit keys (auditKeys.ts). */
  auditSealed?: AuditSealedInput[];
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

export interface MsgRevealUnusable {
  provider: string;
  jobId: string;
  salt: Uint8Array;
  reason: UnusableReason;
  inputIndex: number;
}

export interface RequesterRecord {
  requester: string;
  unusableJobs: string;
  unusableFeesPaid: string;
}

export interface MsgAuditVerdict {
  validator: string;
  jobId: string;
  sketch: SketchPb | null;
  digest: Uint8Array;
  unable: boolean;
}

/** A capability challenge the chain issued (challenges.ts). */
export interface Challenge {
  jobId: string;
  provider: string;
  epochHeight: string;
  deadlineBlocks: string;
  status: number;
  reason: string;
  escrow: string;
}

/** A requester's claim that a worker did not deliver its output (claims.ts). */
export interface DeliveryClaim {
  jobId: string;
  provider: string;
  requester: string;
  x25519Pubkey: Uint8Array;
  digest: Uint8Array;
  deposit: string;
  paid: string;
  claimedHeight: string;
  answerDeadline: string;
  answeredHeight: string;
  sealedOutput: Uint8Array;
  disputeDeadline: string;
  status: number;
  slashed: string;
  compensated: string;
}

export interface MsgClaimNonDelivery {
  requester: string;
  jobId: string;
  provider: string;
  x25519Pubkey: Uint8Array;
}

export interface MsgAnswerClaim {
  provider: string;
  jobId: string;
  sealedOutput: Uint8Array;
}

export interface MsgDisputeAnswer {
  requester: string;
  jobId: string;
  provider: string;
  x25519Secret: Uint8Array;
}

export interface MsgCommitVerdict {
  validator: string;
  jobId: string;
  commitment: Uint8Array;
}

export interface MsgRevealVerdict {
  validator: string;
  jobId: string;
  salt: Uint8Array;
  sketch: SketchPb | null;
  digest: Uint8Array;
  unable: boolean;
  /** Required unless unable: the same output's sketch under the audit signs. */
  auditSketch?: SketchPb | null;
}

/** A validator's audit key (auditKeys.ts). */
export interface AuditKey {
  validator: string;
  x25519Pubkey: Uint8Array;
  height: string;
}

export interface MsgRegisterAuditKey {
  validator: string;
  x25519Pubkey: Uint8Array;
}

export type { PageRequestPb, PageResponsePb };

type Empty = Record<string, never>;
const c = <T>(name: string) => codec<T>(file, `${pkg}.${name}`);

export const codecs = {
  job: c<Job>("Job"),
  receipt: c<Receipt>("Receipt"),
  requesterRecord: c<RequesterRecord>("RequesterRecord"),
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
  msgRevealUnusable: c<MsgRevealUnusable>("MsgRevealUnusable"),
  msgRevealUnusableResponse: c<Empty>("MsgRevealUnusableResponse"),
  queryRequesterRecordRequest: c<{ requester: string }>("QueryRequesterRecordRequest"),
  queryRequesterRecordResponse: c<{ record: RequesterRecord | null }>("QueryRequesterRecordResponse"),
  msgAuditVerdict: c<MsgAuditVerdict>("MsgAuditVerdict"),
  msgAuditVerdictResponse: c<Empty>("MsgAuditVerdictResponse"),
  queryJobRequest: c<{ id: string }>("QueryJobRequest"),
  queryJobResponse: c<{ job: Job | null }>("QueryJobResponse"),
  queryReceiptRequest: c<{ id: string }>("QueryReceiptRequest"),
  queryReceiptResponse: c<{ receipt: Receipt | null }>("QueryReceiptResponse"),
  queryJobsByRequesterRequest: c<{ requester: string; pagination: PageRequestPb | null }>(
    "QueryJobsByRequesterRequest",
  ),
  queryJobsByProviderRequest: c<{ provider: string; pagination: PageRequestPb | null }>("QueryJobsByProviderRequest"),
  queryJobsByStateRequest: c<{ state: JobState; pagination: PageRequestPb | null }>("QueryJobsByStateRequest"),
  queryOpenAuditsRequest: c<{ pagination: PageRequestPb | null }>("QueryOpenAuditsRequest"),
  queryJobsResponse: c<{ jobs: Job[]; pagination: PageResponsePb | null }>("QueryJobsResponse"),
  queryParamsResponse: c<{ params: JobsParamsPb | null }>("QueryParamsResponse"),
  queryEscrowResponse: c<{ total: string }>("QueryEscrowResponse"),
  queryAuditStatsRequest: c<{ validator: string }>("QueryAuditStatsRequest"),
  challenge: c<Challenge>("Challenge"),
  deliveryClaim: c<DeliveryClaim>("DeliveryClaim"),
  msgCommitVerdict: c<MsgCommitVerdict>("MsgCommitVerdict"),
  msgCommitVerdictResponse: c<Empty>("MsgCommitVerdictResponse"),
  msgRevealVerdict: c<MsgRevealVerdict>("MsgRevealVerdict"),
  msgRevealVerdictResponse: c<Empty>("MsgRevealVerdictResponse"),
  msgClaimNonDelivery: c<MsgClaimNonDelivery>("MsgClaimNonDelivery"),
  msgClaimNonDeliveryResponse: c<Empty>("MsgClaimNonDeliveryResponse"),
  msgAnswerClaim: c<MsgAnswerClaim>("MsgAnswerClaim"),
  msgAnswerClaimResponse: c<Empty>("MsgAnswerClaimResponse"),
  msgDisputeAnswer: c<MsgDisputeAnswer>("MsgDisputeAnswer"),
  msgDisputeAnswerResponse: c<Empty>("MsgDisputeAnswerResponse"),
  queryChallengesRequest: c<{ provider: string }>("QueryChallengesRequest"),
  queryChallengesResponse: c<{ challenges: Challenge[] }>("QueryChallengesResponse"),
  queryClaimRequest: c<{ jobId: string; provider: string }>("QueryClaimRequest"),
  queryClaimResponse: c<{ claim: DeliveryClaim | null }>("QueryClaimResponse"),
  auditKey: c<AuditKey>("AuditKey"),
  msgRegisterAuditKey: c<MsgRegisterAuditKey>("MsgRegisterAuditKey"),
  msgRegisterAuditKeyResponse: c<Empty>("MsgRegisterAuditKeyResponse"),
  queryAuditKeysResponse: c<{ keys: AuditKey[] }>("QueryAuditKeysResponse"),
  queryAuditStatsResponse: c<{ stats: { validator: string; verdicts: string } | null; auditsOpened: string }>(
    "QueryAuditStatsResponse",
  ),
};
