import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { computeSketch } from "../modules/jobs/sketch.js";
import { encodeResult, flatten, type Tensor } from "../client/models/tensors.js";
import { zoo } from "../client/models/zoo.js";
import { InferenceEngine } from "../client/worker/inference.js";

// npm run bench:worker [-- --seconds 3 --threads 1]: the worker's per-job path (inference through
// its warm session, output encoding, digest and sketch) against bare onnxruntime-node on the same
// models, inputs and threads, in the same run. Prints runs/s and the ratio (aim ≥ 0.95).

const { values } = parseArgs({ options: { seconds: { type: "string", default: "3" }, threads: { type: "string", default: "1" }, models: { type: "string", default: "mlp-64x128x128x32,cnn-3x32x32-c10,silero-vad,ppocr-mobile-v2-cls,ppocr-v4-det" } } });
const seconds = Number(values.seconds);
const threads = Number(values.threads);

async function measure(fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 5; i++) await fn(); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await fn();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

console.log(`model                   bare ort runs/s   worker runs/s   ratio   (threads ${threads}, ${seconds} s each)`);
const ratios: number[] = [];
for (const name of values.models.split(",")) {
  const m = zoo[name];
  if (m === undefined) throw new Error(`unknown model ${name}`);
  const bytes = m.bytes();
  const hash = createHash("sha256").update(bytes).digest("hex");
  const input = m.sampleInput(0);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, executionProviders: ["cpu"], graphOptimizationLevel: "all" });
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(input)) feeds[k] = new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.shape);
  const bare = await measure(async () => {
    await session.run(feeds);
  });
  await session.release();
  const engine = new InferenceEngine({ threads });
  await engine.load(hash, bytes);
  const worker = await measure(async () => {
    const out: Record<string, Tensor> = await engine.run(hash, input);
    const payload = encodeResult([out]);
    createHash("sha256").update(payload).digest();
    computeSketch("1", flatten(out), m.rule);
  });
  await engine.release();
  ratios.push(worker / bare);
  console.log(`${name.padEnd(23)} ${bare.toFixed(1).padStart(15)} ${worker.toFixed(1).padStart(15)} ${(worker / bare).toFixed(3).padStart(7)}`);
}
const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
console.log(`geometric mean ratio ${geo.toFixed(3)} (aim ≥ 0.95)`);
