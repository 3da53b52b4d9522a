import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { moduleAddress } from "../../sdk/address.js";
import { any, txHelpers } from "../../staking/test/fixtures.js";
import { codecs as registryCodecs } from "../../registry/types.js";
import { drawWeighted } from "../keeper.js";
import { codecs, JobState, type MsgSubmitJob } from "../types.js";

const requester = rawKeyFromSeed("jobs-requester");
const prov = [0, 1, 2, 3].map((i) => rawKeyFromSeed(`jobs-provider-${i}`));
const model = createHash("sha256").update("mlp.onnx").digest("hex");

const submitMsg = (over: Partial<MsgSubmitJob> = {}) =>
  any(codecs.msgSubmitJob.typeUrl, codecs.msgSubmitJob.encode({ requester: requester.address, model, inputInline: new Uint8Array([1, 2, 3]), inputUri: "", inputSha256: "", k: 3, maxPricePerUnit: "10utcu", deadlineBlocks: "5", minReputation: 0, ...over }));
const cancelMsg = (id: string) => any(codecs.msgCancelJob.typeUrl, codecs.msgCancelJob.encode({ requester: requester.address, id }));

describe("jobs: submission, escrow, matching, expiry", () => {
  let chain: TestChain;
  const { ok, fails, q } = txHelpers(() => chain);
  const job = (id: string) => q("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id }), (b) => codecs.queryJobResponse.decode(b).job!);
  const balance = (address: string) => q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(), (b) => BigInt(QueryBalanceResponse.decode(b).balance!.amount));
  const escrow = () => balance(moduleAddress("jobs_escrow"));

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: [requester, ...prov].map((k) => ({ address: k.address, coins: [{ denom: "utcu", amount: 1_000_000_000n }] })),
      editGenesis: (d) => ((d.app_state["jobs"] as { params: { max_inline_input_bytes: string } }).params.max_inline_input_bytes = "1024"),
    });
    await ok(requester, [any(registryCodecs.msgRegisterModel.typeUrl, registryCodecs.msgRegisterModel.encode({ owner: requester.address, hash: model, name: "mlp", inputs: [{ name: "x", dtype: "float32", shape: [-1, 16] }], outputs: [{ name: "y", dtype: "float32", shape: [-1, 4] }], computeUnits: "10", rule: { sketchSize: 16, tolerance: 1000, topK: 0 }, uri: "" }))]);
    for (const [i, p] of prov.entries()) {
      await ok(p, [any(registryCodecs.msgRegisterProvider.typeUrl, registryCodecs.msgRegisterProvider.encode({ owner: p.address, moniker: `p${i}`, gpus: [{ vendor: "nvidia", model: "T4", memoryMib: 16384, count: 1 }], models: [model], pricePerUnit: i === 3 ? "50utcu" : "5utcu", slots: 1, x25519Pubkey: new Uint8Array(32).fill(i + 1), endpoint: "", bond: "20000000" }))]);
    }
  });

  it("takes the whole maximum payment into escrow and assigns k distinct eligible providers in the same block", async () => {
    const before = await balance(requester.address);
    const res = await ok(requester, [submitMsg()]);
    const id = codecs.msgSubmitJobResponse.decode(res.txResults[0]!.data.length > 0 ? decodeResponse(res.txResults[0]!.data) : new Uint8Array()).id;
    assert.equal(id, "1");
    assert.equal(await balance(requester.address), before - 300n - 1000n, "3 × 10utcu × 10 compute units, plus the fee");
    assert.equal(await escrow(), 300n);
    const j = await job("1");
    assert.equal(j.state, JobState.assigned);
    assert.deepEqual([...j.assignees].sort(), [prov[0]!.address, prov[1]!.address, prov[2]!.address].sort(), "the provider asking 50utcu is not eligible");
    assert.deepEqual(j.history.map((h) => h.state), [JobState.pending, JobState.assigned]);
    assert.ok(res.events.some((e) => e.type === "job_assigned"));
  });

  it("keeps a job waiting while too few providers have a free slot, and expires both with full refunds", async () => {
    await ok(requester, [submitMsg()]);
    await ok(requester, [submitMsg()]);
    assert.equal((await job("2")).state, JobState.pending, "every slot is taken by job 1");
    const before = await balance(requester.address);
    for (let i = 0; i < 6; i++) await chain.deliver([]);
    assert.equal((await job("1")).state, JobState.expired);
    assert.equal((await job("2")).state, JobState.expired);
    assert.equal(await balance(requester.address), before + 600n);
    assert.equal(await escrow(), 0n);
    // Slots are free again: a new job is assigned at once.
    await ok(requester, [submitMsg({ k: 2 })]);
    assert.equal((await job("3")).state, JobState.assigned);
  });

  it("cancels a pending job with a full refund; not an assigned one, nor someone else's", async () => {
    await ok(requester, [submitMsg({ minReputation: 900_000 })]); // nobody qualifies: waits
    await ok(requester, [submitMsg({ k: 1 })]);
    const before = await balance(requester.address);
    await ok(requester, [cancelMsg("1")]);
    assert.equal((await job("1")).state, JobState.cancelled);
    assert.equal(await balance(requester.address), before + 300n - 1000n);
    await fails(requester, [cancelMsg("2")], "jobs", 8);
    await fails(requester, [cancelMsg("99")], "jobs", 6);
    await fails(prov[0]!, [any(codecs.msgCancelJob.typeUrl, codecs.msgCancelJob.encode({ requester: prov[0]!.address, id: "2" }))], "jobs", 7);
  });

  it("refuses bad jobs with a clear code and takes nothing", async () => {
    const before = await balance(requester.address);
    await fails(requester, [submitMsg({ model: "ab".repeat(32) })], "jobs", 3);
    await fails(requester, [submitMsg({ k: 0 })], "jobs", 2);
    await fails(requester, [submitMsg({ k: 8 })], "jobs", 2);
    await fails(requester, [submitMsg({ maxPricePerUnit: "10uatom" })], "jobs", 4);
    await fails(requester, [submitMsg({ maxPricePerUnit: "10000000000utcu" })], "sdk", 5);
    await fails(requester, [submitMsg({ inputInline: new Uint8Array(2000) })], "jobs", 5);
    await fails(requester, [submitMsg({ inputUri: "https://x/y" })], "jobs", 2, /not both/);
    await fails(requester, [submitMsg({ inputInline: new Uint8Array(), inputUri: "https://x/y", inputSha256: "nope" })], "jobs", 2);
    await fails(requester, [submitMsg({ deadlineBlocks: "0" })], "jobs", 2);
    const paid = before - (await balance(requester.address));
    assert.ok(paid % 1000n === 0n && paid <= 9000n, `only fees were paid (${paid})`);
    assert.equal(await escrow(), 0n);
    const none = await chain.query("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id: "1" }));
    assert.equal(none.code, 6, "no job was created");
  });

  it("exports and re-imports open jobs and their slots to the same state", async () => {
    await ok(requester, [submitMsg()]);
    await ok(requester, [submitMsg()]);
    const exportAll = (c: TestChain) => c.app.withCommittedContext((ctx, modules) => Object.fromEntries(modules.map((m) => [m.name, m.exportGenesis(ctx)])));
    const exported = JSON.parse(JSON.stringify(exportAll(chain))) as Record<string, unknown>;
    const again = await createTestChain({ editGenesis: (d) => (d.app_state = JSON.parse(JSON.stringify(exported)) as Record<string, unknown>) });
    assert.deepEqual(JSON.parse(JSON.stringify(exportAll(again))), exported);
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
  });
});

describe("weighted draw without replacement", () => {
  it("is deterministic, distinct, and follows the weights", () => {
    const c = [
      { owner: "a", weight: 9n },
      { owner: "b", weight: 1n },
      { owner: "c", weight: 0n },
    ];
    const seed = (i: number) => createHash("sha256").update(`s${i}`).digest();
    assert.deepEqual(drawWeighted(c, 2, seed(1)), drawWeighted([...c].reverse(), 2, seed(1)), "input order does not matter");
    let aFirst = 0;
    for (let i = 0; i < 1000; i++) {
      const d = drawWeighted(c, 2, seed(i));
      assert.equal(new Set(d).size, 2);
      assert.ok(!d.includes("c") || d[0] !== "c", "a zero weight is never drawn before the others");
      if (d[0] === "a") aFirst++;
    }
    assert.ok(aFirst > 850 && aFirst < 950, `a drawn first ${aFirst}/1000 times for a 90% weight`);
  });
});

/** TxMsgData → the first message's response bytes. */
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
function decodeResponse(data: Uint8Array): Uint8Array {
  return TxMsgData.decode(data).msgResponses[0]!.value;
}
