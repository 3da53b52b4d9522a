import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { computeSketch, type ComparisonRule } from "../../../modules/jobs/sketch.js";
import { computeSketchFast, keptBytes, shake256, sketchModuleBytes, wasm } from "../sketchWasm.js";
import { xorshift32 } from "../../../chain/testkit/xorshift.js";

// The worker's WebAssembly sketch (sketchWasm.ts) against the reference computeSketch
// (modules/jobs/sketch.ts): the same components, top-k and length, exactly, for every zoo model's
// output size and sizes around multiples of 8, plain and keyed, with and without top-k, over
// outputs that make float64 rounding visible in the components (sums near 2^31..2^33, where one
// ulp is ~1 unit of 10^-6; cancellations of 10^16 against small values, where any other
// summation order gives a different sum), and over -0, denormals, huge values; outputs with NaN,
// ±Infinity or an overflowing sum throw the reference's error.

/** A deterministic generator in [0, 1) (xorshift32), so that a failure can be replayed. */
function rng(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 2 ** 32;
}

const zooSizes = [32, 10, 257, 2, 9216];
const edgeSizes = [1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 20_001];

type Gen = (n: number, r: () => number) => Float32Array | Float64Array;
const gens: Record<string, Gen> = {
  "float32 in ±1": (n, r) => Float32Array.from({ length: n }, () => r() * 2 - 1),
  "float64 near 2^31": (n, r) => Float64Array.from({ length: n }, () => (r() * 2 - 1) * 3e9),
  "float32 near 2^31": (n, r) => Float32Array.from({ length: n }, () => (r() * 2 - 1) * 3e9),
  cancellation: (n, r) =>
    Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? (r() < 0.5 ? 1e16 : -1e16) : r() * 3 - 1.5)),
  "-0, denormals, huge": (n, r) =>
    Float64Array.from({ length: n }, () => {
      const k = Math.floor(r() * 8);
      return [-0, 0, 5e-324, -5e-324, 1e-310, 1e300, -1.7e308, r()][k]!;
    }),
  "float32 denormals and ±0": (n, r) =>
    Float32Array.from({ length: n }, () => [1e-45, -1e-45, 1e-40, -0, 0, r() * 1e-38][Math.floor(r() * 6)]!),
};

/** The result, or the error's message. */
function outcome(f: () => ReturnType<typeof computeSketch>): string {
  try {
    return JSON.stringify(f(), (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe("WebAssembly sketch (sketchWasm.ts)", function () {
  this.timeout(120_000);
  const key = createHash("sha256").update("sketch key").digest();

  it("is a valid WebAssembly SIMD module", () => {
    assert.equal(wasm.validate(sketchModuleBytes), true);
  });

  it("gives computeSketch's components and top-k exactly, plain and keyed", () => {
    let compared = 0;
    let thrown = 0;
    for (const [name, gen] of Object.entries(gens))
      for (const n of [...zooSizes, ...edgeSizes]) {
        const r = rng(n * 7919 + name.length);
        const x = gen(n, r);
        for (const rule of [
          { sketchSize: 16, tolerance: 1000, topK: 0 },
          { sketchSize: 16, tolerance: 1000, topK: n <= 10 ? 3 : 1 },
          { sketchSize: 1 + (n % 13), tolerance: 0, topK: 0 },
          { sketchSize: 24, tolerance: 0, topK: 2 },
        ] satisfies ComparisonRule[]) {
          for (const k of [undefined, key]) {
            const id = `job-${n}-${rule.sketchSize}`;
            const want = outcome(() => computeSketch(id, x, rule, k));
            const got = outcome(() => computeSketchFast(id, x, rule, k));
            assert.equal(
              got,
              want,
              `${name}, n=${n}, size ${rule.sketchSize}, top ${rule.topK}, keyed ${k !== undefined}`,
            );
            if (want.startsWith("error")) thrown++;
            else compared++;
          }
        }
      }
    // Both kinds of outcome were compared (huge values overflow some sums).
    assert.ok(compared > 200 && thrown > 0, `${compared} compared, ${thrown} thrown`);
  });

  it("throws the reference's error on NaN and ±Infinity anywhere", () => {
    const rule = { sketchSize: 16, tolerance: 0, topK: 0 };
    for (const n of [1, 9, 257, 9216])
      for (const bad of [NaN, Infinity, -Infinity])
        for (const at of [0, n >> 1, n - 1]) {
          const x = new Float32Array(n).fill(0.25);
          x[at] = bad;
          const want = outcome(() => computeSketch("1", x, rule));
          assert.match(want, /not finite/);
          assert.equal(
            outcome(() => computeSketchFast("1", x, rule)),
            want,
          );
        }
    assert.throws(() => computeSketchFast("1", new Float32Array(0), rule), /empty output/);
  });

  it("is not the same for another job id (the inputs reach the projection)", () => {
    const x = gens["float32 in ±1"]!(257, rng(3));
    const rule = { sketchSize: 16, tolerance: 0, topK: 0 };
    assert.notDeepEqual(computeSketchFast("1", x, rule).components, computeSketchFast("2", x, rule).components);
    assert.deepEqual(computeSketchFast("1", x, rule), computeSketch("1", x, rule));
  });

  it("is the same for an output past the kept memory, and for a small job right after it", () => {
    // n float64 alone exceed keptBytes: a throwaway instance (grown past the initial page).
    const n = keptBytes / 8 + 12_345;
    const r = rng(17);
    const big = Float32Array.from({ length: n }, () => r() * 2 - 1);
    const rule = { sketchSize: 9, tolerance: 0, topK: 2 };
    assert.equal(
      outcome(() => computeSketchFast("big", big, rule, key)),
      outcome(() => computeSketch("big", big, rule, key)),
    );
    // An unaligned Float32Array view, after the large job (stale memory must not leak in).
    const buf = new ArrayBuffer(4 * 1003);
    const view = new Float32Array(buf, 4, 1001).map(() => r() * 2e9 - 1e9);
    for (const id of ["a", "b"])
      assert.equal(
        outcome(() => computeSketchFast(id, view, rule)),
        outcome(() => computeSketch(id, view, rule)),
      );
  });

  it("squeezes node:crypto's SHAKE256 bytes, message lengths around every block edge", () => {
    // The rate is 136 bytes: messages of 0..3 blocks and around each edge (where the 0x1f and
    // 0x80 padding bytes meet or spill into a new block), outputs of 1 byte to 40 blocks.
    const r = rng(136);
    let checked = 0;
    for (const len of [0, 1, 2, 50, 134, 135, 136, 137, 200, 270, 271, 272, 273, 407, 408, 409])
      for (const out of [1, 7, 8, 32, 64, 135, 136, 137, 272, 528, 1000, 40 * 136]) {
        const msg = Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
        const want = createHash("shake256", { outputLength: out }).update(msg).digest();
        assert.deepEqual(Buffer.from(shake256(msg, out)), want, `message ${len} bytes, output ${out}`);
        checked++;
      }
    assert.equal(checked, 16 * 12);
  });

  it("gives computeSketch's sketch for job ids around the SHAKE256 block edge, any UTF-8", () => {
    // The message is "tcompute/sketch/v2/" (19 bytes) + id, or "tcompute/sketch/v3/" + key(32)
    // + "/" + id (52 + id): ids whose message ends at 134..138 bytes and at two blocks, ids with
    // 2-, 3- and 4-byte UTF-8 characters and a lone surrogate (written as U+FFFD both ways), and
    // output sizes whose sign bits are squeezed here (≤ 4 blocks) or by node:crypto (more).
    const ids: string[] = ["", "7", "job-1"];
    for (const base of [19, 52])
      for (const end of [134, 135, 136, 137, 138, 271, 272, 273]) ids.push("i".repeat(end - base));
    ids.push("é".repeat(60), "\u20ac".repeat(45), "\u{1F600}".repeat(30), "a\ud800b", "x".repeat(1000));
    const r = rng(5);
    let compared = 0;
    for (const n of [1, 10, 32, 257, 300, 2000])
      for (const rule of [
        { sketchSize: 16, tolerance: 0, topK: 0 },
        { sketchSize: 3, tolerance: 0, topK: 1 },
      ] satisfies ComparisonRule[]) {
        const x = Float32Array.from({ length: n }, () => r() * 2 - 1);
        for (const id of ids)
          for (const k of [undefined, key, new Uint8Array(5).fill(9)]) {
            assert.equal(
              outcome(() => computeSketchFast(id, x, rule, k)),
              outcome(() => computeSketch(id, x, rule, k)),
              `n=${n}, size ${rule.sketchSize}, id of ${id.length} units, key ${k?.length}`,
            );
            compared++;
          }
      }
    assert.equal(compared, 6 * 2 * ids.length * 3);
  });

  it("gives the same sketch whatever job came before (no stale bytes, grown memory)", () => {
    // Sizes alternate (the layout is cached by size), a long id and a big output grow the shared
    // memory in between (its views are made again), then the first job once more.
    const r = rng(11);
    const rule = { sketchSize: 16, tolerance: 0, topK: 0 };
    const small = Float32Array.from({ length: 32 }, () => r() * 2 - 1);
    const mid = Float32Array.from({ length: 257 }, () => r() * 2 - 1);
    const big = Float32Array.from({ length: 1_000_000 }, () => r() * 2 - 1);
    const want = outcome(() => computeSketch("first", small, rule));
    assert.equal(
      outcome(() => computeSketchFast("first", small, rule)),
      want,
    );
    for (const [id, x] of [
      ["m", mid],
      ["y".repeat(5000), small],
      ["big", big],
      ["m2", mid],
    ] as const)
      assert.equal(
        outcome(() => computeSketchFast(id, x, rule)),
        outcome(() => computeSketch(id, x, rule)),
        id.slice(0, 9),
      );
    assert.equal(
      outcome(() => computeSketchFast("first", small, rule)),
      want,
    );
  });
});
