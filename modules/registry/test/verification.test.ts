import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed, type RawKey } from "../../../client/sdk/signing.js";
import { SimWorker, strategies, workersStep } from "../../../chain/testkit/simWorkers.js";
import { codecs as jobsCodecs, JobState, Outcome } from "../../jobs/types.js";
import { any, funded, txHelpers } from "../../../chain/testkit/fixtures.js";
import { bytesShapes, registerModelMsg, registerProviders, type ModelSpec } from "../../../chain/testkit/providers.js";
import { defaultParams } from "../params.js";
import { codecs, type ComparisonRule } from "../types.js";

// Verification a registrant cannot hollow out, and names nobody can squat (docs/verification.md,
// "Bounds"; docs/economics.md, "Registry"): the comparison rule is held to module params (at
// registration and in genesis), so a registrant cannot make its own model's results unverifiable;
// model names are per owner, so nobody can take a name in someone else's namespace.

const owner = rawKeyFromSeed("verif-owner");
const squatter = rawKeyFromSeed("verif-squatter");
const requester = rawKeyFromSeed("verif-requester");
const prov = [0, 1, 2].map((i) => rawKeyFromSeed(`verif-provider-${i}`));
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const bounds = defaultParams();

const modelMsg = (from: RawKey, hash: string, name: string, rule: ComparisonRule | null, over: ModelSpec = {}) =>
  registerModelMsg(from, hash, { name, ...bytesShapes, rule, ...over });

describe("registry: verification a registrant cannot hollow out", function () {
  this.timeout(60_000);
  let chain: TestChain;
  const { ok, fails, q, tx } = txHelpers(() => chain);
  const modelByName = (name: string) =>
    chain.query("/tcompute.registry.v1.Query/ModelByName", codecs.queryModelByNameRequest.encode({ name }));
  const models = () =>
    q(
      "/tcompute.registry.v1.Query/Models",
      codecs.queryModelsRequest.encode({ pagination: null }),
      (b) => codecs.queryModelsResponse.decode(b).models,
    );

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: funded([owner, squatter, requester, ...prov]),
    });
  });

  it("refuses a rule that accepts anything: a tolerance past max_tolerance, a sketch of 0 or 1 components, an unbounded top_k or cost; nothing is stored", async () => {
    const h = sha("vacuous.onnx");
    for (const [rule, pattern] of [
      [{ sketchSize: 16, tolerance: 4_294_967_295, topK: 0 }, /tolerance/],
      [{ sketchSize: 16, tolerance: bounds.maxTolerance + 1, topK: 0 }, /tolerance/],
      [{ sketchSize: 1, tolerance: 1000, topK: 0 }, /sketch_size/],
      [{ sketchSize: 0, tolerance: 1000, topK: 0 }, /sketch_size/],
      [{ sketchSize: bounds.minSketchSize - 1, tolerance: 1000, topK: 0 }, /sketch_size/],
      [{ sketchSize: bounds.maxSketchSize + 1, tolerance: 1000, topK: 0 }, /sketch_size/],
      [{ sketchSize: 16, tolerance: 1000, topK: bounds.maxTopK + 1 }, /top_k/],
    ] as const) {
      await fails(owner, [modelMsg(owner, h, "vacuous", rule)], "registry", 2, pattern);
    }
    await fails(
      owner,
      [
        modelMsg(
          owner,
          h,
          "vacuous",
          { sketchSize: 16, tolerance: 1000, topK: 0 },
          { computeUnits: (bounds.maxComputeUnits + 1n).toString() },
        ),
      ],
      "registry",
      2,
      /compute_units/,
    );
    assert.deepEqual(await models(), [], "no model was registered");
  });

  it("at the loosest rule the params allow, a worker that did not run the model is still caught", async () => {
    const h = sha("loose.onnx");
    const loosest = { sketchSize: bounds.minSketchSize, tolerance: bounds.maxTolerance, topK: 0 };
    await ok(owner, [modelMsg(owner, h, "loose", loosest)]);
    await registerProviders(ok, prov, { models: [h], slots: 2 });
    const workers = prov.map((p, i) => new SimWorker(p, i === 0 ? strategies.lazy : strategies.honest, () => loosest));
    await ok(requester, [
      any(
        jobsCodecs.msgSubmitJob.typeUrl,
        jobsCodecs.msgSubmitJob.encode({
          requester: requester.address,
          model: h,
          inputs: [{ inline: new Uint8Array([7, 7, 7]), uri: "", sha256: "" }],
          sealed: [],
          k: 3,
          maxPricePerUnit: "5utcu",
          deadlineBlocks: "10",
          minReputation: 0,
          gpu: null,
        }),
      ),
    ]);
    await workersStep(chain, workers);
    await workersStep(chain, workers);
    const j = await q(
      "/tcompute.jobs.v1.Query/Job",
      jobsCodecs.queryJobRequest.encode({ id: "1" }),
      (b) => jobsCodecs.queryJobResponse.decode(b).job!,
    );
    assert.equal(j.state, JobState.settled);
    const lazy = j.assignments.find((a) => a.provider === prov[0]!.address)!;
    assert.equal(
      lazy.outcome,
      Outcome.rejected,
      "zeros do not agree with the honest output even at max_tolerance and min_sketch_size",
    );
    assert.ok(BigInt(lazy.slashed) > 0n);
  });

  it("genesis holds models to the same bounds, and params to theirs", async () => {
    const vacuous = {
      hash: sha("g.onnx"),
      name: "g",
      inputs: [{ name: "x", dtype: "uint8", shape: [-1] }],
      outputs: [{ name: "y", dtype: "float32", shape: [4] }],
      compute_units: "10",
      rule: { sketch_size: 1, tolerance: 4_000_000_000, top_k: 0 },
      uri: "",
      owner: owner.address,
      registered_height: "0",
    };
    await assert.rejects(
      createTestChain({ editGenesis: (d) => ((d.app_state["registry"] as { models: unknown[] }).models = [vacuous]) }),
      /sketch_size/,
    );
    await assert.rejects(
      createTestChain({
        editGenesis: (d) =>
          Object.assign((d.app_state["registry"] as { params: Record<string, unknown> }).params, {
            min_sketch_size: "1",
          }),
      }),
      /min_sketch_size/,
    );
    await assert.rejects(
      createTestChain({
        editGenesis: (d) =>
          Object.assign((d.app_state["registry"] as { params: Record<string, unknown> }).params, {
            max_tolerance: "1000000",
          }),
      }),
      /max_tolerance/,
    );
  });

  it("names are per owner: a squatter taking a name first blocks nobody, cannot write into another's namespace, and a bare name never resolves to a squatter silently once the owner registered it", async () => {
    const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };
    await ok(squatter, [modelMsg(squatter, sha("fake-mlp.onnx"), "mlp", rule)]);
    await ok(owner, [modelMsg(owner, sha("mlp.onnx"), "mlp", rule)]);
    // A message naming the owner's namespace needs the owner's signature.
    const forged = await tx(squatter, [modelMsg(owner, sha("forged.onnx"), "mlp2", rule)]);
    assert.notEqual(forged.txResults[0]!.code, 0);
    const of = async (name: string) => {
      const r = await modelByName(name);
      assert.equal(r.code, 0, r.log);
      return codecs.queryModelResponse.decode(r.value).model!;
    };
    assert.equal((await of(`${owner.address}/mlp`)).hash, sha("mlp.onnx"));
    assert.equal((await of(`${squatter.address}/mlp`)).hash, sha("fake-mlp.onnx"));
    const byOwnerField = await q(
      "/tcompute.registry.v1.Query/ModelByName",
      codecs.queryModelByNameRequest.encode({ name: "mlp", owner: owner.address }),
      (b) => codecs.queryModelResponse.decode(b).model!,
    );
    assert.equal(byOwnerField.hash, sha("mlp.onnx"));
    const bare = await modelByName("mlp");
    assert.equal(bare.codespace, "registry");
    assert.equal(bare.code, 14, "ambiguous: the caller must say whose");
    assert.match(bare.log, new RegExp(owner.address));
    await fails(owner, [modelMsg(owner, sha("mlp-v2.onnx"), "mlp", rule)], "registry", 4, /mlp/);
    // A name only one owner registered still resolves bare (the CLI's and SDK's convenience).
    await ok(owner, [modelMsg(owner, sha("cnn.onnx"), "cnn", rule)]);
    assert.equal((await of("cnn")).hash, sha("cnn.onnx"));
  });
});
