import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { codecs as reputationCodecs } from "../../reputation/types.js";
import { funded, ops, txHelpers, valoper } from "../../../chain/testkit/fixtures.js";
import { registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { commitResultMsg, revealResultMsg } from "../../../chain/testkit/results.js";
import { drawWeighted } from "../matching.js";
import { auditBy, bondValidators, untilRevealsOpen, verdictMsgs } from "../../../chain/testkit/auditors.js";
import { any, honestOutput, resultOf, SimWorker, strategies, workersStep } from "../../../chain/testkit/simWorkers.js";
import { computeSketch } from "../sketch.js";
import { AuditStatus, codecs, JobState, Outcome, type Job, type MsgSubmitJob } from "../types.js";
import { jobQueries, submitJobMsg } from "./fixtures.js";

const requester = rawKeyFromSeed("jobs-requester");
const prov = [0, 1, 2, 3].map((i) => rawKeyFromSeed(`jobs-provider-${i}`));
const model = createHash("sha256").update("mlp.onnx").digest("hex");
const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const bond = 20_000_000n;
const neutral = 500_000;

const input = (b: number[] = [1, 2, 3]) => ({ inline: new Uint8Array(b), uri: "", sha256: "" });
const submitMsg = (over: Partial<MsgSubmitJob> = {}) => submitJobMsg(requester, model, 1, { k: 3, ...over });
const cancelMsg = (id: string) =>
  any(codecs.msgCancelJob.typeUrl, codecs.msgCancelJob.encode({ requester: requester.address, id }));
const commitMsg = (provider: string, jobId: string, commitment: Uint8Array) =>
  any(codecs.msgCommitResult.typeUrl, codecs.msgCommitResult.encode({ provider, jobId, commitment }));
/** A verdict's commit and reveal (audits are commit–reveal, modules/jobs/auditVerdicts.ts). */
const verdictMsg = (validator: string, jobId: string, output: ArrayLike<number>) =>
  verdictMsgs(validator, jobId, { output, rule });

/** TxMsgData → the first message's response bytes. */
const responseOf = (data: Uint8Array) => TxMsgData.decode(data).msgResponses[0]!.value;

interface Setup {
  jobs?: Record<string, unknown>;
}

describe("jobs: escrow, matching, commit–reveal, settlement, audits, pruning", function () {
  this.timeout(60_000);
  let chain: TestChain;
  let workers: SimWorker[];
  const { ok, fails, q } = txHelpers(() => chain);
  const { job, balance, escrow, providerBond } = jobQueries(q);
  const score = (provider: string) =>
    q(
      "/tcompute.reputation.v1.Query/Reputation",
      reputationCodecs.queryReputationRequest.encode({ provider }),
      (b) => reputationCodecs.queryReputationResponse.decode(b).record!.score,
    );
  const step = (extra: Uint8Array[] = []) => workersStep(chain, workers, extra);
  const submit = async (over: Partial<MsgSubmitJob> = {}) =>
    codecs.msgSubmitJobResponse.decode(responseOf((await ok(requester, [submitMsg(over)])).txResults[0]!.data)).ids;
  const assignment = (j: Job, key: { address: string }) => j.assignments.find((a) => a.provider === key.address)!;
  const worker = (key: { address: string }) => workers.find((w) => w.address === key.address)!;

  async function setup(s: Setup = {}): Promise<void> {
    chain = await createTestChain({
      accounts: funded([requester, ...prov, ...ops]),
      editGenesis: (d) => {
        const params = (d.app_state["jobs"] as { params: Record<string, unknown> }).params;
        Object.assign(
          params,
          {
            max_inline_input_bytes: "1024",
            commit_window: "3",
            reveal_window: "3",
            audit_window: "4",
            retention_blocks: "5",
            audit_rate_ppm: 0,
            audit_rate_single_ppm: 0,
            audit_rate_low_reputation_ppm: 0,
          },
          s.jobs ?? {},
        );
      },
    });
    await registerModel(ok, requester, model, { rule });
    // p3 has eight MI300X at ten times the price.
    const mi300x = [{ vendor: "amd", model: "MI300X", memoryMib: 196608, count: 8 }];
    await registerProviders(ok, prov, { models: [model], bond }, (i) =>
      i === 3 ? { gpus: mi300x, pricePerUnit: "50utcu" } : {},
    );
    workers = prov.map((p) => new SimWorker(p, strategies.honest, () => rule));
  }

  /** Two validators with 70% of the power between them (more than 2/3), a third with 30%. */
  async function validators(): Promise<void> {
    await bondValidators(ok);
  }

  it("settles honest work within the commit and reveal windows: pays each worker its ask, refunds the rest, raises reputation", async () => {
    await setup();
    const before = await balance(requester.address);
    const [id] = await submit();
    assert.equal(id, "1");
    assert.equal(await escrow(), 300n, "3 × 10utcu × 10 compute units");
    let j = await job("1");
    assert.equal(j.state, JobState.assigned);
    assert.deepEqual(
      j.assignments.map((a) => a.provider).sort(),
      [prov[0]!.address, prov[1]!.address, prov[2]!.address].sort(),
      "the provider asking 50utcu is not eligible",
    );
    assert.ok(j.assignments.every((a) => a.gpu === "nvidia T4 16384MiB x1" && a.pricePerUnit === "5utcu"));
    const provBefore = await balance(prov[0]!.address);
    await step(); // commits: all in → reveal window opens at once
    assert.equal((await job("1")).state, JobState.revealing);
    await step(); // reveals: all in → settles in this block
    j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.ok(BigInt(j.finalHeight) - BigInt(j.assignedHeight) <= 6n, "within commit + reveal windows");
    assert.deepEqual(
      j.history.map((h) => h.state),
      [JobState.pending, JobState.assigned, JobState.revealing, JobState.settled],
    );
    assert.ok(j.assignments.every((a) => a.outcome === Outcome.accepted && a.paid === "50"));
    assert.equal(j.paid, "150");
    assert.equal(j.refunded, "150");
    assert.equal(await escrow(), 0n);
    assert.equal(await balance(requester.address), before - 150n - 1000n, "paid 3 × 5 × 10 and the fee");
    assert.equal(
      await balance(prov[0]!.address),
      provBefore + 50n - 2n - 2000n,
      "its ask, minus the protocol fee (5%, burned, floored) and the fees of its two txs",
    );
    for (const p of prov.slice(0, 3)) assert.ok((await score(p.address)) > neutral);
  });

  it("slashes the one wrong worker of three and lowers its reputation while the job settles", async () => {
    await setup();
    worker(prov[0]!).strategy = strategies.lazy;
    await submit();
    await step();
    await step();
    const j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.rejected);
    assert.equal(assignment(j, prov[0]!).slashed, "1000000", "5% of the bond");
    assert.equal(assignment(j, prov[0]!).paid, "0");
    assert.equal(await providerBond(prov[0]!.address), bond - 1_000_000n);
    assert.ok((await score(prov[0]!.address)) < neutral);
    assert.equal(j.paid, "100");
    assert.equal(j.refunded, "200");
  });

  it("a lazy worker cannot copy another's result: reveals wait for every commitment, and a reveal must match its own", async () => {
    await setup();
    worker(prov[0]!).strategy = strategies.absent;
    await submit();
    await step(); // p1 and p2 commit; p0 waits to copy
    const honest = resultOf(await job("1"), prov[1]!.address, honestOutput(await job("1")), rule);
    const revealOf = (who: string, r: typeof honest, salt = r.salt) => revealResultMsg(who, "1", r, { salt });
    await fails(
      prov[1]!,
      [revealOf(prov[1]!.address, worker(prov[1]!).pending.get("1")!)],
      "jobs",
      11,
      /once every assignee committed/,
    );
    // p0 commits a guess before anything is revealed, then tries to reveal p1's result.
    const guess = resultOf(await job("1"), prov[0]!.address, new Float32Array(64), rule);
    await ok(prov[0]!, [commitResultMsg(prov[0]!.address, "1", guess)]);
    assert.equal((await job("1")).state, JobState.revealing);
    await step(); // p1 and p2 reveal
    await fails(prov[0]!, [revealOf(prov[0]!.address, honest, guess.salt)], "jobs", 14);
    // Copying p1's commitment does not help either: it binds p1's address.
    await fails(prov[2]!, [commitMsg(prov[2]!.address, "1", new Uint8Array(32))], "jobs", 12);
    for (let i = 0; i < 3; i++) await chain.deliver([]);
    const j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.noShow, "committed and never revealed");
    assert.equal(assignment(j, prov[1]!).outcome, Outcome.accepted);
  });

  it("penalises no-shows: never committed, or committed and never revealed", async () => {
    await setup();
    worker(prov[0]!).strategy = strategies.absent;
    await submit();
    await step(); // p1, p2 commit
    await chain.deliver([]);
    await chain.deliver([]); // commit window (3 blocks) over
    let j = await job("1");
    assert.equal(j.state, JobState.revealing);
    await fails(prov[0]!, [commitMsg(prov[0]!.address, "1", new Uint8Array(32))], "jobs", 11, /commit window/);
    await fails(
      prov[0]!,
      [
        revealResultMsg(prov[0]!.address, "1", {
          salt: new Uint8Array(32),
          digest: new Uint8Array(32),
          sketch: computeSketch("1", [1], rule),
        }),
      ],
      "jobs",
      13,
    );
    await step();
    j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.noShow);
    assert.equal(assignment(j, prov[0]!).slashed, "200000", "1% of the bond");
    assert.ok((await score(prov[0]!.address)) < neutral);
    // A worker that commits and never reveals.
    worker(prov[0]!).strategy = strategies.honest;
    worker(prov[1]!).strategy = strategies.ghost;
    await submit();
    await step();
    await step();
    for (let i = 0; i < 3; i++) await chain.deliver([]);
    j = await job("2");
    assert.equal(j.state, JobState.settled);
    assert.equal(assignment(j, prov[1]!).outcome, Outcome.noShow);
    assert.equal(assignment(j, prov[1]!).slashed, "200000");
  });

  it("sends a job without a majority to audit; validators with more than 2/3 of the power decide it", async () => {
    await setup({ jobs: { audit_window: "10", audit_commit_window: "6" } });
    await validators();
    worker(prov[1]!).strategy = strategies.lazy;
    worker(prov[2]!).strategy = strategies.colluding;
    await submit();
    await step();
    await step();
    let j = await job("1");
    assert.equal(j.state, JobState.auditing);
    assert.equal(j.audit, AuditStatus.open);
    assert.equal(await escrow(), 300n, "escrow waits for the verdicts");
    const truth = honestOutput(j);
    await ok(ops[0]!, [verdictMsg(valoper(ops[0]!), "1", truth).commit]);
    await fails(ops[0]!, [verdictMsg(valoper(ops[0]!), "1", truth).commit], "jobs", 19);
    await fails(requester, [verdictMsg(valoper(requester), "1", truth).commit], "jobs", 17);
    await ok(ops[1]!, [verdictMsg(valoper(ops[1]!), "1", truth).commit]);
    await untilRevealsOpen(chain, "1");
    await ok(ops[0]!, [verdictMsg(valoper(ops[0]!), "1", truth).reveal]);
    assert.equal((await job("1")).state, JobState.auditing, "40% is not enough");
    await ok(ops[1]!, [verdictMsg(valoper(ops[1]!), "1", truth).reveal]);
    j = await job("1");
    assert.equal(j.state, JobState.settled, "70% decided it at once");
    assert.equal(j.audit, AuditStatus.confirmed);
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.accepted);
    assert.equal(assignment(j, prov[0]!).paid, "50");
    assert.equal(assignment(j, prov[1]!).outcome, Outcome.rejected);
    assert.equal(assignment(j, prov[2]!).slashed, "1000000");
    assert.equal(await escrow(), 0n);
    await fails(ops[2]!, [verdictMsg(valoper(ops[2]!), "1", truth).commit], "jobs", 18);
    const stats = await q(
      "/tcompute.jobs.v1.Query/AuditStats",
      codecs.queryAuditStatsRequest.encode({ validator: valoper(ops[0]!) }),
      (b) => codecs.queryAuditStatsResponse.decode(b),
    );
    assert.equal(stats.stats!.verdicts, "1");
    assert.equal(stats.auditsOpened, "1");
    const idle = await q(
      "/tcompute.jobs.v1.Query/AuditStats",
      codecs.queryAuditStatsRequest.encode({ validator: valoper(ops[2]!) }),
      (b) => codecs.queryAuditStatsResponse.decode(b),
    );
    assert.equal(idle.stats!.verdicts, "0", "a validator that never audits is visible");
  });

  it("an audit that rejects an accepted result slashes its workers hard and compensates the requester", async () => {
    await setup({ jobs: { audit_rate_ppm: 1_000_000 } });
    await validators();
    for (const w of workers) w.strategy = strategies.colluding;
    await submit({ k: 2 });
    await step();
    await step();
    let j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(j.audit, AuditStatus.open);
    assert.equal(j.paid, "100");
    const before = await balance(requester.address);
    const truth = honestOutput(j);
    await auditBy(chain, [ops[0]!, ops[1]!], "1", { output: truth, rule });
    j = await job("1");
    assert.equal(j.audit, AuditStatus.rejected);
    for (const a of j.assignments) {
      assert.equal(a.outcome, Outcome.fraud);
      assert.equal(a.slashed, "10000000", "50% of the bond");
      assert.equal(await providerBond(a.provider), bond / 2n);
      assert.ok((await score(a.provider)) < neutral);
    }
    assert.equal(j.compensated, "100", "compensated up to what the job cost");
    assert.equal(await balance(requester.address), before + 100n);
  });

  it("a fraud audit also makes whole an honest worker the colluding majority outvoted", async () => {
    await setup({ jobs: { audit_rate_ppm: 1_000_000 } });
    await validators();
    worker(prov[0]!).strategy = strategies.colluding;
    worker(prov[1]!).strategy = strategies.colluding;
    await submit();
    await step();
    await step();
    let j = await job("1");
    assert.equal(assignment(j, prov[2]!).outcome, Outcome.rejected, "outvoted by the cartel");
    assert.equal(await providerBond(prov[2]!.address), bond - 1_000_000n);
    const honestBefore = await balance(prov[2]!.address);
    const requesterBefore = await balance(requester.address);
    const truth = honestOutput(j);
    await auditBy(chain, [ops[0]!, ops[1]!], "1", { output: truth, rule });
    j = await job("1");
    assert.equal(j.audit, AuditStatus.rejected);
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.fraud);
    assert.equal(assignment(j, prov[2]!).outcome, Outcome.accepted, "vindicated");
    assert.equal(await balance(prov[2]!.address), honestBefore + 1_000_000n + 50n, "its slash back, and its ask");
    assert.equal(await balance(requester.address), requesterBefore + 100n, "what the cartel was paid");
    assert.equal(await escrow(), 0n);
  });

  it("fails a job with a full refund when nobody answers, and expires jobs that wait past their deadline", async () => {
    await setup();
    for (const w of workers) w.strategy = strategies.absent;
    await submit();
    await submit({ deadlineBlocks: "2" });
    assert.equal((await job("2")).state, JobState.pending, "every slot is taken by job 1");
    const before = await balance(requester.address);
    for (let i = 0; i < 6; i++) await chain.deliver([]);
    assert.equal((await job("1")).state, JobState.failed);
    assert.equal((await job("2")).state, JobState.expired);
    assert.equal(await balance(requester.address), before + 600n);
    assert.equal(await escrow(), 0n);
  });

  it("matches distinct providers, respects slots, prices and GPU requirements, and names the GPU", async () => {
    await setup({ jobs: { commit_window: "20" } });
    await submit({
      k: 1,
      maxPricePerUnit: "50utcu",
      gpu: { vendor: "amd", model: "", minMemoryMib: 100_000, minCount: 4 },
    });
    const j = await job("1");
    assert.equal(j.state, JobState.assigned);
    assert.equal(j.assignments[0]!.provider, prov[3]!.address);
    assert.equal(j.assignments[0]!.gpu, "amd MI300X 196608MiB x8");
    await submit({
      k: 1,
      maxPricePerUnit: "50utcu",
      gpu: { vendor: "nvidia", model: "H100", minMemoryMib: 0, minCount: 0 },
    });
    assert.equal((await job("2")).state, JobState.pending, "no H100 anywhere");
    await submit({ k: 3, maxPricePerUnit: "50utcu" });
    const three = await job("3");
    assert.equal(new Set(three.assignments.map((a) => a.provider)).size, 3);
    assert.ok(!three.assignments.some((a) => a.provider === prov[3]!.address), "its only slot is taken");
    await submit({ k: 1, maxPricePerUnit: "50utcu" });
    assert.equal((await job("4")).state, JobState.pending, "every slot is taken");
    const pending = await q(
      "/tcompute.jobs.v1.Query/JobsByState",
      codecs.queryJobsByStateRequest.encode({
        state: JobState.pending,
        pagination: { key: new Uint8Array(), offset: "0", limit: "1", countTotal: true },
      }),
      (b) => codecs.queryJobsResponse.decode(b),
    );
    assert.deepEqual(
      pending.jobs.map((x) => x.id),
      ["2"],
    );
    assert.equal(pending.pagination!.total, "2");
    assert.ok(pending.pagination!.nextKey.length > 0);
    const mine = await q(
      "/tcompute.jobs.v1.Query/JobsByProvider",
      codecs.queryJobsByProviderRequest.encode({ provider: prov[3]!.address, pagination: null }),
      (b) => codecs.queryJobsResponse.decode(b).jobs,
    );
    assert.deepEqual(
      mine.map((x) => x.id),
      ["1"],
    );
  });

  it("gives a sealed job only to the providers it was sealed for", async () => {
    await setup({ jobs: { commit_window: "20" } });
    for (let i = 0; i < 5; i++) {
      await submit({
        k: 1,
        inputs: [{ inline: new Uint8Array(), uri: "", sha256: "cd".repeat(32) }],
        sealed: [{ provider: prov[2]!.address, ciphertext: new Uint8Array(100) }],
        sketchKeyHash: new Uint8Array(32).fill(7),
      });
    }
    assert.equal((await job("1")).assignments[0]!.provider, prov[2]!.address);
    for (const id of ["2", "3", "4", "5"])
      assert.equal((await job(id)).state, JobState.pending, "p2's one slot is taken; nobody else can open it");
  });

  it("shards a batch of 100 inputs and settles every shard", async () => {
    await setup({ jobs: { retention_blocks: "1000" } });
    const before = await balance(requester.address);
    const ids = await submit({
      k: 1,
      inputs: Array.from({ length: 100 }, (_, i) => input([i, i >> 8])),
      deadlineBlocks: "100",
    });
    assert.deepEqual(
      ids,
      Array.from({ length: 10 }, (_, i) => String(i + 1)),
    );
    assert.equal(await escrow(), 10_000n, "100 inputs × 10 units × 10utcu");
    for (let i = 0; i < 30; i++) await step();
    let paid = 0n;
    for (const id of ids) {
      const j = await job(id);
      assert.equal(j.state, JobState.settled, `shard ${id}`);
      assert.equal(j.batchId, "1");
      assert.equal(j.inputs.length, 10);
      paid += BigInt(j.paid);
    }
    assert.equal(paid, 5000n);
    assert.equal(await escrow(), 0n);
    assert.equal(await balance(requester.address), before - 5000n - 1000n);
  });

  it("cancels a pending job with a full refund; not an assigned one, nor someone else's", async () => {
    await setup();
    await submit({ minReputation: 900_000 }); // nobody qualifies: waits
    await submit({ k: 1 });
    const before = await balance(requester.address);
    await ok(requester, [cancelMsg("1")]);
    assert.equal((await job("1")).state, JobState.cancelled);
    assert.equal(await balance(requester.address), before + 300n - 1000n);
    await fails(requester, [cancelMsg("2")], "jobs", 8);
    await fails(requester, [cancelMsg("99")], "jobs", 6);
    await fails(
      prov[0]!,
      [any(codecs.msgCancelJob.typeUrl, codecs.msgCancelJob.encode({ requester: prov[0]!.address, id: "2" }))],
      "jobs",
      7,
    );
  });

  it("refuses bad jobs and bad results with a clear code and changes nothing", async () => {
    await setup({ jobs: { commit_window: "20" } });
    const before = await balance(requester.address);
    await fails(requester, [submitMsg({ model: "ab".repeat(32) })], "jobs", 3);
    await fails(requester, [submitMsg({ k: 0 })], "jobs", 2);
    await fails(requester, [submitMsg({ k: 8 })], "jobs", 2);
    await fails(requester, [submitMsg({ maxPricePerUnit: "10uatom" })], "jobs", 4);
    await fails(requester, [submitMsg({ maxPricePerUnit: "10000000000utcu" })], "sdk", 5);
    await fails(requester, [submitMsg({ inputs: [input(Array.from({ length: 2000 }, () => 1))] })], "jobs", 5);
    await fails(
      requester,
      [submitMsg({ inputs: [{ inline: new Uint8Array([1]), uri: "https://x/y", sha256: "" }] })],
      "jobs",
      2,
      /not both/,
    );
    await fails(
      requester,
      [submitMsg({ inputs: [{ inline: new Uint8Array(), uri: "https://x/y", sha256: "nope" }] })],
      "jobs",
      2,
    );
    await fails(requester, [submitMsg({ inputs: [] })], "jobs", 2);
    await fails(requester, [submitMsg({ deadlineBlocks: "0" })], "jobs", 2);
    await fails(
      requester,
      [submitMsg({ sealed: [{ provider: prov[0]!.address, ciphertext: new Uint8Array(100) }] })],
      "jobs",
      2,
      /only the sha256/,
    );
    const paid = before - (await balance(requester.address));
    assert.ok(paid % 1000n === 0n && paid <= 11_000n, `only fees were paid (${paid})`);
    assert.equal(await escrow(), 0n);
    assert.equal(
      (await chain.query("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id: "1" }))).code,
      6,
      "no job was created",
    );

    await submit();
    await fails(prov[3]!, [commitMsg(prov[3]!.address, "1", new Uint8Array(32))], "jobs", 10);
    await fails(prov[0]!, [commitMsg(prov[0]!.address, "1", new Uint8Array(31))], "jobs", 16);
    await fails(prov[0]!, [commitMsg(prov[0]!.address, "99", new Uint8Array(32))], "jobs", 6);
    await ok(prov[0]!, [commitMsg(prov[0]!.address, "1", new Uint8Array(32))]);
    await fails(prov[0]!, [commitMsg(prov[0]!.address, "1", new Uint8Array(32).fill(1))], "jobs", 12);
    assert.deepEqual(
      Buffer.from(assignment(await job("1"), prov[0]!).commitment),
      Buffer.alloc(32),
      "the first commitment stands",
    );
  });

  it("prunes final jobs to receipts after retention_blocks; messages on settled or pruned jobs are refused", async () => {
    await setup();
    await submit();
    await step();
    await step();
    const settled = await job("1");
    assert.equal(settled.state, JobState.settled);
    await fails(prov[0]!, [commitMsg(prov[0]!.address, "1", new Uint8Array(32))], "jobs", 8, /settled/);
    await fails(requester, [cancelMsg("1")], "jobs", 8);
    for (let i = 0; i < 5; i++) await chain.deliver([]);
    const res = await chain.query("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id: "1" }));
    assert.equal(res.code, 20, res.log);
    const receipt = await q(
      "/tcompute.jobs.v1.Query/Receipt",
      codecs.queryReceiptRequest.encode({ id: "1" }),
      (b) => codecs.queryReceiptResponse.decode(b).receipt!,
    );
    assert.equal(receipt.state, JobState.settled);
    assert.equal(receipt.paid, "150");
    assert.equal(receipt.refunded, "150");
    assert.deepEqual(receipt.digest, settled.assignments[0]!.digest);
    await fails(prov[0]!, [commitMsg(prov[0]!.address, "1", new Uint8Array(32))], "jobs", 20);
    await fails(requester, [cancelMsg("1")], "jobs", 20);
    const byRequester = await q(
      "/tcompute.jobs.v1.Query/JobsByRequester",
      codecs.queryJobsByRequesterRequest.encode({ requester: requester.address, pagination: null }),
      (b) => codecs.queryJobsResponse.decode(b).jobs,
    );
    assert.equal(byRequester.length, 0);
  });

  it("exports and re-imports jobs in flight (assignments, commitments, windows, receipts) to the same state", async () => {
    await setup();
    await submit();
    await submit();
    const w = worker(prov[0]!);
    await ok(prov[0]!, w.messages([await job("1")]));
    const exported = JSON.parse(JSON.stringify(exportAppState(chain))) as Record<string, unknown>;
    const again = await importAppState(exported);
    assert.deepEqual(JSON.parse(JSON.stringify(exportAppState(again))), exported);
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
    assert.deepEqual(
      drawWeighted(c, 2, seed(1)),
      drawWeighted([...c].reverse(), 2, seed(1)),
      "input order does not matter",
    );
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
