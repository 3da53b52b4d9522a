import { ProposalStatus } from "../app/abci.js";
import { commitInfo, misbehaviorOf, type ProposedBlock } from "../state/blockExecutor.js";
import { validateBlock } from "../state/validation.js";
import type { DriverContext } from "./driverContext.js";

// The driver's glue to block validation: a proposed block passes the one full validation
// (chain/state/validation.ts, shared with sync, replay and decided blocks) and then the app's
// ProcessProposal; the verdict goes to the core with the proposal.

/** A proposed block: the full validation (chain/state/validation.ts), then the app's verdict. */
export async function validBlock(ctx: DriverContext, pb: ProposedBlock): Promise<boolean> {
  const { deps, logger, height, validationDeps } = ctx;
  const state = deps.getState();
  if (pb.block.header?.height !== height) return false;
  try {
    await validateBlock(state, pb, validationDeps);
  } catch (e) {
    logger.info("invalid proposed block", { height, error: (e as Error).message });
    return false;
  }
  const hd = pb.block.header;
  const evidence = pb.block.evidence?.evidence ?? [];
  const verdict = await deps.app.processProposal({
    txs: pb.block.data?.txs ?? [],
    proposedLastCommit: commitInfo(pb.block.lastCommit, state.lastValidators),
    misbehavior: misbehaviorOf(evidence),
    hash: pb.blockId.hash,
    height,
    time: hd.time,
    nextValidatorsHash: hd.nextValidatorsHash,
    proposerAddress: hd.proposerAddress,
  });
  return verdict.status === ProposalStatus.ACCEPT;
}
