import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { challengeable, challengeInput } from "../../../modules/jobs/challenges.js";
import { defaultParams } from "../../../modules/jobs/params.js";
import { challengeInputsProblem } from "../../../modules/registry/challengeInputs.js";
import { signatureOf } from "../../models/onnx.js";
import { decodeTensors, type Tensor } from "../../models/tensors.js";
import { zoo } from "../../models/zoo.js";
import { InferenceEngine } from "../inference.js";

// Every zoo model, registered as `npm start` registers it (its signature and the zoo's challenge
// recipe), can be sent capability challenges, and onnxruntime runs the input the chain draws:
// a challenge never slashes an honest provider for the chain's own input (docs/jobs.md), and its
// outputs depend on the input, so that a provider cannot answer without running the model.

const elements = (outputs: Record<string, Tensor>): number[] =>
  Object.keys(outputs)
    .sort()
    .flatMap((k) => Array.from(outputs[k]!.data as ArrayLike<number>, Number));

/** Zoo models registered without a recipe, on purpose: what a drawn input would give. */
const notChallenged: Record<
  string,
  { recipe: Array<{ name: string; shape: number[]; values: string[] }>; why: string }
> = {
  "ppocr-v4-det": {
    recipe: [{ name: "x", shape: [1, 3, 64, 64], values: [] }],
    why: "on drawn noise the detector finds no text: zeros, which need no model to send",
  },
};

async function runDrawn(z: (typeof zoo)[string], model: Parameters<typeof challengeInput>[0], maxBytes: number) {
  const bytes = z.bytes();
  const hash = createHash("sha256").update(bytes).digest("hex");
  const engine = new InferenceEngine({ threads: 1 });
  try {
    await engine.load(hash, bytes);
    const runs: number[][] = [];
    for (const s of ["seed-a", "seed-b"]) {
      const seed = createHash("sha256").update(s).digest();
      const inputs = decodeTensors(challengeInput(model, seed, maxBytes)!);
      const r = await engine.runJob(hash, `challenge-${s}`, [inputs], z.rule);
      assert.equal(r.sketch.components.length, z.rule.sketchSize);
      const out = elements(await engine.run(hash, inputs));
      assert.ok(out.every(Number.isFinite), "finite outputs");
      runs.push(out);
    }
    return runs as [number[], number[]];
  } finally {
    await engine.release();
  }
}

const spread = (x: number[]) => Math.max(...x) - Math.min(...x);

describe("capability challenges of the zoo models, run by onnxruntime", function () {
  this.timeout(120_000);
  const maxBytes = defaultParams().maxInlineInputBytes;

  for (const [name, { recipe, why }] of Object.entries(notChallenged))
    it(`${name}: registered without a recipe, because ${why}`, async () => {
      const z = zoo[name]!;
      const inputs = signatureOf(z.bytes()).inputs;
      assert.equal(z.challengeInputs, undefined);
      assert.equal(challengeable({ inputs, challengeInputs: [] }, maxBytes), false, "the default rule refuses it");
      const [a, b] = await runDrawn(z, { inputs, challengeInputs: recipe }, maxBytes);
      assert.ok(spread(a) < 1e-4 && spread(b) < 1e-4, `constant outputs (spread ${spread(a)}, ${spread(b)})`);
    });

  for (const z of Object.values(zoo).filter((m) => notChallenged[m.name] === undefined)) {
    it(`${z.name}: challengeable, and the chain's inputs run on the worker's path with outputs that vary`, async () => {
      const model = { inputs: signatureOf(z.bytes()).inputs, challengeInputs: z.challengeInputs ?? [] };
      assert.equal(challengeInputsProblem(model.inputs, model.challengeInputs), null, "a recipe the chain accepts");
      assert.ok(challengeable(model, maxBytes), "the chain can challenge it");
      const [a, b] = await runDrawn(z, model, maxBytes);
      assert.ok(spread(a) > 1e-4, `outputs not constant (spread ${spread(a)})`);
      assert.ok(
        a.some((v, i) => Math.abs(v - b[i]!) > 1e-4),
        "another seed, other outputs",
      );
    });
  }
});
