import { Proposal as PbProposal, Vote as PbVote, type BlockID } from "cosmjs-types/tendermint/types/types";
import { applyBlock, type ProposedBlock } from "../state/blockExecutor.js";
import { Channel } from "../p2p/switch.js";
import { proposalSignBytes, SignedMsgType, voteSignBytes } from "../types/signBytes.js";
import { buildCommit, buildExtendedCommit, buildValue, extendVoteRequest } from "./blockBuilding.js";
import {
  extensionsOn,
  halt,
  log,
  remember,
  schedule,
  setAt,
  setFor,
  voteTime,
  walAppend,
  walFailed,
  type DriverContext,
} from "./driverContext.js";
import { nextHeightDelayMs, timingsOf } from "./heightTimings.js";
import { validateOnce } from "./proposalValidation.js";
import { blockIdKey, checkLoggedSignature, emptyBlockId, signProposal, signVote } from "./signedMessages.js";
import { VoteType, type ConsensusAction, type ConsensusEvent, type Value, type Vote } from "./types.js";
import { encodeProposalMessage, encodeRecord, encodeStatus, RecordKind } from "./walRecords.js";

// The driver's event loop (CometBFT's receiveRoutine and its timeout ticker): every input goes
// to the core (after the WAL, by whoever feeds it), and the core's actions are carried out here:
// own proposals and votes logged, signed, logged again signed, then sent; timeouts scheduled
// (and logged when they fire); values built; decided blocks validated, executed and the next
// height started.

/** Hands an event to the core and carries out its actions; a core error halts the node. */
export function feed(ctx: DriverContext, ev: ConsensusEvent): void {
  if (ctx.stopped && !ctx.replaying) return;
  let actions: ConsensusAction[];
  try {
    actions = ctx.core.handle(ev);
  } catch (e) {
    return halt(ctx, e as Error);
  }
  const timings = ctx.replaying ? null : timingsOf(ctx);
  timings?.onEvent(ev);
  for (const a of actions) {
    timings?.onAction(a);
    perform(ctx, a);
  }
}

export function perform(ctx: DriverContext, a: ConsensusAction): void {
  const { opts, deps, logger } = ctx;
  switch (a.kind) {
    case "broadcastProposal": {
      const pb = a.proposal.value.payload as ProposedBlock;
      const fromWal = ctx.walOwnProposals.get(a.proposal.round);
      const time = fromWal?.proposal.timestamp ?? pb.block.header!.time;
      const unsigned: PbProposal = {
        type: 32,
        height: a.proposal.height,
        round: a.proposal.round,
        polRound: a.proposal.polRound,
        blockId: pb.blockId,
        timestamp: time,
        signature: new Uint8Array(),
      };
      const unsignedBytes = PbProposal.encode(unsigned).finish();
      // Logged (fsynced) before signing, also during a replay if the log does not hold it yet.
      if (ctx.wal !== null && fromWal === undefined)
        walAppend(
          ctx,
          encodeRecord({
            kind: RecordKind.ownProposal,
            height: a.proposal.height,
            round: a.proposal.round,
            aux: 0,
            a: unsignedBytes,
            b: pb.bytes,
          }),
          true,
        );
      // After a restart: the proposal as signed before the crash, once checked (the signer
      // has passed its step when our prevote is signed too, and would refuse it).
      const logged = ctx.walSignedProposals.get(a.proposal.round);
      let signed: PbProposal | null = null;
      if (logged !== undefined) {
        try {
          const signature = checkLoggedSignature(
            `own proposal at ${unsigned.height}/${unsigned.round}`,
            opts.signer!.key.pubKey,
            proposalSignBytes(opts.chainId, unsigned.height, unsigned.round, unsigned.polRound, pb.blockId, time),
            unsignedBytes,
            PbProposal.encode({ ...logged, signature: new Uint8Array() }).finish(),
            logged.signature,
          );
          signed = { ...unsigned, signature };
        } catch (e) {
          logger.error("WAL record of an own signed message refused", { error: (e as Error).message });
        }
      }
      const fromLog = signed !== null;
      if (signed === null) {
        try {
          signed = signProposal(
            opts.signer!,
            opts.chainId,
            unsigned.height,
            unsigned.round,
            unsigned.polRound,
            unsigned.blockId,
            unsigned.timestamp,
          );
        } catch (e) {
          // The signer refuses what conflicts with what it already signed: never sign twice.
          logger.error("signer refused a proposal", {
            height: a.proposal.height,
            round: a.proposal.round,
            error: (e as Error).message,
          });
          return;
        }
      }
      const signedBytes = PbProposal.encode(signed).finish();
      // Logged once signed (durable with our next fsynced record, before the signer moves on).
      if (ctx.wal !== null && !fromLog)
        walAppend(
          ctx,
          encodeRecord({
            kind: RecordKind.ownSignedProposal,
            height: signed.height,
            round: signed.round,
            aux: 0,
            a: signedBytes,
            b: new Uint8Array(),
          }),
          false,
        );
      const msg = encodeProposalMessage(signedBytes, pb.bytes);
      ctx.proposalBlocks.own(signed.round, a.proposal.value.id, pb.bytes.length);
      remember(ctx, `p/${signed.round}/${a.proposal.value.id}`, Channel.consensusData, msg);
      deps.p2p.broadcast(Channel.consensusData, msg);
      return;
    }
    case "broadcastVote": {
      // Captured now: the WAL copy (on replay) and the block are gone once replay ends.
      const v = a.vote;
      const fromWal = ctx.walOwnVotes.get(`${v.type}/${v.round}`);
      const logged = ctx.walSignedVotes.get(`${v.type}/${v.round}`);
      const block = v.valueId === null ? null : ctx.blocks.get(v.valueId)!;
      ctx.ownVotesSigned = ctx.ownVotesSigned
        .then(() => sendOwnVote(ctx, v, block, fromWal, logged))
        .catch((e: Error) => {
          if (e !== ctx.walFailure) halt(ctx, e);
        });
      return;
    }
    case "scheduleTimeout":
      if (ctx.replaying) {
        ctx.replayed.push(a);
        return;
      }
      schedule(ctx, a.durationMs, () => {
        log(
          ctx,
          {
            kind: RecordKind.timeout,
            height: a.height,
            round: a.round,
            aux: a.step === "propose" ? 1 : a.step === "prevote" ? 2 : 3,
            a: new Uint8Array(),
            b: new Uint8Array(),
          },
          false,
        );
        feed(ctx, { kind: "timeout", step: a.step, height: a.height, round: a.round });
      });
      return;
    case "getValue":
      if (ctx.replaying) {
        ctx.replayed.push(a);
        return;
      }
      buildValue(ctx, a.height)
        .then((pb) => {
          if (pb === null) return;
          timingsOf(ctx).mark(a.height, "built");
          const id = blockIdKey(pb.blockId)!;
          ctx.blocks.set(id, pb);
          log(
            ctx,
            { kind: RecordKind.value, height: a.height, round: a.round, aux: 0, a: pb.bytes, b: new Uint8Array() },
            false,
          );
          feed(ctx, { kind: "value", height: a.height, round: a.round, value: { id, payload: pb } });
        })
        .catch((e: Error) => {
          if (e !== ctx.walFailure) halt(ctx, e);
        });
      return;
    case "evidence": {
      logger.warn("equivocation seen", {
        validator: a.evidence.validator,
        height: a.evidence.height,
        round: a.evidence.round,
        type: a.evidence.type,
      });
      const va = a.evidence.a.extra as PbVote | undefined;
      const vb = a.evidence.b.extra as PbVote | undefined;
      if (va !== undefined && vb !== undefined && !ctx.replaying) deps.evidence.reportConflictingVotes(va, vb);
      return;
    }
    case "decide":
      void decide(ctx, a.height, a.round, a.value, a.precommits);
      return;
  }
}

/**
 * Signs and sends one of our votes: logged (unsigned, fsynced) before signing and logged again
 * once signed; a precommit for a block at a height with extensions gets the app's extension,
 * signed too. After a restart a vote the WAL holds signed is sent as logged, once checked (the
 * signer refuses a step it has passed). Votes are signed one after another (ownVotesSigned),
 * and a decision waits for them.
 */
async function sendOwnVote(
  ctx: DriverContext,
  v: Vote,
  block: ProposedBlock | null,
  fromWal: PbVote | undefined,
  logged: PbVote | undefined,
): Promise<void> {
  const { opts, deps, logger, self } = ctx;
  const key = `${v.type}/${v.round}`;
  const blockId: BlockID = block === null ? emptyBlockId() : block.blockId;
  const time = fromWal?.timestamp ?? voteTime(ctx, block);
  let extension: Uint8Array = new Uint8Array();
  if (v.type === VoteType.precommit && block !== null && extensionsOn(ctx, v.height)) {
    extension = fromWal?.extension ?? (await deps.app.extendVote(extendVoteRequest(ctx, block))).voteExtension;
  }
  const index = setAt(ctx, v.height)!.indexOf(self!);
  const pbType = v.type === VoteType.prevote ? SignedMsgType.prevote : SignedMsgType.precommit;
  const unsigned: PbVote = {
    type: pbType,
    height: v.height,
    round: v.round,
    blockId,
    timestamp: time,
    validatorAddress: Buffer.from(self!, "hex"),
    validatorIndex: index,
    signature: new Uint8Array(),
    extension,
    extensionSignature: new Uint8Array(),
  };
  if (ctx.walFailure !== null) return; // halted: never sign after a failed write
  // Also during a replay when the log does not hold it: a restart must ask for these bytes.
  if (ctx.wal !== null && fromWal === undefined)
    walAppend(
      ctx,
      encodeRecord({
        kind: RecordKind.ownVote,
        height: v.height,
        round: v.round,
        aux: v.type,
        a: PbVote.encode(unsigned).finish(),
        b: new Uint8Array(),
      }),
      true,
    );
  let signature: Uint8Array | null = null;
  if (logged !== undefined) {
    try {
      signature = checkLoggedSignature(
        `own vote ${key} at height ${v.height}`,
        opts.signer!.key.pubKey,
        voteSignBytes(opts.chainId, pbType, v.height, v.round, blockId, time),
        PbVote.encode(unsigned).finish(),
        PbVote.encode({ ...logged, signature: new Uint8Array(), extensionSignature: new Uint8Array() }).finish(),
        logged.signature,
      );
    } catch (e) {
      logger.error("WAL record of an own signed message refused", { error: (e as Error).message });
    }
  }
  const fromLog = signature !== null;
  let signed: PbVote;
  try {
    signed =
      signature !== null
        ? { ...unsigned, signature }
        : signVote(opts.signer!, opts.chainId, v.type, v.height, v.round, blockId, time, index);
  } catch (e) {
    // The signer refuses anything conflicting with what it signed: never sign twice.
    logger.error("signer refused a vote", { height: v.height, round: v.round, error: (e as Error).message });
    return;
  }
  if (extension.length > 0 || (v.type === VoteType.precommit && block !== null && extensionsOn(ctx, v.height))) {
    signed = {
      ...signed,
      extension,
      extensionSignature: opts.signer!.signVoteExtension(opts.chainId, v.height, v.round, extension),
    };
  }
  if (v.height !== ctx.height) return;
  const bytes = PbVote.encode(signed).finish();
  // Logged once signed, not fsynced: our next own message's fsync, before the signer may pass
  // this step, makes it durable.
  if (ctx.wal !== null && !fromLog)
    walAppend(
      ctx,
      encodeRecord({
        kind: RecordKind.ownSignedVote,
        height: v.height,
        round: v.round,
        aux: v.type,
        a: bytes,
        b: new Uint8Array(),
      }),
      false,
    );
  ctx.ownVotes.set(key, signed);
  remember(ctx, `v/${key}/${self}/${v.valueId}`, Channel.consensusVote, bytes);
  deps.p2p.broadcast(Channel.consensusVote, bytes);
}

/** A decided block: validated once more, executed, the WAL reset, and the next height started. */
async function decide(ctx: DriverContext, h: bigint, round: number, value: Value, precommits: Vote[]): Promise<void> {
  const { deps, logger } = ctx;
  const pb = value.payload as ProposedBlock;
  // As CometBFT (StartTime = CommitTime + timeout_commit): the next height starts timeout_commit
  // after the decision, not after the execution, which takes part of that wait.
  const decidedAt = deps.now();
  ctx.applying = true;
  try {
    await ctx.ownVotesSigned; // our own precommit may be part of the commit
    if (deps.blockStore.height < h) {
      const state = deps.getState();
      // Every executed block passes the one validation, however it was decided (CometBFT's
      // finalizeCommit does the same): failing here means 2/3+ committed an invalid block.
      await validateOnce(ctx.validationDeps, state, pb);
      const commit = buildCommit(ctx, h, round, pb.blockId, precommits);
      const ext = extensionsOn(ctx, h) ? buildExtendedCommit(ctx, commit, precommits) : undefined;
      const { state: next } = await applyBlock(deps, state, pb, commit, ext);
      deps.setState(next);
      timingsOf(ctx).mark(h, "applied");
      await deps.evidence.update(pb.block.evidence?.evidence ?? []);
      logger.info("committed block", {
        height: h,
        round,
        txs: pb.block.data?.txs.length ?? 0,
        hash: pb.blockId.hash,
        app_hash: next.appHash,
      });
    }
    try {
      ctx.wal?.reset();
    } catch (e) {
      if (e !== ctx.walFailure) walFailed(ctx, e as Error);
    }
  } catch (e) {
    return halt(ctx, e as Error);
  } finally {
    ctx.applying = false;
  }
  // A height learned from a peer's commit: the network is past it; timeout_commit (time for
  // more precommits of our own round) has nothing to wait for, and catching up waited it once
  // per block (with the status tick, at most two blocks a second).
  const delay = ctx.learnedCommit === h ? 0 : nextHeightDelayMs(ctx.opts.timeoutCommitMs, decidedAt, deps.now());
  schedule(ctx, delay, () => startHeight(ctx, h + 1n));
}

/** A new height: the per-height maps cleared, logged, and the core started on it. */
export function startHeight(ctx: DriverContext, h: bigint): void {
  ctx.height = h;
  ctx.blocks = new Map();
  ctx.ownVotes = new Map();
  ctx.gossip = new Map();
  ctx.proposalBlocks.reset();
  log(
    ctx,
    { kind: RecordKind.startHeight, height: h, round: 0, aux: 0, a: new Uint8Array(), b: new Uint8Array() },
    false,
  );
  feed(ctx, { kind: "startHeight", height: h, validators: setFor(ctx, h) });
  // Catching up: our height to the peers now, not at the next gossip tick, so that a peer ahead
  // sends this height's block at once (the tick paced block sync at one block per tick).
  if (ctx.learnedCommit === h - 1n && !ctx.replaying) ctx.deps.p2p.broadcast(Channel.consensusState, encodeStatus(h));
  // The votes held for this height, now judged (time rules included) as any vote of it.
  const held = ctx.heldVotes;
  ctx.heldVotes = new Map();
  for (const votes of held.values()) for (const [peer, bytes] of votes.values()) ctx.onHeldVote(peer, bytes);
}
