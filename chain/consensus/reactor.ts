import { Block } from "cosmjs-types/tendermint/types/block";
import { Commit, type Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { CodedError } from "../../modules/sdk/errors.js";
import { VerifyStatus } from "../app/abci.js";
import type { ProposedBlock } from "../state/blockExecutor.js";
import { verifyCommit } from "../state/validation.js";
import { Channel } from "../p2p/switch.js";
import { bytesEqual } from "../types/bytes.js";
import { headerHash } from "../types/hashes.js";
import { makePartSet } from "../types/partSet.js";
import { SignedMsgType } from "../types/signBytes.js";
import { compareTime } from "../types/time.js";
import {
  dropPeer,
  extensionsOn,
  hexAddr,
  log,
  maxRoundsAhead,
  proposerAt,
  remember,
  roundAccepted,
  setAt,
  type DriverContext,
} from "./driverContext.js";
import { maxFutureVotesPerValidator } from "./core.js";
import { decodeEvidenceMessage, encodeEvidenceMessages } from "./evidencePool.js";
import { feed } from "./eventLoop.js";
import { timingsOf } from "./heightTimings.js";
import { ProposalBlocks } from "./proposalBlocks.js";
import { validateOnce, validBlock } from "./proposalValidation.js";
import {
  blockIdKey,
  consensusErrors,
  decodeProposal,
  decodeVote,
  toCoreVote,
  verifyProposal,
  verifyVote,
  verifyVoteExtensionSignature,
} from "./signedMessages.js";
import { VoteType, type Vote } from "./types.js";
import { decodePair, decodeStatus, encodeBlockMessage, encodeStatus, RecordKind } from "./walRecords.js";

// The driver's reactor (CometBFT's consensus reactor): peers' proposals, votes, decided blocks
// with their commits and evidence, each checked (round window, signature, body, validation)
// before the core hears of it and logged to the WAL before it is handled; catch-up for peers
// that are behind; and the gossip of this height's messages. The WAL replay calls the same
// handlers (`fromWal`), so a replayed input passes the same checks.

export async function onProposalMessage(
  ctx: DriverContext,
  peer: string,
  bytes: Uint8Array,
  fromWal: boolean,
): Promise<void> {
  const { opts, deps, cache, logger, core, proposalBlocks } = ctx;
  const { a, b } = decodePair(bytes);
  const p = decodeProposal(a);
  const height = ctx.height;
  if (!fromWal) timingsOf(ctx).mark(p.height, "proposalIn");
  if (p.height < height) return catchUp(ctx, peer, p.height);
  if (p.height !== height) return;
  if (!roundAccepted(ctx, p.height, p.round))
    return dropPeer(
      ctx,
      peer,
      `proposal for round ${p.round}, more than ${maxRoundsAhead} ahead of round ${core.state.round}`,
    );
  // Not held yet (proposalBlocks.ts): it comes again by gossip when this node gets there.
  if (!fromWal && ProposalBlocks.ahead(p.round, core.state.round)) return;
  const proposer = proposerAt(ctx, p.round);
  verifyProposal(opts.chainId, p, proposer.pubKey, cache);
  // A copy of a proposal handled already (peers re-gossip): no work, if its body is the same.
  const known = proposalBlocks.has(p.round, blockIdKey(p.blockId) ?? "")
    ? ctx.blocks.get(blockIdKey(p.blockId)!)
    : undefined;
  if (known !== undefined && bytesEqual(known.bytes, b)) return;
  let block: Block;
  try {
    block = Block.decode(b);
  } catch {
    return deps.p2p.ban(peer, "undecodable block in proposal");
  }
  // The signature covers the block id, not the body sent with it: a body that is not the named
  // block (anyone can pair a genuine proposal with one) would be recorded for that id and
  // judged invalid. Its sender is at fault.
  const parts = makePartSet(b);
  if (
    block.header === undefined ||
    !bytesEqual(headerHash(block.header), p.blockId!.hash) ||
    parts.total !== p.blockId!.partSetHeader?.total ||
    !bytesEqual(parts.hash, p.blockId!.partSetHeader.hash)
  ) {
    return dropPeer(ctx, peer, "a proposal's block is not the block it names");
  }
  // Each (round, block) once, and per round a bounded number of block bodies, before any
  // validation work (proposalBlocks.ts): copies re-gossiped by peers and an equivocating
  // proposer's further blocks are dropped.
  const id = blockIdKey(p.blockId)!;
  const taken = proposalBlocks.admit(p.round, core.state.round, id, b.length, () => core.backed(p.round, id), fromWal);
  if (taken !== "new") {
    if (taken === "full")
      logger.debug("proposal dropped: its round holds enough blocks", { peer, height: p.height, round: p.round });
    return;
  }
  const pb: ProposedBlock = { block, blockId: p.blockId, bytes: b };
  let valid: boolean;
  try {
    valid = await validBlock(ctx, pb);
  } catch (e) {
    proposalBlocks.forget(p.round, id, b.length);
    throw e;
  }
  if (p.height !== ctx.height) return;
  if (!ctx.blocks.has(id)) ctx.blocks.set(id, pb);
  remember(ctx, `p/${p.round}/${id}`, Channel.consensusData, bytes);
  if (!fromWal)
    log(
      ctx,
      {
        kind: RecordKind.proposal,
        height: p.height,
        round: p.round,
        aux: valid ? 1 : 0,
        a: bytes,
        b: new Uint8Array(),
      },
      false,
    );
  feed(ctx, {
    kind: "proposal",
    proposal: {
      height: p.height,
      round: p.round,
      polRound: p.polRound,
      value: { id, payload: pb },
      proposer: proposer.address,
    },
    valid,
  });
}

export async function onVoteMessage(
  ctx: DriverContext,
  peer: string,
  bytes: Uint8Array,
  fromWal: boolean,
): Promise<void> {
  const { opts, deps, cache, logger, self } = ctx;
  const v = decodeVote(bytes);
  const height = ctx.height;
  if (v.height < height) return catchUp(ctx, peer, v.height);
  if (v.height > height + 1n) return;
  if (!roundAccepted(ctx, v.height, v.round))
    return dropPeer(
      ctx,
      peer,
      `vote for round ${v.round} of height ${v.height}, more than ${maxRoundsAhead} rounds ahead`,
    );
  const addr = hexAddr(v.validatorAddress);
  const val = setAt(ctx, v.height)?.get(addr);
  if (val === undefined) return;
  verifyVote(opts.chainId, v, val.pubKey, cache);
  verifyVoteExtensionSignature(opts.chainId, v, val.pubKey, extensionsOn(ctx, v.height), cache);
  if (v.height > height) {
    // Neither time rule can judge a vote for the next height yet (its last block may not be
    // decided, its block not proposed): held until the height starts (CometBFT takes none).
    const held = ctx.heldVotes.get(addr) ?? new Map<string, [string, Uint8Array]>();
    const key = `${v.type}/${v.round}/${blockIdKey(v.blockId)}`;
    if (held.has(key) || held.size >= maxFutureVotesPerValidator) return;
    held.set(key, [peer, bytes]);
    ctx.heldVotes.set(addr, held);
    return;
  }
  if (compareTime(v.timestamp!, deps.getState().lastBlockTime) <= 0) {
    // The voteTime rule: an honest vote is dated after the last block; an earlier one would
    // only serve to drag a commit's median time back.
    logger.info("vote dated before the last block dropped", { validator: addr, height: v.height, round: v.round });
    return;
  }
  const votedFor = ctx.blocks.get(blockIdKey(v.blockId) ?? "")?.block.header?.time;
  if (votedFor !== undefined && compareTime(v.timestamp!, votedFor) <= 0) {
    // An honest vote for a block is dated after that block (voteTime); one dated between the
    // last block and this one passes the rule above, and in a commit of just over 2/3 it can be
    // the median, making the next block's time not after this one's: every proposer holding
    // that commit would build an invalid block.
    logger.info("vote dated before the block it votes for dropped", {
      validator: addr,
      height: v.height,
      round: v.round,
    });
    return;
  }
  if (!fromWal && addr !== self && v.extensionSignature.length > 0) {
    // The app judges others' extensions; a rejected one drops the vote (not the peer).
    const r = await deps.app.verifyVoteExtension({
      hash: v.blockId!.hash,
      validatorAddress: v.validatorAddress,
      height: v.height,
      voteExtension: v.extension,
    });
    if (r.status !== VerifyStatus.ACCEPT) {
      logger.info("vote extension rejected by the app", { validator: addr, height: v.height, round: v.round });
      return;
    }
    if (ctx.stopped) return;
  }
  // A vote the core would drop (a duplicate, or over its per-validator bounds) is not logged,
  // handled or re-gossiped: what a byzantine validator signs costs bounded memory and disk.
  const cv = toCoreVote(v, addr);
  if (!ctx.core.accepts(cv)) return;
  if (!fromWal)
    log(ctx, { kind: RecordKind.vote, height: v.height, round: v.round, aux: 0, a: bytes, b: new Uint8Array() }, false);
  feed(ctx, { kind: "vote", vote: cv });
  if (v.height === ctx.height && ctx.core.holds(cv))
    remember(ctx, `v/${v.type}/${v.round}/${addr}/${blockIdKey(v.blockId)}`, Channel.consensusVote, bytes);
}

/** Peers whose catch-up limit is remembered; past it the longest unserved is forgotten. */
export const maxCatchUpPeers = 1024;

/**
 * A peer is at height h, below ours: send it that height's block and commit. Rate-limited per
 * peer to one block per 100 ms, except for a height above every one sent to it so far: a node
 * catching up asks for its next height as soon as it starts it, and the limit (hit by the
 * status of the height before, sent by its gossip tick a moment earlier) held block sync to one
 * block per gossip tick. The mark is the highest height sent, not the last: a peer that went
 * back down and climbs again is paced (else it would get the whole chain every 100 ms), so each
 * height goes to a peer at once at most once, and again at most once per 100 ms. The map is
 * bounded (peer ids churn; the switch's peer events do not reach here): least recently served
 * first out, which at worst gives a forgotten peer one more block at once per height.
 */
export function catchUp(ctx: DriverContext, peer: string, h: bigint): void {
  const { deps } = ctx;
  const now = deps.now();
  const last = ctx.lastCatchUp.get(peer);
  if (last !== undefined && h <= last.top && last.at > now - 100) return;
  ctx.lastCatchUp.delete(peer);
  if (ctx.lastCatchUp.size >= maxCatchUpPeers) ctx.lastCatchUp.delete(ctx.lastCatchUp.keys().next().value!);
  ctx.lastCatchUp.set(peer, { at: now, top: last === undefined || h > last.top ? h : last.top });
  void (async () => {
    const block = await deps.blockStore.loadBlock(h);
    const commit = await deps.blockStore.loadSeenCommit(h);
    if (block === null || commit === null) return;
    deps.p2p.send(
      peer,
      Channel.blockSync,
      encodeBlockMessage(Block.encode(block).finish(), Commit.encode(commit).finish()),
    );
  })();
}

/**
 * A block with its commit from a peer (block sync, catch-up) or the WAL: the commit is checked
 * against this height's validators and the block passes the full validation before the core
 * hears of it; a peer that serves anything else is closed (a commit genuine for a header says
 * nothing of a body that does not match that header).
 */
export async function onBlockMessage(
  ctx: DriverContext,
  peer: string,
  bytes: Uint8Array,
  fromWal: boolean,
): Promise<void> {
  const { opts, deps, cache } = ctx;
  const { a, b } = decodePair(bytes);
  let block: Block;
  let commit: Commit;
  try {
    block = Block.decode(a);
    commit = Commit.decode(b);
  } catch {
    return deps.p2p.ban(peer, "undecodable block or commit");
  }
  const height = ctx.height;
  // Nothing to do for a height this node has executed already (it waits out timeout_commit
  // before the next one): its state is past the block, which would fail validation, and the
  // (honest) peer that sent it would be blamed.
  if (
    block.header?.height !== height ||
    ctx.applying ||
    commit.blockId === undefined ||
    deps.getState().lastBlockHeight >= height
  )
    return;
  // Peers answer every status of this node with its height's block: a copy of the very bytes
  // being validated now (one that came while the evidence check waits on the store, or in the
  // same read) is dropped; the validation under way decides, and a failure there brings the
  // block again with the next status.
  if (ctx.syncValidating.some((x) => bytesEqual(x, a))) return;
  const pb: ProposedBlock = { block, blockId: commit.blockId, bytes: a };
  const set = setAt(ctx, height);
  if (set === null) return;
  verifyCommit(opts.chainId, set, height, commit.blockId, commit, cache);
  // The one full validation of a synced block: validateOnce remembers that this block passed
  // against this state, and the decision it leads to executes it without a second pass.
  ctx.syncValidating.push(a);
  try {
    await validateOnce(ctx.validationDeps, deps.getState(), pb);
  } finally {
    ctx.syncValidating.splice(ctx.syncValidating.indexOf(a), 1);
  }
  if (block.header.height !== ctx.height || ctx.applying || deps.getState().lastBlockHeight >= height) return;
  const id = blockIdKey(commit.blockId)!;
  ctx.blocks.set(id, pb);
  if (!fromWal)
    log(ctx, { kind: RecordKind.commit, height, round: commit.round, aux: 0, a: bytes, b: new Uint8Array() }, false);
  const precommits: Vote[] = commit.signatures
    .filter((s) => s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT)
    .map((s) => ({
      type: VoteType.precommit,
      height,
      round: commit.round,
      valueId: id,
      validator: hexAddr(s.validatorAddress),
      extra: {
        type: SignedMsgType.precommit,
        height,
        round: commit.round,
        blockId: commit.blockId!,
        timestamp: s.timestamp!,
        validatorAddress: s.validatorAddress,
        validatorIndex: 0,
        signature: s.signature,
        extension: new Uint8Array(),
        extensionSignature: new Uint8Array(),
      } satisfies PbVote,
    }));
  // Only a core not yet decided at this height gets here (applying, then the height done, stop
  // the later copies above), so the decision this commit makes is the one marked learned.
  ctx.learnedCommit = height;
  feed(ctx, { kind: "commit", height, round: commit.round, value: { id, payload: pb }, precommits });
}

/** Evidence from a peer: forged signatures close the peer; stale or unknown heights are ignored. */
async function onEvidenceMessage(ctx: DriverContext, peer: string, bytes: Uint8Array): Promise<void> {
  for (const ev of decodeEvidenceMessage(bytes)) {
    try {
      await ctx.deps.evidence.add(ev);
    } catch (e) {
      if (e instanceof CodedError && e.is(consensusErrors.badSignature)) throw e;
      ctx.logger.debug("evidence from a peer not added", { peer, error: (e as Error).message });
    }
  }
}

/** Runs a peer's message handler: its errors close the peer, except our own WAL failing. */
function guarded(ctx: DriverContext, peer: string, f: () => void | Promise<void>): void {
  const blame = (e: Error) => {
    if (e !== ctx.walFailure && ctx.walFailure === null) ctx.deps.p2p.ban(peer, e.message);
  };
  try {
    const r = f();
    if (r instanceof Promise) r.catch(blame);
  } catch (e) {
    blame(e as Error);
  }
}

/** Registers the handlers of the consensus channels with the switch. */
export function listen(ctx: DriverContext): void {
  const p2p = ctx.deps.p2p;
  p2p.onReceive(Channel.consensusData, (peer, m) => guarded(ctx, peer, () => onProposalMessage(ctx, peer, m, false)));
  p2p.onReceive(Channel.consensusVote, (peer, m) => guarded(ctx, peer, () => onVoteMessage(ctx, peer, m, false)));
  ctx.onHeldVote = (peer, m) => guarded(ctx, peer, () => onVoteMessage(ctx, peer, m, false));
  p2p.onReceive(Channel.blockSync, (peer, m) => guarded(ctx, peer, () => onBlockMessage(ctx, peer, m, false)));
  p2p.onReceive(Channel.evidence, (peer, m) => guarded(ctx, peer, () => onEvidenceMessage(ctx, peer, m)));
  p2p.onReceive(Channel.consensusState, (peer, m) =>
    guarded(ctx, peer, () => {
      const h = decodeStatus(m);
      if (h < ctx.height && h >= 1n) catchUp(ctx, peer, h);
    }),
  );
}

/** Gossip: our height, this height's messages, and now and then the pending evidence. */
export function startGossip(ctx: DriverContext): void {
  const { deps } = ctx;
  let ticks = 0;
  const tick = () => {
    if (ctx.stopped) return;
    deps.p2p.broadcast(Channel.consensusState, encodeStatus(ctx.height));
    for (const [channel, bytes] of ctx.gossip.values()) deps.p2p.broadcast(channel, bytes);
    // Pending evidence again every few seconds, for peers that connected since.
    // In messages peers accept: one over their limit would make each close this node.
    if (++ticks % 10 === 0 && deps.evidence.size > 0)
      for (const m of encodeEvidenceMessages(deps.evidence.all().map((p) => p.evidence)))
        deps.p2p.broadcast(Channel.evidence, m);
    ctx.gossipTimer = ctx.timer.set(tick, ctx.opts.gossipEveryMs ?? 500);
  };
  tick();
}
