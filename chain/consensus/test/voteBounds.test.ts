import assert from "node:assert/strict";
import { createConsensusCore, maxFutureVotesPerValidator, maxRoundsAheadPerValidator } from "../core.js";
import { Step, VoteType, type TimeoutConfig, type Value, type Vote } from "../types.js";
import { ValidatorSet } from "../../types/validatorSet.js";
import { maxValuesPerVoter } from "../voteSet.js";

// Issue 16, defect 5: the votes a byzantine validator signs are stored within fixed bounds per
// validator, and the honest majority still decides.
const timeouts: TimeoutConfig = {
  proposeMs: 300,
  proposeDeltaMs: 50,
  prevoteMs: 100,
  prevoteDeltaMs: 50,
  precommitMs: 100,
  precommitDeltaMs: 50,
};
const addr = (i: number) => i.toString(16).toUpperCase().padStart(40, "0");
const vals = () =>
  ValidatorSet.create(
    Array.from({ length: 4 }, (_, i) => ({ address: addr(i), pubKey: new Uint8Array(32), power: 10n })),
  );
const value = (id: string): Value => ({ id, payload: null });
const vote = (type: 1 | 2, round: number, valueId: string | null, i: number, height = 1n): Vote => ({
  type,
  height,
  round,
  valueId,
  validator: addr(i),
});

describe("vote storage bounds per byzantine validator", () => {
  function started() {
    const core = createConsensusCore({ self: null, timeouts });
    core.handle({ kind: "startHeight", height: 1n, validators: vals() });
    return core;
  }
  const byz = 3;

  it("many values in one round: at most two kept (the first and one for evidence)", () => {
    const core = started();
    let evidence = 0;
    for (let i = 0; i < 5000; i++) {
      for (const a of core.handle({ kind: "vote", vote: vote(VoteType.prevote, 0, `X${i}`, byz) }))
        if (a.kind === "evidence") evidence++;
    }
    assert.equal(core.storedVotes, maxValuesPerVoter);
    assert.equal(evidence, 1, "the equivocation is reported once");
    assert.equal(core.accepts(vote(VoteType.prevote, 0, "X9999", byz)), false);
    assert.equal(core.holds(vote(VoteType.prevote, 0, "X0", byz)), true);
    assert.equal(core.holds(vote(VoteType.prevote, 0, "X2", byz)), false);
  });

  it("votes in rounds far ahead: kept for only a few rounds, and no round skip from them", () => {
    const core = started();
    for (let r = 2; r < 20_002; r++) {
      core.handle({ kind: "vote", vote: vote(VoteType.prevote, r, "A", byz) });
      core.handle({ kind: "vote", vote: vote(VoteType.precommit, r, null, byz) });
    }
    assert.equal(core.storedVotes, maxRoundsAheadPerValidator * 2, "two types in each of the rounds kept");
    assert.equal(core.state.round, 0, "one validator (< 1/3) cannot move the round");
    // Rounds at or right after the current one are always taken.
    assert.equal(core.accepts(vote(VoteType.prevote, 1, "A", byz)), true);
    assert.equal(core.accepts(vote(VoteType.prevote, 50_000, "A", byz)), false);
  });

  it("votes for later heights: at most a fixed number per validator until the height starts", () => {
    const core = started();
    for (let h = 2n; h < 2002n; h++) core.handle({ kind: "vote", vote: vote(VoteType.prevote, 0, "A", byz, h) });
    assert.equal(core.storedVotes, maxFutureVotesPerValidator);
    // An honest validator's vote for the next height is still kept.
    assert.equal(core.accepts(vote(VoteType.prevote, 0, "B", 1, 2n)), true);
  });

  it("under all of it, the honest three decide, and honest validators ahead still move the round", () => {
    const core = started();
    for (let i = 0; i < 1000; i++) core.handle({ kind: "vote", vote: vote(VoteType.precommit, 0, `X${i}`, byz) });
    for (let r = 5; r < 1005; r++) core.handle({ kind: "vote", vote: vote(VoteType.prevote, r, null, byz) });
    const p0 = vals().copyIncrement(0).proposer.address;
    core.handle({
      kind: "proposal",
      proposal: { height: 1n, round: 0, polRound: -1, value: value("A"), proposer: p0 },
      valid: true,
    });
    // Two honest validators are already in round 3 (f+1 = 2 of 4 with equal power): skip to it.
    core.handle({ kind: "vote", vote: vote(VoteType.prevote, 3, null, 0) });
    core.handle({ kind: "vote", vote: vote(VoteType.prevote, 3, null, 1) });
    assert.equal(core.state.round, 3);
    const decided = [0, 1, 2]
      .flatMap((i) => core.handle({ kind: "vote", vote: vote(VoteType.precommit, 0, "A", i) }))
      .find((a) => a.kind === "decide");
    assert.ok(decided?.kind === "decide" && decided.value.id === "A");
    assert.equal(core.state.step, Step.committed);
  });
});
