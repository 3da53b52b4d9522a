import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mlp } from "../../models/generated.js";
import { flatten } from "../../models/tensors.js";
import { zoo, type ZooModel } from "../../models/zoo.js";
import { computeSketch, sketchesAgree } from "../../../modules/jobs/sketch.js";
import { InferenceEngine, ModelHashMismatch, type EngineOptions } from "../inference.js";

// The verification math against real models run by onnxruntime-node (docs/verification.md): runs
// of the same input under different thread counts and execution settings agree; small noise
// agrees; another model, a truncated model, another input or a shuffled output disagree.

const settings: EngineOptions[] = [
  { threads: 1, graphOptimizationLevel: "all", executionMode: "sequential" },
  { threads: 2, graphOptimizationLevel: "disabled", executionMode: "parallel" },
  { threads: 2, graphOptimizationLevel: "basic", executionMode: "sequential" },
];
const jobId = "4242";

async function run(m: ZooModel, bytes: Uint8Array, opts: EngineOptions, variant = 0): Promise<Float64Array> {
  const engine = new InferenceEngine(opts);
  const hash = createHash("sha256").update(bytes).digest("hex");
  await engine.load(hash, bytes);
  try {
    return flatten(await engine.run(hash, m.sampleInput(variant)));
  } finally {
    await engine.release();
  }
}

/** A fixed pseudo-random permutation (not a rotation or reversal that might keep a sketch). */
function shuffled(x: Float64Array): Float64Array {
  const idx = Array.from({ length: x.length }, (_, i) => i).sort(
    (a, b) =>
      createHash("sha256").update(`p${a}`).digest().readUInt32BE(0) -
      createHash("sha256").update(`p${b}`).digest().readUInt32BE(0),
  );
  if (idx.every((v, i) => v === i)) idx.reverse();
  return Float64Array.from(idx, (i) => x[i]!);
}

describe("result sketches on real ONNX models (onnxruntime-node, CPU)", function () {
  this.timeout(120_000);

  for (const m of Object.values(zoo)) {
    it(`${m.name}: agrees across thread counts and execution settings and with small noise; disagrees for another input or a shuffled output`, async () => {
      const bytes = m.bytes();
      const outs = [];
      for (const s of settings) outs.push(await run(m, bytes, s));
      const base = computeSketch(jobId, outs[0]!, m.rule);
      for (const [i, o] of outs.entries())
        assert.ok(
          sketchesAgree(base, computeSketch(jobId, o, m.rule), m.rule),
          `settings ${JSON.stringify(settings[i])}`,
        );
      const noisy = outs[0]!.map((v, i) => v * (1 + (1e-5 * (((i * 7919) % 13) - 6)) / 6));
      assert.ok(sketchesAgree(base, computeSketch(jobId, noisy, m.rule), m.rule), "relative noise of 1e-5");
      assert.ok(!sketchesAgree(base, computeSketch(jobId, shuffled(outs[0]!), m.rule), m.rule), "a shuffled output");
      // A two-class softmax carries about one bit: another page can honestly give the same answer.
      if (m.name !== "ppocr-mobile-v2-cls") {
        const other = await run(m, bytes, settings[0]!, 1);
        assert.ok(!sketchesAgree(base, computeSketch(jobId, other, m.rule), m.rule), "another input");
      }
      // The same output under another job id gives other projections: no sketch can be reused.
      assert.ok(
        !sketchesAgree(base, computeSketch("4243", outs[0]!, m.rule), m.rule) || m.name === "ppocr-mobile-v2-cls",
        "another job id",
      );
    });
  }

  it("another model of the same shape, and a model missing its last layer, disagree with the real one", async () => {
    const m = zoo["mlp-64x128x128x32"]!;
    const real = computeSketch(jobId, await run(m, m.bytes(), settings[0]!), m.rule);
    const other = computeSketch(
      jobId,
      await run(m, mlp({ inputs: 64, hidden: [128, 128], outputs: 32, seed: "another" }), settings[0]!),
      m.rule,
    );
    assert.ok(!sketchesAgree(real, other, m.rule));
    const truncated = computeSketch(
      jobId,
      await run(m, mlp({ inputs: 64, hidden: [128, 128], outputs: 32, truncate: true }), settings[0]!),
      m.rule,
    );
    assert.ok(!sketchesAgree(real, truncated, m.rule));
  });

  it("refuses model bytes that do not match their hash, and fails to load a truncated file", async () => {
    const bytes = zoo["mlp-64x128x128x32"]!.bytes();
    const engine = new InferenceEngine();
    const hash = createHash("sha256").update(bytes).digest("hex");
    await assert.rejects(engine.load(hash, bytes.subarray(0, bytes.length - 1)), ModelHashMismatch);
    const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
    await assert.rejects(engine.load(createHash("sha256").update(cut).digest("hex"), cut));
    assert.equal(engine.has(hash), false);
    await engine.release();
  });
});
