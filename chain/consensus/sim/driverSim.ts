import { createHash } from "node:crypto";
import { Block } from "cosmjs-types/tendermint/types/block";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import { Commit, Proposal as PbProposal, Vote as PbVote, type BlockID } from "cosmjs-types/tendermint/types/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { nopLogger, type Logger, type Timestamp } from "../../../modules/sdk/context.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { ed25519Address, ed25519FromSeed, ed25519Sign, type Ed25519Key } from "../../crypto/ed25519.js";
import { Channel, type Switch } from "../../p2p/switch.js";
import type { ProposedBlock } from "../../state/blockExecutor.js";
import { emptyBlockId, genesisSet, makeValidator, type ChainState } from "../../state/chainState.js";
import { validateBlock, verifyCommit } from "../../state/validation.js";
import { BlockStore } from "../../store/blockStore.js";
import { memoryKV } from "../../store/asyncKV.js";
import { consensusParamsHash, dataHash, evidenceListHash } from "../../types/hashes.js";
import { emptyHash } from "../../types/merkle.js";
import { proposalSignBytes, SignedMsgType, voteSignBytes } from "../../types/signBytes.js";
import { compareTime, formatTime, timeFromMillis, timeToMillis } from "../../types/time.js";
import { makeBlockFromBytes } from "../blockBuilding.js";
import { maxFutureVotesPerValidator } from "../core.js";
import { createConsensusDriver, type ConsensusDriver } from "../driver.js";
import { EvidencePool, encodeEvidenceMessage, offenceOf } from "../evidencePool.js";
import { createPrivValidator, type PrivValidator } from "../privValidator.js";
import {
  blockIdKey,
  createSignatureCache,
  decodeProposal,
  makeDuplicateVoteEvidence,
  signProposal,
} from "../signedMessages.js";
import { walErrors } from "../wal.js";
import { decodePair, encodeBlockMessage, encodeProposalMessage } from "../walRecords.js";
import { MemoryWalFile } from "./memoryWal.js";
import { createRandom, type Random } from "./random.js";
import { SimApp, SimMempool } from "./simApp.js";
import { settle, VirtualClock } from "./virtualTime.js";

// The simulator's driver mode: N real consensus drivers (chain/consensus/driver.ts: the reactor's
// checks, the full block validation, block building, the signer, the WAL and its replay) in one
// process, on a virtual clock (their Timer and clock injected) over a simulated network, each
// with its own in-memory block store, application, mempool, WAL and signer. One seed fixes
// everything (delays, drops, partitions, crashes, the adversaries' choices), so a run replays
// exactly. The adversaries:
// - Twins: a byzantine validator runs as two machines with one key, each reaching one half of
//   the correct nodes until GST;
// - as proposer: a second block to half the network (equivocation), a flood of blocks for its
//   round, invalid blocks (re-signed: a made-up app hash, two pieces of evidence of its own
//   double sign at one height, or a new piece for a double sign already committed; between
//   them a valid block with one such piece; it gossips valid evidence of its own height-1
//   double sign, so that offence is committed early), proposals in rounds it does not own
//   (impostor);
// - a flood of distinct votes for the next height (the flooding proposer);
// - votes: forged precommits of the other validators (bad signatures), own precommits dated at
//   the last block (sent ahead of the proposal) or at the block's own time (just after it);
// - amnesia: restarted with an empty WAL and a fresh signer state (its locks and signatures
//   forgotten);
// - a keyless peer that pairs genuine proposals with other bodies, and serves genuine commits
//   with tampered bodies to nodes still deciding that height;
// - correct nodes crash and restart from their WAL (unsynced records lost), and a correct
//   node's disk fails (it must halt, blaming no peer) and is fixed later.
// Checked: safety (one block per height among correct nodes), that no correct node halts
// (but on its own disk failing), logs an error (a signer refusal is one), bans a correct peer
// or holds more proposal blocks or next-height votes than the bounds; every prevote of a correct
// node is for a valid block signed by the round's proposer (evidence included: at most one piece
// per validator and height, none for one committed before); every commit a correct node stores
// verifies and is dated after its block; liveness after GST (every correct node reaches the
// target height).

export type DriverByzantine =
  "twins" | "equivocate" | "flood" | "invalid" | "impostor" | "forge" | "backdate" | "amnesia" | "none";
export type DriverAttacker = "fakeBodies" | "fakeSync" | "none";

export interface DriverSimOptions {
  seed: number;
  validators: number;
  /** What each byzantine validator (the last ones, less than 1/3 of the power) does. */
  byzantine: DriverByzantine[];
  /** A keyless peer connected to every node. */
  attacker: DriverAttacker;
  targetHeight: number;
  gstMs: number;
  maxDelayMs: number;
  dropRate: number;
  /** Before GST: [start, end, validator indexes cut off from the others]. */
  partitions: Array<[number, number, number[]]>;
  /** Correct validators crashing: [validator, at, restartAt]. */
  crashes: Array<[number, number, number]>;
  /** Correct validators whose disk fails: [validator, at, fixed and restarted at]. */
  walFailures: Array<[number, number, number]>;
  /** Twins: until GST the correct validators of the two halves do not reach each other either. */
  twinSplit?: boolean;
  /** Amnesia restarts of byzantine validators, at these times. */
  amnesiaAtMs: number[];
  maxTimeMs: number;
  trace?: (line: string) => void;
  /** Test hooks: every message a host broadcasts (also one the network then drops). */
  onBroadcast?: (host: string, channel: number, payload: Uint8Array, atMs: number) => void;
  /** Test hooks: a host crashed; its WAL as the disk keeps it (a test may damage it). */
  onCrash?: (host: string, wal: MemoryWalFile) => void;
}

export interface DriverSimResult {
  seed: number;
  safe: boolean;
  live: boolean;
  violation: string;
  decidedHeights: number;
  roundsPerHeight: number;
  messages: number;
  endTimeMs: number;
  nodes: string[];
}

const chainId = "sim-chain";
const genesisMs = Date.UTC(2026, 0, 1);
const power = 10n;
const maxBlockBytes = 1024n * 1024n;
const timeouts = {
  proposeMs: 200,
  proposeDeltaMs: 100,
  prevoteMs: 100,
  prevoteDeltaMs: 50,
  precommitMs: 100,
  precommitDeltaMs: 50,
};

const keys = new Map<number, Ed25519Key>();
function validatorKey(i: number): Ed25519Key {
  let k = keys.get(i);
  if (k === undefined) {
    k = ed25519FromSeed(new Uint8Array(createHash("sha256").update(`sim validator ${i}`).digest()));
    keys.set(i, k);
  }
  return k;
}

/** The address of the simulator's validator i (host `v${i}`). */
export const simValidatorAddress = (i: number): Uint8Array => ed25519Address(validatorKey(i).pubKey);

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();
const utf8 = (s: string) => new Uint8Array(Buffer.from(s));

interface Host {
  name: string;
  validator: number;
  correct: boolean;
  byz: DriverByzantine;
  key: Ed25519Key;
  address: string;
  signer: PrivValidator;
  app: SimApp;
  mempool: SimMempool;
  blockStore: BlockStore;
  state: ChainState;
  wal: MemoryWalFile;
  evidence: EvidencePool;
  driver: ConsensusDriver | null;
  /** Bumped at each crash: timers and messages of an earlier incarnation are dropped. */
  incarnation: number;
  up: boolean;
  handlers: Map<number, (peer: string, payload: Uint8Array) => void>;
  /** Twins: the hosts this copy reaches until GST (null: everyone). */
  reach: Set<string> | null;
  /** Its disk failed (a halt is then expected). */
  diskFailed: boolean;
  skewMs: number;
  decided: Map<bigint, string>;
  txs: number;
}

interface SeenProposal {
  proposal: PbProposal;
  block: Uint8Array;
}

/** Runs one seeded scenario to its end; the result says whether every check held. */
export async function runDriverSimulation(o: DriverSimOptions): Promise<DriverSimResult> {
  const rand: Random = createRandom(o.seed * 7919 + 17);
  const clock = new VirtualClock();
  const violations: string[] = [];
  const violate = (s: string) => {
    if (violations.length < 5) violations.push(`t=${clock.now}: ${s}`);
  };
  let messages = 0;
  const n = o.validators;
  const f = o.byzantine.length;
  const vals = Array.from({ length: n }, (_, i) => makeValidator(validatorKey(i).pubKey, power, `v${i}`));
  const first = genesisSet(vals);
  const genesis: ChainState = {
    chainId,
    initialHeight: 1n,
    lastBlockHeight: 0n,
    lastBlockId: emptyBlockId(),
    lastBlockTime: timeFromMillis(genesisMs),
    lastValidators: null,
    validators: first,
    nextValidators: first.copyIncrement(1),
    maxBlockBytes,
    maxBlockGas: -1n,
    consensusHash: consensusParamsHash(maxBlockBytes, -1n),
    lastResultsHash: emptyHash,
    appHash: new Uint8Array(32),
  };
  /** The state every correct node has before height h (the first one to reach it records it). */
  const stateAt = new Map<bigint, ChainState>([[1n, genesis]]);
  /** Each double sign (validator/height) in a correct node's chain: the first height holding it. */
  const committedOffences = new Map<string, bigint>();
  const byzOf = (i: number): DriverByzantine => (i >= n - f ? o.byzantine[i - (n - f)]! : "none");
  const isByz = (i: number) => i >= n - f;

  // ---- hosts --------------------------------------------------------------------------------
  const hosts: Host[] = [];
  const byName = new Map<string, Host>();
  async function makeHost(name: string, validator: number, skewMs: number): Promise<Host> {
    const key = validatorKey(validator);
    const blockStore = await BlockStore.open(memoryKV());
    let state = genesis;
    const evidence = new EvidencePool(
      { maxAgeNumBlocks: 100_000n, maxAgeSeconds: 1_000_000n, maxBytes: 1024n * 1024n },
      { chainId, cache: createSignatureCache(), blockStore, getState: () => state, logger: nopLogger },
    );
    const h: Host = {
      name,
      validator,
      correct: !isByz(validator),
      byz: byzOf(validator),
      key,
      address: hex(ed25519Address(key.pubKey)),
      signer: createPrivValidator(key, null),
      app: new SimApp(),
      mempool: new SimMempool(),
      blockStore,
      get state() {
        return state;
      },
      set state(s: ChainState) {
        state = s;
      },
      wal: new MemoryWalFile(),
      evidence,
      driver: null,
      incarnation: 0,
      up: false,
      handlers: new Map(),
      reach: null,
      diskFailed: false,
      skewMs,
      decided: new Map(),
      txs: 0,
    };
    h.evidence.onAdded((e) => broadcast(h, Channel.evidence, encodeEvidenceMessage([e.evidence])));
    for (let k = 0; k < 2; k++) addTx(h);
    hosts.push(h);
    byName.set(name, h);
    return h;
  }
  const addTx = (h: Host) => h.mempool.push(utf8(`tx ${h.name} ${h.txs++}`));

  for (let i = 0; i < n; i++) {
    if (byzOf(i) === "twins") {
      await makeHost(`v${i}a`, i, rand.int(0, 20));
      await makeHost(`v${i}b`, i, rand.int(0, 20));
    } else await makeHost(`v${i}`, i, rand.int(0, 20));
  }
  const correctNames = new Set(hosts.filter((h) => h.correct).map((h) => h.name));
  const attackerName = "x";
  // Twins: the copies "a" reach one half of the correct validators, the copies "b" the other
  // (and the other byzantine machines). With twinSplit the two halves of correct validators are
  // cut off from each other too (Twins' partitions), so that each half with its twins may decide
  // alone if a quorum rule is broken.
  if (hosts.some((h) => h.byz === "twins")) {
    const correct = [...correctNames];
    const cut = rand.int(1, correct.length - 1);
    const halves = [correct.slice(0, cut), correct.slice(cut)];
    const twinsOf = (k: number) =>
      hosts.filter((h) => h.byz === "twins" && h.name.endsWith(k === 0 ? "a" : "b")).map((h) => h.name);
    const otherByz = hosts.filter((h) => !h.correct && h.byz !== "twins").map((h) => h.name);
    for (const k of [0, 1]) {
      const reach = new Set([...halves[k]!, ...twinsOf(k), ...otherByz, attackerName]);
      for (const name of twinsOf(k)) byName.get(name)!.reach = reach;
      if (o.twinSplit === true) for (const name of halves[k]!) byName.get(name)!.reach = reach;
    }
  }

  // ---- the network --------------------------------------------------------------------------
  const banned = new Set<string>();
  const partitioned = (a: number, b: number) =>
    clock.now < o.gstMs &&
    o.partitions.some(([s, e, g]) => clock.now >= s && clock.now < e && g.includes(a) !== g.includes(b));
  function linked(from: string, to: string): boolean {
    if (from === to || banned.has(`${to}>${from}`) || banned.has(`${from}>${to}`)) return false;
    const a = byName.get(from);
    const b = byName.get(to);
    if (a !== undefined && !a.up) return false;
    if (b !== undefined && !b.up) return false;
    if (a !== undefined && b !== undefined) {
      if (clock.now < o.gstMs && (a.reach?.has(to) === false || b.reach?.has(from) === false)) return false;
      if (partitioned(a.validator, b.validator)) return false;
    }
    return true;
  }
  const peerNames = (from: string) =>
    [...hosts.map((h) => h.name), ...(o.attacker === "none" ? [] : [attackerName])].filter((p) => linked(from, p));

  /** Sends one message; `delayMs` fixed (the adversaries' fast path) or drawn. */
  function deliver(from: string, to: string, channel: number, payload: Uint8Array, delayMs?: number): boolean {
    if (!linked(from, to)) return false;
    if (delayMs === undefined && clock.now < o.gstMs && rand.chance(o.dropRate)) return true;
    const d = delayMs ?? rand.int(1, clock.now < o.gstMs ? o.maxDelayMs : Math.min(o.maxDelayMs, 20));
    const target = byName.get(to);
    const inc = target?.incarnation ?? 0;
    messages++;
    observeSend(from, to, channel, payload);
    clock.at(d, () => {
      if (target === undefined) return; // the attacker listens to nothing
      if (!target.up || target.incarnation !== inc || !linked(from, to)) return;
      const handler = target.handlers.get(channel);
      if (handler === undefined) return;
      handler(from, payload);
      if (byName.get(from)?.correct === true) observeDelivery(target, channel, payload);
    });
    return true;
  }

  function broadcast(h: Host, channel: number, payload: Uint8Array, except?: string): number {
    let k = 0;
    for (const p of peerNames(h.name)) {
      if (p === except) continue;
      for (const [c, m] of outgoing(h, p, channel, payload)) if (deliver(h.name, p, c, m)) k++;
    }
    return k;
  }

  function makeSwitch(h: Host): Switch {
    const inc = h.incarnation;
    const live = () => h.up && h.incarnation === inc;
    h.handlers = new Map();
    return {
      id: h.name,
      address: "sim",
      peers: () => (live() ? peerNames(h.name) : []),
      send: (peer, channel, payload) => {
        if (!live()) return false;
        let ok = false;
        for (const [c, m] of outgoing(h, peer, channel, payload)) ok = deliver(h.name, peer, c, m) || ok;
        return ok;
      },
      broadcast: (channel, payload, except) => {
        if (!live()) return 0;
        o.onBroadcast?.(h.name, channel, payload, clock.now);
        if (h.correct) recordProposal(ownProposals, `${h.name}|`, channel, payload);
        return broadcast(h, channel, payload, except);
      },
      onReceive: (channel, handler) => void h.handlers.set(channel, handler),
      onPeer: () => {},
      ban: (peer, reason) => {
        if (!live()) return;
        o.trace?.(`${clock.now} ${h.name} bans ${peer}: ${reason}`);
        if (h.correct && correctNames.has(peer)) violate(`${h.name} banned correct peer ${peer}: ${reason}`);
        banned.add(`${h.name}>${peer}`);
      },
      disconnect: () => {},
      dialOnce: () => {},
      freeOutboundSlots: () => 0,
      isolate: () => {},
      isolatedUntil: 0,
      start: async () => {},
      stop: async () => {},
    };
  }

  // ---- the drivers --------------------------------------------------------------------------
  function logger(h: Host): Logger {
    return {
      debug() {},
      info(msg, fields) {
        o.trace?.(`${clock.now} ${h.name} ${msg} ${fmt(fields)}`);
      },
      warn(msg, fields) {
        o.trace?.(`${clock.now} ${h.name} WARN ${msg} ${fmt(fields)}`);
      },
      error(msg, fields) {
        o.trace?.(`${clock.now} ${h.name} ERROR ${msg} ${fmt(fields)}`);
        // No refusal is expected either: a restarted node re-sends what the signer's step has
        // passed from its WAL (logged signed), and the signer hands back the last signature.
        if (h.correct && !(h.diskFailed && msg === "consensus halted"))
          violate(`${h.name} logged an error: ${msg} ${fmt(fields).slice(0, 200)}`);
      },
    };
  }

  async function boot(h: Host): Promise<void> {
    h.incarnation++;
    h.up = true;
    const inc = h.incarnation;
    const live = () => h.up && h.incarnation === inc;
    const driver = createConsensusDriver(
      {
        chainId,
        initialHeight: 1n,
        timeouts,
        timeoutCommitMs: 50,
        signer: h.signer,
        walPath: `mem:${h.name}`,
        openWal: () => h.wal.open(),
        gossipEveryMs: 300,
      },
      {
        app: h.app,
        blockStore: h.blockStore,
        txIndex: null,
        mempool: h.mempool,
        eventBus: {
          publishBlock: (block, blockId) => {
            const height = block.header!.height;
            h.decided.set(height, hex(blockId.hash));
            if (h.correct)
              for (const ev of block.evidence?.evidence ?? []) {
                const o = offenceOf(ev.duplicateVoteEvidence!);
                if (!committedOffences.has(o) || committedOffences.get(o)! > height) committedOffences.set(o, height);
              }
            addTx(h);
            o.trace?.(`${clock.now} ${h.name} committed ${height} ${hex(blockId.hash).slice(0, 8)}`);
          },
        },
        logger: logger(h),
        p2p: makeSwitch(h),
        evidence: h.evidence,
        getState: () => h.state,
        setState: (s) => {
          h.state = s;
          if (h.correct && !stateAt.has(s.lastBlockHeight + 1n)) stateAt.set(s.lastBlockHeight + 1n, s);
          if (live()) onCommitted(h, s.lastBlockHeight);
        },
        now: () => genesisMs + 1000 + clock.now + h.skewMs,
        timer: clock.timer(live),
        onHalt: (e) => {
          o.trace?.(`${clock.now} ${h.name} HALT ${e.message}`);
          const disk = e instanceof CodedError && e.is(walErrors.writeFailed);
          if (h.correct && !(h.diskFailed && disk)) violate(`${h.name} halted: ${e.message.slice(0, 200)}`);
        },
      },
    );
    h.driver = driver;
    await driver.start();
  }

  function crash(h: Host, keepUnsynced: number): void {
    h.up = false;
    h.incarnation++;
    h.driver = null;
    h.wal.crash(keepUnsynced);
    o.onCrash?.(h.name, h.wal);
  }

  // ---- the adversaries ----------------------------------------------------------------------
  const forger = (k: Ed25519Key) => createPrivValidator(k, null); // no memory: signs anything

  /** A copy of a block with other txs (or another app hash, or proposer), re-identified. */
  function variant(bytes: Uint8Array, edit: (b: Block) => void): ProposedBlock {
    const b = Block.decode(bytes);
    edit(b);
    b.header!.dataHash = dataHash(b.data?.txs ?? []);
    const out = Block.encode(b).finish();
    return makeBlockFromBytes(Block.decode(out), out);
  }
  const withTx = (bytes: Uint8Array, tx: string) =>
    variant(bytes, (b) => (b.data = { txs: [...(b.data?.txs ?? []), utf8(tx)] }));

  function proposalMessage(k: Ed25519Key, p: PbProposal, pb: ProposedBlock): Uint8Array {
    const signed = signProposal(forger(k), chainId, p.height, p.round, p.polRound, pb.blockId, p.timestamp!);
    return encodeProposalMessage(PbProposal.encode(signed).finish(), pb.bytes);
  }

  function voteMessage(
    k: Ed25519Key | null,
    validator: number,
    h: bigint,
    round: number,
    blockId: BlockID,
    time: Timestamp,
  ): Uint8Array {
    const address = ed25519Address(validatorKey(validator).pubKey);
    const signature =
      k === null
        ? new Uint8Array(64).fill(7)
        : ed25519Sign(k, voteSignBytes(chainId, SignedMsgType.precommit, h, round, blockId, time));
    const index = stateAt.get(h)?.validators.indexOf(hex(address)) ?? 0;
    return PbVote.encode({
      type: SignedMsgType.precommit,
      height: h,
      round,
      blockId,
      timestamp: time,
      validatorAddress: address,
      validatorIndex: index,
      signature,
      extension: new Uint8Array(),
      extensionSignature: new Uint8Array(),
    }).finish();
  }

  /** The invalid proposer's kind of block for each of its rounds (host/height/round). */
  const invalidKinds = new Map<string, number>();
  /** How many rounds each invalid proposer has been given a kind for. */
  const invalidRounds = new Map<string, number>();
  /** Invalid validators that have gossiped their own height-1 double sign. */
  const gossipedOwn = new Set<string>();

  /** A conflicting pair of prevotes of h's key at committed height e (one per tag), as evidence. */
  function ownDoubleSign(h: Host, e: bigint, tag: string): Evidence | null {
    const s = stateAt.get(e + 1n);
    if (e < 1n || s === undefined) return null;
    const vote = (side: string): PbVote => {
      const hash = createHash("sha256").update(`${tag} ${side}`).digest();
      const blockId = { hash, partSetHeader: { total: 1, hash } };
      return {
        type: SignedMsgType.prevote,
        height: e,
        round: 0,
        blockId,
        timestamp: s.lastBlockTime,
        validatorAddress: ed25519Address(h.key.pubKey),
        validatorIndex: h.validator,
        signature: ed25519Sign(h.key, voteSignBytes(chainId, SignedMsgType.prevote, e, 0, blockId, s.lastBlockTime)),
        extension: new Uint8Array(),
        extensionSignature: new Uint8Array(),
      };
    };
    return {
      duplicateVoteEvidence: makeDuplicateVoteEvidence(vote("a"), vote("b"), power, power * BigInt(n), s.lastBlockTime),
    };
  }

  const proposerOf = (h: bigint, round: number): string | null => {
    const s = stateAt.get(h);
    return s === undefined ? null : s.validators.proposerRotation()(round).address;
  };

  /** What a host sends to a peer instead of `payload`: byzantine proposers change their blocks. */
  function outgoing(h: Host, peer: string, channel: number, payload: Uint8Array): Array<[number, Uint8Array]> {
    if (h.correct || channel !== Channel.consensusData) return [[channel, payload]];
    if (h.byz !== "equivocate" && h.byz !== "flood" && h.byz !== "invalid") return [[channel, payload]];
    let p: PbProposal;
    let body: Uint8Array;
    try {
      const pair = decodePair(payload);
      p = decodeProposal(pair.a);
      body = pair.b;
    } catch {
      return [[channel, payload]];
    }
    if (proposerOf(p.height, p.round) !== h.address) return [[channel, payload]];
    const tag = `${p.height}/${p.round}`;
    if (h.byz === "invalid") {
      // Its proposals in turn (one kind per round, whichever peer it goes to), counted per
      // host, first: (3) a new piece for a double sign of its own already committed (or, none
      // committed yet, 1); (1) two pieces of evidence of its own double sign at the last height;
      // (2) a valid block with one such piece; (0) a made-up app hash.
      let kind = invalidKinds.get(`${h.name}/${tag}`);
      if (kind === undefined) {
        const k = invalidRounds.get(h.name) ?? 0;
        invalidRounds.set(h.name, k + 1);
        kind = [3, 1, 2, 0][k % 4]!;
        invalidKinds.set(`${h.name}/${tag}`, kind);
      }
      const withEvidence = (evidence: Array<Evidence | null>) =>
        evidence.some((x) => x === null)
          ? null
          : variant(body, (b) => {
              b.evidence = { evidence: evidence as Evidence[] };
              b.header!.evidenceHash = evidenceListHash(evidence as Evidence[]);
            });
      const e = p.height - 1n;
      const done = [...committedOffences.keys()].find((x) => x.startsWith(`${h.address}/`));
      let made: ProposedBlock | null = null;
      if (kind === 1 || (kind === 3 && done === undefined))
        made = withEvidence([ownDoubleSign(h, e, `first ${tag}`), ownDoubleSign(h, e, `second ${tag}`)]);
      else if (kind === 2) made = withEvidence([ownDoubleSign(h, e, `one ${tag}`)]);
      else if (kind === 3) made = withEvidence([ownDoubleSign(h, BigInt(done!.split("/")[1]!), `again ${tag}`)]);
      made ??= variant(body, (b) => (b.header!.appHash = utf8(`bad app hash ${tag}`.padEnd(32, "."))));
      return [[channel, proposalMessage(h.key, p, made)]];
    }
    if (h.byz === "equivocate") {
      const half = [...correctNames].sort().indexOf(peer) % 2 === 1;
      return half ? [[channel, proposalMessage(h.key, p, withTx(body, `equivocation ${tag}`))]] : [[channel, payload]];
    }
    // flood: six more blocks for its round, to everyone
    const out: Array<[number, Uint8Array]> = [[channel, payload]];
    for (let k = 0; k < 6; k++) out.push([channel, proposalMessage(h.key, p, withTx(body, `flood ${tag} ${k}`))]);
    return out;
  }

  const seenProposals = new Map<string, SeenProposal>();
  /** Each correct host's own proposals as it broadcast them ("host|h/round/id"), delivered or not. */
  const ownProposals = new Map<string, SeenProposal>();
  const attacked = new Set<string>();
  const correctPrevotes: Array<{ host: string; h: bigint; round: number; id: string }> = [];

  /** A proposal with its block, recorded once per (height, round, block id) for the prevote check. */
  function recordProposal(
    into: Map<string, SeenProposal>,
    keyPrefix: string,
    channel: number,
    payload: Uint8Array,
  ): { p: PbProposal; body: Uint8Array; key: string } | null {
    if (channel !== Channel.consensusData) return null;
    let p: PbProposal;
    let body: Uint8Array;
    try {
      const pair = decodePair(payload);
      p = decodeProposal(pair.a);
      body = pair.b;
    } catch {
      return null;
    }
    const id = blockIdKey(p.blockId!);
    if (id === null) return null;
    const key = `${p.height}/${p.round}/${id}`;
    if (!into.has(keyPrefix + key)) {
      let pb: ProposedBlock;
      try {
        pb = makeBlockFromBytes(Block.decode(body), body);
      } catch {
        return null;
      }
      if (blockIdKey(pb.blockId) === id) into.set(keyPrefix + key, { proposal: p, block: body });
    }
    return { p, body, key };
  }

  /** Everything delivered passes here: the record for the checks, and the adversaries' triggers. */
  function observeSend(from: string, _to: string, channel: number, payload: Uint8Array): void {
    const sender = byName.get(from);
    if (channel === Channel.consensusVote && sender?.correct === true) {
      const v = PbVote.decode(payload);
      if (v.type === SignedMsgType.prevote && hex(v.validatorAddress) === sender.address) {
        const id = blockIdKey(v.blockId ?? emptyBlockId());
        if (id !== null) correctPrevotes.push({ host: from, h: v.height, round: v.round, id });
      }
      return;
    }
    const seen = recordProposal(seenProposals, "", channel, payload);
    if (seen === null) return;
    const { p, body, key } = seen;
    // The adversaries answer correct nodes' proposals (not each other's).
    if (sender?.correct !== true || attacked.has(key)) return;
    attacked.add(key);
    attackProposal(p, body, from);
  }

  /** A proposal went out: the adversaries that act on one do so now, ahead of it. */
  function attackProposal(p: PbProposal, body: Uint8Array, from: string): void {
    const state = stateAt.get(p.height);
    if (state === undefined) return;
    const victims = hosts.filter((x) => x.correct && x.name !== from).map((x) => x.name);
    for (const b of hosts) {
      if (b.correct || !b.up) continue;
      if (b.byz === "impostor" && proposerOf(p.height, p.round) !== b.address) {
        const own = variant(body, (blk) => {
          blk.header!.proposerAddress = ed25519Address(b.key.pubKey);
          blk.data = { txs: [...(blk.data?.txs ?? []), utf8(`impostor ${p.height}/${p.round}`)] };
        });
        const msg = proposalMessage(b.key, { ...p, polRound: -1 }, own);
        for (const v of victims) deliver(b.name, v, Channel.consensusData, msg, 0);
      }
      if (b.byz === "forge") {
        const time = timeFromMillis(timeToMillis(Block.decode(body).header!.time!) + 1);
        for (let i = 0; i < n; i++) {
          if (isByz(i)) continue;
          const msg = voteMessage(null, i, p.height, p.round, p.blockId!, time);
          for (const v of victims) deliver(b.name, v, Channel.consensusVote, msg, 0);
        }
      }
      if (b.byz === "flood") {
        // Distinct precommits for the next height, three times what a node holds per validator.
        const time = timeFromMillis(timeToMillis(Block.decode(body).header!.time!) + 1);
        for (let r = 0; r < 3 * maxFutureVotesPerValidator; r++) {
          const hash = createHash("sha256").update(`next ${p.height}/${p.round} ${r}`).digest();
          const msg = voteMessage(
            b.key,
            b.validator,
            p.height + 1n,
            r,
            { hash, partSetHeader: { total: 1, hash } },
            time,
          );
          for (const v of victims) deliver(b.name, v, Channel.consensusVote, msg, 0);
        }
      }
      if (b.byz === "backdate") {
        // Also to nodes still at the height before: a vote for the next height is held until
        // that height starts, and then judged by the same time rules.
        const msg = voteMessage(b.key, b.validator, p.height, p.round, p.blockId!, state.lastBlockTime);
        for (const v of victims) deliver(b.name, v, Channel.consensusVote, msg, 0);
      }
    }
    if (o.attacker === "fakeBodies") {
      const other = withTx(body, `not the proposed block ${p.height}/${p.round}`);
      const msg = encodeProposalMessage(PbProposal.encode(p).finish(), other.bytes);
      for (const v of victims) deliver(attackerName, v, Channel.consensusData, msg, 0);
    }
  }

  /**
   * A correct node's proposal reached a correct node (which holds its block now): a backdating
   * validator answers it with a late vote.
   */
  function observeDelivery(target: Host, channel: number, payload: Uint8Array): void {
    if (channel !== Channel.consensusData || !target.correct) return;
    for (const b of hosts) {
      if (b.byz !== "backdate" || !b.up) continue;
      let p: PbProposal;
      let time: Timestamp;
      try {
        const pair = decodePair(payload);
        p = decodeProposal(pair.a);
        time = Block.decode(pair.b).header!.time!;
      } catch {
        continue;
      }
      const key = `late/${target.name}/${p.height}/${p.round}/${blockIdKey(p.blockId!)}`;
      if (attacked.has(key) || target.driver?.height !== p.height || target.driver.round + 1 < p.round) continue;
      attacked.add(key);
      // Dated at the block's own time: after the last block, not after the block it votes for.
      const msg = voteMessage(b.key, b.validator, p.height, p.round, p.blockId!, time);
      deliver(b.name, target.name, Channel.consensusVote, msg, 1);
    }
  }

  /** A correct node committed height h: the keyless peer serves a tampered copy to the others. */
  function onCommitted(h: Host, height: bigint): void {
    // The invalid validator gossips valid evidence of its own double sign at height 1 once that
    // height is committed: correct proposers commit the offence early, so its kind-3 blocks (a
    // new piece for that committed offence) come soon.
    if (h.byz === "invalid" && !gossipedOwn.has(h.name)) {
      const ev = ownDoubleSign(h, 1n, `gossiped ${h.name}`);
      if (ev !== null) {
        gossipedOwn.add(h.name);
        broadcast(h, Channel.evidence, encodeEvidenceMessage([ev]));
      }
    }
    if (o.attacker !== "fakeSync" || !h.correct || attacked.has(`sync/${height}`)) return;
    attacked.add(`sync/${height}`);
    void (async () => {
      const block = await h.blockStore.loadBlock(height);
      const commit = await h.blockStore.loadSeenCommit(height);
      if (block === null || commit === null) return;
      // The genuine header and commit, with a tx that the header's data_hash does not cover.
      const tampered: Block = { ...block, data: { txs: [...(block.data?.txs ?? []), utf8(`smuggled ${height}`)] } };
      const msg = encodeBlockMessage(Block.encode(tampered).finish(), Commit.encode(commit).finish());
      for (const v of hosts) if (v.correct && v !== h) deliver(attackerName, v.name, Channel.blockSync, msg, 0);
    })();
  }

  // ---- the run ------------------------------------------------------------------------------
  const boots: Array<[number, Host]> = hosts.map((h) => [rand.int(0, 30), h]);
  for (const [at, h] of boots) clock.at(at, () => void boot(h));
  for (const [v, at, back] of o.crashes) {
    const h = byName.get(`v${v}`)!;
    clock.at(at, () => crash(h, rand.int(0, 3)));
    clock.at(back, () => void boot(h));
  }
  for (const [v, at, back] of o.walFailures) {
    const h = byName.get(`v${v}`)!;
    clock.at(at, () => {
      h.diskFailed = true;
      h.wal.failAfter = h.wal.writes;
    });
    clock.at(back, () => {
      crash(h, 0);
      h.wal.failAfter = Infinity;
      void boot(h);
    });
  }
  for (const at of o.amnesiaAtMs) {
    clock.at(at, () => {
      for (const h of hosts) {
        if (h.byz !== "amnesia") continue;
        crash(h, 0);
        h.wal = new MemoryWalFile();
        h.signer = createPrivValidator(h.key, null);
        void boot(h);
      }
    });
  }
  // Twins: the second copy stops at GST (the network then has one machine per key).
  clock.at(o.gstMs, () => {
    for (const h of hosts) if (h.byz === "twins" && h.name.endsWith("b")) crash(h, 0);
  });
  const downUntil = (h: Host) =>
    Math.max(
      0,
      ...o.crashes.filter(([v]) => `v${v}` === h.name).map(([, , b]) => b),
      ...o.walFailures.filter(([v]) => `v${v}` === h.name).map(([, , b]) => b),
    );
  const correct = hosts.filter((h) => h.correct);
  const done = () =>
    correct.every((h) => h.up && h.blockStore.height >= BigInt(o.targetHeight) && clock.now >= downUntil(h));

  for (;;) {
    const f = clock.next();
    if (f === null || clock.now > o.maxTimeMs) break;
    f();
    await settle();
    if (violations.length > 0 || done()) break;
    for (const h of correct) {
      if (!h.up || h.driver === null) continue;
      const held = h.driver.held().blocks;
      // Two blocks per round from peers, a block more than 1/3 voted for, our own.
      if (held > 4 * (h.driver.round + 1) + 1)
        violate(`${h.name} holds ${held} blocks at round ${h.driver.round} (bound ${4 * (h.driver.round + 1) + 1})`);
      const votes = h.driver.held().nextHeightVotes;
      if (votes > maxFutureVotesPerValidator * n)
        violate(`${h.name} holds ${votes} votes for the next height (bound ${maxFutureVotesPerValidator} x ${n})`);
    }
  }
  const endTimeMs = clock.now;
  for (const h of hosts) h.up = false; // silence everything still queued

  // ---- the checks ---------------------------------------------------------------------------
  const heights = Math.min(...correct.map((h) => Number(h.blockStore.height)));
  const live = heights >= o.targetHeight;
  let safe = true;
  const maxH = Math.max(...correct.map((h) => Number(h.blockStore.height)));
  for (let height = 1n; height <= BigInt(maxH); height++) {
    const ids = new Set(correct.map((h) => h.decided.get(height)).filter((x) => x !== undefined));
    if (ids.size > 1) {
      safe = false;
      violate(`fork at height ${height}: ${[...ids].map((x) => x.slice(0, 8)).join(" vs ")}`);
    }
  }
  const cache = createSignatureCache();
  for (const h of correct) {
    const inChain = new Set<string>();
    for (let height = 1n; height <= h.blockStore.height; height++) {
      const block = await h.blockStore.loadBlock(height);
      for (const ev of block?.evidence?.evidence ?? []) {
        const o = offenceOf(ev.duplicateVoteEvidence!);
        if (inChain.has(o)) violate(`${h.name}: block ${height} holds evidence for ${o.slice(0, 8)} again`);
        inChain.add(o);
      }
      const commit = await h.blockStore.loadSeenCommit(height);
      const set = stateAt.get(height)?.validators;
      if (block === null || commit === null || set === undefined) {
        violate(`${h.name}: block ${height} or its commit missing`);
        continue;
      }
      try {
        verifyCommit(chainId, set, height, commit.blockId!, commit, cache);
      } catch (e) {
        violate(`${h.name}: the commit it stored for ${height} does not verify: ${(e as Error).message}`);
      }
      for (const s of commit.signatures) {
        if (s.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT) continue;
        if (compareTime(s.timestamp!, block.header!.time!) <= 0)
          violate(
            `${h.name}: the commit of ${height} holds ${hex(s.validatorAddress).slice(0, 8)}'s precommit dated ${formatTime(s.timestamp!)}, not after its block (${formatTime(block.header!.time!)})`,
          );
      }
    }
  }
  // Every prevote of a correct node: for a block the round's proposer signed, and valid.
  const judged = new Map<string, string | null>();
  for (const pv of correctPrevotes) {
    const key = `${pv.h}/${pv.round}/${pv.id}`;
    // A proposal some node received, or one the prevoter broadcast itself (a proposer cut off
    // from everyone prevotes its own proposal; its prevote may reach a node before the proposal
    // does, which since the signed proposal is in the WAL is also re-sent after a restart).
    const own = `${pv.host}|${key}`;
    const seen = seenProposals.get(key) ?? ownProposals.get(own);
    const cacheKey = seenProposals.has(key) ? key : own;
    let why = judged.get(cacheKey);
    if (why === undefined) {
      why = await judge(seen, pv.h, pv.round);
      judged.set(cacheKey, why);
    }
    if (why !== null) violate(`${pv.host} prevoted ${pv.id.slice(0, 8)} at ${pv.h}/${pv.round}: ${why}`);
  }
  async function judge(seen: SeenProposal | undefined, h: bigint, round: number): Promise<string | null> {
    const state = stateAt.get(h);
    if (state === undefined) return null; // a height no correct node reached: nothing to judge against
    if (seen === undefined) return "no proposal of that block in that round";
    const proposer = state.validators.proposerRotation()(round);
    const p = seen.proposal;
    const sb = proposalSignBytes(chainId, p.height, p.round, p.polRound, p.blockId, p.timestamp);
    if (!cache.verify(proposer.pubKey, sb, p.signature)) return "not signed by the round's proposer";
    const block = Block.decode(seen.block);
    try {
      await validateBlock(state, makeBlockFromBytes(block, seen.block), { cache, evidence: null });
    } catch (e) {
      return `an invalid block (${(e as Error).message.slice(0, 120)})`;
    }
    // Evidence: one piece per validator and height, none for a double sign committed before.
    const offences = new Set<string>();
    for (const ev of block.evidence?.evidence ?? []) {
      const o = offenceOf(ev.duplicateVoteEvidence!);
      if (offences.has(o)) return `a block with two pieces of evidence for ${o.slice(0, 8)}/${o.split("/")[1]}`;
      offences.add(o);
      const at = committedOffences.get(o);
      if (at !== undefined && at < h) return `a block with evidence for a double sign committed at ${at}`;
    }
    return null;
  }

  let rounds = 0;
  for (let height = 1n; height <= BigInt(heights); height++) {
    const c = await correct[0]!.blockStore.loadSeenCommit(height);
    rounds += (c?.round ?? 0) + 1;
  }
  if (!live && violations.length === 0)
    violations.push(`liveness: ${heights} of ${o.targetHeight} heights by t=${endTimeMs}`);
  return {
    seed: o.seed,
    safe: safe && violations.length === 0,
    live,
    violation: violations.join("; "),
    decidedHeights: heights,
    roundsPerHeight: heights > 0 ? rounds / heights : 0,
    messages,
    endTimeMs,
    nodes: hosts.map(
      (h) =>
        `${h.name}${h.correct ? "" : `(${h.byz})`} h=${h.blockStore.height} r=${h.driver?.round ?? "-"} up=${h.up}`,
    ),
  };
}

function fmt(fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return "";
  return JSON.stringify(fields, (_, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? hex(v).slice(0, 16) : v,
  );
}

const byzantineKinds: DriverByzantine[] = [
  "twins",
  "equivocate",
  "flood",
  "invalid",
  "impostor",
  "forge",
  "backdate",
  "amnesia",
  "none",
];

/** The driver-mode scenario of a seed. */
export function driverScenarioFromSeed(seed: number): DriverSimOptions {
  const r = createRandom(seed);
  const validators = r.chance(0.2) ? 7 : 4;
  const f = Math.floor((validators - 1) / 3);
  const byzantine = Array.from({ length: f }, () => byzantineKinds[r.int(0, byzantineKinds.length - 1)]!);
  const attacker: DriverAttacker = (["fakeBodies", "fakeSync", "none"] as const)[r.int(0, 2)]!;
  const gstMs = r.int(300, 1500);
  const correct = validators - f;
  const crashes: Array<[number, number, number]> = [];
  const walFailures: Array<[number, number, number]> = [];
  if (r.chance(0.5)) {
    const at = r.int(50, 1500);
    crashes.push([r.int(0, correct - 1), at, at + r.int(50, 800)]);
  }
  if (r.chance(0.3)) {
    const at = r.int(50, 1500);
    const v = r.int(0, correct - 1);
    if (!crashes.some(([c]) => c === v)) walFailures.push([v, at, at + r.int(200, 800)]);
  }
  const partitions: Array<[number, number, number[]]> = [];
  if (r.chance(0.3)) {
    const s = r.int(0, gstMs);
    partitions.push([s, s + r.int(100, 600), [r.int(0, validators - 1)]]);
  }
  const amnesiaAtMs = byzantine.includes("amnesia") ? [r.int(100, 800), r.int(800, 2000)] : [];
  return {
    seed,
    validators,
    byzantine,
    attacker,
    targetHeight: r.int(3, 5),
    gstMs,
    maxDelayMs: r.int(5, 40),
    dropRate: r.chance(0.5) ? 0 : r.next() * 0.1,
    partitions,
    crashes,
    walFailures,
    amnesiaAtMs,
    maxTimeMs: gstMs + 20_000,
    // Drawn last: the fields above stay what they were for every seed.
    twinSplit: byzantine.includes("twins") && r.chance(0.6),
  };
}
