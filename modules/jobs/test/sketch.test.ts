import assert from "node:assert/strict";
import { computeSketch, majorityGroup, sketchesAgree, type ComparisonRule } from "../sketch.js";

// Fixed-seed synthetic outputs; the tests with real ONNX models come with the worker.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const gaussian = (r: () => number) => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
const output = (n: number, seed: number) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => gaussian(r));
};

const rule: ComparisonRule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const classifier: ComparisonRule = { sketchSize: 16, tolerance: 1000, topK: 3 };

describe("result sketches (verification math)", () => {
  const job = "job-42";
  const y = output(10_000, 1);

  it("is deterministic, and its signs depend on the job id", () => {
    assert.deepEqual(computeSketch(job, y, rule), computeSketch(job, y, rule));
    const other = computeSketch("job-43", y, rule);
    assert.notDeepEqual(other.components, computeSketch(job, y, rule).components);
    assert.equal(
      sketchesAgree(other, computeSketch(job, y, rule), rule),
      false,
      "a sketch made for another job does not pass",
    );
  });

  it("lets honest results agree: float64 vs float32, and relative noise of 1e-5 (other GPUs, thread counts)", () => {
    const r = rng(7);
    const noisy = Float32Array.from(y, (v) => v * (1 + (r() - 0.5) * 2e-5));
    const base = computeSketch(job, y, rule);
    assert.ok(sketchesAgree(base, computeSketch(job, Float64Array.from(y), rule), rule));
    assert.ok(sketchesAgree(base, computeSketch(job, noisy, rule), rule));
  });

  it("tells apart a different input, a shuffled output, a truncated output and a 1% scaled output", () => {
    const base = computeSketch(job, y, rule);
    const shuffled = Float32Array.from(y);
    const r = rng(3);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    for (const [what, bad] of [
      ["different input", output(10_000, 2)],
      ["shuffled output", shuffled],
      ["truncated output", y.subarray(0, 9_999)],
      ["scaled output", Float32Array.from(y, (v) => v * 1.01)],
      ["all zeros", new Float32Array(10_000)],
    ] as const) {
      assert.equal(sketchesAgree(base, computeSketch(job, bad, rule), rule), false, what);
    }
  });

  it("for classifiers, also requires the same top-k classes", () => {
    const logits = output(1000, 5);
    const base = computeSketch(job, logits, classifier);
    assert.equal(base.topK.length, 3);
    const nudged = Float32Array.from(logits, (v) => v + 1e-7);
    assert.ok(sketchesAgree(base, computeSketch(job, nudged, classifier), classifier));
    // Demote the top class below the fourth: the sketch barely moves, the top-3 set changes.
    const swapped = Float32Array.from(logits);
    const order = Array.from(swapped.keys()).sort((a, b) => swapped[b]! - swapped[a]!);
    swapped[order[0]!] = swapped[order[3]!]! - 1e-4;
    const loose = { ...classifier, tolerance: 10_000_000 };
    assert.equal(sketchesAgree(computeSketch(job, logits, loose), computeSketch(job, swapped, loose), loose), false);
  });

  it("refuses non-finite outputs instead of sketching them", () => {
    assert.throws(() => computeSketch(job, Float32Array.from([1, Number.NaN]), rule), /not finite/);
    assert.throws(() => computeSketch(job, Float32Array.from([Infinity]), rule), /not finite/);
    assert.throws(() => computeSketch(job, new Float32Array(), rule), /empty/);
  });

  it("accepts the largest agreeing group only as a strict majority of k", () => {
    const honest = computeSketch(job, y, rule);
    const honest2 = computeSketch(
      job,
      Float32Array.from(y, (v) => v * (1 + 1e-6)),
      rule,
    );
    const wrong = computeSketch(job, output(10_000, 9), rule);
    assert.deepEqual(majorityGroup([honest, wrong, honest2], 3, rule), [0, 2]);
    assert.deepEqual(majorityGroup([wrong, honest, null], 3, rule), null, "one of three (a no-show) is no majority");
    assert.deepEqual(majorityGroup([honest], 1, rule), [0]);
    assert.deepEqual(majorityGroup([honest, wrong], 2, rule), null, "1 of 2 is not a strict majority");
  });
});
