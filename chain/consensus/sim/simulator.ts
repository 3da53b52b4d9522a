import { createConsensusCore, type ConsensusCore } from "../core.js";
import { Step, VoteType, type ConsensusAction, type ConsensusEvent, type Evidence, type Proposal, type TimeoutConfig, type Value, type Vote } from "../types.js";
import { ValidatorSet } from "../validatorSet.js";
import { createRandom, type Random } from "./random.js";

// A deterministic network of consensus cores. Time is simulated; every random choice comes from
// one seeded PRNG, so a seed replays exactly. Faults: delays, drops, duplicates and reordering
// until the network heals (GST), partitions, crashes with restart from the write-ahead log, and
// byzantine validators. Checked: safety (no two correct nodes decide differently at a height),
// liveness after GST (every correct node reaches the target height), and that equivocations
// seen by correct nodes end up as evidence in decided blocks.

export type Byzantine = "silent" | "double-prevote" | "double-precommit" | "equivocate-proposer";

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

const simTimeouts: TimeoutConfig = { proposeMs: 300, proposeDeltaMs: 50, prevoteMs: 100, prevoteDeltaMs: 50, precommitMs: 100, precommitDeltaMs: 50 };
const commitDelayMs = 50;
const gossipEveryMs = 150;

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
    const k = msg.kind === "proposal" ? `p/${msg.proposal.round}/${msg.proposal.value.id}` : msg.kind === "vote" ? `v/${msg.vote.type}/${msg.vote.round}/${msg.vote.validator}/${msg.vote.valueId}` : "";
    if (k === "" || n.gossipKeys.has(k)) return;
    n.gossipKeys.add(k);
    n.gossip.push(msg);
  };

  const addresses = Array.from({ length: o.validators }, (_, i) => i.toString(16).toUpperCase().padStart(40, "0"));
  const genesisSet = () => ValidatorSet.create(addresses.map((a) => ({ address: a, pubKey: new Uint8Array(32), power: 10n })));

  const nodes: SimNode[] = addresses.map((address, index) => ({
    index,
    address,
    byzantine: o.byzantine[index] ?? null,
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
  }));
  const correct = nodes.filter((n) => n.byzantine === null);

  function partitioned(a: number, b: number): boolean {
    if (now >= o.gstMs) return false;
    for (const [start, end, group] of o.partitions) {
      if (now >= start && now < end && group.includes(a) !== group.includes(b)) return true;
    }
    return false;
  }

  function send(from: SimNode, to: SimNode, msg: Msg): void {
    if (from === to) return;
    const beforeGst = now < o.gstMs;
    if (partitioned(from.index, to.index)) return;
    if (beforeGst && rnd.chance(o.dropRate)) return;
    const copies = beforeGst && rnd.chance(o.duplicateRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      messages++;
      at(now + rnd.int(1, o.maxDelayMs), () => receive(to, msg));
    }
  }

  function broadcast(from: SimNode, msg: Msg, only?: (n: SimNode) => boolean): void {
    for (const to of nodes) if (only === undefined || only(to)) send(from, to, msg);
  }

  function feed(n: SimNode, ev: ConsensusEvent): void {
    if (!n.up || n.byzantine === "silent") return;
    n.wal.push(ev);
    const actions = n.core.handle(ev);
    for (const a of actions) perform(n, a);
  }

  function addEvidence(n: SimNode, e: Evidence): void {
    if (n.byzantine !== null) return;
    if (!n.pendingEvidence.some((x) => x.validator === e.validator && x.height === e.height && x.round === e.round && x.type === e.type)) n.pendingEvidence.push(e);
  }

  function receive(n: SimNode, msg: Msg): void {
    if (!n.up) return;
    if (msg.kind === "evidence") return addEvidence(n, msg.evidence);
    const h = n.core.state.height;
    if (msg.kind === "commit") {
      if (msg.proposal.height !== h || n.decided.has(h)) return;
      feed(n, { kind: "commit", height: h, round: msg.proposal.round, value: msg.proposal.value, precommits: msg.precommits });
      return;
    }
    const mh = msg.kind === "proposal" ? msg.proposal.height : msg.vote.height;
    if (mh < h) {
      // The sender is behind: send it the commit of its height, as block sync would.
      const sender = nodes.find((x) => x.address === (msg.kind === "proposal" ? msg.proposal.proposer : msg.vote.validator));
      const d = n.decided.get(mh);
      if (sender !== undefined && d !== undefined && n.byzantine === null) send(n, sender, { kind: "commit", proposal: d.proposal, precommits: d.precommits });
      return;
    }
    if (msg.kind === "proposal") {
      const payload = msg.proposal.value.payload as Payload | undefined;
      feed(n, { kind: "proposal", proposal: msg.proposal, valid: payload !== undefined && Array.isArray(payload.evidence) });
    } else {
      feed(n, { kind: "vote", vote: msg.vote });
    }
    if (n.byzantine === null) {
      if (mh === n.core.state.height) remember(n, msg);
      else if (n.early.length < 10_000) n.early.push(msg);
    }
  }

  function makeValue(n: SimNode, height: bigint, round: number, tag = ""): Value {
    const evidence = n.pendingEvidence.filter((e) => !evidenceIncluded.has(`${e.validator}/${e.height}/${e.round}/${e.type}`));
    return { id: `v${height}.${round}.${n.index}.${n.valueSeq++}${tag}`, payload: { evidence } satisfies Payload };
  }

  function perform(n: SimNode, a: ConsensusAction): void {
    const half = (to: SimNode) => to.index % 2 === 0;
    switch (a.kind) {
      case "broadcastProposal": {
        maxRound = Math.max(maxRound, a.proposal.round);
        const msg: Msg = { kind: "proposal", proposal: a.proposal };
        if (n.byzantine === "equivocate-proposer") {
          const other = { ...a.proposal, value: makeValue(n, a.proposal.height, a.proposal.round, "x") };
          broadcast(n, msg, half);
          broadcast(n, { kind: "proposal", proposal: other }, (to) => !half(to));
          const pv = (id: string): Msg => ({ kind: "vote", vote: { type: VoteType.prevote, height: a.proposal.height, round: a.proposal.round, valueId: id, validator: n.address } });
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
        const doubles = (n.byzantine === "double-prevote" && a.vote.type === VoteType.prevote) || (n.byzantine === "double-precommit" && a.vote.type === VoteType.precommit);
        if (doubles) {
          const twin: Vote = { ...a.vote, valueId: a.vote.valueId === null ? `bogus${a.vote.round}` : null };
          broadcast(n, msg, half);
          broadcast(n, { kind: "vote", vote: twin }, (to) => !half(to));
          equivocators.add(n.address);
          return;
        }
        if (n.byzantine === "equivocate-proposer" && a.vote.type === VoteType.prevote && n.core.validators?.copyIncrement(a.vote.round).proposer.address === n.address) return;
        remember(n, msg);
        broadcast(n, msg);
        return;
      }
      case "scheduleTimeout": {
        const epoch = n.epoch;
        at(now + a.durationMs, () => n.epoch === epoch && feed(n, { kind: "timeout", step: a.step, height: a.height, round: a.round }));
        return;
      }
      case "getValue": {
        const epoch = n.epoch;
        at(now + 1, () => n.epoch === epoch && feed(n, { kind: "value", height: a.height, round: a.round, value: makeValue(n, a.height, a.round) }));
        return;
      }
      case "evidence":
        if (n.byzantine !== null) return;
        detected.add(a.evidence.validator);
        addEvidence(n, a.evidence);
        broadcast(n, { kind: "evidence", evidence: a.evidence });
        return;
      case "decide": {
        const prev = firstDecision.get(a.height);
        if (n.byzantine === null) {
          if (prev === undefined) firstDecision.set(a.height, a.value.id);
          else if (prev !== a.value.id && violation === "") violation = `height ${a.height}: node ${n.index} decided ${a.value.id}, another correct node decided ${prev}`;
        }
        const proposal = findProposal(n, a.height, a.round, a.value);
        n.decided.set(a.height, { proposal, precommits: a.precommits });
        if (n.byzantine === null) {
          roundsTotal += a.round;
          for (const e of (a.value.payload as Payload).evidence) evidenceIncluded.add(`${e.validator}/${e.height}/${e.round}/${e.type}`);
        }
        const epoch = n.epoch;
        at(now + commitDelayMs, () => n.epoch === epoch && startNext(n, a.height));
        return;
      }
    }
  }

  function findProposal(n: SimNode, height: bigint, round: number, value: Value): Proposal {
    for (const m of n.gossip) if (m.kind === "proposal" && m.proposal.round === round && m.proposal.value.id === value.id) return m.proposal;
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

  function restart(n: SimNode): void {
    n.up = true;
    n.epoch++;
    n.core = createConsensusCore({ self: n.address, timeouts: simTimeouts });
    // Replay the WAL: the same inputs give the same state and the same (identical) votes, so
    // the signer never signs anything new for what it already signed.
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
      if ((a.kind === "scheduleTimeout" || a.kind === "getValue") && a.height === s.height && a.round === s.round) perform(n, a);
    }
  }

  // Gossip: every node re-sends what it has of its current height until the height ends.
  function gossipTick(): void {
    for (const n of nodes) {
      if (!n.up || n.byzantine !== null) continue;
      for (const m of n.gossip) broadcast(n, m);
    }
    if (now < o.maxTimeMs) at(now + gossipEveryMs, gossipTick);
  }

  for (const [node, crashAt, restartAt] of o.crashes) {
    at(crashAt, () => crash(nodes[node]!));
    at(restartAt, () => restart(nodes[node]!));
  }
  for (const n of nodes) {
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
  }

  let decidedHeights = 0;
  for (let h = 1n; h <= target; h++) {
    if (correct.every((n) => n.decided.has(h))) decidedHeights++;
    else break;
  }
  return {
    seed: o.seed,
    safe: violation === "",
    violation,
    live: done(),
    decidedHeights,
    maxRound,
    roundsPerHeight: correct.length === 0 || decidedHeights === 0 ? 0 : roundsTotal / (correct.length * decidedHeights) + 1,
    equivocators: [...equivocators].sort(),
    detectedEquivocators: [...detected].sort(),
    evidenceIncluded: [...new Set([...evidenceIncluded].map((k) => k.split("/")[0]!))].sort(),
    messages,
    endTimeMs: now,
    nodes: nodes.map((n) => `${n.index}${n.byzantine === null ? "" : `(${n.byzantine})`}: h${n.core.state.height} r${n.core.state.round} s${n.core.state.step}${n.up ? "" : " down"} decided ${n.decided.size}`),
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
