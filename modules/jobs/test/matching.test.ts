import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { rawKeyFromSeed, signTx, type RawKey } from "../../../client/sdk/signing.js";
import { funded, txHelpers } from "../../../chain/testkit/fixtures.js";
import { bytesShapes, registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { accountOf, any } from "../../../chain/testkit/simWorkers.js";
import { codecs, JobState, type GpuRequirement, type MsgSubmitJob } from "../types.js";
import { jobQueries } from "./fixtures.js";

// Matching that one tx cannot block (docs/jobs.md, "Matching"): a griefer's single batch tx of
// thousands of unmatchable shards (a GPU nobody has, a price below every ask) no longer holds back
// an honest job, which is matched in the block it arrives in; each block examines a bounded number
// of pending jobs; a free job and a requester over its pending limit are refused, changing nothing.

const griefer = rawKeyFromSeed("matching-griefer");
const honest = rawKeyFromSeed("matching-honest");
const prov = [0, 1, 2].map((i) => rawKeyFromSeed(`matching-provider-${i}`));
const model = createHash("sha256").update("matching-model").digest("hex");
const scanBudget = 50;
const nobodyHas: GpuRequirement = { vendor: "nvidia", model: "H200", minMemoryMib: 1, minCount: 1 };

const submitMsg = (from: RawKey, over: Partial<MsgSubmitJob> = {}) =>
  any(
    codecs.msgSubmitJob.typeUrl,
    codecs.msgSubmitJob.encode({
      requester: from.address,
      model,
      inputs: [{ inline: new Uint8Array([1]), uri: "", sha256: "" }],
      sealed: [],
      k: 1,
      maxPricePerUnit: "5utcu",
      deadlineBlocks: "500",
      minReputation: 0,
      gpu: null,
      ...over,
    }),
  );
const junk = (n: number, over: Partial<MsgSubmitJob> = {}) =>
  submitMsg(griefer, {
    inputs: Array.from({ length: n }, (_, i) => ({ inline: Buffer.from(`junk-${i}`), uri: "", sha256: "" })),
    gpu: nobodyHas,
    ...over,
  });

describe("jobs: matching that one tx cannot block", function () {
  this.timeout(120_000);
  let chain: TestChain;
  const { ok, fails, q } = txHelpers(() => chain);
  const { job } = jobQueries(q);
  const idsOf = (res: ResponseFinalizeBlock, i: number) =>
    codecs.msgSubmitJobResponse.decode(TxMsgData.decode(res.txResults[i]!.data).msgResponses[0]!.value).ids;
  const examined = (res: ResponseFinalizeBlock) =>
    res.events
      .filter((e) => e.type === "matching")
      .map((e) => Number(e.attributes.find((a) => a.key === "examined")!.value));
  /** A tx with room for thousands of shards (gas is per byte written). */
  const bigTx = async (key: RawKey, msgs: ReturnType<typeof any>[]) => {
    const acc = await accountOf(chain, key.address);
    return signTx(key, {
      chainId: chain.chainId,
      accountNumber: acc.accountNumber,
      sequence: acc.sequence,
      msgs,
      fee: { amount: [{ denom: "utcu", amount: "750000" }], gasLimit: 300_000_000n },
    });
  };

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: funded([griefer, honest, ...prov]),
      editGenesis: (d) => {
        Object.assign((d.app_state["jobs"] as { params: Record<string, unknown> }).params, {
          max_inputs_per_shard: 1,
          max_batch_inputs: 5000,
          max_pending_per_requester: 5000,
          max_match_scans_per_block: scanBudget,
          max_misses_per_requester: 10,
          commit_window: "3",
          reveal_window: "3",
        });
      },
    });
    await registerModel(ok, honest, model, { name: "m", ...bytesShapes });
    await registerProviders(ok, prov, { models: [model], slots: 2 });
  });

  it("an honest job is matched in the block it arrives in while thousands of unmatchable shards from one batch tx wait", async () => {
    // One batch tx: 3000 shards needing a GPU nobody has. Before: matching looked at the first
    // 100 pending ids every block, so every later job waited behind them until their deadline.
    const res = await chain.deliver([await bigTx(griefer, [junk(3000)])]);
    assert.equal(res.txResults[0]!.code, 0, res.txResults[0]!.log);
    const junkIds = idsOf(res, 0);
    assert.equal(junkIds.length, 3000);
    assert.ok(
      examined(res).every((n) => n <= scanBudget),
      "the block examined at most the scan budget",
    );
    for (let round = 0; round < 3; round++) {
      const r = await ok(honest, [submitMsg(honest)]);
      const [id] = idsOf(r, 0);
      assert.equal(
        (await job(id!)).state,
        JobState.assigned,
        `honest job ${id} matched in the block it was submitted in`,
      );
      assert.ok(examined(r).every((n) => n <= scanBudget));
    }
    // Also when the junk comes in the same block, ahead of the honest job.
    const both = await chain.deliver([
      await bigTx(griefer, [junk(1000, { maxPricePerUnit: "1utcu", gpu: null })]),
      await bigTx(honest, [submitMsg(honest)]),
    ]);
    assert.equal(both.txResults[0]!.code, 0, both.txResults[0]!.log);
    assert.equal(
      (await job(idsOf(both, 1)[0]!)).state,
      JobState.assigned,
      "priced below every ask, the junk does not hold the honest job back either",
    );
    assert.ok(examined(both).every((n) => n <= scanBudget));
    for (const id of [junkIds[0]!, junkIds[2999]!])
      assert.equal(
        (await job(id)).state,
        JobState.pending,
        "the junk waits (until its deadline, with its escrow locked)",
      );
    // Where matching resumes is state: it survives export and import to the same app hash.
    const exported = JSON.parse(JSON.stringify(exportAppState(chain))) as Record<
      string,
      { matching?: { resume: unknown[] } }
    >;
    assert.ok(
      (exported["jobs"]!.matching?.resume.length ?? 0) > 0,
      "a requester's turn ended early, so there is a cursor to carry",
    );
    const again = await importAppState(exported);
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
  });

  it("a griefer's many requester addresses are visited in turn: an honest job still goes within a bounded number of blocks", async () => {
    // 20 sybil requesters, each with 200 unmatchable shards: 20 × 10 misses = 200 examinations
    // wanted per block, 50 allowed: the honest requester's turn comes within ceil(21 / 5) blocks.
    const sybils = Array.from({ length: 20 }, (_, i) => rawKeyFromSeed(`matching-sybil-${i}`));
    chain = await createTestChain({
      accounts: funded([honest, ...sybils, ...prov]),
      editGenesis: (d) =>
        Object.assign((d.app_state["jobs"] as { params: Record<string, unknown> }).params, {
          max_inputs_per_shard: 1,
          max_batch_inputs: 5000,
          max_match_scans_per_block: scanBudget,
          max_misses_per_requester: 10,
        }),
    });
    await registerModel(ok, honest, model, { name: "m", ...bytesShapes });
    await registerProviders(ok, [prov[0]!], { moniker: "p", models: [model], slots: 4 });
    const txs = await Promise.all(
      sybils.map((s) =>
        bigTx(s, [
          submitMsg(s, {
            inputs: Array.from({ length: 200 }, (_, i) => ({ inline: Buffer.from(`j${i}`), uri: "", sha256: "" })),
            gpu: nobodyHas,
          }),
        ]),
      ),
    );
    const res = await chain.deliver(txs);
    assert.ok(res.txResults.every((r) => r.code === 0));
    const r = await ok(honest, [submitMsg(honest)]);
    const [id] = idsOf(r, 0);
    let blocks = 1;
    while ((await job(id!)).state === JobState.pending) {
      assert.ok(examined(await chain.deliver([])).every((n) => n <= scanBudget));
      blocks++;
      assert.ok(blocks <= 5, "matched within ceil(requesters × misses / budget) blocks");
    }
    assert.equal((await job(id!)).state, JobState.assigned);
  });

  it("refuses a job below min_price_per_unit and a batch over max_pending_per_requester, changing nothing", async () => {
    const next = () =>
      q("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id: "1" }), (b) => b).then(
        () => true,
        () => false,
      );
    await fails(griefer, [junk(10, { maxPricePerUnit: "0utcu" })], "jobs", 30, /below|</);
    assert.equal(await next(), false, "no job was created");
    const res = await chain.deliver([await bigTx(griefer, [junk(4990)])]);
    assert.equal(res.txResults[0]!.code, 0, res.txResults[0]!.log);
    const over = await chain.deliver([await bigTx(griefer, [junk(11)])]);
    assert.equal(over.txResults[0]!.codespace, "jobs");
    assert.equal(over.txResults[0]!.code, 31, over.txResults[0]!.log);
    await ok(griefer, [junk(10)]);
    await fails(griefer, [junk(1)], "jobs", 31);
  });
});
