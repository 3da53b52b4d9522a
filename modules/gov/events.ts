// Event and attribute names of x/gov (cosmos-sdk x/gov/types/events.go).

export const eventTypes = {
  submitProposal: "submit_proposal",
  proposalDeposit: "proposal_deposit",
  proposalVote: "proposal_vote",
  inactiveProposal: "inactive_proposal",
  activeProposal: "active_proposal",
  cancelProposal: "cancel_proposal",
} as const;

export const attributeKeys = {
  proposalId: "proposal_id",
  proposalMessages: "proposal_messages",
  votingPeriodStart: "voting_period_start",
  proposalResult: "proposal_result",
  proposalLog: "proposal_log",
  voter: "voter",
  option: "option",
  depositor: "depositor",
  amount: "amount",
  sender: "sender",
  proposalProposer: "proposal_proposer",
} as const;

export const attributeValues = {
  proposalDropped: "proposal_dropped",
  proposalPassed: "proposal_passed",
  proposalRejected: "proposal_rejected",
  proposalFailed: "proposal_failed",
  expeditedProposalRejected: "expedited_proposal_rejected",
} as const;
