import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { commitAndReveal } from "../../../chain/testkit/results.js";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { funded, txHelpers } from "../../../chain/testkit/fixtures.js";
import { sketchFromPb } from "../commitment.js";
import { any } from "../../../chain/testkit/simWorkers.js";
import { computeSketch, type Sketch } from "../sketch.js";
import { codecs, JobState, Outcome, type Job } from "../types.js";
import { jobQueries, leastSquares, submittedJobId } from "./fixtures.js";

// Private sealed jobs (issue 11, item 4): an observer of the chain tries to read a small sealed
// output off its revealed sketch and top-k, the way it can for an ordinary job (n unknowns, 16
// public ±1 projections: least squares recovers the output exactly, and top-k is the class). With
// the sketch keyed by the key inside the sealed copies, the same attack recovers nothing; and the
// chain refuses a sealed job without a sketch key, so a sealed output is never publicly sketched.

const requester = rawKeyFromSeed("private-requester");
const prov = [0, 1].map((i) => rawKeyFromSeed(`private-provider-${i}`));
const model = createHash("sha256").update("private-classifier").digest("hex");
const rule = { sketchSize: 16, tolerance: 1000, topK: 1 };
const secretOutput = [0.3125, -1.25, 2.5, 0.75]; // a 4-class classifier's logits: class 2
const sketchKey = createHash("sha256").update("tcompute/sketch-key/v1").update("the private input").digest();

/** What an observer computes from a revealed sketch with the public (job-id) signs: least squares. */
const reconstruct = (jobId: string, s: Sketch): number[] => leastSquares(jobId, s, s.length, rule);

describe("private sealed jobs: the chain carries no readable projection of the output", function () {
  this.timeout(60_000);
  let chain: TestChain;
  const { ok, fails, q } = txHelpers(() => chain);
  const { job } = jobQueries(q);

  before(async () => {
    chain = await createTestChain({
      accounts: funded([requester, ...prov]),
      editGenesis: (d) => {
        Object.assign((d.app_state["jobs"] as { params: Record<string, unknown> }).params, {
          commit_window: "3",
          reveal_window: "3",
          audit_rate_ppm: 0,
          audit_rate_single_ppm: 0,
          audit_rate_low_reputation_ppm: 0,
          challenge_epoch_blocks: "0",
        });
      },
    });
    await registerModel(ok, requester, model, {
      name: "cls",
      inputs: [{ name: "x", dtype: "float32", shape: [-1, 8] }],
      outputs: [{ name: "y", dtype: "float32", shape: [-1, 4] }],
      rule,
    });
    await registerProviders(ok, prov, {
      gpus: [{ vendor: "cpu", model: "x86-64", memoryMib: 8192, count: 1 }],
      models: [model],
      slots: 4,
    });
  });

  /**
   * Submits, and has both assignees commit and reveal the secret output's sketch: a sealed job's
   * keyed one, or (keyed = false) an ordinary job's public-sign one.
   */
  async function run(keyed: boolean): Promise<Job> {
    const sealedJob = keyed
      ? {
          inputs: [{ inline: new Uint8Array(), uri: "", sha256: "cd".repeat(32) }],
          sealed: prov.map((p) => ({ provider: p.address, ciphertext: new Uint8Array(120) })),
        }
      : { inputs: [{ inline: new Uint8Array([1, 2, 3]), uri: "", sha256: "" }], sealed: [] };
    const res = await ok(requester, [
      any(
        codecs.msgSubmitJob.typeUrl,
        codecs.msgSubmitJob.encode({
          requester: requester.address,
          model,
          ...sealedJob,
          k: 2,
          maxPricePerUnit: "5utcu",
          deadlineBlocks: "5",
          minReputation: 0,
          gpu: null,
          sketchKeyHash: keyed ? createHash("sha256").update(sketchKey).digest() : new Uint8Array(),
        }),
      ),
    ]);
    const id = submittedJobId(res);
    // Each worker's own float noise; the keyed ones project under the key from their sealed copy.
    await commitAndReveal(
      ok,
      id,
      prov.map((key, i) => ({
        key,
        salt: createHash("sha256").update(`salt/${i}/${id}`).digest(),
        digest: createHash("sha256").update(`digest/${i}`).digest(),
        sketch: computeSketch(
          id,
          secretOutput.map((v) => v + (i === 0 ? 1e-7 : -1e-7)),
          rule,
          keyed ? sketchKey : undefined,
        ),
      })),
    );
    const j = await job(id);
    assert.equal(j.state, JobState.settled);
    assert.ok(
      j.assignments.every((a) => a.outcome === Outcome.accepted),
      "keyed sketches of the same output agree like any",
    );
    return j;
  }

  it("without a sketch key an observer reads a small output straight off the chain (the leak sealed jobs close)", async () => {
    const j = await run(false);
    const s = sketchFromPb(j.assignments[0]!.sketch!, rule.sketchSize) as Sketch;
    const x = reconstruct(j.id, s);
    for (const [i, v] of secretOutput.entries()) assert.ok(Math.abs(x[i]! - v) < 1e-5, `recovered ${x[i]} for ${v}`);
    assert.deepEqual(s.topK, [2], "and top-k is the class itself");
  });

  it("with the sketch key in the sealed copies the same attack recovers nothing, and top-k names no class", async () => {
    const j = await run(true);
    assert.equal(j.sketchKeyHash!.length, 32);
    assert.ok(!Buffer.from(codecs.job.encode(j)).includes(sketchKey), "the key itself is not on chain");
    const s = sketchFromPb(j.assignments[0]!.sketch!, rule.sketchSize) as Sketch;
    const x = reconstruct(j.id, s);
    const err = Math.sqrt(x.reduce((acc, v, i) => acc + (v - secretOutput[i]!) ** 2, 0) / x.length);
    assert.ok(err > 0.3, `the least-squares guess is off by ${err} (rms); the output's rms is ~1.4`);
    assert.equal(s.topK.length, 1);
    assert.ok(s.topK[0]! > 3, `top-k carries ${s.topK[0]}, no class index`);
    // Without the key even the true output does not reproduce the revealed sketch: nothing to confirm a guess with.
    const guess = computeSketch(j.id, secretOutput, rule);
    assert.notDeepEqual(guess.components, s.components);
  });

  it("refuses a sketch key hash on an unsealed job, and a sealed job without one or with a malformed one, creating nothing", async () => {
    const base = {
      requester: requester.address,
      model,
      k: 1,
      maxPricePerUnit: "5utcu",
      deadlineBlocks: "5",
      minReputation: 0,
      gpu: null,
    };
    const jobsBefore = await q(
      "/tcompute.jobs.v1.Query/JobsByRequester",
      codecs.queryJobsByRequesterRequest.encode({ requester: requester.address, pagination: null }),
      (b) => codecs.queryJobsResponse.decode(b).jobs.length,
    );
    const escrowBefore = await q("/tcompute.jobs.v1.Query/Escrow", new Uint8Array(), (b) =>
      codecs.queryEscrowResponse.decode(b),
    );
    await fails(
      requester,
      [
        any(
          codecs.msgSubmitJob.typeUrl,
          codecs.msgSubmitJob.encode({
            ...base,
            inputs: [{ inline: new Uint8Array([1]), uri: "", sha256: "" }],
            sealed: [],
            sketchKeyHash: new Uint8Array(32),
          }),
        ),
      ],
      "jobs",
      2,
      /sketch_key_hash/,
    );
    // Item 2: a sealed job's sketch key hash is required (jobs 50), absent or of the wrong length.
    for (const sketchKeyHash of [undefined, new Uint8Array(), new Uint8Array(5), new Uint8Array(33)])
      await fails(
        requester,
        [
          any(
            codecs.msgSubmitJob.typeUrl,
            codecs.msgSubmitJob.encode({
              ...base,
              inputs: [{ inline: new Uint8Array(), uri: "", sha256: "cd".repeat(32) }],
              sealed: [{ provider: prov[0]!.address, ciphertext: new Uint8Array(120) }],
              ...(sketchKeyHash === undefined ? {} : { sketchKeyHash }),
            }),
          ),
        ],
        "jobs",
        50,
        /sketch_key_hash must be the 32-byte sha256/,
      );
    const jobsAfter = await q(
      "/tcompute.jobs.v1.Query/JobsByRequester",
      codecs.queryJobsByRequesterRequest.encode({ requester: requester.address, pagination: null }),
      (b) => codecs.queryJobsResponse.decode(b).jobs.length,
    );
    assert.equal(jobsAfter, jobsBefore, "no job was created");
    assert.deepEqual(
      await q("/tcompute.jobs.v1.Query/Escrow", new Uint8Array(), (b) => codecs.queryEscrowResponse.decode(b)),
      escrowBefore,
      "nothing went into escrow",
    );
  });
});
