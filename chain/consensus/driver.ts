import { Block } from "cosmjs-types/tendermint/types/block";
import { Commit, Proposal as PbProposal, Vote as PbVote, type BlockID, type CommitSig, type ExtendedCommit } from "cosmjs-types/tendermint/types/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { Logger, Timestamp } from "../../modules/sdk/context.js";
import { CodedError } from "../../modules/sdk/errors.js";
import { ProposalStatus, VerifyStatus } from "../app/abci.js";
import { appVersion } from "../app/application.js";
import { applyBlock, commitInfo, makeBlock, misbehaviorOf, type ExecutorDeps, type ProposedBlock } from "../state/blockExecutor.js";
import { setHash, type ChainState } from "../state/chainState.js";
import { blockTime, validateBlock, verifyCommit } from "../state/validation.js";
import { Channel, type Switch } from "../p2p/switch.js";
import { headerHash } from "../types/hashes.js";
import { makePartSet } from "../types/partSet.js";
import { SignedMsgType } from "../types/signBytes.js";
import { compareTime, nextBlockTime, timeFromMillis } from "../types/time.js";
import { ed25519Address } from "../crypto/ed25519.js";
import { createConsensusCore, type ConsensusCore } from "./core.js";
import { ProposalBlocks } from "./proposalBlocks.js";
import { decodeEvidenceMessage, encodeEvidenceMessage, type EvidencePool } from "./evidencePool.js";
import { consensusErrors } from "./signedMessages.js";
import type { PrivValidator } from "./privValidator.js";
import { verifyVoteExtensionSignature } from "./signedMessages.js";
import { blockIdKey, createSignatureCache, decodeProposal, decodeVote, emptyBlockId, signProposal, signVote, toCoreVote, verifyProposal, verifyVote } from "./signedMessages.js";
import { VoteType, type ConsensusAction, type ConsensusEvent, type TimeoutConfig, type Value, type Vote } from "./types.js";
import { ValidatorSet, type ValidatorInfo } from "./validatorSet.js";
import { openWal, walErrors, type Wal, type WalFs } from "./wal.js";
import { decodePair, decodeRecord, decodeStatus, encodeBlockMessage, encodeProposalMessage, encodeRecord, encodeStatus, RecordKind, type WalRecord } from "./walRecords.js";

// The consensus driver (CometBFT's consensus reactor): it feeds the pure core with verified
// proposals and votes from peers, signs and sends what the core asks for, builds blocks when
// this validator proposes, applies decided blocks through the executor, and helps peers that
// are behind with the block and commit of their height. Every input of the core goes to the
// WAL before it is handled; own votes and proposals are logged (unsigned, with their time)
// before they are signed, so that a restart replays into the same state and signs the very
// same bytes again, which the file signer answers with the same signature.

export interface DriverOptions {
  chainId: string;
  initialHeight: bigint;
  timeouts: TimeoutConfig;
  timeoutCommitMs: number;
  signer: PrivValidator | null;
  walPath: string | null;
  /** The WAL's file operations (tests inject failing ones). */
  walFs?: WalFs;
  gossipEveryMs?: number;
  /** Consensus param abci.vote_extensions_enable_height: 0 keeps extensions off. */
  voteExtensionsEnableHeight?: bigint;
}

export interface DriverDeps extends ExecutorDeps {
  p2p: Switch;
  evidence: EvidencePool;
  getState(): ChainState;
  setState(s: ChainState): void;
  now(): number;
  onHalt(err: Error): void;
  logger: Logger;
}

export interface ConsensusDriver {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly height: bigint;
  /** Block bodies held now (this height), and the most held from proposals at any height. */
  held(): HeldBlocks;
}

export interface HeldBlocks {
  blocks: number;
  bytes: number;
  peakProposalBlocks: number;
  peakProposalBytes: number;
}

const hexAddr = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();

/**
 * How many rounds a peer's proposal or vote may be ahead of this node's round at its height (of
 * round 0 at the next height). Anything further is dropped before its signature is checked and
 * the peer closed: the work a message can cause before it is authenticated (the proposer of
 * its round) stays bounded, as the votes a peer can make this node keep. An honest network is
 * this many rounds ahead only after hours stalled at one height (timeouts grow every round).
 */
export const maxRoundsAhead = 100;

export function createConsensusDriver(opts: DriverOptions, deps: DriverDeps): ConsensusDriver {
  const { logger } = deps;
  const cache = createSignatureCache();
  const validationDeps = { cache, evidence: deps.evidence };
  // The core checks per height whether `self` has power: a node becomes a validator (or stops
  // being one) when the app's validator updates take effect.
  const self = opts.signer === null ? null : hexAddr(ed25519Address(opts.signer.key.pubKey));
  let core: ConsensusCore = createConsensusCore({ self, timeouts: opts.timeouts });
  let wal: Wal | null = null;
  /**
   * Set once a WAL write failed. The node halts (CometBFT panics): an input that is not in the
   * log must not be handled, and nothing may be signed after it. No peer is blamed for it.
   */
  let walFailure: Error | null = null;
  let height = 0n;
  let epoch = 0;
  let stopped = true;
  let replaying = false;
  let applying = false;
  let gossipTimer: NodeJS.Timeout | null = null;
  /** Our votes are signed in order, one after the other (the app may be asked for extensions). */
  let ownVotesSigned: Promise<void> = Promise.resolve();
  const timers = new Set<NodeJS.Timeout>();
  /** Per height: the blocks seen (by value id), own signed votes, messages to re-gossip. */
  let blocks = new Map<string, ProposedBlock>();
  let ownVotes = new Map<string, PbVote>();
  let gossip = new Map<string, [number, Uint8Array]>();
  /** The proposals taken at this height, and the bound on the block bodies they bring. */
  const proposalBlocks = new ProposalBlocks();
  /** From the WAL during replay: own messages logged before signing. */
  let walOwnVotes = new Map<string, PbVote>();
  let walOwnProposals = new Map<number, { proposal: PbProposal; block: Uint8Array }>();
  const lastCatchUp = new Map<string, number>();
  /** Actions produced while replaying the WAL; the pending ones are re-armed after it. */
  const replayed: ConsensusAction[] = [];

  /**
   * The validator set of height h as the chain state knows it (the last, current and next
   * heights), not copied: callers that rotate the proposer use copyIncrement.
   */
  function setAt(h: bigint): ValidatorSet | null {
    const s = deps.getState();
    if (h === s.lastBlockHeight + 1n) return s.validators;
    if (h === s.lastBlockHeight + 2n) return s.nextValidators;
    if (h === s.lastBlockHeight) return s.lastValidators;
    return null;
  }
  /** The proposers of this height's rounds, one rotation step per round first asked for. */
  let rotation: { height: bigint; proposerOf: (round: number) => ValidatorInfo } | null = null;
  function proposerAt(round: number): ValidatorInfo {
    if (rotation === null || rotation.height !== height) rotation = { height, proposerOf: setAt(height)!.proposerRotation() };
    return rotation.proposerOf(round);
  }

  /** Whether a message's round is within the window this node accepts from peers. */
  function roundAccepted(h: bigint, round: number): boolean {
    const base = h === height ? Math.max(0, core.state.round) : 0;
    return round >= 0 && round <= base + maxRoundsAhead;
  }

  function dropPeer(peer: string, reason: string): void {
    logger.info("dropping a peer's message", { peer, reason });
    deps.p2p.ban(peer, reason);
  }

  function setFor(h: bigint): ValidatorSet {
    const set = setAt(h);
    if (set === null) throw new Error(`no validator set known for height ${h}`);
    return set.copy();
  }

  function log(r: WalRecord, sync: boolean): void {
    if (wal !== null && !replaying) walAppend(encodeRecord(r), sync);
  }

  /** Appends to the WAL; a failure halts the node and throws `walFailure` to end the caller. */
  function walAppend(record: Uint8Array, sync: boolean): void {
    if (walFailure !== null) throw walFailure;
    try {
      wal!.append(record, sync);
    } catch (e) {
      walFailed(e as Error);
    }
  }

  function walFailed(e: Error): never {
    walFailure = walErrors.writeFailed.wrap(`${opts.walPath ?? "wal"}: ${e.message}; consensus halts and signs nothing more: free the disk or fix the error, then restart the node (it replays its WAL)`);
    halt(walFailure);
    throw walFailure;
  }

  function feed(ev: ConsensusEvent): void {
    if (stopped && !replaying) return;
    let actions: ConsensusAction[];
    try {
      actions = core.handle(ev);
    } catch (e) {
      return halt(e as Error);
    }
    for (const a of actions) perform(a);
  }

  let haltedBy: Error | null = null;
  function halt(e: Error): void {
    if (haltedBy !== null) return;
    haltedBy = e;
    logger.error("consensus halted", { error: e.stack ?? e.message });
    stopped = true;
    deps.onHalt(e);
  }

  function remember(key: string, channel: number, bytes: Uint8Array): void {
    if (!gossip.has(key)) gossip.set(key, [channel, bytes]);
  }

  function schedule(ms: number, f: () => void): void {
    const e = epoch;
    const t = setTimeout(() => {
      timers.delete(t);
      if (e !== epoch || stopped) return;
      try {
        f();
      } catch (err) {
        if (err !== walFailure) throw err;
      }
    }, ms);
    timers.add(t);
  }

  /**
   * CometBFT's voteTime: now, but after the time of the block voted for (of the last block for
   * nil), so that the median of a commit's times is always after the block it commits.
   */
  function voteTime(block: ProposedBlock | null): Timestamp {
    return nextBlockTime(timeFromMillis(deps.now()), block?.block.header?.time ?? deps.getState().lastBlockTime);
  }

  function perform(a: ConsensusAction): void {
    switch (a.kind) {
      case "broadcastProposal": {
        const pb = a.proposal.value.payload as ProposedBlock;
        const fromWal = walOwnProposals.get(a.proposal.round);
        const time = fromWal?.proposal.timestamp ?? pb.block.header!.time;
        const unsigned: PbProposal = { type: 32, height: a.proposal.height, round: a.proposal.round, polRound: a.proposal.polRound, blockId: pb.blockId, timestamp: time, signature: new Uint8Array() };
        log({ kind: RecordKind.ownProposal, height: a.proposal.height, round: a.proposal.round, aux: 0, a: PbProposal.encode(unsigned).finish(), b: pb.bytes }, true);
        let signed: PbProposal;
        try {
          signed = signProposal(opts.signer!, opts.chainId, unsigned.height, unsigned.round, unsigned.polRound, unsigned.blockId, unsigned.timestamp);
        } catch (e) {
          // The signer refuses what conflicts with what it already signed (after a WAL replay, a
          // proposal of a round whose prevote is signed): never sign twice, and go on as for votes.
          logger.error("signer refused a proposal", { height: a.proposal.height, round: a.proposal.round, error: (e as Error).message });
          return;
        }
        const msg = encodeProposalMessage(PbProposal.encode(signed).finish(), pb.bytes);
        proposalBlocks.own(signed.round, a.proposal.value.id, pb.bytes.length);
        remember(`p/${signed.round}/${a.proposal.value.id}`, Channel.consensusData, msg);
        deps.p2p.broadcast(Channel.consensusData, msg);
        return;
      }
      case "broadcastVote": {
        // Captured now: the WAL copy (on replay) and the block are gone once replay ends.
        const v = a.vote;
        const fromWal = walOwnVotes.get(`${v.type}/${v.round}`);
        const block = v.valueId === null ? null : blocks.get(v.valueId)!;
        const wasReplaying = replaying;
        ownVotesSigned = ownVotesSigned.then(() => sendOwnVote(v, block, fromWal, wasReplaying)).catch((e: Error) => {
          if (e !== walFailure) halt(e);
        });
        return;
      }
      case "scheduleTimeout":
        if (replaying) {
          replayed.push(a);
          return;
        }
        schedule(a.durationMs, () => {
          log({ kind: RecordKind.timeout, height: a.height, round: a.round, aux: a.step === "propose" ? 1 : a.step === "prevote" ? 2 : 3, a: new Uint8Array(), b: new Uint8Array() }, false);
          feed({ kind: "timeout", step: a.step, height: a.height, round: a.round });
        });
        return;
      case "getValue":
        if (replaying) {
          replayed.push(a);
          return;
        }
        buildValue(a.height, a.round).catch((e: Error) => {
          if (e !== walFailure) halt(e);
        });
        return;
      case "evidence": {
        logger.warn("equivocation seen", { validator: a.evidence.validator, height: a.evidence.height, round: a.evidence.round, type: a.evidence.type });
        const va = a.evidence.a.extra as PbVote | undefined;
        const vb = a.evidence.b.extra as PbVote | undefined;
        if (va !== undefined && vb !== undefined && !replaying) deps.evidence.reportConflictingVotes(va, vb);
        return;
      }
      case "decide":
        void decide(a.height, a.round, a.value, a.precommits);
        return;
    }
  }

  /**
   * Signs and sends one of our votes: logged (unsigned, fsynced) before signing; a precommit
   * for a block at a height with extensions gets the app's extension, signed too. Votes are
   * signed one after another (ownVotesSigned), and a decision waits for them.
   */
  async function sendOwnVote(v: Vote, block: ProposedBlock | null, fromWal: PbVote | undefined, wasReplaying: boolean): Promise<void> {
    const key = `${v.type}/${v.round}`;
    const blockId: BlockID = block === null ? emptyBlockId() : block.blockId;
    const time = fromWal?.timestamp ?? voteTime(block);
    let extension: Uint8Array = new Uint8Array();
    if (v.type === VoteType.precommit && block !== null && extensionsOn(v.height)) {
      extension = fromWal?.extension ?? (await deps.app.extendVote(extendVoteRequest(block, v.round))).voteExtension;
    }
    const index = setAt(v.height)!.indexOf(self!);
    const unsigned: PbVote = { type: v.type === VoteType.prevote ? SignedMsgType.prevote : SignedMsgType.precommit, height: v.height, round: v.round, blockId, timestamp: time, validatorAddress: Buffer.from(self!, "hex"), validatorIndex: index, signature: new Uint8Array(), extension, extensionSignature: new Uint8Array() };
    if (walFailure !== null) return; // halted: never sign after a failed write
    if (wal !== null && !wasReplaying) walAppend(encodeRecord({ kind: RecordKind.ownVote, height: v.height, round: v.round, aux: v.type, a: PbVote.encode(unsigned).finish(), b: new Uint8Array() }), true);
    let signed: PbVote;
    try {
      signed = signVote(opts.signer!, opts.chainId, v.type, v.height, v.round, blockId, time, index);
    } catch (e) {
      // The signer refuses anything conflicting with what it signed: never sign twice.
      logger.error("signer refused a vote", { height: v.height, round: v.round, error: (e as Error).message });
      return;
    }
    if (extension.length > 0 || (v.type === VoteType.precommit && block !== null && extensionsOn(v.height))) {
      signed = { ...signed, extension, extensionSignature: opts.signer!.signVoteExtension(opts.chainId, v.height, v.round, extension) };
    }
    if (v.height !== height) return;
    ownVotes.set(key, signed);
    const bytes = PbVote.encode(signed).finish();
    remember(`v/${key}/${self}/${v.valueId}`, Channel.consensusVote, bytes);
    deps.p2p.broadcast(Channel.consensusVote, bytes);
  }

  function extensionsOn(h: bigint): boolean {
    const e = opts.voteExtensionsEnableHeight ?? 0n;
    return e > 0n && h >= e;
  }

  function extendVoteRequest(pb: ProposedBlock, round: number) {
    const hd = pb.block.header!;
    void round;
    return {
      hash: pb.blockId.hash,
      height: hd.height,
      time: hd.time,
      txs: pb.block.data?.txs ?? [],
      proposedLastCommit: commitInfo(pb.block.lastCommit, deps.getState().lastValidators),
      misbehavior: misbehaviorOf(pb.block.evidence?.evidence ?? []),
      nextValidatorsHash: hd.nextValidatorsHash,
      proposerAddress: hd.proposerAddress,
    };
  }

  /** The last height's precommits with their extensions, for PrepareProposal. */
  async function localLastCommit(h: bigint) {
    const state = deps.getState();
    if (h === opts.initialHeight || state.lastValidators === null) return { round: 0, votes: [] };
    const ext = extensionsOn(h - 1n) ? await deps.blockStore.loadExtendedCommit(h - 1n) : null;
    const commit = ext ?? (await deps.blockStore.loadSeenCommit(h - 1n));
    if (commit === null) return { round: 0, votes: [] };
    const sigs = new Map<string, { blockIdFlag: number; extension: Uint8Array; extensionSignature: Uint8Array }>();
    const empty = new Uint8Array();
    if ("extendedSignatures" in commit) for (const s of commit.extendedSignatures) sigs.set(hexAddr(s.validatorAddress), s);
    else for (const s of commit.signatures) sigs.set(hexAddr(s.validatorAddress), { blockIdFlag: s.blockIdFlag, extension: empty, extensionSignature: empty });
    return {
      round: commit.round,
      votes: state.lastValidators.validators.map((v) => {
        const s = sigs.get(v.address);
        return { validator: { address: Buffer.from(v.address, "hex"), power: v.power }, voteExtension: s?.extension ?? new Uint8Array(), extensionSignature: s?.extensionSignature ?? new Uint8Array(), blockIdFlag: s?.blockIdFlag ?? BlockIDFlag.BLOCK_ID_FLAG_ABSENT };
      }),
    };
  }

  async function buildValue(h: bigint, round: number): Promise<void> {
    const state = deps.getState();
    const lastCommit = h === opts.initialHeight ? { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] } : (await deps.blockStore.loadSeenCommit(h - 1n))!;
    // BFT time: not this node's clock, the median of the last commit's vote times.
    const time = blockTime(state, lastCommit);
    const candidates = deps.mempool.reap(Number(state.maxBlockBytes) - 64 * 1024, state.maxBlockGas);
    const proposer = Buffer.from(self!, "hex");
    const evidence = deps.evidence.proposable();
    const { txs } = await deps.app.prepareProposal({ maxTxBytes: state.maxBlockBytes - 64n * 1024n, txs: candidates, localLastCommit: await localLastCommit(h), misbehavior: misbehaviorOf(evidence), height: h, time, nextValidatorsHash: setHash(state.nextValidators), proposerAddress: proposer });
    if (height !== h || stopped) return;
    const pb = makeBlock(state, txs, lastCommit, proposer, time, appVersion, evidence);
    const id = blockIdKey(pb.blockId)!;
    blocks.set(id, pb);
    log({ kind: RecordKind.value, height: h, round, aux: 0, a: pb.bytes, b: new Uint8Array() }, false);
    feed({ kind: "value", height: h, round, value: { id, payload: pb } });
  }

  /** A proposed block: the full validation (chain/state/validation.ts), then the app's verdict. */
  async function validBlock(pb: ProposedBlock): Promise<boolean> {
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
    const verdict = await deps.app.processProposal({ txs: pb.block.data?.txs ?? [], proposedLastCommit: commitInfo(pb.block.lastCommit, state.lastValidators), misbehavior: misbehaviorOf(evidence), hash: pb.blockId.hash, height, time: hd.time, nextValidatorsHash: hd.nextValidatorsHash, proposerAddress: hd.proposerAddress });
    return verdict.status === ProposalStatus.ACCEPT;
  }

  function buildCommit(h: bigint, round: number, blockId: BlockID, precommits: readonly Vote[]): Commit {
    const byVal = new Map<string, PbVote>();
    for (const v of precommits) {
      const pb = (v.extra as PbVote | undefined) ?? (v.validator === self ? ownVotes.get(`${VoteType.precommit}/${round}`) : undefined);
      if (pb !== undefined) byVal.set(v.validator, pb);
    }
    const signatures: CommitSig[] = setAt(h)!.validators.map((val) => {
      const pb = byVal.get(val.address);
      return pb === undefined
        ? { blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT, validatorAddress: new Uint8Array(), timestamp: { seconds: 0n, nanos: 0 }, signature: new Uint8Array() }
        : { blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT, validatorAddress: pb.validatorAddress, timestamp: pb.timestamp, signature: pb.signature };
    });
    return { height: h, round, blockId, signatures };
  }

  /** The commit with each precommit's extension (what the next proposer hands the app). */
  function buildExtendedCommit(c: Commit, precommits: readonly Vote[]): ExtendedCommit {
    const byVal = new Map<string, PbVote>();
    for (const v of precommits) {
      const pb = (v.extra as PbVote | undefined) ?? (v.validator === self ? ownVotes.get(`${VoteType.precommit}/${c.round}`) : undefined);
      if (pb !== undefined) byVal.set(v.validator, pb);
    }
    return {
      height: c.height,
      round: c.round,
      blockId: c.blockId,
      extendedSignatures: c.signatures.map((s) => {
        const pb = s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT ? byVal.get(hexAddr(s.validatorAddress)) : undefined;
        return { ...s, extension: pb?.extension ?? new Uint8Array(), extensionSignature: pb?.extensionSignature ?? new Uint8Array() };
      }),
    };
  }

  async function decide(h: bigint, round: number, value: Value, precommits: Vote[]): Promise<void> {
    const pb = value.payload as ProposedBlock;
    applying = true;
    try {
      await ownVotesSigned; // our own precommit may be part of the commit
      if (deps.blockStore.height < h) {
        const state = deps.getState();
        // Every executed block passes the one validation, however it was decided (CometBFT's
        // finalizeCommit does the same): failing here means 2/3+ committed an invalid block.
        await validateBlock(state, pb, validationDeps);
        const commit = buildCommit(h, round, pb.blockId, precommits);
        const ext = extensionsOn(h) ? buildExtendedCommit(commit, precommits) : undefined;
        const { state: next } = await applyBlock(deps, state, pb, commit, ext);
        deps.setState(next);
        await deps.evidence.update(pb.block.evidence?.evidence ?? []);
        logger.info("committed block", { height: h, round, txs: pb.block.data?.txs.length ?? 0, hash: pb.blockId.hash, app_hash: next.appHash });
      }
      try {
        wal?.reset();
      } catch (e) {
        if (e !== walFailure) walFailed(e as Error);
      }
    } catch (e) {
      return halt(e as Error);
    } finally {
      applying = false;
    }
    schedule(opts.timeoutCommitMs, () => startHeight(h + 1n));
  }

  function startHeight(h: bigint): void {
    height = h;
    blocks = new Map();
    ownVotes = new Map();
    gossip = new Map();
    proposalBlocks.reset();
    log({ kind: RecordKind.startHeight, height: h, round: 0, aux: 0, a: new Uint8Array(), b: new Uint8Array() }, false);
    feed({ kind: "startHeight", height: h, validators: setFor(h) });
  }

  async function onProposalMessage(peer: string, bytes: Uint8Array, fromWal: boolean): Promise<void> {
    const { a, b } = decodePair(bytes);
    const p = decodeProposal(a);
    if (p.height < height) return catchUp(peer, p.height);
    if (p.height !== height) return;
    if (!roundAccepted(p.height, p.round)) return dropPeer(peer, `proposal for round ${p.round}, more than ${maxRoundsAhead} ahead of round ${core.state.round}`);
    // Not held yet (proposalBlocks.ts): it comes again by gossip when this node gets there.
    if (!fromWal && ProposalBlocks.ahead(p.round, core.state.round)) return;
    const proposer = proposerAt(p.round);
    verifyProposal(opts.chainId, p, proposer.pubKey, cache);
    // A copy of a proposal handled already (peers re-gossip): no work, if its body is the same.
    const known = proposalBlocks.has(p.round, blockIdKey(p.blockId) ?? "") ? blocks.get(blockIdKey(p.blockId)!) : undefined;
    if (known !== undefined && Buffer.from(known.bytes).equals(b)) return;
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
    if (block.header === undefined || Buffer.compare(Buffer.from(headerHash(block.header)), Buffer.from(p.blockId!.hash)) !== 0 || parts.total !== p.blockId!.partSetHeader?.total || Buffer.compare(Buffer.from(parts.hash), Buffer.from(p.blockId!.partSetHeader.hash)) !== 0) {
      return dropPeer(peer, "a proposal's block is not the block it names");
    }
    // Each (round, block) once, and per round a bounded number of block bodies, before any
    // validation work (proposalBlocks.ts): copies re-gossiped by peers and an equivocating
    // proposer's further blocks are dropped.
    const id = blockIdKey(p.blockId)!;
    const taken = proposalBlocks.admit(p.round, core.state.round, id, b.length, () => core.backed(p.round, id), fromWal);
    if (taken !== "new") {
      if (taken === "full") logger.debug("proposal dropped: its round holds enough blocks", { peer, height: p.height, round: p.round });
      return;
    }
    const pb: ProposedBlock = { block, blockId: p.blockId, bytes: b };
    const valid = await validBlock(pb);
    if (p.height !== height) return;
    if (!blocks.has(id)) blocks.set(id, pb);
    remember(`p/${p.round}/${id}`, Channel.consensusData, bytes);
    if (!fromWal) log({ kind: RecordKind.proposal, height: p.height, round: p.round, aux: valid ? 1 : 0, a: bytes, b: new Uint8Array() }, false);
    feed({ kind: "proposal", proposal: { height: p.height, round: p.round, polRound: p.polRound, value: { id, payload: pb }, proposer: proposer.address }, valid });
  }

  async function onVoteMessage(peer: string, bytes: Uint8Array, fromWal: boolean): Promise<void> {
    const v = decodeVote(bytes);
    if (v.height < height) return catchUp(peer, v.height);
    if (v.height > height + 1n) return;
    if (!roundAccepted(v.height, v.round)) return dropPeer(peer, `vote for round ${v.round} of height ${v.height}, more than ${maxRoundsAhead} rounds ahead`);
    const addr = hexAddr(v.validatorAddress);
    const val = setAt(v.height)?.get(addr);
    if (val === undefined) return;
    verifyVote(opts.chainId, v, val.pubKey, cache);
    verifyVoteExtensionSignature(opts.chainId, v, val.pubKey, extensionsOn(v.height), cache);
    if (v.height === height && compareTime(v.timestamp!, deps.getState().lastBlockTime) <= 0) {
      // The voteTime rule: an honest vote is dated after the last block; an earlier one would
      // only serve to drag a commit's median time back.
      logger.info("vote dated before the last block dropped", { validator: addr, height: v.height, round: v.round });
      return;
    }
    const votedFor = v.height === height ? blocks.get(blockIdKey(v.blockId) ?? "")?.block.header?.time : undefined;
    if (votedFor !== undefined && compareTime(v.timestamp!, votedFor) <= 0) {
      // An honest vote for a block is dated after that block (voteTime); one dated between the
      // last block and this one passes the rule above, and in a commit of just over 2/3 it can be
      // the median, making the next block's time not after this one's: every proposer holding
      // that commit would build an invalid block.
      logger.info("vote dated before the block it votes for dropped", { validator: addr, height: v.height, round: v.round });
      return;
    }
    if (!fromWal && addr !== self && v.extensionSignature.length > 0) {
      // The app judges others' extensions; a rejected one drops the vote (not the peer).
      const r = await deps.app.verifyVoteExtension({ hash: v.blockId!.hash, validatorAddress: v.validatorAddress, height: v.height, voteExtension: v.extension });
      if (r.status !== VerifyStatus.ACCEPT) {
        logger.info("vote extension rejected by the app", { validator: addr, height: v.height, round: v.round });
        return;
      }
      if (stopped) return;
    }
    // A vote the core would drop (a duplicate, or over its per-validator bounds) is not logged,
    // handled or re-gossiped: what a byzantine validator signs costs bounded memory and disk.
    const cv = toCoreVote(v, addr);
    if (!core.accepts(cv)) return;
    if (!fromWal) log({ kind: RecordKind.vote, height: v.height, round: v.round, aux: 0, a: bytes, b: new Uint8Array() }, false);
    feed({ kind: "vote", vote: cv });
    if (v.height === height && core.holds(cv)) remember(`v/${v.type}/${v.round}/${addr}/${blockIdKey(v.blockId)}`, Channel.consensusVote, bytes);
  }

  /** A peer is at height h, below ours: send it that height's block and commit (rate-limited). */
  function catchUp(peer: string, h: bigint): void {
    const now = deps.now();
    if ((lastCatchUp.get(peer) ?? 0) > now - 100) return;
    lastCatchUp.set(peer, now);
    void (async () => {
      const block = await deps.blockStore.loadBlock(h);
      const commit = await deps.blockStore.loadSeenCommit(h);
      if (block === null || commit === null) return;
      deps.p2p.send(peer, Channel.blockSync, encodeBlockMessage(Block.encode(block).finish(), Commit.encode(commit).finish()));
    })();
  }

  /**
   * A block with its commit from a peer (block sync, catch-up) or the WAL: the commit is checked
   * against this height's validators and the block passes the full validation before the core
   * hears of it; a peer that serves anything else is closed (a commit genuine for a header says
   * nothing of a body that does not match that header).
   */
  async function onBlockMessage(peer: string, bytes: Uint8Array, fromWal: boolean): Promise<void> {
    const { a, b } = decodePair(bytes);
    let block: Block;
    let commit: Commit;
    try {
      block = Block.decode(a);
      commit = Commit.decode(b);
    } catch {
      return deps.p2p.ban(peer, "undecodable block or commit");
    }
    if (block.header?.height !== height || applying || commit.blockId === undefined) return;
    const pb: ProposedBlock = { block, blockId: commit.blockId, bytes: a };
    const set = setAt(height);
    if (set === null) return;
    verifyCommit(opts.chainId, set, height, commit.blockId, commit, cache);
    await validateBlock(deps.getState(), pb, validationDeps);
    if (block.header.height !== height || applying) return;
    const id = blockIdKey(commit.blockId)!;
    blocks.set(id, pb);
    if (!fromWal) log({ kind: RecordKind.commit, height, round: commit.round, aux: 0, a: bytes, b: new Uint8Array() }, false);
    const precommits: Vote[] = commit.signatures
      .filter((s) => s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT)
      .map((s) => ({ type: VoteType.precommit, height, round: commit.round, valueId: id, validator: hexAddr(s.validatorAddress), extra: { type: SignedMsgType.precommit, height, round: commit.round, blockId: commit.blockId!, timestamp: s.timestamp!, validatorAddress: s.validatorAddress, validatorIndex: 0, signature: s.signature, extension: new Uint8Array(), extensionSignature: new Uint8Array() } satisfies PbVote }));
    feed({ kind: "commit", height, round: commit.round, value: { id, payload: pb }, precommits });
  }

  /** Evidence from a peer: forged signatures close the peer; stale or unknown heights are ignored. */
  async function onEvidenceMessage(peer: string, bytes: Uint8Array): Promise<void> {
    for (const ev of decodeEvidenceMessage(bytes)) {
      try {
        await deps.evidence.add(ev);
      } catch (e) {
        if (e instanceof CodedError && e.is(consensusErrors.badSignature)) throw e;
        logger.debug("evidence from a peer not added", { peer, error: (e as Error).message });
      }
    }
  }

  /** Runs a peer's message handler: its errors close the peer, except our own WAL failing. */
  function guarded(peer: string, f: () => void | Promise<void>): void {
    const blame = (e: Error) => {
      if (e !== walFailure && walFailure === null) deps.p2p.ban(peer, e.message);
    };
    try {
      const r = f();
      if (r instanceof Promise) r.catch(blame);
    } catch (e) {
      blame(e as Error);
    }
  }

  async function replay(): Promise<void> {
    const records = wal!.records.map(decodeRecord);
    let from = -1;
    records.forEach((r, i) => r.kind === RecordKind.startHeight && r.height === height && (from = i));
    if (from < 0) return startHeight(height);
    replaying = true;
    replayed.length = 0;
    for (const r of records.slice(from)) {
      if (r.kind === RecordKind.ownVote) walOwnVotes.set(`${r.aux}/${r.round}`, PbVote.decode(r.a));
      if (r.kind === RecordKind.ownProposal) walOwnProposals.set(r.round, { proposal: PbProposal.decode(r.a), block: r.b });
    }
    try {
      for (const r of records.slice(from)) {
        switch (r.kind) {
          case RecordKind.startHeight:
            feed({ kind: "startHeight", height: r.height, validators: setFor(r.height) });
            break;
          case RecordKind.proposal:
            await onProposalMessage("", r.a, true);
            break;
          case RecordKind.vote:
            await onVoteMessage("", r.a, true);
            break;
          case RecordKind.timeout:
            feed({ kind: "timeout", step: r.aux === 1 ? "propose" : r.aux === 2 ? "prevote" : "precommit", height: r.height, round: r.round });
            break;
          case RecordKind.value: {
            const block = Block.decode(r.a);
            const pb = makeBlockFromBytes(block, r.a);
            blocks.set(blockIdKey(pb.blockId)!, pb);
            feed({ kind: "value", height: r.height, round: r.round, value: { id: blockIdKey(pb.blockId)!, payload: pb } });
            break;
          }
          case RecordKind.commit:
            await onBlockMessage("", r.a, true);
            break;
        }
      }
    } finally {
      replaying = false;
    }
    // Re-arm what was pending when the node stopped: the current round's timeouts and request.
    const s = core.state;
    for (const a of replayed) {
      if ((a.kind === "scheduleTimeout" || a.kind === "getValue") && a.height === s.height && a.round === s.round) perform(a);
    }
    walOwnVotes = new Map();
    walOwnProposals = new Map();
    logger.info("consensus WAL replayed", { height, round: s.round, step: s.step, records: records.length - from });
  }

  function makeBlockFromBytes(block: Block, bytes: Uint8Array): ProposedBlock {
    const parts = makePartSet(bytes);
    return { block, blockId: { hash: headerHash(block.header!), partSetHeader: { total: parts.total, hash: parts.hash } }, bytes };
  }

  return {
    get height() {
      return height;
    },
    held() {
      let bytes = 0;
      for (const pb of blocks.values()) bytes += pb.bytes.length;
      const peak = proposalBlocks.peakHeld;
      return { blocks: blocks.size, bytes, peakProposalBlocks: peak.blocks, peakProposalBytes: peak.bytes };
    },
    async start() {
      stopped = false;
      core = createConsensusCore({ self, timeouts: opts.timeouts });
      deps.p2p.onReceive(Channel.consensusData, (peer, m) => guarded(peer, () => onProposalMessage(peer, m, false)));
      deps.p2p.onReceive(Channel.consensusVote, (peer, m) => guarded(peer, () => onVoteMessage(peer, m, false)));
      deps.p2p.onReceive(Channel.blockSync, (peer, m) => guarded(peer, () => onBlockMessage(peer, m, false)));
      deps.p2p.onReceive(Channel.evidence, (peer, m) => guarded(peer, () => onEvidenceMessage(peer, m)));
      deps.p2p.onReceive(Channel.consensusState, (peer, m) => guarded(peer, () => {
        const h = decodeStatus(m);
        if (h < height && h >= 1n) catchUp(peer, h);
      }));
      height = deps.getState().lastBlockHeight + 1n;
      if (opts.walPath !== null) {
        wal = openWal(opts.walPath, opts.walFs);
        await replay();
      } else startHeight(height);
      let ticks = 0;
      const tick = () => {
        if (stopped) return;
        deps.p2p.broadcast(Channel.consensusState, encodeStatus(height));
        for (const [channel, bytes] of gossip.values()) deps.p2p.broadcast(channel, bytes);
        // Pending evidence again every few seconds, for peers that connected since.
        if (++ticks % 10 === 0 && deps.evidence.size > 0) deps.p2p.broadcast(Channel.evidence, encodeEvidenceMessage(deps.evidence.all().map((p) => p.evidence)));
        gossipTimer = setTimeout(tick, opts.gossipEveryMs ?? 500);
      };
      tick();
    },
    async stop() {
      stopped = true;
      epoch++;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (gossipTimer !== null) clearTimeout(gossipTimer);
      while (applying) await new Promise((r) => setTimeout(r, 10));
      try {
        wal?.close();
      } catch (e) {
        if (walFailure === null) throw e; // already halted on the WAL: report that, not this
      }
      wal = null;
    },
  };
}
