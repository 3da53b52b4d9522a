import { ProposalStatus } from "../app/abci.js";
import { commitInfo, misbehaviorOf, type ProposedBlock } from "../state/blockExecutor.js";
import type { ChainState } from "../state/chainState.js";
import { validateBlock, type ValidationDeps } from "../state/validation.js";
import type { DriverContext } from "./driverContext.js";

// The driver's glue to block validation: a proposed block passes the one full validation
// (chain/state/validation.ts, shared with sync, replay and decided blocks) and then the app's
// ProcessProposal; the verdict goes to the core with the proposal.

/**
 * Blocks that passed the full validation, with the chain state they passed against. Validation
 * is a function of the two (the state is replaced, never changed, and so is a block), so a
 * decided block validated at its proposal, or on arrival by block sync, against the state it is
 * executed on needs no second pass (issue 17: the pass at the decision cost as much as the
 * first). A block carrying evidence is validated again: the evidence pool's judgement is not a
 * function of the two. Weak: an entry goes with its block.
 */
const validatedAgainst = new WeakMap<ProposedBlock, ChainState>();

/**
 * The full validation, unless this very block already passed it against this very state. Every
 * path that brings a block calls it (a proposal, block sync and catch-up, the WAL, the decision),
 * so a block that came by one of them and is executed is validated once.
 */
export async function validateOnce(deps: ValidationDeps, state: ChainState, pb: ProposedBlock): Promise<void> {
  if (validatedAgainst.get(pb) === state && (pb.block.evidence?.evidence.length ?? 0) === 0) return;
  await validateBlock(state, pb, deps);
  validatedAgainst.set(pb, state);
}

/** A proposed block: the full validation (chain/state/validation.ts), then the app's verdict. */
export async function validBlock(ctx: DriverContext, pb: ProposedBlock): Promise<boolean> {
  const { deps, logger, height } = ctx;
  const state = deps.getState();
  if (pb.block.header?.height !== height) return false;
  try {
    await validateOnce(ctx.validationDeps, state, pb);
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
