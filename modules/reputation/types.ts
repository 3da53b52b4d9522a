import { codec } from "../sdk/proto.js";

// Reputation records and params as TypeScript sees them (mirroring proto/reputation/v1).

export const scoreOne = 1_000_000;

export interface ReputationRecord {
  provider: string;
  score: number;
  consecutiveFaults: number;
  lastUpdate: string;
  agreed: number;
  disagreed: number;
  noShows: number;
  auditsPassed: number;
  auditsFailed: number;
  declines: number;
}

export interface ReputationParams {
  neutral: number;
  gainAgree: number;
  lossDisagree: number;
  lossNoShow: number;
  gainAuditPass: number;
  lossAuditFail: number;
  decayIntervalBlocks: string;
  decayRate: number;
  maxConsecutiveFaults: number;
  lossDecline: number;
}

const file = "reputation/v1/reputation.proto";

export const codecs = {
  record: codec<ReputationRecord>(file, "tcompute.reputation.v1.Record"),
  params: codec<ReputationParams>(file, "tcompute.reputation.v1.Params"),
  queryReputationRequest: codec<{ provider: string }>(file, "tcompute.reputation.v1.QueryReputationRequest"),
  queryReputationResponse: codec<{ record: ReputationRecord | null }>(
    file,
    "tcompute.reputation.v1.QueryReputationResponse",
  ),
  queryRankedRequest: codec<{ limit: number }>(file, "tcompute.reputation.v1.QueryRankedRequest"),
  queryRankedResponse: codec<{ records: ReputationRecord[] }>(file, "tcompute.reputation.v1.QueryRankedResponse"),
  queryParamsResponse: codec<{ params: ReputationParams | null }>(file, "tcompute.reputation.v1.QueryParamsResponse"),
};
