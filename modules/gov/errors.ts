import { registerError } from "../sdk/errors.js";

/** The gov codespace, with the SDK's x/gov codes (cosmos-sdk x/gov/types/errors.go). */
export const govCodespace = "gov";
export const govErrors = {
  unknownProposal: registerError(govCodespace, 2, "unknown proposal"),
  inactiveProposal: registerError(govCodespace, 3, "inactive proposal"),
  alreadyActiveProposal: registerError(govCodespace, 4, "proposal already active"),
  invalidProposalContent: registerError(govCodespace, 5, "invalid proposal content"),
  invalidVote: registerError(govCodespace, 7, "invalid vote option"),
  invalidGenesis: registerError(govCodespace, 8, "invalid genesis state"),
  unroutableProposalMsg: registerError(govCodespace, 10, "proposal message not recognized by router"),
  noProposalMsgs: registerError(govCodespace, 11, "no messages proposed"),
  invalidProposalMsg: registerError(govCodespace, 12, "invalid proposal message"),
  /** Also what every module's MsgUpdateParams answers to a non-gov authority. */
  invalidSigner: registerError(govCodespace, 13, "expected gov account as only signer for proposal message"),
  metadataTooLong: registerError(govCodespace, 15, "metadata too long"),
  minDepositTooSmall: registerError(govCodespace, 16, "minimum deposit is too small"),
  invalidProposer: registerError(govCodespace, 18, "invalid proposer"),
  votingPeriodEnded: registerError(govCodespace, 20, "voting period already ended"),
  invalidProposal: registerError(govCodespace, 21, "invalid proposal"),
  summaryTooLong: registerError(govCodespace, 22, "summary too long"),
  invalidDepositDenom: registerError(govCodespace, 23, "invalid deposit denom"),
  titleTooLong: registerError(govCodespace, 24, "title too long"),
} as const;
