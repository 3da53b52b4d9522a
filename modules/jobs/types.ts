import { codec } from "../sdk/proto.js";

// The jobs module's messages as TypeScript sees them (mirroring proto/jobs/v1/jobs.proto).

const file = "jobs/v1/jobs.proto";
const pkg = "tcompute.jobs.v1";

export const JobState = { unspecified: 0, pending: 1, assigned: 2, settled: 3, failed: 4, expired: 5, cancelled: 6 } as const;
export type JobState = (typeof JobState)[keyof typeof JobState];

export interface Transition {
  height: string;
  state: JobState;
  note: string;
}

export interface Job {
  id: string;
  requester: string;
  model: string;
  inputInline: Uint8Array;
  inputUri: string;
  inputSha256: string;
  k: number;
  maxPricePerUnit: string;
  deadlineHeight: string;
  minReputation: number;
  state: JobState;
  escrow: string;
  assignees: string[];
  createdHeight: string;
  assignedHeight: string;
  computeUnits: string;
  history: Transition[];
}

export interface JobsParamsPb {
  maxInlineInputBytes: string;
  maxRedundancy: number;
  maxMatchesPerBlock: number;
  maxDeadlineBlocks: string;
  commitWindow: string;
  revealWindow: string;
}

export interface MsgSubmitJob {
  requester: string;
  model: string;
  inputInline: Uint8Array;
  inputUri: string;
  inputSha256: string;
  k: number;
  maxPricePerUnit: string;
  deadlineBlocks: string;
  minReputation: number;
}

export interface MsgCancelJob {
  requester: string;
  id: string;
}

export const codecs = {
  job: codec<Job>(file, `${pkg}.Job`),
  params: codec<JobsParamsPb>(file, `${pkg}.Params`),
  msgSubmitJob: codec<MsgSubmitJob>(file, `${pkg}.MsgSubmitJob`),
  msgSubmitJobResponse: codec<{ id: string }>(file, `${pkg}.MsgSubmitJobResponse`),
  msgCancelJob: codec<MsgCancelJob>(file, `${pkg}.MsgCancelJob`),
  msgCancelJobResponse: codec<Record<string, never>>(file, `${pkg}.MsgCancelJobResponse`),
  queryJobRequest: codec<{ id: string }>(file, `${pkg}.QueryJobRequest`),
  queryJobResponse: codec<{ job: Job | null }>(file, `${pkg}.QueryJobResponse`),
  queryJobsByRequesterRequest: codec<{ requester: string }>(file, `${pkg}.QueryJobsByRequesterRequest`),
  queryJobsResponse: codec<{ jobs: Job[] }>(file, `${pkg}.QueryJobsResponse`),
  queryParamsResponse: codec<{ params: JobsParamsPb | null }>(file, `${pkg}.QueryParamsResponse`),
  queryEscrowResponse: codec<{ total: string }>(file, `${pkg}.QueryEscrowResponse`),
};
