import {
  Step,
  VoteType,
  type ConsensusAction,
  type ConsensusEvent,
  type Proposal,
  type TimeoutConfig,
  type TimeoutStep,
  type Value,
  type Vote,
} from "./types.js";
import type { ValidatorSet } from "../types/validatorSet.js";
import { VoteSet } from "./voteSet.js";

// The Tendermint algorithm, as Algorithm 1 of Buchman, Kwon and Milosevic, "The latest gossip
// on BFT consensus" (arXiv:1807.04938). Each `upon` rule of the paper is one function below,
// named after its line numbers; after every event the rules are evaluated until none fires.
// The core is pure: events in, actions out, no I/O and no clock.

/** Messages for heights this far ahead are kept until the height starts; further ones dropped. */
const maxFutureMessages = 10_000;
/**
 * Vote storage bounds (issue 16, defect 5): per validator, per height, the core keeps what the
 * algorithm needs and drops the rest of what a byzantine validator signs. Per round and type,
 * at most two values (VoteSet: the first vote and one conflicting vote, for evidence); votes
 * in rounds above round + 1 only for `maxRoundsAheadPerValidator` distinct rounds (what the
 * f+1 round skip needs: honest validators move on one round at a time, so rounds far ahead
 * of this node are reached step by step; CometBFT lets each peer open two catch-up rounds);
 * and `maxFutureVotesPerValidator` votes for later heights, kept until that height starts.
 * Rounds at or below round + 1 need no bound of their own: this node's round only advances by
 * its own timeouts or by f+1 validators (so at least one honest one) being in a higher round.
 */
export const maxRoundsAheadPerValidator = 2;
export const maxFutureVotesPerValidator = 16;

export interface CoreOptions {
  /** This node's validator address, or null for a full node (follows, never votes). */
  self: string | null;
  timeouts: TimeoutConfig;
}

export interface CoreState {
  height: bigint;
  round: number;
  step: Step;
  lockedValue: Value | null;
  lockedRound: number;
  validValue: Value | null;
  validRound: number;
}

export interface ConsensusCore {
  readonly state: Readonly<CoreState>;
  readonly validators: ValidatorSet | null;
  handle(event: ConsensusEvent): ConsensusAction[];
  /** Whether handling this vote would store it (a peer's vote the core drops need not be logged or gossiped). */
  accepts(vote: Vote): boolean;
  /** Whether this vote is stored (for the current height, or kept for a later one). */
  holds(vote: Vote): boolean;
  /** Votes stored, for the current height and kept for later ones. */
  readonly storedVotes: number;
  /**
   * Whether more than 1/3 of the power prevoted or precommitted this value in this round of the
   * current height: some correct validator did, so its block is worth holding.
   */
  backed(round: number, valueId: string): boolean;
}

interface ProposalEntry {
  proposal: Proposal;
  valid: boolean;
}

export function createConsensusCore(opts: CoreOptions): ConsensusCore {
  const s: CoreState = {
    height: 0n,
    round: -1,
    step: Step.committed,
    lockedValue: null,
    lockedRound: -1,
    validValue: null,
    validRound: -1,
  };
  let validators: ValidatorSet | null = null;
  /** Proposals by round: normally one; an equivocating proposer can make several (one per value). */
  let proposals = new Map<number, ProposalEntry[]>();
  let votes = new Map<string, VoteSet>();
  /** Validators heard from per round (any vote or the proposal): the f+1 round-skip rule. */
  let heardFrom = new Map<number, Set<string>>();
  /** "for the first time" guards of the paper, by rule and round. */
  let fired = new Set<string>();
  let evidenceSent = new Set<string>();
  let proposerCache = new Map<number, string>();
  let future: ConsensusEvent[] = [];
  /** Per validator: the rounds of this height it has votes in; its votes kept for later heights. */
  let roundsOf = new Map<string, Set<number>>();
  let futureVotes = new Map<string, number>();
  let futureKeys = new Set<string>();
  const voteKey = (v: Vote) => `${v.validator}/${v.height}/${v.round}/${v.type}/${v.valueId ?? ""}`;
  let out: ConsensusAction[] = [];

  const t = opts.timeouts;
  const duration = (step: TimeoutStep, round: number) =>
    step === "propose"
      ? t.proposeMs + round * t.proposeDeltaMs
      : step === "prevote"
        ? t.prevoteMs + round * t.prevoteDeltaMs
        : t.precommitMs + round * t.precommitDeltaMs;

  function proposerOf(round: number): string {
    let p = proposerCache.get(round);
    if (p === undefined) {
      p = validators!.copyIncrement(round).proposer.address;
      proposerCache.set(round, p);
    }
    return p;
  }

  function voteSet(round: number, type: VoteType): VoteSet {
    const k = `${round}/${type}`;
    let vs = votes.get(k);
    if (vs === undefined) {
      vs = new VoteSet(validators!);
      votes.set(k, vs);
    }
    return vs;
  }

  function hear(round: number, validator: string): void {
    let set = heardFrom.get(round);
    if (set === undefined) {
      set = new Set();
      heardFrom.set(round, set);
    }
    set.add(validator);
  }

  function isValidator(): boolean {
    return opts.self !== null && validators!.powerOf(opts.self) > 0n;
  }

  function broadcastVote(type: VoteType, valueId: string | null): void {
    if (!isValidator()) return;
    const vote: Vote = { type, height: s.height, round: s.round, valueId, validator: opts.self! };
    out.push({ kind: "broadcastVote", vote });
    addVote(vote);
  }

  function schedule(step: TimeoutStep): void {
    out.push({ kind: "scheduleTimeout", step, height: s.height, round: s.round, durationMs: duration(step, s.round) });
  }

  // StartRound (lines 11-21).
  function startRound(round: number): void {
    s.round = round;
    s.step = Step.propose;
    if (isValidator() && proposerOf(round) === opts.self) {
      if (s.validValue !== null) propose(s.validValue, s.validRound);
      else out.push({ kind: "getValue", height: s.height, round });
    }
    schedule("propose");
  }

  function propose(value: Value, polRound: number): void {
    const proposal: Proposal = { height: s.height, round: s.round, polRound, value, proposer: opts.self! };
    out.push({ kind: "broadcastProposal", proposal });
    addProposal(proposal, true);
  }

  function addProposal(p: Proposal, valid: boolean): void {
    if (p.proposer !== proposerOf(p.round)) return;
    if (p.polRound < -1 || p.polRound >= p.round) return;
    let list = proposals.get(p.round);
    if (list === undefined) {
      list = [];
      proposals.set(p.round, list);
    }
    if (list.some((e) => e.proposal.value.id === p.value.id) || list.length >= 8) return;
    list.push({ proposal: p, valid });
    hear(p.round, p.proposer);
  }

  function roundAllowed(v: Vote): boolean {
    if (v.round <= s.round + 1) return true;
    const rs = roundsOf.get(v.validator);
    if (rs === undefined) return true;
    if (rs.has(v.round)) return true;
    let ahead = 0;
    for (const r of rs) if (r > s.round + 1) ahead++;
    return ahead < maxRoundsAheadPerValidator;
  }

  function accepts(v: Vote): boolean {
    if (validators === null || v.height > s.height) {
      return (
        (futureVotes.get(v.validator) ?? 0) < maxFutureVotesPerValidator &&
        !futureKeys.has(voteKey(v)) &&
        future.length < maxFutureMessages
      );
    }
    if (v.height < s.height || !roundAllowed(v)) return false;
    const vs = votes.get(`${v.round}/${v.type}`);
    return vs === undefined ? validators.powerOf(v.validator) > 0n : vs.accepts(v);
  }

  function addVote(v: Vote): void {
    if (!roundAllowed(v)) return;
    const vs = voteSet(v.round, v.type);
    const { added, conflict } = vs.add(v);
    if (added) {
      let rs = roundsOf.get(v.validator);
      if (rs === undefined) {
        rs = new Set();
        roundsOf.set(v.validator, rs);
      }
      rs.add(v.round);
    }
    if (conflict !== null) {
      const key = `${v.validator}/${v.round}/${v.type}`;
      if (!evidenceSent.has(key)) {
        evidenceSent.add(key);
        out.push({
          kind: "evidence",
          evidence: { validator: v.validator, height: v.height, round: v.round, type: v.type, a: conflict, b: v },
        });
      }
      return;
    }
    hear(v.round, v.validator);
  }

  // Lines 22-27: a fresh proposal (no valid round) in the propose step.
  function rule22(): boolean {
    const e = proposals.get(s.round)?.find((x) => x.proposal.polRound === -1);
    if (s.step !== Step.propose || e === undefined) return false;
    const v = e.proposal.value;
    broadcastVote(VoteType.prevote, e.valid && (s.lockedRound === -1 || s.lockedValue?.id === v.id) ? v.id : null);
    s.step = Step.prevote;
    return true;
  }

  // Lines 28-33: a re-proposal backed by 2/3 prevotes of an earlier round.
  function rule28(): boolean {
    if (s.step !== Step.propose) return false;
    const e = proposals.get(s.round)?.find((x) => {
      const vr = x.proposal.polRound;
      return (
        vr >= 0 && vr < s.round && validators!.hasTwoThirds(voteSet(vr, VoteType.prevote).powerFor(x.proposal.value.id))
      );
    });
    if (e === undefined) return false;
    const vr = e.proposal.polRound;
    const v = e.proposal.value;
    broadcastVote(VoteType.prevote, e.valid && (s.lockedRound <= vr || s.lockedValue?.id === v.id) ? v.id : null);
    s.step = Step.prevote;
    return true;
  }

  // Lines 34-35: 2/3 prevotes for anything: start the prevote timeout, once.
  function rule34(): boolean {
    const k = `34/${s.round}`;
    if (
      s.step !== Step.prevote ||
      fired.has(k) ||
      !validators!.hasTwoThirds(voteSet(s.round, VoteType.prevote).totalPower)
    )
      return false;
    fired.add(k);
    schedule("prevote");
    return true;
  }

  // Lines 36-43: proposal and 2/3 prevotes for it in this round: lock and precommit; remember
  // it as the valid value. Once per round.
  function rule36(): boolean {
    const k = `36/${s.round}`;
    if (fired.has(k) || s.step < Step.prevote || s.step === Step.committed) return false;
    const prevotes = voteSet(s.round, VoteType.prevote);
    const e = proposals
      .get(s.round)
      ?.find((x) => x.valid && validators!.hasTwoThirds(prevotes.powerFor(x.proposal.value.id)));
    if (e === undefined) return false;
    const v = e.proposal.value;
    fired.add(k);
    if (s.step === Step.prevote) {
      s.lockedValue = v;
      s.lockedRound = s.round;
      broadcastVote(VoteType.precommit, v.id);
      s.step = Step.precommit;
    }
    s.validValue = v;
    s.validRound = s.round;
    return true;
  }

  // Lines 44-46: 2/3 prevotes for nil: precommit nil.
  function rule44(): boolean {
    if (s.step !== Step.prevote || !validators!.hasTwoThirds(voteSet(s.round, VoteType.prevote).powerFor(null)))
      return false;
    broadcastVote(VoteType.precommit, null);
    s.step = Step.precommit;
    return true;
  }

  // Lines 47-48: 2/3 precommits for anything: start the precommit timeout, once.
  function rule47(): boolean {
    const k = `47/${s.round}`;
    if (
      fired.has(k) ||
      s.step === Step.committed ||
      !validators!.hasTwoThirds(voteSet(s.round, VoteType.precommit).totalPower)
    )
      return false;
    fired.add(k);
    schedule("precommit");
    return true;
  }

  // Lines 49-54: a proposal and 2/3 precommits for it, in any round: decide.
  function rule49(): boolean {
    if (s.step === Step.committed) return false;
    for (const [r, list] of proposals) {
      const vs = votes.get(`${r}/${VoteType.precommit}`);
      if (vs === undefined) continue;
      for (const e of list) {
        const v = e.proposal.value;
        if (!e.valid || !validators!.hasTwoThirds(vs.powerFor(v.id))) continue;
        s.step = Step.committed;
        out.push({ kind: "decide", height: s.height, round: r, value: v, precommits: vs.votesFor(v.id) });
        return true;
      }
    }
    return false;
  }

  // Lines 55-56: f+1 validators are in a higher round: skip to it.
  function rule55(): boolean {
    if (s.step === Step.committed) return false;
    let target = -1;
    for (const [r, who] of heardFrom) {
      if (r <= s.round || r <= target) continue;
      let power = 0n;
      for (const a of who) power += validators!.powerOf(a);
      if (validators!.hasOneThird(power)) target = r;
    }
    if (target < 0) return false;
    startRound(target);
    return true;
  }

  function evaluate(): void {
    // Decision first (it ends the height), then the round skip, then this round's rules.
    const rules = [rule49, rule55, rule22, rule28, rule36, rule44, rule34, rule47];
    for (let guard = 0; guard < 1000; guard++) {
      if (!rules.some((r) => r())) return;
    }
    throw new Error("consensus rules did not settle");
  }

  function startHeight(height: bigint, vals: ValidatorSet): void {
    s.height = height;
    s.lockedValue = null;
    s.lockedRound = -1;
    s.validValue = null;
    s.validRound = -1;
    validators = vals;
    proposals = new Map();
    votes = new Map();
    heardFrom = new Map();
    fired = new Set();
    evidenceSent = new Set();
    proposerCache = new Map();
    roundsOf = new Map();
    startRound(0);
    const pending = future;
    future = [];
    futureVotes = new Map();
    futureKeys = new Set();
    for (const ev of pending) apply(ev);
  }

  function heightOf(ev: ConsensusEvent): bigint {
    switch (ev.kind) {
      case "proposal":
        return ev.proposal.height;
      case "vote":
        return ev.vote.height;
      default:
        return ev.height;
    }
  }

  function apply(ev: ConsensusEvent): void {
    if (ev.kind === "startHeight") {
      if (ev.height <= s.height && validators !== null) return;
      startHeight(ev.height, ev.validators);
      return;
    }
    const h = heightOf(ev);
    if (validators === null || h > s.height) {
      if (ev.kind === "vote") {
        if (!accepts(ev.vote)) return;
        futureVotes.set(ev.vote.validator, (futureVotes.get(ev.vote.validator) ?? 0) + 1);
        futureKeys.add(voteKey(ev.vote));
      }
      if (future.length < maxFutureMessages && ev.kind !== "timeout") future.push(ev);
      return;
    }
    if (h < s.height) return;
    switch (ev.kind) {
      case "proposal":
        addProposal(ev.proposal, ev.valid);
        break;
      case "vote":
        addVote(ev.vote);
        break;
      case "value":
        if (
          ev.round === s.round &&
          s.step === Step.propose &&
          isValidator() &&
          proposerOf(s.round) === opts.self &&
          !proposals.get(s.round)?.length
        ) {
          propose(ev.value, -1);
        }
        break;
      case "timeout":
        onTimeout(ev.step, ev.round);
        break;
      case "commit":
        onCommit(ev.round, ev.value, ev.precommits);
        break;
    }
  }

  function onCommit(round: number, value: Value, precommits: readonly Vote[]): void {
    if (s.step === Step.committed) return;
    const signers = new Set<string>();
    let power = 0n;
    for (const v of precommits) {
      if (
        v.type !== VoteType.precommit ||
        v.height !== s.height ||
        v.round !== round ||
        v.valueId !== value.id ||
        signers.has(v.validator)
      )
        continue;
      signers.add(v.validator);
      power += validators!.powerOf(v.validator);
    }
    if (!validators!.hasTwoThirds(power)) return;
    s.step = Step.committed;
    out.push({
      kind: "decide",
      height: s.height,
      round,
      value,
      precommits: precommits.filter((v) => signers.has(v.validator)),
    });
  }

  // Lines 57-65: timeouts, each guarded by height (already checked), round and step.
  function onTimeout(step: TimeoutStep, round: number): void {
    if (round !== s.round || s.step === Step.committed) return;
    if (step === "propose" && s.step === Step.propose) {
      broadcastVote(VoteType.prevote, null);
      s.step = Step.prevote;
    } else if (step === "prevote" && s.step === Step.prevote) {
      broadcastVote(VoteType.precommit, null);
      s.step = Step.precommit;
    } else if (step === "precommit") {
      startRound(s.round + 1);
    }
  }

  return {
    get state() {
      return s;
    },
    get validators() {
      return validators;
    },
    accepts,
    holds(v) {
      if (validators === null || v.height > s.height) return futureKeys.has(voteKey(v));
      return v.height === s.height && (votes.get(`${v.round}/${v.type}`)?.has(v) ?? false);
    },
    backed(round, valueId) {
      if (validators === null) return false;
      const power = (type: VoteType) => votes.get(`${round}/${type}`)?.powerFor(valueId) ?? 0n;
      return validators.hasOneThird(power(VoteType.prevote)) || validators.hasOneThird(power(VoteType.precommit));
    },
    get storedVotes() {
      let n = futureKeys.size;
      for (const vs of votes.values()) n += vs.size;
      return n;
    },
    handle(ev) {
      out = [];
      apply(ev);
      if (validators !== null) evaluate();
      return out;
    },
  };
}
