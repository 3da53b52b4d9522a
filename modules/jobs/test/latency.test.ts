import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed, type RawKey } from "../../../client/sdk/signing.js";
import { funded, ops, txHelpers } from "../../../chain/testkit/fixtures.js";
import { bytesShapes, registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { commitResultMsg, revealResultMsg } from "../../../chain/testkit/results.js";
import { honestOutput, resultOf, type Result } from "../../../chain/testkit/simWorkers.js";
import { JobState, Outcome, type Job, type MsgSubmitJob } from "../types.js";
import { jobQueries, submitJobMsg, submittedJobId } from "./fixtures.js";

// Settlement latency (docs/jobs.md, "Latency"): the commitment that completes a job's set may
// carry its reveal in the same tx, so a k = 1 job settles in the block of the worker's result and
// a k = 3 job one block after its last result — and this one-tx reveal gives nobody anything to
// copy: a bundled reveal from an assignee whose commitment does not complete the set is refused
// as a whole (its commitment is not kept either), and once a result is visible every other
// assignee is already bound to its own.

const requester = rawKeyFromSeed("latency-requester");
const prov = [0, 1, 2].map((i) => rawKeyFromSeed(`latency-provider-${i}`));
const model = createHash("sha256").update("latency-model").digest("hex");
const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };

describe("jobs: a job settles in the block of its last reveal, and the one-tx reveal cannot be copied", function () {
  this.timeout(60_000);
  let chain: TestChain;
  const { ok, fails, q } = txHelpers(() => chain);
  const { job } = jobQueries(q);
  const submit = async (over: Partial<MsgSubmitJob> = {}) =>
    submittedJobId(await ok(requester, [submitJobMsg(requester, model, 1, { k: 3, ...over })]));
  const resultFor = (j: Job, key: RawKey): Result => resultOf(j, key.address, honestOutput(j), rule);
  const commit = (j: Job, key: RawKey, r: Result) => commitResultMsg(key.address, j.id, r);
  const reveal = (j: Job, key: RawKey, r: Result, salt = r.salt) => revealResultMsg(key.address, j.id, r, { salt });
  const assignmentOf = (j: Job, key: RawKey) => j.assignments.find((a) => a.provider === key.address)!;

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: funded([requester, ...prov, ...ops]),
      editGenesis: (d) => {
        Object.assign((d.app_state["jobs"] as { params: Record<string, unknown> }).params, {
          commit_window: "8",
          reveal_window: "8",
          audit_rate_ppm: 0,
          audit_rate_single_ppm: 0,
          audit_rate_low_reputation_ppm: 0,
        });
      },
    });
    await registerModel(ok, requester, model, { name: "lat", ...bytesShapes, rule });
    await registerProviders(ok, prov, { models: [model], slots: 2 });
  });

  it("k = 1: commit and reveal in one tx settle the job in that block's end-block", async () => {
    const id = await submit({ k: 1 });
    const j = await job(id);
    assert.equal(j.state, JobState.assigned);
    const who = prov.find((p) => p.address === j.assignments[0]!.provider)!;
    const r = resultFor(j, who);
    const res = await ok(who, [commit(j, who, r), reveal(j, who, r)]);
    const done = await job(id);
    assert.equal(done.state, JobState.settled);
    assert.equal(done.finalHeight, chain.app.height.toString(), "settled in the block that carried the result");
    assert.equal(assignmentOf(done, who).committedHeight, done.finalHeight);
    assert.ok(res.events.some((e) => e.type === "job_settled"));
  });

  it("k = 3: the last commitment may carry its reveal; a bundled reveal before the set is complete is refused whole; nothing revealed can be copied", async () => {
    const id = await submit();
    const j = await job(id);
    const [a, b, c] = j.assignments.map((x) => prov.find((p) => p.address === x.provider)!) as [RawKey, RawKey, RawKey];
    const [rb, rc] = [b, c].map((k) => resultFor(j, k)) as [Result, Result];
    // a would rather copy than compute: it commits to a guess.
    const ra = resultOf(j, a.address, new Float32Array(64), rule);
    // a tries commit + reveal while b and c have not committed: refused as a whole, its commitment not kept.
    await fails(a, [commit(j, a, ra), reveal(j, a, ra)], "jobs", 11, /once every assignee committed/);
    assert.equal(assignmentOf(await job(id), a).commitment.length, 0, "the refused tx kept nothing");
    await ok(a, [commit(j, a, ra)]);
    await ok(b, [commit(j, b, rb)]);
    // c's commitment completes the set: its reveal goes in the same tx.
    const height = chain.app.height + 1n;
    await ok(c, [commit(j, c, rc), reveal(j, c, rc)]);
    let now = await job(id);
    assert.equal(now.state, JobState.revealing);
    assert.equal(assignmentOf(now, c).revealedHeight, height.toString());
    // c's result is visible now; a is bound to its guess: a new commitment is refused, and c's
    // result does not open a's commitment.
    await fails(a, [commit(j, a, rc)], "jobs", 12, /already/);
    await fails(a, [reveal(j, a, rc, ra.salt)], "jobs", 14);
    await ok(a, [reveal(j, a, ra)]);
    await ok(b, [reveal(j, b, rb)]);
    now = await job(id);
    assert.equal(now.state, JobState.settled);
    assert.equal(now.finalHeight, (height + 4n).toString(), "settled in the end-block of the last reveal");
    for (const k of [b, c]) assert.equal(assignmentOf(now, k).outcome, Outcome.accepted);
    assert.equal(assignmentOf(now, a).outcome, Outcome.rejected, "the would-be copier is the minority");
  });
});
