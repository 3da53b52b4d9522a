import { createConsensusCore, type ConsensusCore } from "../core.js";
import {
  Step,
  VoteType,
  type ConsensusAction,
  type ConsensusEvent,
  type Evidence,
  type Proposal,
  type TimeoutConfig,
  type Value,
  type Vote,
} from "../types.js";
import { ValidatorSet } from "../../types/validatorSet.js";
import { createRandom, type Random } from "./random.js";

// A deterministic network of consensus cores. Time is simulated; every random choice comes from
// one seeded PRNG, so a seed replays exactly. Faults: delays, drops, duplicates and reordering
// until the network heals (GST), partitions, crashes with restart from the write-ahead log, and
// byzantine validators. Checked: safety (no two correct nodes decide differently at a height),
// liveness after GST (every correct node reaches the target height), and that equivocations
// seen by correct nodes end up as evidence in decided blocks.
//
// The Twins-style adversaries (Bano et al., "Twins: BFT Systems Made Robust", 2021) run the
// correct core but break the rules around it, so that a core with a broken rule is exploited:
// a validator runs as two copies with one key in different partitions; a proposer claims a
// proof-of-lock round it does not have, proposes invalid blocks, or sends different blocks to
// different halves; a validator forgets its lock (amnesia); messages of one kind are delayed to
// chosen nodes (to leave some nodes locked and others not); forged commits; votes for far
// rounds; a network slower after GST than the first timeouts. Byzantine power stays below 1/3.

export type Byzantine = "silent" | "double-prevote" | "double-precommit" | "equivocate-proposer" | "adversary";

/** What an "adversary" validator does besides running the correct core. */
export interface Adversary {
  /** Twins: two copies with this key, the first reaching the first group of nodes, the second the second. */
  twins?: [number[], number[]];
  /** Amnesia: every this many ms, rebuild the core from its log without the proposals of past rounds (lock forgotten). */
  amnesiaEveryMs?: number;
  /** As proposer of a round > 0, propose a fresh block claiming a proof-of-lock round that has none. */
  fakePol?: boolean;
  /** As proposer, propose invalid blocks. */
  invalidProposals?: boolean;
  /** Send different blocks, and votes for them, to the two halves of the network. */
  equivocate?: boolean;
  /** Each vote sent to one half, a conflicting one to the other. */
  doubleVote?: boolean;
  /** Send forged commits: its own precommit repeated, or other validators' real precommits for other blocks. */
  forgeCommits?: boolean;
  /** With every vote, a nil prevote for a round up to 1000 ahead (one validator must not move anyone). */
  roundPush?: boolean;
  /** At the start of rounds it does not propose, propose anyway (in its own name). */
  impostor?: boolean;
  /** Never sends a precommit (nor a commit, which carries its own). */
  withholdPrecommits?: boolean;
  /** Sends nothing from this time on (a byzantine validator that stops). */
  silentAfterMs?: number;
}

/** Extra delay, before GST, for messages of some kinds to some nodes. */
export interface TargetedDelay {
  start: number;
  end: number;
  kinds: Array<"proposal" | "prevote" | "precommit" | "commit">;
  to: number[];
  /** Only messages from these nodes (default: from anyone). */
  from?: number[];
  /** Only messages of these rounds, inclusive (default: any round); Twins' per-round partitions. */
  rounds?: [number, number];
  extraMs: number;
}

export interface SimOptions {
  seed: number;
  validators: number;
  /** Validator index -> behaviour; the rest are correct. */
  byzantine: Record<number, Byzantine>;
  /** Heights every correct node must decide. */
  targetHeight: number;
  /** Before this simulated time the network drops, duplicates and partitions; after it, it heals. */
  gstMs: number;
  maxDelayMs: number;
  dropRate: number;
  duplicateRate: number;
  /** Partitions before GST: [start, end, group of node indexes cut off from the others]. */
  partitions: Array<[number, number, number[]]>;
  /** Crashes: [node, crashAt, restartAt]. */
  crashes: Array<[number, number, number]>;
  /** Give up (liveness failure) at this simulated time. */
  maxTimeMs: number;
  /** For "adversary" validators: what each does. */
  adversaries?: Record<number, Adversary>;
  delays?: TargetedDelay[];
  /** Message delay after GST (default 1..maxDelayMs): a slow network needs timeouts that grow. */
  postGstDelayMs?: [number, number];
  /** Diagnostics: called with one line per decision and per message a node handles. */
  trace?: (line: string) => void;
}

export interface SimResult {
  seed: number;
  safe: boolean;
  violation: string;
  live: boolean;
  /** Heights decided by all correct nodes. */
  decidedHeights: number;
  maxRound: number;
  roundsPerHeight: number;
  equivocators: string[];
  /** Equivocators some correct node saw; each must appear in evidenceIncluded. */
  detectedEquivocators: string[];
  evidenceIncluded: string[];
  messages: number;
  endTimeMs: number;
  /** Each node's final (height, round, step, up), for diagnosing a failing seed. */
  nodes: string[];
}

interface Payload {
  evidence: Evidence[];
}

type Msg =
  | { kind: "proposal"; proposal: Proposal }
  | { kind: "vote"; vote: Vote }
  /** Catch-up for a node at a lower height: the decided round's proposal and its precommits. */
  | { kind: "commit"; proposal: Proposal; precommits: Vote[] }
  /** Evidence gossip, so that whoever proposes next can include it. */
  | { kind: "evidence"; evidence: Evidence };

interface SimNode {
  index: number;
  address: string;
  byzantine: Byzantine | null;
  adversary: Adversary;
  /** A twin copy reaches only these nodes (and is reached only by them). */
  reach: Set<number> | null;
  /** Precommits this (byzantine) node received, material for forged commits. */
  seenPrecommits: Vote[];
  core: ConsensusCore;
  /** Everything the core consumed, in order: replayed after a crash. */
  wal: ConsensusEvent[];
  up: boolean;
  epoch: number;
  validatorsByHeight: Map<bigint, ValidatorSet>;
  decided: Map<bigint, { proposal: Proposal; precommits: Vote[] }>;
  /** Messages of the current height, re-gossiped until the height ends (each once). */
  gossip: Msg[];
  gossipKeys: Set<string>;
  /** Messages of later heights that arrived early: relayed once their height starts. */
  early: Msg[];
  pendingEvidence: Evidence[];
  valueSeq: number;
}

interface QueueItem {
  at: number;
  seq: number;
  run: () => void;
}

const simTimeouts: TimeoutConfig = {
  proposeMs: 300,
  proposeDeltaMs: 50,
  prevoteMs: 100,
  prevoteDeltaMs: 50,
  precommitMs: 100,
  precommitDeltaMs: 50,
};
const commitDelayMs = 50;
/**
 * Liveness bound: with these timeouts (growing 50 ms a round) and delays of at most a few hundred
 * ms after GST, a correct core decides every height within a few rounds of GST (600 seeds: at
 * most round 5). A correct node past this round has lost liveness; the run stops there.
 */
const maxRounds = 30;
const gossipEveryMs = 150;
/** After GST nothing is lost, so re-gossip (for restarted nodes) is rarer: it costs O(rounds * n^2) a tick. */
const gossipAfterGstMs = 1000;

export function runSimulation(o: SimOptions): SimResult {
  const rnd: Random = createRandom(o.seed);
  const queue: QueueItem[] = [];
  let now = 0;
  let seq = 0;
  let messages = 0;
  let violation = "";
  let maxRound = 0;
  let roundsTotal = 0;
  const firstDecision = new Map<bigint, string>();
  const equivocators = new Set<string>();
  /** Equivocators that a correct node saw (emitted evidence for): these must reach a block. */
  const detected = new Set<string>();
  const evidenceIncluded = new Set<string>();
  /** Per correct node, the first vote value it was fed per (height, round, type, validator): the simulator's own equivocation oracle. */
  const firstVotes = new Map<string, string | null>();
  let stalled = "";

  // A binary heap ordered by (time, insertion): ties run in the order they were scheduled.
  const before = (a: QueueItem, b: QueueItem) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  const at = (time: number, run: () => void) => {
    queue.push({ at: time, seq: seq++, run });
    let i = queue.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(queue[i]!, queue[p]!)) break;
      [queue[i], queue[p]] = [queue[p]!, queue[i]!];
      i = p;
    }
  };
  const pop = (): QueueItem => {
    const top = queue[0]!;
    const last = queue.pop()!;
    if (queue.length > 0) {
      queue[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < queue.length && before(queue[l]!, queue[m]!)) m = l;
        if (r < queue.length && before(queue[r]!, queue[m]!)) m = r;
        if (m === i) break;
        [queue[i], queue[m]] = [queue[m]!, queue[i]!];
        i = m;
      }
    }
    return top;
  };
  const remember = (n: SimNode, msg: Msg) => {
    const k =
      msg.kind === "proposal"
        ? `p/${msg.proposal.round}/${msg.proposal.value.id}`
        : msg.kind === "vote"
          ? `v/${msg.vote.type}/${msg.vote.round}/${msg.vote.validator}/${msg.vote.valueId}`
          : "";
    if (k === "" || n.gossipKeys.has(k)) return;
    n.gossipKeys.add(k);
    n.gossip.push(msg);
  };

  const addresses = Array.from({ length: o.validators }, (_, i) => i.toString(16).toUpperCase().padStart(40, "0"));
  const genesisSet = () =>
    ValidatorSet.create(addresses.map((a) => ({ address: a, pubKey: new Uint8Array(32), power: 10n })));

  const adversaries = o.adversaries ?? {};
  const makeNode = (
    index: number,
    address: string,
    byzantine: Byzantine | null,
    adversary: Adversary,
    reach: Set<number> | null,
  ): SimNode => ({
    index,
    address,
    byzantine,
    adversary,
    reach,
    seenPrecommits: [],
    core: createConsensusCore({ self: address, timeouts: simTimeouts }),
    wal: [],
    up: true,
    epoch: 0,
    validatorsByHeight: new Map(),
    decided: new Map(),
    gossip: [],
    gossipKeys: new Set(),
    early: [],
    pendingEvidence: [],
    valueSeq: 0,
  });
  const nodes: SimNode[] = addresses.map((address, index) => {
    const byz = o.byzantine[index] ?? null;
    const adv = byz === "adversary" ? (adversaries[index] ?? {}) : {};
    return makeNode(index, address, byz, adv, adv.twins === undefined ? null : new Set(adv.twins[0]));
  });
  // The second copy of each twin: same key, its own core, reaching the other group.
  for (let i = 0; i < o.validators; i++) {
    const adv = nodes[i]!.adversary;
    if (nodes[i]!.byzantine === "adversary" && adv.twins !== undefined)
      nodes.push(makeNode(nodes.length, nodes[i]!.address, "adversary", adv, new Set(adv.twins[1])));
  }
  const correct = nodes.filter((n) => n.byzantine === null);
  /** Byzantine nodes that run the correct code around their deviations (gossip, evidence, values). */
  const honestCode = (n: SimNode) => n.byzantine === null || n.byzantine === "adversary";
  const half = (to: SimNode) => to.index % 2 === 0;
  const isValid = (v: Value) => {
    const payload = v.payload as Payload | undefined;
    return payload !== undefined && Array.isArray(payload.evidence);
  };

  function partitioned(a: number, b: number): boolean {
    if (now >= o.gstMs) return false;
    for (const [start, end, group] of o.partitions) {
      if (now >= start && now < end && group.includes(a) !== group.includes(b)) return true;
    }
    return false;
  }

  function roundOf(msg: Msg): number {
    return msg.kind === "proposal" || msg.kind === "commit"
      ? msg.proposal.round
      : msg.kind === "vote"
        ? msg.vote.round
        : -1;
  }

  function kindOf(msg: Msg): "proposal" | "prevote" | "precommit" | "commit" | "other" {
    if (msg.kind === "proposal") return "proposal";
    if (msg.kind === "commit") return "commit";
    if (msg.kind === "vote") return msg.vote.type === VoteType.prevote ? "prevote" : "precommit";
    return "other";
  }

  function send(from: SimNode, to: SimNode, msg: Msg): void {
    if (from === to || from.address === to.address) return;
    const adv = from.adversary;
    if (
      (adv.silentAfterMs !== undefined && now >= adv.silentAfterMs) ||
      (adv.withholdPrecommits === true &&
        ((msg.kind === "vote" && msg.vote.type === VoteType.precommit) || msg.kind === "commit"))
    )
      return;
    if ((from.reach !== null && !from.reach.has(to.index)) || (to.reach !== null && !to.reach.has(from.index))) return;
    const beforeGst = now < o.gstMs;
    if (partitioned(from.index, to.index)) return;
    if (beforeGst && rnd.chance(o.dropRate)) return;
    const copies = beforeGst && rnd.chance(o.duplicateRate) ? 2 : 1;
    let extra = 0;
    if (beforeGst && o.delays !== undefined) {
      const k = kindOf(msg);
      for (const d of o.delays)
        if (
          now >= d.start &&
          now < d.end &&
          k !== "other" &&
          d.kinds.includes(k) &&
          d.to.includes(to.index) &&
          (d.from === undefined || d.from.includes(from.index)) &&
          (d.rounds === undefined || (roundOf(msg) >= d.rounds[0] && roundOf(msg) <= d.rounds[1]))
        )
          extra += d.extraMs;
    }
    for (let c = 0; c < copies; c++) {
      messages++;
      const delay =
        !beforeGst && o.postGstDelayMs !== undefined
          ? rnd.int(o.postGstDelayMs[0], o.postGstDelayMs[1])
          : rnd.int(1, o.maxDelayMs);
      at(now + delay + extra, () => receive(to, msg));
    }
  }

  function broadcast(from: SimNode, msg: Msg, only?: (n: SimNode) => boolean): void {
    for (const to of nodes) if (only === undefined || only(to)) send(from, to, msg);
  }

  function feed(n: SimNode, ev: ConsensusEvent): void {
    if (!n.up || n.byzantine === "silent") return;
    if (o.trace !== undefined) {
      const st = n.core.state;
      const what =
        ev.kind === "vote"
          ? `vote t${ev.vote.type} h${ev.vote.height} r${ev.vote.round} ${ev.vote.valueId} from ${ev.vote.validator.slice(-1)}`
          : ev.kind === "proposal"
            ? `proposal h${ev.proposal.height} r${ev.proposal.round} pol${ev.proposal.polRound} ${ev.proposal.value.id}`
            : ev.kind === "startHeight"
              ? `start h${ev.height}`
              : ev.kind === "timeout"
                ? `timeout ${ev.step} r${ev.round}`
                : ev.kind === "commit"
                  ? `commit h${ev.height} ${ev.value.id}`
                  : `value ${ev.value.id}`;
      o.trace(`${now} node ${n.index} [h${st.height} r${st.round} s${st.step} lock r${st.lockedRound}] ${what}`);
    }
    n.wal.push(ev);
    const actions = n.core.handle(ev);
    for (const a of actions) perform(n, a);
  }

  function addEvidence(n: SimNode, e: Evidence): void {
    if (!honestCode(n)) return;
    if (
      !n.pendingEvidence.some(
        (x) => x.validator === e.validator && x.height === e.height && x.round === e.round && x.type === e.type,
      )
    )
      n.pendingEvidence.push(e);
  }

  function receive(n: SimNode, msg: Msg): void {
    if (!n.up) return;
    if (msg.kind === "evidence") return addEvidence(n, msg.evidence);
    const h = n.core.state.height;
    if (
      msg.kind === "vote" &&
      n.byzantine !== null &&
      msg.vote.type === VoteType.precommit &&
      n.seenPrecommits.length < 5000
    )
      n.seenPrecommits.push(msg.vote);
    if (msg.kind === "commit") {
      if (msg.proposal.height !== h || n.decided.has(h)) return;
      feed(n, {
        kind: "commit",
        height: h,
        round: msg.proposal.round,
        value: msg.proposal.value,
        precommits: msg.precommits,
      });
      return;
    }
    const mh = msg.kind === "proposal" ? msg.proposal.height : msg.vote.height;
    if (mh < h) {
      // The sender is behind: send it the commit of its height, as block sync would.
      const addr = msg.kind === "proposal" ? msg.proposal.proposer : msg.vote.validator;
      const d = n.decided.get(mh);
      if (d !== undefined && honestCode(n))
        for (const sender of nodes)
          if (sender.address === addr)
            send(n, sender, { kind: "commit", proposal: d.proposal, precommits: d.precommits });
      return;
    }
    if (msg.kind === "proposal") {
      feed(n, { kind: "proposal", proposal: msg.proposal, valid: isValid(msg.proposal.value) });
    } else {
      const v = msg.vote;
      // A correct node that is fed two votes of one validator for one (height, round, type) has
      // seen an equivocation, whatever its core reports: the evidence must reach a block.
      if (
        n.byzantine === null &&
        v.height === h &&
        n.core.validators !== null &&
        n.core.validators.powerOf(v.validator) > 0n
      ) {
        const k = `${n.index}/${v.height}/${v.round}/${v.type}/${v.validator}`;
        const first = firstVotes.get(k);
        if (first === undefined) firstVotes.set(k, v.valueId);
        else if (first !== v.valueId) detected.add(v.validator);
      }
      feed(n, { kind: "vote", vote: v });
    }
    if (honestCode(n)) {
      if (mh === n.core.state.height) remember(n, msg);
      else if (n.early.length < 10_000) n.early.push(msg);
    }
  }

  function makeValue(n: SimNode, height: bigint, round: number, tag = ""): Value {
    const evidence = n.pendingEvidence.filter(
      (e) => !evidenceIncluded.has(`${e.validator}/${e.height}/${e.round}/${e.type}`),
    );
    return {
      id: `v${height}.${round}.${addresses.indexOf(n.address)}.${n.valueSeq++}${tag}`,
      payload: { evidence } satisfies Payload,
    };
  }

  const voteMsg = (n: SimNode, type: VoteType, height: bigint, round: number, valueId: string | null): Msg => ({
    kind: "vote",
    vote: { type, height, round, valueId, validator: n.address },
  });

  /** An adversary's proposal: a fake proof-of-lock round, an invalid block, or two blocks. True if it replaced the correct one. */
  function adversaryProposal(n: SimNode, p: Proposal): boolean {
    const adv = n.adversary;
    if (adv.fakePol === true && p.round > 0 && rnd.chance(0.7)) {
      const fake: Proposal = {
        ...p,
        value: makeValue(n, p.height, p.round, "f"),
        polRound: rnd.int(Math.max(0, p.round - 3), p.round - 1),
      };
      broadcast(n, { kind: "proposal", proposal: fake });
      broadcast(n, voteMsg(n, VoteType.prevote, p.height, p.round, fake.value.id));
      broadcast(n, voteMsg(n, VoteType.precommit, p.height, p.round, fake.value.id));
      equivocators.add(n.address);
      return true;
    }
    if (adv.invalidProposals === true && rnd.chance(0.5)) {
      const bad: Proposal = { ...p, value: { id: `${p.value.id}i`, payload: { evidence: null } } };
      broadcast(n, { kind: "proposal", proposal: bad });
      broadcast(n, voteMsg(n, VoteType.prevote, p.height, p.round, bad.value.id));
      return true;
    }
    if (adv.equivocate === true && rnd.chance(0.5)) {
      const other: Proposal = { ...p, value: makeValue(n, p.height, p.round, "x") };
      broadcast(n, { kind: "proposal", proposal: p }, half);
      broadcast(n, { kind: "proposal", proposal: other }, (to) => !half(to));
      broadcast(n, voteMsg(n, VoteType.prevote, p.height, p.round, other.value.id), (to) => !half(to));
      equivocators.add(n.address);
      // Its own prevote for p goes out through the core, to everyone.
      return true;
    }
    return false;
  }

  /** Forged commits to one node: a fresh block with its own precommit repeated, or with real precommits for other blocks. */
  function forgeCommit(n: SimNode): void {
    const targets = correct.filter((c) => c.up && (n.reach === null || n.reach.has(c.index)));
    if (targets.length === 0) return;
    const to = targets[rnd.int(0, targets.length - 1)]!;
    const h = to.core.state.height;
    const vals = to.validatorsByHeight.get(h);
    if (vals === undefined || to.decided.has(h)) return;
    const round = rnd.int(0, Math.max(0, to.core.state.round));
    const value = makeValue(n, h, round, "c");
    const own: Vote = { type: VoteType.precommit, height: h, round, valueId: value.id, validator: n.address };
    const others = n.seenPrecommits.filter((v) => v.height === h);
    const variant = rnd.int(0, 2);
    const precommits = variant === 0 ? [own, own, own, own] : variant === 1 ? [own, ...others] : [own];
    const proposal: Proposal = {
      height: h,
      round,
      polRound: -1,
      value,
      proposer: vals.copyIncrement(round).proposer.address,
    };
    send(n, to, { kind: "commit", proposal, precommits });
  }

  function perform(n: SimNode, a: ConsensusAction): void {
    switch (a.kind) {
      case "broadcastProposal": {
        maxRound = Math.max(maxRound, a.proposal.round);
        const msg: Msg = { kind: "proposal", proposal: a.proposal };
        if (n.byzantine === "adversary" && adversaryProposal(n, a.proposal)) return;
        if (n.byzantine === "equivocate-proposer") {
          const other = { ...a.proposal, value: makeValue(n, a.proposal.height, a.proposal.round, "x") };
          broadcast(n, msg, half);
          broadcast(n, { kind: "proposal", proposal: other }, (to) => !half(to));
          const pv = (id: string): Msg => ({
            kind: "vote",
            vote: {
              type: VoteType.prevote,
              height: a.proposal.height,
              round: a.proposal.round,
              valueId: id,
              validator: n.address,
            },
          });
          broadcast(n, pv(a.proposal.value.id), half);
          broadcast(n, pv(other.value.id), (to) => !half(to));
          equivocators.add(n.address);
          return;
        }
        remember(n, msg);
        broadcast(n, msg);
        return;
      }
      case "broadcastVote": {
        const msg: Msg = { kind: "vote", vote: a.vote };
        const doubles =
          (n.byzantine === "double-prevote" && a.vote.type === VoteType.prevote) ||
          (n.byzantine === "double-precommit" && a.vote.type === VoteType.precommit);
        if (doubles) {
          const twin: Vote = { ...a.vote, valueId: a.vote.valueId === null ? `bogus${a.vote.round}` : null };
          broadcast(n, msg, half);
          broadcast(n, { kind: "vote", vote: twin }, (to) => !half(to));
          equivocators.add(n.address);
          return;
        }
        if (
          n.byzantine === "equivocate-proposer" &&
          a.vote.type === VoteType.prevote &&
          n.core.validators?.copyIncrement(a.vote.round).proposer.address === n.address
        )
          return;
        if (n.byzantine === "adversary") {
          const adv = n.adversary;
          if (adv.roundPush === true)
            broadcast(n, voteMsg(n, VoteType.prevote, a.vote.height, a.vote.round + rnd.int(1, 1000), null));
          if (adv.doubleVote === true && rnd.chance(0.5)) {
            const twin: Vote = { ...a.vote, valueId: a.vote.valueId === null ? `bogus${a.vote.round}` : null };
            broadcast(n, msg, half);
            broadcast(n, { kind: "vote", vote: twin }, (to) => !half(to));
            equivocators.add(n.address);
            return;
          }
        }
        remember(n, msg);
        broadcast(n, msg);
        return;
      }
      case "scheduleTimeout": {
        if (
          n.adversary.impostor === true &&
          a.step === "propose" &&
          n.core.validators?.copyIncrement(a.round).proposer.address !== n.address &&
          rnd.chance(0.5)
        ) {
          broadcast(n, {
            kind: "proposal",
            proposal: {
              height: a.height,
              round: a.round,
              polRound: -1,
              value: makeValue(n, a.height, a.round, "m"),
              proposer: n.address,
            },
          });
        }
        const epoch = n.epoch;
        at(
          now + a.durationMs,
          () => n.epoch === epoch && feed(n, { kind: "timeout", step: a.step, height: a.height, round: a.round }),
        );
        return;
      }
      case "getValue": {
        const epoch = n.epoch;
        at(
          now + 1,
          () =>
            n.epoch === epoch &&
            feed(n, { kind: "value", height: a.height, round: a.round, value: makeValue(n, a.height, a.round) }),
        );
        return;
      }
      case "evidence":
        if (n.byzantine !== null) {
          if (honestCode(n)) addEvidence(n, a.evidence);
          return;
        }
        detected.add(a.evidence.validator);
        addEvidence(n, a.evidence);
        broadcast(n, { kind: "evidence", evidence: a.evidence });
        return;
      case "decide": {
        o.trace?.(
          `${now} node ${n.index} decides h${a.height} r${a.round} ${a.value.id} (locked r${n.core.state.lockedRound})`,
        );
        const prev = firstDecision.get(a.height);
        if (n.byzantine === null) {
          if (prev === undefined) firstDecision.set(a.height, a.value.id);
          else if (prev !== a.value.id && violation === "")
            violation = `height ${a.height}: node ${n.index} decided ${a.value.id}, another correct node decided ${prev}`;
          if (!isValid(a.value) && violation === "")
            violation = `height ${a.height}: node ${n.index} decided the invalid block ${a.value.id}`;
          // Every block is made by the proposer of the round it was first proposed in.
          const [, r0, maker] = /^v\d+\.(\d+)\.(\d+)\./.exec(a.value.id) ?? [];
          const vals = n.validatorsByHeight.get(a.height);
          if (
            vals !== undefined &&
            maker !== undefined &&
            vals.copyIncrement(Number(r0)).proposer.address !== addresses[Number(maker)] &&
            violation === ""
          ) {
            violation = `height ${a.height}: node ${n.index} decided ${a.value.id}, not made by the proposer of round ${r0}`;
          }
        }
        const proposal = findProposal(n, a.height, a.round, a.value);
        n.decided.set(a.height, { proposal, precommits: a.precommits });
        if (n.byzantine === null && isValid(a.value)) {
          roundsTotal += a.round;
          for (const e of (a.value.payload as Payload).evidence)
            evidenceIncluded.add(`${e.validator}/${e.height}/${e.round}/${e.type}`);
        }
        const epoch = n.epoch;
        at(now + commitDelayMs, () => n.epoch === epoch && startNext(n, a.height));
        return;
      }
    }
  }

  function findProposal(n: SimNode, height: bigint, round: number, value: Value): Proposal {
    for (const m of n.gossip)
      if (m.kind === "proposal" && m.proposal.round === round && m.proposal.value.id === value.id) return m.proposal;
    const vals = n.validatorsByHeight.get(height)!;
    return { height, round, polRound: -1, value, proposer: vals.copyIncrement(round).proposer.address };
  }

  function startNext(n: SimNode, decidedHeight: bigint): void {
    if (n.core.state.height !== decidedHeight) return;
    const next = n.validatorsByHeight.get(decidedHeight)!.copy();
    next.increment(1);
    n.validatorsByHeight.set(decidedHeight + 1n, next);
    n.gossip = [];
    n.gossipKeys = new Set();
    const early = n.early;
    n.early = [];
    for (const m of early) {
      const mh = m.kind === "proposal" ? m.proposal.height : m.kind === "vote" ? m.vote.height : -1n;
      if (mh === decidedHeight + 1n) remember(n, m);
      else if (mh > decidedHeight + 1n) n.early.push(m);
    }
    feed(n, { kind: "startHeight", height: decidedHeight + 1n, validators: next.copy() });
  }

  function crash(n: SimNode): void {
    n.up = false;
    n.epoch++;
  }

  function restart(n: SimNode, forget = false): void {
    n.up = true;
    n.epoch++;
    const height = n.core.state.height;
    const round = n.core.state.round;
    n.core = createConsensusCore({ self: n.address, timeouts: simTimeouts });
    // Replay the WAL: the same inputs give the same state and the same (identical) votes, so
    // the signer never signs anything new for what it already signed. Amnesia (forget) drops
    // the proposals of this height's past rounds: no lock, no valid value, new votes.
    if (forget)
      n.wal = n.wal.filter(
        (ev) => !(ev.kind === "proposal" && ev.proposal.height === height && ev.proposal.round < round),
      );
    const last: ConsensusAction[] = [];
    for (const ev of n.wal) {
      const acts = n.core.handle(ev);
      if (ev.kind === "startHeight") last.length = 0;
      last.push(...acts);
    }
    const s = n.core.state;
    if (s.step === Step.committed) {
      const epoch = n.epoch;
      at(now + commitDelayMs, () => n.epoch === epoch && startNext(n, s.height));
      return;
    }
    for (const a of last) {
      if ((a.kind === "scheduleTimeout" || a.kind === "getValue") && a.height === s.height && a.round === s.round)
        perform(n, a);
    }
  }

  // Gossip: every node re-sends what it has of its current height until the height ends.
  function gossipTick(): void {
    for (const n of nodes) {
      if (!n.up || !honestCode(n)) continue;
      if (n.adversary.forgeCommits === true) forgeCommit(n);
      for (const m of n.gossip) broadcast(n, m);
    }
    // One tick exactly at GST re-sends everything lost before it.
    const next = now < o.gstMs ? Math.min(now + gossipEveryMs, o.gstMs) : now + gossipAfterGstMs;
    if (now < o.maxTimeMs) at(next, gossipTick);
  }

  for (const [node, crashAt, restartAt] of o.crashes) {
    at(crashAt, () => crash(nodes[node]!));
    at(restartAt, () => restart(nodes[node]!));
  }
  for (const n of nodes) {
    const every = n.adversary.amnesiaEveryMs;
    if (every !== undefined) {
      const amnesia = () => {
        if (n.up && n.core.state.step !== Step.committed) restart(n, true);
        if (now < o.maxTimeMs) at(now + every, amnesia);
      };
      at(every, amnesia);
    }
    n.validatorsByHeight.set(1n, genesisSet());
    at(0, () => feed(n, { kind: "startHeight", height: 1n, validators: n.validatorsByHeight.get(1n)!.copy() }));
  }
  at(gossipEveryMs, gossipTick);

  const target = BigInt(o.targetHeight);
  const evidenceDone = () => [...detected].every((v) => [...evidenceIncluded].some((k) => k.startsWith(`${v}/`)));
  const maxHeight = () => correct.reduce((m, n) => (n.core.state.height > m ? n.core.state.height : m), 0n);
  // Done when every correct node decided the target height and every equivocation a correct
  // node saw is in a decided block (heights go on past the target until it is).
  const done = () => correct.every((n) => n.decided.has(target)) && (evidenceDone() || maxHeight() > target + 20n);
  while (queue.length > 0 && violation === "" && !done()) {
    const item = pop();
    if (item.at > o.maxTimeMs) break;
    now = item.at;
    item.run();
    const behind = correct.find((n) => n.core.state.round > maxRounds);
    if (behind !== undefined) {
      stalled = `node ${behind.index} reached round ${behind.core.state.round} at height ${behind.core.state.height}`;
      break;
    }
  }

  let decidedHeights = 0;
  for (let h = 1n; h <= target; h++) {
    if (correct.every((n) => n.decided.has(h))) decidedHeights++;
    else break;
  }
  return {
    seed: o.seed,
    safe: violation === "",
    violation: violation || stalled,
    live: stalled === "" && done(),
    decidedHeights,
    maxRound,
    roundsPerHeight:
      correct.length === 0 || decidedHeights === 0 ? 0 : roundsTotal / (correct.length * decidedHeights) + 1,
    equivocators: [...equivocators].sort(),
    detectedEquivocators: [...detected].sort(),
    evidenceIncluded: [...new Set([...evidenceIncluded].map((k) => k.split("/")[0]!))].sort(),
    messages,
    endTimeMs: now,
    nodes: nodes.map(
      (n) =>
        `${n.index}${n.byzantine === null ? "" : `(${n.byzantine})`}: h${n.core.state.height} r${n.core.state.round} s${n.core.state.step}${n.up ? "" : " down"} decided ${n.decided.size}`,
    ),
  };
}

/** A scenario drawn from the seed: faults, byzantine validators, crashes and partitions. */
export function scenarioFromSeed(seed: number): SimOptions {
  const r = createRandom(seed ^ 0x5eed);
  const n = r.int(4, 7);
  const f = Math.floor((n - 1) / 3);
  const behaviours: Byzantine[] = ["silent", "double-prevote", "double-precommit", "equivocate-proposer"];
  const byzantine: Record<number, Byzantine> = {};
  const byzCount = r.int(0, f);
  const indexes = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < byzCount; i++) {
    const pick = indexes.splice(r.int(0, indexes.length - 1), 1)[0]!;
    byzantine[pick] = behaviours[r.int(0, behaviours.length - 1)]!;
  }
  const gstMs = r.int(500, 4000);
  const partitions: Array<[number, number, number[]]> = [];
  if (r.chance(0.5)) {
    const start = r.int(0, gstMs);
    const group = indexes.slice(0, r.int(1, Math.max(1, Math.floor(n / 2))));
    partitions.push([start, start + r.int(200, 2000), group]);
  }
  const crashes: Array<[number, number, number]> = [];
  // Crash correct validators only while the byzantine ones and the crashed still leave 2/3+ up.
  if (r.chance(0.5) && byzCount < f) {
    const node = indexes[r.int(0, indexes.length - 1)]!;
    const crashAt = r.int(100, 3000);
    crashes.push([node, crashAt, crashAt + r.int(100, 3000)]);
  }
  return {
    seed,
    validators: n,
    byzantine,
    targetHeight: 5,
    gstMs,
    maxDelayMs: r.int(5, 120),
    dropRate: r.next() * 0.3,
    duplicateRate: r.next() * 0.2,
    partitions,
    crashes,
    maxTimeMs: gstMs + 60_000,
  };
}

/**
 * A Twins-style scenario drawn from the seed: f of n = 3f+1 (or n = 5, 7) validators are
 * adversaries running the correct core with deviations (twin copies in different partitions,
 * fake proof-of-lock rounds, invalid or equivocating proposals, double votes, forged commits,
 * votes for far rounds, amnesia), and before GST partitions that change and messages of chosen
 * kinds delayed to chosen nodes. A correct core passes every seed.
 */
export function twinsScenarioFromSeed(seed: number): SimOptions {
  const r = createRandom(seed ^ 0x7715);
  const n = [4, 4, 5, 7][r.int(0, 3)]!;
  const f = Math.floor((n - 1) / 3);
  const all = Array.from({ length: n }, (_, i) => i);
  const shuffle = (xs: number[]) => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = r.int(0, i);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const order = shuffle(all);
  const byzIdx = order.slice(0, f).sort((a, b) => a - b);
  const correctIdx = order.slice(f).sort((a, b) => a - b);
  const split = (): [number[], number[]] => {
    const s = shuffle(correctIdx);
    const cut = r.int(1, s.length - 1);
    return [s.slice(0, cut).sort((a, b) => a - b), s.slice(cut).sort((a, b) => a - b)];
  };
  // The lock attack (a third of the seeds): one correct node decides, f others lock without
  // deciding, and then the lockers with the remaining f correct nodes and the twins' other copies
  // must not decide anything else.
  const lockAttack = r.chance(0.3);
  // The two-lock attack (a fifth of the seeds): k <= f correct nodes lock w in round 0, the
  // other 2f+1-k lock v in a later round; the adversaries never precommit (no decision) and stop
  // at GST. Only the valid-round rule (re-propose v with its valid round; the w-lockers accept
  // it since they locked earlier) decides the height.
  const twoLock = !lockAttack && r.chance(0.3);
  const order2 = shuffle(correctIdx);
  const decider = order2[0]!;
  const lockers = order2.slice(1, 1 + (correctIdx.length - 1 - f));
  const others = order2.slice(1 + lockers.length);
  const shared: [number[], number[]] = lockAttack
    ? [[decider, ...lockers].sort((a, b) => a - b), [...lockers, ...others].sort((a, b) => a - b)]
    : split();
  const wLockers = order2.slice(0, r.int(1, f));
  const vLockers = order2.slice(wLockers.length);
  if (twoLock) {
    shared[0] = [...wLockers].sort((a, b) => a - b);
    shared[1] = [...vLockers].sort((a, b) => a - b);
  }
  const twinned = lockAttack || twoLock ? byzIdx : byzIdx.filter(() => r.chance(0.7));
  // Copies are numbered after the validators, in validator order.
  const copyIndex = new Map(twinned.map((v, k) => [v, n + k]));
  const byzNodes = [...byzIdx, ...copyIndex.values()];
  const byzantine: Record<number, Byzantine> = {};
  const adversaries: Record<number, Adversary> = {};
  for (const b of byzIdx) {
    byzantine[b] = "adversary";
    const adv: Adversary = {};
    if (copyIndex.has(b)) {
      const [ga, gb] = lockAttack || twoLock || r.chance(0.8) ? shared : split();
      adv.twins = [
        [...ga, ...byzNodes],
        [...gb, ...byzNodes],
      ];
    }
    if (r.chance(0.35)) adv.fakePol = true;
    if (r.chance(0.2)) adv.invalidProposals = true;
    if (r.chance(0.2)) adv.equivocate = true;
    if (r.chance(0.15)) adv.doubleVote = true;
    if (r.chance(0.3)) adv.forgeCommits = true;
    if (r.chance(0.2)) adv.roundPush = true;
    if (r.chance(0.2)) adv.amnesiaEveryMs = r.int(300, 1500);
    if (r.chance(0.2)) adv.impostor = true;
    // In the two-lock attack the copies do not relay between the groups.
    adversaries[b] = twoLock ? { twins: [[...shared[0]], [...shared[1]]], withholdPrecommits: true } : adv;
  }
  const phase1 = r.int(250, 700);
  const gstMs = lockAttack ? phase1 + r.int(1500, 4000) : twoLock ? r.int(1500, 4000) : r.int(1000, 5000);
  if (twoLock) for (const b of byzIdx) adversaries[b]!.silentAfterMs = gstMs;
  const partitions: Array<[number, number, number[]]> = [];
  const delays: TargetedDelay[] = [];
  if (lockAttack) {
    // Round 0: the others (and the twins' second copies) get the proposal late and prevote nil;
    // the decider, the lockers and the first copies prevote it and lock; the lockers get the
    // precommits (and any commit) late: the decider decides, the lockers are locked without
    // deciding. Then the decider and the first copies are cut off: the lockers, the others and
    // the second copies go on to later rounds, where a correct core stays with its lock.
    partitions.push([phase1, gstMs, [decider, ...byzIdx]]);
    delays.push({
      start: 0,
      end: phase1,
      kinds: ["proposal"],
      to: [...others, ...copyIndex.values()],
      extraMs: r.int(1000, 3000),
    });
    delays.push({ start: 0, end: phase1, kinds: ["precommit", "commit"], to: lockers, extraMs: r.int(3000, 8000) });
  } else if (twoLock) {
    // Round 0: the twins' second copies get the proposal late (they prevote nil), the v-lockers
    // get the w-lockers' prevotes late: only the w-lockers see w's 2/3 prevotes and lock it.
    delays.push({
      start: 0,
      end: phase1,
      kinds: ["proposal"],
      to: [...copyIndex.values()],
      extraMs: r.int(1000, 3000),
    });
    delays.push({ start: 0, end: gstMs, kinds: ["prevote"], to: vLockers, from: wLockers, extraMs: r.int(3000, 8000) });
    // From round 1 on, the w-lockers get proposals late: they keep their lock on w.
    delays.push({
      start: Math.min(phase1, 400),
      end: gstMs,
      kinds: ["proposal"],
      to: wLockers,
      extraMs: r.int(3000, 8000),
    });
  } else if (twinned.length > 0 && r.chance(0.6)) {
    // The twins' partition: each correct group with one copy of every twin.
    const start = r.chance(0.5) ? 0 : r.int(0, gstMs / 2);
    partitions.push([start, r.chance(0.5) ? gstMs : r.int(start + 200, gstMs), [...shared[0], ...twinned]]);
  }
  // Partitions that change (Twins' per-round partitions, in time windows).
  for (let k = lockAttack || twoLock ? 0 : r.int(0, 4); k > 0; k--) {
    const start = r.int(0, gstMs);
    const everyone = [...all, ...copyIndex.values()];
    partitions.push([
      start,
      start + r.int(100, 1500),
      shuffle(everyone).slice(0, r.int(1, Math.floor(everyone.length / 2))),
    ]);
  }
  // Targeted delays: one kind of message, late at chosen nodes (locks at some, not others).
  const kindsAll: Array<"proposal" | "prevote" | "precommit"> = ["proposal", "prevote", "precommit"];
  for (let k = lockAttack || twoLock ? 0 : r.int(0, 3); k > 0; k--) {
    const start = r.int(0, gstMs);
    const kinds = kindsAll.filter(() => r.chance(0.5));
    if (kinds.length === 0) kinds.push(kindsAll[r.int(0, 2)]!);
    delays.push({
      start,
      end: start + r.int(200, 2000),
      kinds,
      to: shuffle(correctIdx).slice(0, r.int(1, correctIdx.length - 1)),
      extraMs: r.int(100, 1000),
    });
  }
  const slow = r.chance(0.15);
  const minDelay = r.int(400, 600);
  // Drawn last, so that the other seeds' scenarios stay as they were.
  if (r.chance(0.25)) return stalePolScenario(seed, r);
  return {
    seed,
    validators: n,
    byzantine,
    adversaries,
    targetHeight: slow ? 3 : 4,
    gstMs,
    maxDelayMs: r.int(5, 150),
    dropRate: r.next() * 0.2,
    duplicateRate: r.next() * 0.2,
    partitions,
    crashes: [],
    delays,
    ...(slow ? { postGstDelayMs: [minDelay, minDelay + 100] as [number, number] } : {}),
    maxTimeMs: gstMs + (slow ? 120_000 : 60_000),
  };
}

/**
 * The stale proof-of-lock attack (n = 4, one adversary Z run as twins): a value y gets 2/3
 * prevotes in round 0 without the later lockers seeing them in time; in round 1 a fresh x is
 * decided by one correct node D while L locks it without deciding; in round 2 Z's second copy
 * (still holding y as its valid value) re-proposes y with valid round 0. L, locked on x in round
 * 1 > 0, must prevote nil (lines 28-33): prevoting y gives y 2/3 prevotes with O (locked on y
 * since round 0) and Z, and O decides y. Roles follow the proposer rotation: p0 proposes y (L or
 * O), D proposes x in round 1, Z proposes round 2. Per-round targeted delays set it up:
 * - round-0 proposals reach D and Z's first copy late (they prevote nil and stay unlocked);
 * - round-0 prevotes reach L late (it never sees y's 2/3 in round 0, only by round 2);
 * - round-1 precommits reach L late, and commits reach L and O late (they do not decide x);
 * - round-1 proposals reach O and Z's second copy late (they never hold x).
 */
function stalePolScenario(seed: number, r: Random): SimOptions {
  const n = 4;
  const addresses = Array.from({ length: n }, (_, i) => i.toString(16).toUpperCase().padStart(40, "0"));
  const set = ValidatorSet.create(addresses.map((a) => ({ address: a, pubKey: new Uint8Array(32), power: 10n })));
  const proposer = (round: number) => addresses.indexOf(set.copyIncrement(round).proposer.address);
  const [p0, p1, p2, p3] = [proposer(0), proposer(1), proposer(2), proposer(3)];
  const z = p2;
  const d = p1;
  const [l, o] = r.chance(0.5) ? [p0, p3] : [p3, p0];
  const z2 = n; // Z's second copy
  const gstMs = r.int(2500, 4000);
  const late = 20_000;
  return {
    seed,
    validators: n,
    byzantine: { [z]: "adversary" },
    adversaries: {
      [z]: {
        twins: [
          [d, l, z, z2],
          [l, o, z, z2],
        ],
      },
    },
    targetHeight: 3,
    gstMs,
    maxDelayMs: r.int(5, 30),
    dropRate: 0,
    duplicateRate: r.next() * 0.1,
    partitions: [],
    crashes: [],
    delays: [
      { start: 0, end: gstMs, kinds: ["proposal"], rounds: [0, 0], to: [d, z], extraMs: late },
      { start: 0, end: gstMs, kinds: ["prevote"], rounds: [0, 0], to: [l], extraMs: r.int(700, 900) },
      { start: 0, end: gstMs, kinds: ["precommit"], rounds: [1, 1], to: [l], extraMs: late },
      { start: 0, end: gstMs, kinds: ["commit"], to: [l, o], extraMs: late },
      { start: 0, end: gstMs, kinds: ["proposal"], rounds: [1, 1], to: [o, z2], extraMs: late },
    ],
    maxTimeMs: gstMs + 60_000,
  };
}

/** Whether a scenario is the stale proof-of-lock attack (for counting seeds). */
export function isStalePolAttack(o: SimOptions): boolean {
  return (o.delays ?? []).some((d) => d.rounds !== undefined && d.rounds[0] === 1 && d.kinds.includes("proposal"));
}

export type ScenarioMode = "classic" | "twins" | "mixed";

/** The scenario of a seed in a mode; "mixed" alternates classic (odd seeds) and twins (even). */
export function scenarioFor(seed: number, mode: ScenarioMode): SimOptions {
  if (mode === "classic") return scenarioFromSeed(seed);
  if (mode === "twins") return twinsScenarioFromSeed(seed);
  return seed % 2 === 0 ? twinsScenarioFromSeed(seed) : scenarioFromSeed(seed);
}
