import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { createNode, type Node } from "../../../chain/node/node.js";
import { makeTestHome } from "../../../chain/testkit/nodeProcess.js";
import { registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { loadConfig } from "../../../chain/types/nodeConfig.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { signatureOf } from "../../models/onnx.js";
import { zoo } from "../../models/zoo.js";
import { rawKeyFromSeed } from "../../sdk/signing.js";
import { loadOrCreateX25519 } from "../sealing.js";
import { Worker } from "../worker.js";
import { anySend, sdkSend } from "./fixtures.js";

// A provider's worker checks each model it serves when it starts, before the chain can send it a
// capability challenge: the registration is the first registrant's word for a public model's
// hash, and a challenge recipe the model refuses would fail every challenge and slash each
// provider serving it. The worker runs the input the chain would draw (from a local seed), keeps
// it as the model's control when it runs, and warns about one the model refuses and about
// registered inputs that are not the file's.

describe("the worker's check of the models it serves (in-process node)", function () {
  this.timeout(120_000);
  const owner = rawKeyFromSeed("selfcheck-owner");
  const provider = rawKeyFromSeed("selfcheck-provider");
  const dir = mkdtempSync(join(tmpdir(), "tcd-selfcheck-"));
  const files = (name: string) => {
    const z = zoo[name]!;
    const bytes = z.bytes();
    writeFileSync(join(dir, `${name}.onnx`), bytes);
    return { z, bytes, hash: createHash("sha256").update(bytes).digest("hex"), sig: signatureOf(bytes) };
  };
  const mlp = files("mlp-64x128x128x32");
  const vad = files("silero-vad");
  const cnn = files("cnn-3x32x32-c10");
  let node: Node;
  let rpcUrl = "";
  let worker: Worker | null = null;

  const send = sdkSend(() => rpcUrl);

  before(async () => {
    const t = await makeTestHome({
      accounts: [owner, provider].map((k) => ({
        address: k.address,
        coins: [{ denom: "utcu", amount: 1_000_000_000n }],
      })),
    });
    node = await createNode({ home: t.home, config: loadConfig(t.home), inMemory: true }, { logger: nopLogger });
    await node.start();
    rpcUrl = `http://${node.rpcAddress}`;
    const base = (x: typeof mlp) => ({
      name: x.z.name,
      inputs: x.sig.inputs,
      outputs: x.sig.outputs,
      rule: x.z.rule,
      computeUnits: x.z.computeUnits.toString(),
    });
    // As registered honestly: the file's signature, the default rule (float input).
    await registerModel(anySend(send), owner, mlp.hash, base(mlp));
    // A recipe planted by the first registrant: a 1-sample clip, which silero's reflect pad
    // refuses (the registry allows dynamic dimensions from 1).
    const planted = vad.z.challengeInputs!.map((c) => (c.name === "input" ? { ...c, shape: [1, 1] } : c));
    await registerModel(anySend(send), owner, vad.hash, { ...base(vad), challengeInputs: planted });
    // Registered inputs that are not the file's: another name for the image.
    const wrong = cnn.sig.inputs.map((t) => ({ ...t, name: `${t.name}_renamed` }));
    await registerModel(anySend(send), owner, cnn.hash, { ...base(cnn), inputs: wrong });
    await registerProviders(anySend(send), [provider], {
      gpus: [{ vendor: "cpu", model: "x86-64", memoryMib: 8192, count: 1 }],
      models: [mlp.hash, vad.hash, cnn.hash].sort(),
      slots: 2,
      x25519Pubkey: loadOrCreateX25519(join(dir, "x25519.json")).publicKey,
      bond: 50_000_000n,
    });
  });

  after(async () => {
    await worker?.stop();
    await node?.stop();
  });

  it("warns about a refused challenge input and a wrong registration; a good model's drawn input becomes its control", async () => {
    const lines: string[] = [];
    worker = new Worker({
      rpcUrl,
      signer: await DirectSecp256k1Wallet.fromKey(provider.privKey, "tc"),
      address: provider.address,
      storeDir: join(dir, "store"),
      x25519: loadOrCreateX25519(join(dir, "x25519.json")),
      engine: { threads: 1 },
      modelsDir: dir,
      pollMs: 500,
      log: (l) => lines.push(l),
    });
    await worker.start();
    const end = Date.now() + 60_000;
    while (worker.metrics.modelWarnings < 3 || ![mlp, vad, cnn].every((x) => worker!.engine.has(x.hash))) {
      if (Date.now() > end) assert.fail(`the check did not finish:\n${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500)); // a fourth warning, if any, has been logged
    const warnings = lines.filter((l) => /warning/.test(l));
    assert.equal(warnings.length, 3, warnings.join("\n"));
    const vadWarning = warnings.find((l) => l.includes(vad.hash.slice(0, 12)));
    assert.match(vadWarning ?? "", /refuses the input the chain draws for its capability challenges/);
    assert.match(vadWarning ?? "", /slash this provider.*stop serving it/);
    // The renamed input: the file's inputs differ, and the input drawn by those names is refused.
    const cnnWarnings = warnings.filter((l) => l.includes(cnn.hash.slice(0, 12))).join("\n");
    assert.match(cnnWarnings, /registered inputs \(image_renamed:float32\[-1,3,32,32\]\) are not the file's \(image:/);
    assert.match(cnnWarnings, /refuses the input the chain draws.*missing/);
    assert.ok(!warnings.some((l) => l.includes(mlp.hash.slice(0, 12))), "the honest registration passes");
    const control = await worker.engine.controlOf(mlp.hash);
    assert.equal(control?.owned, true, "the drawn input is the model's control");
    assert.deepEqual(control!.input["x"]!.shape, [1, 64]);
    assert.equal(await worker.engine.controlOf(vad.hash), null, "a refused input is not a control");
    assert.match(worker.metrics.render(provider.address), /tcompute_worker_model_warnings_total\{[^}]*\} 3/);
  });
});
