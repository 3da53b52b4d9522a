import { createHash, hash as sha } from "node:crypto";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { computeSketch } from "../modules/jobs/sketch.js";
import { encodeResult, sketchInput, type Tensor } from "../client/models/tensors.js";
import { zoo } from "../client/models/zoo.js";
import { InferenceEngine } from "../client/worker/inference.js";
import { computeSketchFast } from "../client/worker/sketchWasm.js";

// npm run bench:worker [-- --seconds 3 --threads 1 --depth 4 --parts]: the worker's per-job path
// (InferenceEngine.runJob: inference through its warm session, result payload, digest and sketch)
// against bare onnxruntime-node (InferenceSession.run) on the same models, inputs and threads, in
// the same run, the two alternating in 100 ms slices so that both see the same load. Both keep
// `depth` jobs in flight (the worker's default --slots is 4; bare onnxruntime runs one at a time
// on the main thread however many are in flight). Before measuring, each model's runJob result is
// checked against the reference path (encodeResult, sha256, computeSketch). Prints runs/s and the
// ratio per model (aim ≥ 0.95 on every one). --parts first prints, per model, what one job costs
// piece by piece, one job at a time (best of 7 rounds, µs): bare run, runJob on the main thread,
// the payload's sha256, the shake256 of the sign bits, computeSketch plain and keyed (modules/jobs, the
// reference), and
// the worker's computeSketchFast (client/worker/sketchWasm.ts) plain and keyed.

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    threads: { type: "string", default: "1" },
    depth: { type: "string", default: "4" },
    parts: { type: "boolean", default: false },
    models: {
      type: "string",
      default: "mlp-64x128x128x32,cnn-3x32x32-c10,silero-vad,ppocr-mobile-v2-cls,ppocr-v4-det",
    },
  },
});
const seconds = Number(values.seconds);
const threads = Number(values.threads);
const depth = Number(values.depth);

/** Runs of fn in ~ms milliseconds with `depth` in flight, waiting for the last ones. */
async function slice(fn: () => Promise<unknown>, ms: number): Promise<[number, number]> {
  const t0 = performance.now();
  let n = 0;
  const lane = async () => {
    while (performance.now() - t0 < ms) {
      await fn();
      n++;
    }
  };
  await Promise.all(Array.from({ length: depth }, lane));
  return [n, performance.now() - t0];
}

/**
 * Runs a and b alternately, in slices of ~100 ms each, for `seconds` of each in total, so that
 * both see the same load on a shared machine; returns runs per second of each.
 */
async function measurePair(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  // warm-up
  await slice(a, 50);
  await slice(b, 50);
  const runs = [0, 0];
  const time = [0, 0];
  const fns = [a, b];
  while (time[0]! < seconds * 1000 || time[1]! < seconds * 1000) {
    for (let k = 0; k < 2; k++) {
      const [n, ms] = await slice(fns[k]!, 100);
      time[k]! += ms;
      runs[k]! += n;
    }
  }
  return [runs[0]! / (time[0]! / 1000), runs[1]! / (time[1]! / 1000)];
}

/** Best µs per call of fn over 7 rounds of ~ms/7 each, one call at a time. */
async function perCall(fn: () => unknown, ms = 1400): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < ms / 7) {
      const r = fn();
      if (r instanceof Promise) await r;
      n++;
    }
    best = Math.min(best, ((performance.now() - t0) / n) * 1000);
  }
  return best;
}

/**
 * One zoo model opened both ways, with the same settings: a bare onnxruntime session with its
 * feeds, and the worker's engine (with or without its post thread).
 */
async function openModel(name: string, postThread: boolean) {
  const m = zoo[name];
  if (m === undefined) throw new Error(`unknown model ${name}`);
  const bytes = m.bytes();
  const hash = createHash("sha256").update(bytes).digest("hex");
  const input = m.sampleInput(0);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
  });
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(input))
    feeds[k] = new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.shape);
  const engine = new InferenceEngine(postThread ? { threads } : { threads, postThread: false });
  await engine.load(hash, bytes);
  return { m, hash, input, session, feeds, engine };
}

if (values.parts) {
  console.log(
    "per job, µs: bare run | runJob inline | sha256 payload | shake256 signs | computeSketch | keyed | wasm sketch | keyed",
  );
  const key = new Uint8Array(32).fill(1);
  for (const name of values.models.split(",")) {
    const { m, hash, input, session, feeds, engine } = await openModel(name, false);
    const outs = [await engine.run(hash, input)];
    const payload = encodeResult(outs);
    const all = sketchInput(outs);
    const signBytes = m.rule.sketchSize * Math.ceil(all.length / 8);
    let seq = 0;
    const t = [
      await perCall(() => session.run(feeds)),
      await perCall(() => engine.runJob(hash, String(++seq), [input], m.rule)),
      await perCall(() => sha("sha256", payload, "buffer")),
      await perCall(() =>
        createHash("shake256", { outputLength: signBytes }).update(`tcompute/sketch/v2/${++seq}`).digest(),
      ),
      await perCall(() => computeSketch(String(++seq), all, m.rule)),
      await perCall(() => computeSketch(String(++seq), all, m.rule, key)),
      await perCall(() => computeSketchFast(String(++seq), all, m.rule)),
      await perCall(() => computeSketchFast(String(++seq), all, m.rule, key)),
    ];
    console.log(`${name.padEnd(23)} n=${all.length} ${t.map((x) => x.toFixed(1)).join(" | ")}`);
    await session.release();
    await engine.release();
  }
}

console.log(
  `model                   bare ort runs/s   worker runs/s   ratio   (threads ${threads}, ${depth} in flight, ${seconds} s each)`,
);
const ratios: number[] = [];
for (const name of values.models.split(",")) {
  const { m, hash, input, session, feeds, engine } = await openModel(name, true);
  // The worker's result is the reference path's, alone and with jobs in flight (post thread).
  const outs: Array<Record<string, Tensor>> = [await engine.run(hash, input)];
  const payload = encodeResult(outs);
  const want = JSON.stringify([sha("sha256", payload, "hex"), computeSketch("7", sketchInput(outs), m.rule)], (_, v) =>
    typeof v === "bigint" ? v.toString() : v,
  );
  for (const r of [
    await engine.runJob(hash, "7", [input], m.rule),
    ...(await Promise.all([1, 2, 3].map(() => engine.runJob(hash, "7", [input], m.rule)))),
  ]) {
    const got = JSON.stringify([r.digest.toString("hex"), r.sketch], (_, v) =>
      typeof v === "bigint" ? v.toString() : v,
    );
    if (got !== want || !Buffer.from(r.payload).equals(Buffer.from(payload)))
      throw new Error(`${name}: runJob differs from the reference path`);
  }
  let seq = 0;
  const [bare, worker] = await measurePair(
    () => session.run(feeds),
    () => engine.runJob(hash, String(++seq), [input], m.rule),
  );
  await session.release();
  await engine.release();
  ratios.push(worker / bare);
  console.log(
    `${name.padEnd(23)} ${bare.toFixed(1).padStart(15)} ${worker.toFixed(1).padStart(15)} ${(worker / bare).toFixed(3).padStart(7)}`,
  );
}
const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
console.log(
  `geometric mean ratio ${geo.toFixed(3)}, lowest ${Math.min(...ratios).toFixed(3)} (aim ≥ 0.95 on every model)`,
);
