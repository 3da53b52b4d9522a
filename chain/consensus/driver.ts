import { createConsensusCore } from "./core.js";
import { createDriverContext, type DriverDeps, type DriverOptions } from "./driverContext.js";
import { startHeight } from "./eventLoop.js";
import { listen, startGossip } from "./reactor.js";
import { openWal } from "./wal.js";
import { replay } from "./walReplay.js";

// The consensus driver (CometBFT's consensus package around the pure core, core.ts): it feeds
// the core with verified proposals and votes from peers, signs and sends what the core asks
// for, builds blocks when this validator proposes, applies decided blocks through the
// executor, and helps peers that are behind with the block and commit of their height. Every
// input of the core goes to the WAL before it is handled; own votes and proposals are logged
// (unsigned, with their time) before they are signed, so that a restart replays into the same
// state and signs the very same bytes again, which the file signer answers with the same
// signature. Its parts, one file each, share one DriverContext (driverContext.ts):
// - reactor.ts: peers' messages (proposals, votes, blocks with commits, evidence), catch-up, gossip;
// - eventLoop.ts: the core's actions (own proposals and votes, timeouts, values, decisions);
// - blockBuilding.ts: the proposed block, commits and extended commits, the app's requests;
// - proposalValidation.ts: a proposal's block through the full validation and ProcessProposal;
// - walReplay.ts: the WAL replayed at start.

export { maxRoundsAhead, realTimer, type DriverDeps, type DriverOptions, type Timer } from "./driverContext.js";

export interface ConsensusDriver {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly height: bigint;
  /** The round of this height the core is in. */
  readonly round: number;
  /** Block bodies held now (this height), and the most held from proposals at any height. */
  held(): HeldBlocks;
  /** Full block validations run since creation (proposals, synced and decided blocks). */
  readonly fullValidations: number;
}

export interface HeldBlocks {
  blocks: number;
  bytes: number;
  peakProposalBlocks: number;
  peakProposalBytes: number;
  /** Peers' votes for the next height, held until it starts. */
  nextHeightVotes: number;
}

export function createConsensusDriver(opts: DriverOptions, deps: DriverDeps): ConsensusDriver {
  const ctx = createDriverContext(opts, deps);
  return {
    get height() {
      return ctx.height;
    },
    get round() {
      return ctx.core.state.round;
    },
    get fullValidations() {
      return ctx.validationDeps.fullPasses;
    },
    held() {
      let bytes = 0;
      for (const pb of ctx.blocks.values()) bytes += pb.bytes.length;
      const peak = ctx.proposalBlocks.peakHeld;
      let nextHeightVotes = 0;
      for (const votes of ctx.heldVotes.values()) nextHeightVotes += votes.size;
      return {
        blocks: ctx.blocks.size,
        bytes,
        peakProposalBlocks: peak.blocks,
        peakProposalBytes: peak.bytes,
        nextHeightVotes,
      };
    },
    async start() {
      ctx.stopped = false;
      ctx.core = createConsensusCore({ self: ctx.self, timeouts: opts.timeouts });
      listen(ctx);
      ctx.height = deps.getState().lastBlockHeight + 1n;
      if (opts.walPath !== null) {
        ctx.wal = opts.openWal?.() ?? openWal(opts.walPath, opts.walFs);
        await replay(ctx);
      } else startHeight(ctx, ctx.height);
      startGossip(ctx);
    },
    async stop() {
      ctx.stopped = true;
      ctx.epoch++;
      for (const t of ctx.timers) ctx.timer.clear(t);
      ctx.timers.clear();
      if (ctx.gossipTimer !== null) ctx.timer.clear(ctx.gossipTimer);
      while (ctx.applying) await new Promise((r) => ctx.timer.set(() => r(undefined), 10));
      try {
        ctx.wal?.close();
      } catch (e) {
        if (ctx.walFailure === null) throw e; // already halted on the WAL: report that, not this
      }
      ctx.wal = null;
    },
  };
}
