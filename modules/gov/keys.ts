import type { Timestamp } from "../sdk/context.js";
import { heightKey } from "../sdk/store.js";

// Store layout of the gov module (prefix "gov/"). Proposal ids are fixed-width hex so that
// they iterate in numeric order; queue keys start with the time so that end-block takes only
// what is due. Prefixes are only ever added.

const p = "gov/";

/** A time as a sortable key part: 20-digit seconds, 9-digit nanos. */
export function timeKey(t: Timestamp): string {
  return `${t.seconds.toString().padStart(20, "0")}.${t.nanos.toString().padStart(9, "0")}`;
}

export const keys = {
  /** cosmos.gov.v1.Params */
  params: `${p}params`,
  /** The id the next proposal gets (decimal). */
  nextProposalId: `${p}next`,
  /** The constitution (UTF-8). */
  constitution: `${p}constitution`,
  /** proposalId -> cosmos.gov.v1.Proposal */
  proposal: (id: bigint) => `${p}p/${heightKey(id)}`,
  proposalPrefix: `${p}p/`,
  /** (proposalId, depositor) -> cosmos.gov.v1.Deposit */
  deposit: (id: bigint, depositor: string) => `${p}d/${heightKey(id)}/${depositor}`,
  depositsOf: (id: bigint) => `${p}d/${heightKey(id)}/`,
  depositPrefix: `${p}d/`,
  /** (proposalId, voter) -> cosmos.gov.v1.Vote */
  vote: (id: bigint, voter: string) => `${p}v/${heightKey(id)}/${voter}`,
  votesOf: (id: bigint) => `${p}v/${heightKey(id)}/`,
  votePrefix: `${p}v/`,
  /** Deposit-period end time -> proposalId (the SDK's InactiveProposalsQueue). */
  inactiveQueue: (t: Timestamp, id: bigint) => `${p}iq/${timeKey(t)}/${heightKey(id)}`,
  inactiveQueuePrefix: `${p}iq/`,
  /** Voting-period end time -> proposalId (the SDK's ActiveProposalsQueue). */
  activeQueue: (t: Timestamp, id: bigint) => `${p}aq/${timeKey(t)}/${heightKey(id)}`,
  activeQueuePrefix: `${p}aq/`,
};
