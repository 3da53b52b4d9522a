import assert from "node:assert/strict";
import { createConsensusCore, type ConsensusCore } from "../core.js";
import { Step, VoteType, type ConsensusAction, type TimeoutConfig, type Value, type Vote } from "../types.js";
import { ValidatorSet } from "../../types/validatorSet.js";

const timeouts: TimeoutConfig = {
  proposeMs: 300,
  proposeDeltaMs: 50,
  prevoteMs: 100,
  prevoteDeltaMs: 50,
  precommitMs: 100,
  precommitDeltaMs: 50,
};
const addr = (i: number) => i.toString(16).toUpperCase().padStart(40, "0");
const set = (n: number) =>
  ValidatorSet.create(
    Array.from({ length: n }, (_, i) => ({ address: addr(i), pubKey: new Uint8Array(32), power: 10n })),
  );
const value = (id: string): Value => ({ id, payload: null });
const vote = (type: 1 | 2, round: number, valueId: string | null, i: number, height = 1n): Vote => ({
  type,
  height,
  round,
  valueId,
  validator: addr(i),
});
const kinds = (acts: ConsensusAction[]) => acts.map((a) => a.kind);

/** A core for validator `me` of an n-validator set, started at height 1. */
function start(n: number, me: number | null): { core: ConsensusCore; first: ConsensusAction[]; vals: ValidatorSet } {
  const core = createConsensusCore({ self: me === null ? null : addr(me), timeouts });
  const vals = set(n);
  const first = core.handle({ kind: "startHeight", height: 1n, validators: vals.copy() });
  return { core, first, vals };
}

describe("the Tendermint consensus core (Algorithm 1)", () => {
  it("a single validator proposes, prevotes, precommits and decides on its own", () => {
    const { core, first } = start(1, 0);
    assert.deepEqual(kinds(first), ["getValue", "scheduleTimeout"]);
    const acts = core.handle({ kind: "value", height: 1n, round: 0, value: value("A") });
    assert.deepEqual(kinds(acts), ["broadcastProposal", "broadcastVote", "broadcastVote", "decide"]);
    const d = acts.find((a) => a.kind === "decide")!;
    assert.equal(d.kind === "decide" && d.value.id, "A");
    assert.equal(core.state.step, Step.committed);
  });

  it("prevotes a valid proposal from the round's proposer, nil for an invalid one, and ignores others' proposals", () => {
    const { core, vals } = start(4, 1);
    const proposer = vals.copyIncrement(0).proposer.address;
    const stranger = addr(3) === proposer ? addr(2) : addr(3);
    assert.deepEqual(
      core.handle({
        kind: "proposal",
        proposal: { height: 1n, round: 0, polRound: -1, value: value("X"), proposer: stranger },
        valid: true,
      }),
      [],
    );
    const acts = core.handle({
      kind: "proposal",
      proposal: { height: 1n, round: 0, polRound: -1, value: value("A"), proposer },
      valid: false,
    });
    const pv = acts.find((a) => a.kind === "broadcastVote");
    assert.ok(
      pv?.kind === "broadcastVote" && pv.vote.type === VoteType.prevote && pv.vote.valueId === null,
      "invalid value: prevote nil",
    );
  });

  it("locks on a value with 2/3 prevotes and then refuses to prevote another value in a later round", () => {
    const { core, vals } = start(4, 0);
    const p0 = vals.copyIncrement(0).proposer.address;
    core.handle({
      kind: "proposal",
      proposal: { height: 1n, round: 0, polRound: -1, value: value("A"), proposer: p0 },
      valid: true,
    });
    for (const i of [1, 2, 3]) core.handle({ kind: "vote", vote: vote(VoteType.prevote, 0, "A", i) });
    assert.equal(core.state.lockedValue?.id, "A");
    assert.equal(core.state.lockedRound, 0);
    // No decision in round 0: precommit timeout moves to round 1.
    core.handle({ kind: "timeout", step: "precommit", height: 1n, round: 0 });
    assert.equal(core.state.round, 1);
    const p1 = vals.copyIncrement(1).proposer.address;
    if (p1 !== addr(0)) {
      const acts = core.handle({
        kind: "proposal",
        proposal: { height: 1n, round: 1, polRound: -1, value: value("B"), proposer: p1 },
        valid: true,
      });
      const pv = acts.find((a) => a.kind === "broadcastVote");
      assert.ok(pv?.kind === "broadcastVote" && pv.vote.valueId === null, "locked on A: prevote nil for B");
    }
  });

  it("as a proposer with a valid value, re-proposes it with its valid round", () => {
    const { core, vals } = start(4, 0);
    const p0 = vals.copyIncrement(0).proposer.address;
    core.handle({
      kind: "proposal",
      proposal: { height: 1n, round: 0, polRound: -1, value: value("A"), proposer: p0 },
      valid: true,
    });
    for (const i of [1, 2, 3]) core.handle({ kind: "vote", vote: vote(VoteType.prevote, 0, "A", i) });
    let round = 0;
    let proposal: ConsensusAction | undefined;
    while (proposal === undefined && round < 8) {
      const acts = core.handle({ kind: "timeout", step: "precommit", height: 1n, round });
      round++;
      proposal = acts.find((a) => a.kind === "broadcastProposal");
    }
    assert.ok(proposal?.kind === "broadcastProposal");
    assert.equal(proposal.proposal.value.id, "A");
    assert.equal(proposal.proposal.polRound, 0);
  });

  it("skips to a higher round on f+1 messages from it, and timeouts grow with the round", () => {
    const { core } = start(4, 0);
    core.handle({ kind: "vote", vote: vote(VoteType.prevote, 5, null, 1) });
    assert.equal(core.state.round, 0, "one of four is not f+1");
    const acts = core.handle({ kind: "vote", vote: vote(VoteType.prevote, 5, null, 2) });
    assert.equal(core.state.round, 5);
    const t = acts.find((a) => a.kind === "scheduleTimeout");
    assert.ok(t?.kind === "scheduleTimeout" && t.step === "propose" && t.durationMs === 300 + 5 * 50);
  });

  it("reports two different votes of one validator as evidence, once", () => {
    const { core } = start(4, 0);
    core.handle({ kind: "vote", vote: vote(VoteType.precommit, 0, "A", 3) });
    const acts = core.handle({ kind: "vote", vote: vote(VoteType.precommit, 0, "B", 3) });
    const ev = acts.find((a) => a.kind === "evidence");
    assert.ok(
      ev?.kind === "evidence" &&
        ev.evidence.validator === addr(3) &&
        ev.evidence.a.valueId === "A" &&
        ev.evidence.b.valueId === "B",
    );
    assert.deepEqual(
      kinds(core.handle({ kind: "vote", vote: vote(VoteType.precommit, 0, "C", 3) })).filter((k) => k === "evidence"),
      [],
    );
  });

  it("decides from a peer's commit checked by distinct signers' power, and not from too little", () => {
    const { core } = start(4, null);
    const pc = (i: number) => vote(VoteType.precommit, 0, "A", i);
    assert.deepEqual(
      kinds(
        core.handle({ kind: "commit", height: 1n, round: 0, value: value("A"), precommits: [pc(0), pc(1), pc(1)] }),
      ),
      [],
    );
    const acts = core.handle({
      kind: "commit",
      height: 1n,
      round: 0,
      value: value("A"),
      precommits: [pc(0), pc(1), pc(2)],
    });
    assert.deepEqual(kinds(acts), ["decide"]);
  });

  it("a full node (no validator key) follows and decides without ever voting", () => {
    const { core, vals, first } = start(4, null);
    assert.ok(!kinds(first).includes("getValue"));
    const p0 = vals.copyIncrement(0).proposer.address;
    const all: ConsensusAction[] = [];
    all.push(
      ...core.handle({
        kind: "proposal",
        proposal: { height: 1n, round: 0, polRound: -1, value: value("A"), proposer: p0 },
        valid: true,
      }),
    );
    for (const i of [0, 1, 2]) all.push(...core.handle({ kind: "vote", vote: vote(VoteType.precommit, 0, "A", i) }));
    assert.ok(!kinds(all).includes("broadcastVote"));
    assert.ok(kinds(all).includes("decide"));
  });

  it("keeps messages of the next height until it starts", () => {
    const { core, vals } = start(1, 0);
    core.handle({ kind: "value", height: 1n, round: 0, value: value("A") });
    const next = vals.copy();
    next.increment(1);
    assert.deepEqual(core.handle({ kind: "vote", vote: vote(VoteType.prevote, 3, null, 0, 2n) }), []);
    core.handle({ kind: "startHeight", height: 2n, validators: next });
    assert.equal(core.state.height, 2n);
  });
});
