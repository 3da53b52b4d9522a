import type { Proposal as PbProposal, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import type { Logger, Timestamp } from "../../modules/sdk/context.js";
import type { ExecutorDeps, ProposedBlock } from "../state/blockExecutor.js";
import type { ValidationDeps } from "../state/validation.js";
import type { ChainState } from "../state/chainState.js";
import type { Switch } from "../p2p/switch.js";
import { nextBlockTime, timeFromMillis } from "../types/time.js";
import { ed25519Address } from "../crypto/ed25519.js";
import { createConsensusCore, type ConsensusCore } from "./core.js";
import type { EvidencePool } from "./evidencePool.js";
import type { PrivValidator } from "./privValidator.js";
import { ProposalBlocks } from "./proposalBlocks.js";
import { createSignatureCache, type SignatureCache } from "./signedMessages.js";
import type { ConsensusAction, TimeoutConfig } from "./types.js";
import type { ValidatorInfo, ValidatorSet } from "../types/validatorSet.js";
import { walErrors, type Wal, type WalFs } from "./wal.js";
import { encodeRecord, type WalRecord } from "./walRecords.js";

// The state the consensus driver's parts share (driver.ts wires them): the core, the WAL, the
// per-height maps of blocks, own votes and messages to re-gossip, and the helpers every part
// uses (validator sets by height, the WAL append that halts on failure, timers).

export interface DriverOptions {
  chainId: string;
  initialHeight: bigint;
  timeouts: TimeoutConfig;
  timeoutCommitMs: number;
  signer: PrivValidator | null;
  walPath: string | null;
  /** The WAL's file operations (tests inject failing ones). */
  walFs?: WalFs;
  /** Opens the WAL instead of the file at walPath (the simulator's in-memory log). */
  openWal?: () => Wal;
  gossipEveryMs?: number;
  /** Consensus param abci.vote_extensions_enable_height: 0 keeps extensions off. */
  voteExtensionsEnableHeight?: bigint;
}

export interface DriverDeps extends ExecutorDeps {
  p2p: Switch;
  evidence: EvidencePool;
  getState(): ChainState;
  setState(s: ChainState): void;
  /** The clock: epoch milliseconds (vote times, catch-up rate limits). */
  now(): number;
  /** Timeouts and gossip ticks (default: the real timers); the simulator's run on virtual time. */
  timer?: Timer;
  onHalt(err: Error): void;
  logger: Logger;
}

/** What the driver schedules with: the real timers by default, a virtual clock's in the simulator. */
export interface Timer {
  set(f: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle): void;
}

export type TimerHandle = object | number;

export const realTimer: Timer = {
  set: (f, ms) => setTimeout(f, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * How many rounds a peer's proposal or vote may be ahead of this node's round at its height (of
 * round 0 at the next height). Anything further is dropped before its signature is checked and
 * the peer closed: the work a message can cause before it is authenticated (the proposer of
 * its round) stays bounded, as the votes a peer can make this node keep. An honest network is
 * this many rounds ahead only after hours stalled at one height (timeouts grow every round).
 */
export const maxRoundsAhead = 100;

/**
 * What the driver validates blocks with: the validation's deps, counting the passes that reach
 * the evidence check, the last step of validateBlock: every full validation of a block that is
 * valid up to its evidence, on whichever path it runs (tests count them per block).
 */
export interface CountedValidationDeps extends ValidationDeps {
  readonly evidence: Pick<EvidencePool, "checkBlock">;
  readonly fullPasses: number;
}

function countedValidationDeps(cache: SignatureCache, pool: EvidencePool): CountedValidationDeps {
  let passes = 0;
  return {
    cache,
    evidence: {
      checkBlock: (list) => {
        passes++;
        return pool.checkBlock(list);
      },
    },
    get fullPasses() {
      return passes;
    },
  };
}

export const hexAddr = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();

export interface DriverContext {
  readonly opts: DriverOptions;
  readonly deps: DriverDeps;
  readonly logger: Logger;
  readonly timer: Timer;
  readonly cache: SignatureCache;
  readonly validationDeps: CountedValidationDeps;
  /** This validator's address (null for a full node). */
  readonly self: string | null;
  core: ConsensusCore;
  wal: Wal | null;
  /**
   * Set once a WAL write failed. The node halts (CometBFT panics): an input that is not in the
   * log must not be handled, and nothing may be signed after it. No peer is blamed for it.
   */
  walFailure: Error | null;
  haltedBy: Error | null;
  height: bigint;
  epoch: number;
  stopped: boolean;
  replaying: boolean;
  applying: boolean;
  gossipTimer: TimerHandle | null;
  /** Our votes are signed in order, one after the other (the app may be asked for extensions). */
  ownVotesSigned: Promise<void>;
  readonly timers: Set<TimerHandle>;
  /** Per height: the blocks seen (by value id), own signed votes, messages to re-gossip. */
  blocks: Map<string, ProposedBlock>;
  ownVotes: Map<string, PbVote>;
  gossip: Map<string, [number, Uint8Array]>;
  /** The proposals taken at this height, and the bound on the block bodies they bring. */
  readonly proposalBlocks: ProposalBlocks;
  /** From the WAL during replay: own messages logged before signing. */
  walOwnVotes: Map<string, PbVote>;
  walOwnProposals: Map<number, { proposal: PbProposal; block: Uint8Array }>;
  /** From the WAL during replay: own messages logged after signing (re-sent after a check). */
  walSignedVotes: Map<string, PbVote>;
  walSignedProposals: Map<number, PbProposal>;
  /** Per peer: when we last sent it a block for catch-up, and the highest height sent it. */
  readonly lastCatchUp: Map<string, { at: number; top: bigint }>;
  /** The bytes of the synced blocks being validated now (one per copy that differs). */
  readonly syncValidating: Uint8Array[];
  /**
   * The last height decided by a peer's commit (block sync, catch-up, its WAL record) rather
   * than by votes this node counted: the network is past that height, so the next one starts at
   * once and asks peers for its block at once (CometBFT's block sync waits no timeout_commit).
   */
  learnedCommit: bigint;
  /**
   * Peers' votes for the next height (signatures checked), held per validator until that height
   * starts and then handled as any vote, so the vote-time rules judge them against the block
   * they build on: at most `maxFutureVotesPerValidator` per validator, the rest dropped.
   */
  heldVotes: Map<string, Map<string, [string, Uint8Array]>>;
  /** Handles a held vote once its height started (the reactor's vote handler, set by listen). */
  onHeldVote: (peer: string, bytes: Uint8Array) => void;
  /** Actions produced while replaying the WAL; the pending ones are re-armed after it. */
  readonly replayed: ConsensusAction[];
  /** The proposers of this height's rounds, one rotation step per round first asked for. */
  rotation: { height: bigint; proposerOf: (round: number) => ValidatorInfo } | null;
}

export function createDriverContext(opts: DriverOptions, deps: DriverDeps): DriverContext {
  const cache = createSignatureCache();
  // The core checks per height whether `self` has power: a node becomes a validator (or stops
  // being one) when the app's validator updates take effect.
  const self = opts.signer === null ? null : hexAddr(ed25519Address(opts.signer.key.pubKey));
  return {
    opts,
    deps,
    logger: deps.logger,
    timer: deps.timer ?? realTimer,
    cache,
    validationDeps: countedValidationDeps(cache, deps.evidence),
    self,
    core: createConsensusCore({ self, timeouts: opts.timeouts }),
    wal: null,
    walFailure: null,
    haltedBy: null,
    height: 0n,
    epoch: 0,
    stopped: true,
    replaying: false,
    applying: false,
    gossipTimer: null,
    ownVotesSigned: Promise.resolve(),
    timers: new Set(),
    blocks: new Map(),
    ownVotes: new Map(),
    gossip: new Map(),
    proposalBlocks: new ProposalBlocks(),
    walOwnVotes: new Map(),
    walOwnProposals: new Map(),
    walSignedVotes: new Map(),
    walSignedProposals: new Map(),
    lastCatchUp: new Map(),
    syncValidating: [],
    learnedCommit: -1n,
    heldVotes: new Map(),
    onHeldVote: () => {},
    replayed: [],
    rotation: null,
  };
}

/**
 * The validator set of height h as the chain state knows it (the last, current and next
 * heights), not copied: callers that rotate the proposer use copyIncrement.
 */
export function setAt(ctx: DriverContext, h: bigint): ValidatorSet | null {
  const s = ctx.deps.getState();
  if (h === s.lastBlockHeight + 1n) return s.validators;
  if (h === s.lastBlockHeight + 2n) return s.nextValidators;
  if (h === s.lastBlockHeight) return s.lastValidators;
  return null;
}

export function setFor(ctx: DriverContext, h: bigint): ValidatorSet {
  const set = setAt(ctx, h);
  if (set === null) throw new Error(`no validator set known for height ${h}`);
  return set.copy();
}

/** The proposer of a round of this height, one rotation step per round first asked for. */
export function proposerAt(ctx: DriverContext, round: number): ValidatorInfo {
  if (ctx.rotation === null || ctx.rotation.height !== ctx.height)
    ctx.rotation = { height: ctx.height, proposerOf: setAt(ctx, ctx.height)!.proposerRotation() };
  return ctx.rotation.proposerOf(round);
}

/** Whether a message's round is within the window this node accepts from peers. */
export function roundAccepted(ctx: DriverContext, h: bigint, round: number): boolean {
  const base = h === ctx.height ? Math.max(0, ctx.core.state.round) : 0;
  return round >= 0 && round <= base + maxRoundsAhead;
}

export function extensionsOn(ctx: DriverContext, h: bigint): boolean {
  const e = ctx.opts.voteExtensionsEnableHeight ?? 0n;
  return e > 0n && h >= e;
}

export function dropPeer(ctx: DriverContext, peer: string, reason: string): void {
  ctx.logger.info("dropping a peer's message", { peer, reason });
  ctx.deps.p2p.ban(peer, reason);
}

export function halt(ctx: DriverContext, e: Error): void {
  if (ctx.haltedBy !== null) return;
  ctx.haltedBy = e;
  ctx.logger.error("consensus halted", { error: e.stack ?? e.message });
  ctx.stopped = true;
  ctx.deps.onHalt(e);
}

export function log(ctx: DriverContext, r: WalRecord, sync: boolean): void {
  if (ctx.wal !== null && !ctx.replaying) walAppend(ctx, encodeRecord(r), sync);
}

/** Appends to the WAL; a failure halts the node and throws `walFailure` to end the caller. */
export function walAppend(ctx: DriverContext, record: Uint8Array, sync: boolean): void {
  if (ctx.walFailure !== null) throw ctx.walFailure;
  try {
    ctx.wal!.append(record, sync);
  } catch (e) {
    walFailed(ctx, e as Error);
  }
}

export function walFailed(ctx: DriverContext, e: Error): never {
  ctx.walFailure = walErrors.writeFailed.wrap(
    `${ctx.opts.walPath ?? "wal"}: ${e.message}; consensus halts and signs nothing more: free the disk or fix the error, then restart the node (it replays its WAL)`,
  );
  halt(ctx, ctx.walFailure);
  throw ctx.walFailure;
}

export function remember(ctx: DriverContext, key: string, channel: number, bytes: Uint8Array): void {
  if (!ctx.gossip.has(key)) ctx.gossip.set(key, [channel, bytes]);
}

/** Runs f after ms, unless the driver stopped or restarted meanwhile; a WAL failure ends it quietly. */
export function schedule(ctx: DriverContext, ms: number, f: () => void): void {
  const e = ctx.epoch;
  const t = ctx.timer.set(() => {
    ctx.timers.delete(t);
    if (e !== ctx.epoch || ctx.stopped) return;
    try {
      f();
    } catch (err) {
      if (err !== ctx.walFailure) throw err;
    }
  }, ms);
  ctx.timers.add(t);
}

/**
 * CometBFT's voteTime: now, but after the time of the block voted for (of the last block for
 * nil), so that the median of a commit's times is always after the block it commits.
 */
export function voteTime(ctx: DriverContext, block: ProposedBlock | null): Timestamp {
  return nextBlockTime(timeFromMillis(ctx.deps.now()), block?.block.header?.time ?? ctx.deps.getState().lastBlockTime);
}
