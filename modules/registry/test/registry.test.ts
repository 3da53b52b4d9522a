import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { AccountKeeper } from "../../auth/keeper.js";
import { BankKeeper } from "../../bank/keeper.js";
import { moduleAddress } from "../../sdk/address.js";
import { decOne } from "../../sdk/coins.js";
import { testContext } from "../../sdk/test/fixtures.js";
import { any, funded, txHelpers } from "../../../chain/testkit/fixtures.js";
import {
  registerModelMsg,
  registerProviderMsg,
  type ModelSpec,
  type ProviderSpec,
} from "../../../chain/testkit/providers.js";
import { providerBondsPoolName, RegistryKeeper } from "../keeper.js";
import { codecs, ProviderStatus } from "../types.js";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";

const owner = rawKeyFromSeed("registry-owner");
const prov = [0, 1].map((i) => rawKeyFromSeed(`registry-provider-${i}`));
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const mlp = sha("mlp.onnx");
const cnn = sha("cnn.onnx");

function modelMsg(hash: string, name: string, over: ModelSpec = {}) {
  return registerModelMsg(owner, hash, {
    name,
    outputs: [{ name: "y", dtype: "float32", shape: [-1, 4] }],
    rule: { sketchSize: 16, tolerance: 1000, topK: 1 },
    uri: "npm:@tcompute/models/mlp.onnx",
    ...over,
  });
}

function providerMsg(i: number, over: ProviderSpec = {}) {
  return registerProviderMsg(prov[i]!, i, {
    moniker: `gpu-farm-${i}`,
    gpus: [{ vendor: "nvidia", model: "A100", memoryMib: 81920, count: 2 }],
    models: [mlp],
    slots: 4,
    endpoint: `http://127.0.0.1:${9000 + i}`,
    ...over,
  });
}

const ownerMsg = (typeUrl: string, i: number) =>
  any(typeUrl, codecs.msgPauseProvider.encode({ owner: prov[i]!.address }));

describe("registry: models and providers", () => {
  let chain: TestChain;
  const { ok, fails, q } = txHelpers(() => chain);
  const provider = (i: number) =>
    q(
      "/tcompute.registry.v1.Query/Provider",
      codecs.queryProviderRequest.encode({ owner: prov[i]!.address }),
      (b) => codecs.queryProviderResponse.decode(b).provider!,
    );
  const balance = (address: string) =>
    q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(), (b) =>
      BigInt(QueryBalanceResponse.decode(b).balance!.amount),
    );

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: funded([owner, ...prov]),
      editGenesis: (d) =>
        ((
          d.app_state["registry"] as { params: { provider_unbonding_seconds: string } }
        ).params.provider_unbonding_seconds = "5"),
    });
    await ok(owner, [modelMsg(mlp, "mlp-16x4")]);
  });

  it("registers a model once, by hash and by name, and answers queries for it", async () => {
    const byHash = await q(
      "/tcompute.registry.v1.Query/Model",
      codecs.queryModelRequest.encode({ hash: mlp }),
      (b) => codecs.queryModelResponse.decode(b).model!,
    );
    assert.equal(byHash.name, "mlp-16x4");
    assert.deepEqual(byHash.inputs[0]!.shape, [-1, 16]);
    assert.equal(byHash.rule!.sketchSize, 16);
    const byName = await q(
      "/tcompute.registry.v1.Query/ModelByName",
      codecs.queryModelByNameRequest.encode({ name: "mlp-16x4" }),
      (b) => codecs.queryModelResponse.decode(b).model!,
    );
    assert.equal(byName.hash, mlp);
    await fails(owner, [modelMsg(mlp, "other")], "registry", 3);
    await fails(owner, [modelMsg(cnn, "mlp-16x4")], "registry", 4);
    await ok(owner, [modelMsg(cnn, "cnn-small")]);
    const list = await q(
      "/tcompute.registry.v1.Query/Models",
      codecs.queryModelsRequest.encode({
        pagination: { key: new Uint8Array(), offset: "0", limit: "1", countTotal: true },
      }),
      (b) => codecs.queryModelsResponse.decode(b),
    );
    assert.equal(list.models.length, 1);
    assert.equal(list.pagination!.total, "2");
    assert.ok(list.pagination!.nextKey.length > 0);
  });

  it("refuses malformed models with a clear code", async () => {
    await fails(owner, [modelMsg("abc", "x")], "registry", 2, /sha256/);
    await fails(owner, [modelMsg(cnn, "bad name!")], "registry", 2, /name/);
    await fails(
      owner,
      [modelMsg(cnn, "c", { inputs: [{ name: "x", dtype: "float128", shape: [1] }] })],
      "registry",
      2,
      /dtype/,
    );
    await fails(
      owner,
      [modelMsg(cnn, "c", { inputs: [{ name: "x", dtype: "float32", shape: [0] }] })],
      "registry",
      2,
      /dimension/,
    );
    await fails(owner, [modelMsg(cnn, "c", { computeUnits: "0" })], "registry", 2, /compute_units/);
    await fails(owner, [modelMsg(cnn, "c", { rule: null })], "registry", 2, /rule/);
    await fails(owner, [modelMsg(cnn, "c", { outputs: [] })], "registry", 2, /outputs/);
    // Bytes that are not the message at all: a decode error, nothing stored.
    await fails(
      owner,
      [any(codecs.msgRegisterModel.typeUrl, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f]))],
      "sdk",
      2,
    );
  });

  it("keeps a registrant's challenge recipe, and refuses one that does not fit the inputs, storing nothing", async () => {
    const vad = sha("vad.onnx");
    const inputs = [
      { name: "input", dtype: "float32", shape: [-1, -1] },
      { name: "sr", dtype: "int64", shape: [] },
      { name: "h", dtype: "float32", shape: [2, 1, 64] },
    ];
    const recipe = [
      { name: "input", shape: [1, 512], values: [] },
      { name: "sr", shape: [], values: ["16000"] },
      { name: "h", shape: [2, 1, 64], values: [] },
    ];
    const model = (hash: string) =>
      q(
        "/tcompute.registry.v1.Query/Model",
        codecs.queryModelRequest.encode({ hash }),
        (b) => codecs.queryModelResponse.decode(b).model!,
      );
    const bad: Array<[string, Array<{ name: string; shape: number[]; values: string[] }>, RegExp]> = [
      ["one input left out", recipe.slice(0, 2), /3 inputs/],
      ["an unknown name", [...recipe.slice(0, 2), { name: "c", shape: [2, 1, 64], values: [] }], /no input/],
      ["a name twice", [recipe[0]!, recipe[0]!, recipe[1]!], /twice/],
      ["another rank", [{ name: "input", shape: [512], values: [] }, ...recipe.slice(1)], /dimensions/],
      ["a fixed dimension changed", [...recipe.slice(0, 2), { name: "h", shape: [2, 1, 32], values: [] }], /is 64/],
      ["a dynamic dimension of 0", [{ name: "input", shape: [1, 0], values: [] }, ...recipe.slice(1)], /1 to 65536/],
      [
        "a dynamic dimension too large",
        [{ name: "input", shape: [1, 70000], values: [] }, ...recipe.slice(1)],
        /1 to 65536/,
      ],
      [
        "values for a float input",
        [{ name: "input", shape: [1, 512], values: ["1"] }, ...recipe.slice(1)],
        /no values/,
      ],
      [
        "an int64 input without values",
        [recipe[0]!, { name: "sr", shape: [], values: [] }, recipe[2]!],
        /needs the values/,
      ],
      [
        "a value that is not an integer",
        [recipe[0]!, { name: "sr", shape: [], values: ["16e3"] }, recipe[2]!],
        /decimal/,
      ],
      [
        "a value with a leading zero",
        [recipe[0]!, { name: "sr", shape: [], values: ["016000"] }, recipe[2]!],
        /decimal/,
      ],
      [
        "a value outside int64",
        [recipe[0]!, { name: "sr", shape: [], values: [(2n ** 63n).toString()] }, recipe[2]!],
        /outside/,
      ],
      [
        "too many values",
        [recipe[0]!, { name: "sr", shape: [], values: Array.from({ length: 65 }, (_, i) => `${i}`) }, recipe[2]!],
        /at most 64/,
      ],
      [
        // 1×65,536 float32 is 256 KiB: more than a job's inline input may be (jobs param, 64 KiB),
        // so the chain could never send it; refused, not a silent opt-out of challenges.
        "more bytes than an inline input may hold",
        [{ name: "input", shape: [1, 65536], values: [] }, ...recipe.slice(1)],
        /262664 bytes.*max_inline_input_bytes \(65536\)/,
      ],
    ];
    for (const [why, challengeInputs, message] of bad) {
      await fails(owner, [modelMsg(vad, "vad", { inputs, challengeInputs })], "registry", 2, message);
      await assert.rejects(model(vad), /not found|NotFound|code/i, `${why}: nothing stored`);
    }
    await fails(
      owner,
      [
        modelMsg(vad, "vad", {
          inputs: [{ name: "s", dtype: "string", shape: [1] }],
          challengeInputs: [{ name: "s", shape: [1], values: [] }],
        }),
      ],
      "registry",
      2,
      /string input cannot be challenged/,
    );
    await fails(
      owner,
      [
        modelMsg(vad, "vad", {
          inputs: [{ name: "m", dtype: "bool", shape: [4] }],
          challengeInputs: [{ name: "m", shape: [4], values: ["2"] }],
        }),
      ],
      "registry",
      2,
      /outside bool/,
    );
    await ok(owner, [modelMsg(vad, "vad", { inputs, challengeInputs: recipe })]);
    assert.deepEqual((await model(vad)).challengeInputs, recipe);
    assert.deepEqual((await model(mlp)).challengeInputs, [], "no recipe: empty");
    // Export and import keep it; a genesis whose recipe does not fit is refused.
    const exported = JSON.parse(JSON.stringify(exportAppState(chain))) as {
      registry: { models: Array<{ hash: string; challenge_inputs: Array<{ values: string[] }> }> };
    };
    const again = await importAppState(exported);
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
    exported.registry.models.find((m) => m.hash === vad)!.challenge_inputs[1]!.values = [];
    await assert.rejects(importAppState(exported), /sr.*needs the values/);
    // Genesis holds its models to every check a registration makes (the jobs module trusts them).
    type GenesisModel = {
      hash: string;
      name: string;
      compute_units: string;
      inputs: Array<{ name: string; shape: unknown[] }>;
    };
    const breaks: Array<[string, (m: GenesisModel) => void, RegExp]> = [
      ["a duplicate input name", (m) => m.inputs.push({ ...m.inputs[0]! }), /inputs: duplicate tensor/],
      ["a 0 dimension", (m) => (m.inputs[0]!.shape = [0]), /dimension 0/],
      ["a bad name", (m) => (m.name = "no spaces allowed"), /name must be/],
      ["no compute units", (m) => (m.compute_units = "0"), /compute_units must be a positive integer/],
      ["a bad hash", (m) => (m.hash = "ABC"), /hash must be the lowercase hex/],
    ];
    for (const [what, edit, message] of breaks) {
      const doc = JSON.parse(JSON.stringify(exportAppState(chain))) as { registry: { models: GenesisModel[] } };
      edit(doc.registry.models.find((m) => m.hash === mlp)!);
      await assert.rejects(importAppState(doc), (e: Error & { code?: number }) => {
        assert.match(e.message, /^genesis model /, what);
        assert.match(e.message, message, what);
        assert.equal(e.code, 2, what);
        return true;
      });
    }
  });

  it("registers a provider with its bond in the provider_bonds account, indexed by model and status", async () => {
    const before = await balance(prov[0]!.address);
    await ok(prov[0]!, [providerMsg(0)]);
    const p = await provider(0);
    assert.equal(p.status, ProviderStatus.active);
    assert.equal(p.bond, "20000000");
    assert.deepEqual(p.gpus[0], { vendor: "nvidia", model: "A100", memoryMib: 81920, count: 2 });
    assert.equal(await balance(moduleAddress(providerBondsPoolName)), 20_000_000n);
    assert.equal(await balance(prov[0]!.address), before - 20_000_000n - 1000n);
    const byModel = await q(
      "/tcompute.registry.v1.Query/Providers",
      codecs.queryProvidersRequest.encode({ model: mlp, status: ProviderStatus.active, pagination: null }),
      (b) => codecs.queryProvidersResponse.decode(b).providers,
    );
    assert.deepEqual(
      byModel.map((x) => x.owner),
      [prov[0]!.address],
    );
    await fails(prov[0]!, [providerMsg(0)], "registry", 7);
    await fails(prov[1]!, [providerMsg(1, { bond: "5" })], "registry", 9);
    await fails(prov[1]!, [providerMsg(1, { models: [cnn] })], "registry", 5);
    await fails(prov[1]!, [providerMsg(1, { x25519Pubkey: new Uint8Array(31) })], "registry", 6, /x25519/);
    await fails(prov[1]!, [providerMsg(1, { gpus: [] })], "registry", 6);
    await fails(prov[1]!, [providerMsg(1, { endpoint: "ftp://x" })], "registry", 6);
    await fails(prov[1]!, [providerMsg(1, { pricePerUnit: "5uatom" })], "registry", 11);
    await fails(prov[1]!, [providerMsg(1, { pricePerUnit: "five" })], "registry", 6);
    await fails(
      prov[1]!,
      [providerMsg(1, { gpus: [{ vendor: "nvidia", model: "A100", memoryMib: 0, count: 0 }] })],
      "registry",
      6,
    );
    await fails(prov[1]!, [providerMsg(1, { bond: "99999999999999" })], "sdk", 5);
  });

  it("updates, pauses, resumes and deregisters; the bond comes back after the unbonding period", async () => {
    await ok(owner, [modelMsg(cnn, "cnn-small")]);
    await ok(prov[0]!, [providerMsg(0)]);
    const update = any(
      codecs.msgUpdateProvider.typeUrl,
      codecs.msgUpdateProvider.encode({
        owner: prov[0]!.address,
        moniker: "renamed",
        gpus: [{ vendor: "nvidia", model: "H100", memoryMib: 81920, count: 8 }],
        models: [cnn],
        pricePerUnit: "7utcu",
        slots: 8,
        x25519Pubkey: new Uint8Array(32).fill(9),
        endpoint: "https://p0.example",
        addBond: "1000000",
      }),
    );
    await ok(prov[0]!, [update]);
    const p = await provider(0);
    assert.equal(p.moniker, "renamed");
    assert.equal(p.bond, "21000000");
    const servesMlp = await q(
      "/tcompute.registry.v1.Query/Providers",
      codecs.queryProvidersRequest.encode({ model: mlp, status: 0, pagination: null }),
      (b) => codecs.queryProvidersResponse.decode(b).providers,
    );
    assert.equal(servesMlp.length, 0, "the by-model index follows the update");
    await ok(prov[0]!, [ownerMsg(codecs.msgPauseProvider.typeUrl, 0)]);
    assert.equal((await provider(0)).status, ProviderStatus.paused);
    await fails(prov[0]!, [ownerMsg(codecs.msgPauseProvider.typeUrl, 0)], "registry", 10);
    await ok(prov[0]!, [ownerMsg(codecs.msgResumeProvider.typeUrl, 0)]);
    await fails(prov[0]!, [ownerMsg(codecs.msgResumeProvider.typeUrl, 0)], "registry", 10);
    const before = await balance(prov[0]!.address);
    await ok(prov[0]!, [ownerMsg(codecs.msgDeregisterProvider.typeUrl, 0)]);
    assert.equal((await provider(0)).status, ProviderStatus.unbonding);
    for (let i = 0; i < 6; i++) await chain.deliver([]);
    assert.equal(await balance(prov[0]!.address), before - 1000n + 21_000_000n, "bond returned");
    const gone = await chain.query(
      "/tcompute.registry.v1.Query/Provider",
      codecs.queryProviderRequest.encode({ owner: prov[0]!.address }),
    );
    assert.equal(gone.codespace, "registry");
    assert.equal(gone.code, 8);
  });

  it("exports and re-imports models and providers to the same state", async () => {
    await ok(prov[0]!, [providerMsg(0)]);
    await ok(prov[1]!, [providerMsg(1)]);
    await ok(prov[1]!, [ownerMsg(codecs.msgDeregisterProvider.typeUrl, 1)]);
    const exported = JSON.parse(JSON.stringify(exportAppState(chain))) as Record<string, unknown>;
    const again = await importAppState(exported);
    assert.deepEqual(JSON.parse(JSON.stringify(exportAppState(again))), exported);
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
  });
});

describe("registry hooks for the jobs module", () => {
  function setup() {
    const accounts = new AccountKeeper();
    const bank = new BankKeeper(accounts, new Set());
    const k = new RegistryKeeper(bank);
    const ctx = testContext("block", { height: 5n, seconds: 100n });
    bank.initBalance(ctx.store, k.bondPool(), { denom: "utcu", amount: 20_000_000n });
    bank.setSupply(ctx.store, "utcu", 20_000_000n);
    k.setProvider(ctx.store, {
      owner: prov[0]!.address,
      moniker: "p",
      gpus: [],
      models: [mlp],
      pricePerUnit: "1utcu",
      slots: 1,
      x25519Pubkey: new Uint8Array(32),
      endpoint: "",
      bond: "20000000",
      status: ProviderStatus.active,
      unbondingCompletion: "0",
      challengesPassed: 0,
      challengesFailed: 0,
      registeredHeight: "1",
      jailedUntil: "0",
      challengeHold: false,
    });
    return { k, ctx, bank };
  }

  it("slashes a bond by a fraction, burns it, and jails a provider left below the minimum", () => {
    const { k, ctx, bank } = setup();
    assert.deepEqual(
      k.activeProvidersOfModel(ctx.store, mlp).map((p) => p.owner),
      [prov[0]!.address],
    );
    assert.equal(k.slashProviderBond(ctx, prov[0]!.address, decOne / 10n, "wrong_result"), 2_000_000n);
    assert.equal(bank.getSupply(ctx.store, "utcu"), 18_000_000n);
    assert.equal(k.getProvider(ctx.store, prov[0]!.address)!.status, ProviderStatus.active);
    k.slashProviderBond(ctx, prov[0]!.address, decOne / 2n, "no_show");
    assert.equal(k.getProvider(ctx.store, prov[0]!.address)!.bond, "9000000");
    assert.equal(k.getProvider(ctx.store, prov[0]!.address)!.status, ProviderStatus.jailed);
    assert.deepEqual(k.activeProvidersOfModel(ctx.store, mlp), []);
    assert.equal(k.slashProviderBond(ctx, "tc1nobody", decOne, "x"), 0n);
  });

  it("records capability challenges; a failed one jails the provider until it passes one", () => {
    const { k, ctx } = setup();
    k.recordChallenge(ctx, prov[0]!.address, true);
    assert.equal(k.getProvider(ctx.store, prov[0]!.address)!.challengesPassed, 1);
    k.recordChallenge(ctx, prov[0]!.address, false);
    const p = k.getProvider(ctx.store, prov[0]!.address)!;
    assert.equal(p.challengesFailed, 1);
    assert.equal(p.status, ProviderStatus.jailed);
    assert.equal(p.challengeHold, true);
  });
});
