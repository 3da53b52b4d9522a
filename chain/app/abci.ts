import type {
  RequestCheckTx,
  RequestExtendVote,
  RequestFinalizeBlock,
  RequestInfo,
  RequestInitChain,
  RequestPrepareProposal,
  RequestProcessProposal,
  RequestQuery,
  RequestVerifyVoteExtension,
  ResponseCheckTx,
  ResponseCommit,
  ResponseExtendVote,
  ResponseFinalizeBlock,
  ResponseInfo,
  ResponseInitChain,
  ResponsePrepareProposal,
  ResponseProcessProposal,
  ResponseQuery,
  ResponseVerifyVoteExtension,
} from "cosmjs-types/tendermint/abci/types";

/**
 * The application interface, shaped as CometBFT 0.38's ABCI++ and typed with its own protobuf
 * messages (from cosmjs-types), so that an ABCI socket adapter for a real CometBFT binary is a
 * thin framing layer. The node drives the state machine through these calls only.
 */
export interface Application {
  info(req: RequestInfo): Promise<ResponseInfo>;
  initChain(req: RequestInitChain): Promise<ResponseInitChain>;
  checkTx(req: RequestCheckTx): Promise<ResponseCheckTx>;
  prepareProposal(req: RequestPrepareProposal): Promise<ResponsePrepareProposal>;
  processProposal(req: RequestProcessProposal): Promise<ResponseProcessProposal>;
  finalizeBlock(req: RequestFinalizeBlock): Promise<ResponseFinalizeBlock>;
  commit(): Promise<ResponseCommit>;
  query(req: RequestQuery): Promise<ResponseQuery>;
  extendVote(req: RequestExtendVote): Promise<ResponseExtendVote>;
  verifyVoteExtension(req: RequestVerifyVoteExtension): Promise<ResponseVerifyVoteExtension>;
}

export {
  CheckTxType,
  ResponseProcessProposal_ProposalStatus as ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus as VerifyStatus,
} from "cosmjs-types/tendermint/abci/types";
