import { createHash, hash as sha } from "node:crypto";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { computeSketch } from "../modules/jobs/sketch.js";
import { encodeResult, sketchInput, type Tensor } from "../client/models/tensors.js";
import { zoo } from "../client/models/zoo.js";
import { InferenceEngine } from "../client/worker/inference.js";

// npm run bench:worker [-- --seconds 3 --threads 1]: the worker's per-job path (inference through
// its warm session, output encoding, digest and sketch) against bare onnxruntime-node on the same
// models, inputs and threads, in the same run, the two alternating in 100 ms slices so that both
// see the same load. Prints runs/s and the ratio per model (aim ≥ 0.95 on every one).

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    threads: { type: "string", default: "1" },
    models: {
      type: "string",
      default: "mlp-64x128x128x32,cnn-3x32x32-c10,silero-vad,ppocr-mobile-v2-cls,ppocr-v4-det",
    },
  },
});
const seconds = Number(values.seconds);
const threads = Number(values.threads);

/**
 * Runs a and b alternately, in slices of ~100 ms each, for `seconds` of each in total, so that
 * both see the same load on a shared machine; returns runs per second of each.
 */
async function measurePair(a: () => Promise<void>, b: () => Promise<void>): Promise<[number, number]> {
  for (let i = 0; i < 5; i++) {
    // warm-up
    await a();
    await b();
  }
  const runs = [0, 0];
  const time = [0, 0];
  const fns = [a, b];
  while (time[0]! < seconds * 1000 || time[1]! < seconds * 1000) {
    for (let k = 0; k < 2; k++) {
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < 100) {
        await fns[k]!();
        n++;
      }
      time[k]! += performance.now() - t0;
      runs[k]! += n;
    }
  }
  return [runs[0]! / (time[0]! / 1000), runs[1]! / (time[1]! / 1000)];
}

console.log(
  `model                   bare ort runs/s   worker runs/s   ratio   (threads ${threads}, ${seconds} s each)`,
);
const ratios: number[] = [];
for (const name of values.models.split(",")) {
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
  const engine = new InferenceEngine({ threads });
  await engine.load(hash, bytes);
  const [bare, worker] = await measurePair(
    async () => {
      await session.run(feeds);
    },
    async () => {
      const outs: Array<Record<string, Tensor>> = [await engine.run(hash, input)];
      const payload = encodeResult(outs);
      sha("sha256", payload, "buffer");
      computeSketch("1", sketchInput(outs), m.rule);
    },
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
