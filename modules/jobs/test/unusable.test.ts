import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { rawKeyFromSeed, type RawKey } from "../../../client/sdk/signing.js";
import { funded, ops, txHelpers } from "../../../chain/testkit/fixtures.js";
import { registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { claimCodecs } from "../claims.js";
import { unusableCommitmentOf } from "../commitment.js";
import { auditBy, bondValidators, untilRevealsOpen, valoperOf, verdictMsgs } from "../../../chain/testkit/auditors.js";
import { revealResultMsg } from "../../../chain/testkit/results.js";
import {
  any,
  honestOutput,
  SimWorker,
  strategies,
  workersStep,
  type Strategy,
} from "../../../chain/testkit/simWorkers.js";
import { computeSketch } from "../sketch.js";
import { AuditStatus, codecs, JobState, Outcome, UnusableReason, type Job, type MsgSubmitJob } from "../types.js";
import { jobQueries, submitJobMsg } from "./fixtures.js";
import { codecs as reputationCodecs } from "../../reputation/types.js";

// Accountable "unusable input" answers (docs/jobs.md, "Unusable inputs"), through real
// transactions on the in-process chain: a griefing requester's job no longer gets honest
// providers slashed, and a provider that falsely reports "unusable" is caught like a wrong result.

const requester = rawKeyFromSeed("unusable-requester");
const prov = [0, 1, 2].map((i) => rawKeyFromSeed(`unusable-provider-${i}`));
const model = createHash("sha256").update("mlp.onnx").digest("hex");
const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const bond = 20_000_000n;
const badInput = { inline: new Uint8Array(), uri: "sim://bad/input.bin", sha256: "ab".repeat(32) };
const goodInput = { inline: new Uint8Array([1, 2, 3]), uri: "", sha256: "" };
/** A URI input the sim workers fetch (only sim://bad/ fails for them all). */
const goodUri = { inline: new Uint8Array(), uri: "sim://good/input.bin", sha256: "cd".repeat(32) };
const submitMsg = (over: Partial<MsgSubmitJob> = {}) =>
  submitJobMsg(requester, model, 1, { inputs: [badInput], k: 3, ...over });
const salt = (p: RawKey, id: string) => createHash("sha256").update(`salt/${p.address}/${id}`).digest();
const revealUnusableMsg = (provider: string, jobId: string, s: Uint8Array, reason: number, inputIndex = 0) =>
  any(
    codecs.msgRevealUnusable.typeUrl,
    codecs.msgRevealUnusable.encode({ provider, jobId, salt: s, reason: reason as UnusableReason, inputIndex }),
  );
const claimMsg = (requesterAddress: string, jobId: string, provider: string, x25519Pubkey: Uint8Array) =>
  any(
    claimCodecs.msgClaimNonDelivery.typeUrl,
    claimCodecs.msgClaimNonDelivery.encode({ requester: requesterAddress, jobId, provider, x25519Pubkey }),
  );
const commitMsg = (provider: string, jobId: string, commitment: Uint8Array) =>
  any(codecs.msgCommitResult.typeUrl, codecs.msgCommitResult.encode({ provider, jobId, commitment }));

/** An honest worker whose fetch fails (for it alone): it reports "unreachable". */
const flaky: Strategy = {
  ...strategies.honest,
  name: "flaky",
  unusable: () => ({ reason: UnusableReason.unreachable, input: 0 }),
};

/** An honest worker without the memory for this input: it declines (TOO_LARGE, its own limit). */
const decliner: Strategy = {
  ...strategies.honest,
  name: "decliner",
  unusable: () => ({ reason: UnusableReason.tooLarge, input: 0 }),
};

describe("jobs: accountable unusable-input reports", function () {
  this.timeout(60_000);
  let chain: TestChain;
  let workers: SimWorker[];
  const { ok, fails, q } = txHelpers(() => chain);
  const { job, balance, escrow, providerBond } = jobQueries(q);
  const rawJob = async (id: string) =>
    Buffer.from(
      (await chain.query("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id }))).value,
    ).toString("hex");
  const record = (r: string) =>
    q(
      "/tcompute.jobs.v1.Query/RequesterRecord",
      codecs.queryRequesterRecordRequest.encode({ requester: r }),
      (b) => codecs.queryRequesterRecordResponse.decode(b).record!,
    );
  const reputation = (provider: string) =>
    q(
      "/tcompute.reputation.v1.Query/Reputation",
      reputationCodecs.queryReputationRequest.encode({ provider }),
      (b) => reputationCodecs.queryReputationResponse.decode(b).record!,
    );
  const step = () => workersStep(chain, workers);
  const submit = (over: Partial<MsgSubmitJob> = {}) => ok(requester, [submitMsg(over)]);
  const assignment = (j: Job, key: { address: string }) => j.assignments.find((a) => a.provider === key.address)!;
  const worker = (key: { address: string }) => workers.find((w) => w.address === key.address)!;

  /** Job 1 at k = 3 on a good input: prov[1] and prov[2] report it unusable, prov[0] reveals the result. */
  async function falseReportsOutvotingOne(): Promise<Job> {
    await bondValidators(ok);
    worker(prov[1]!).strategy = strategies.falseUnusable;
    worker(prov[2]!).strategy = strategies.falseUnusable;
    await submit({ inputs: [goodInput] });
    await step();
    await step();
    return job("1");
  }

  async function setup(jobs: Record<string, unknown> = {}): Promise<void> {
    chain = await createTestChain({
      accounts: funded([requester, ...prov, ...ops]),
      editGenesis: (d) => {
        const params = (d.app_state["jobs"] as { params: Record<string, unknown> }).params;
        Object.assign(
          params,
          {
            commit_window: "3",
            reveal_window: "3",
            audit_window: "4",
            retention_blocks: "50",
            audit_rate_ppm: 0,
            audit_rate_single_ppm: 0,
            audit_rate_low_reputation_ppm: 0,
          },
          jobs,
        );
      },
    });
    await registerModel(ok, requester, model, { rule });
    await registerProviders(ok, prov, { models: [model], bond });
    workers = prov.map((p) => new SimWorker(p, strategies.honest, () => rule));
  }

  it("a griefing requester's bad-hash job: nobody slashed, each assignee paid the unusable fee, the requester's record shows it", async () => {
    await setup();
    const before = await balance(requester.address);
    const provBefore = await Promise.all(prov.map((p) => balance(p.address)));
    await submit();
    assert.equal(await escrow(), 300n);
    await step(); // three commitments to unusable(hash mismatch): indistinguishable from results
    let j = await job("1");
    assert.equal(j.state, JobState.revealing);
    assert.ok(
      j.assignments.every((a) => a.commitment.length === 32 && (a.unusable ?? 0) === 0),
      "nothing tells the commitments apart before the reveal",
    );
    await step(); // three MsgRevealUnusable: settles at once
    j = await job("1");
    assert.equal(j.state, JobState.unusable);
    for (const a of j.assignments) {
      assert.equal(a.outcome, Outcome.unusable);
      assert.equal(a.unusable, UnusableReason.hashMismatch);
      assert.equal(a.slashed, "0");
      assert.equal(a.paid, "5", "10% of its pay of 5utcu × 10 units");
    }
    for (const p of prov) assert.equal(await providerBond(p.address), bond, "no bond touched");
    for (const [i, p] of prov.entries())
      assert.equal(await balance(p.address), provBefore[i]! + 5n - 2000n, "the fee, minus its two txs' fees");
    assert.equal(j.paid, "15");
    assert.equal(j.refunded, "285");
    assert.equal(await escrow(), 0n);
    assert.equal(
      await balance(requester.address),
      before - 15n - 1000n,
      "the requester pays the fees for the providers' trouble (and its tx fee)",
    );
    assert.deepEqual(await record(requester.address), {
      requester: requester.address,
      unusableJobs: "1",
      unusableFeesPaid: "15",
    });
    assert.deepEqual(await record(prov[0]!.address), {
      requester: prov[0]!.address,
      unusableJobs: "0",
      unusableFeesPaid: "0",
    });
    // A second griefing job: the record keeps counting, nobody is jailed or marked down.
    await submit();
    await step();
    await step();
    assert.equal((await job("2")).state, JobState.unusable);
    assert.deepEqual(await record(requester.address), {
      requester: requester.address,
      unusableJobs: "2",
      unusableFeesPaid: "30",
    });
    const jobs = await q(
      "/tcompute.jobs.v1.Query/JobsByState",
      codecs.queryJobsByStateRequest.encode({ state: JobState.unusable, pagination: null }),
      (b) => codecs.queryJobsResponse.decode(b).jobs,
    );
    assert.deepEqual(
      jobs.map((x) => x.id),
      ["1", "2"],
    );
    // The record survives a genesis export and import, to the same app hash.
    const exported = JSON.parse(JSON.stringify(exportAppState(chain))) as Record<
      string,
      { requester_records?: unknown[] }
    >;
    assert.equal(exported["jobs"]!.requester_records!.length, 1);
    const again = await importAppState(exported);
    assert.deepEqual(JSON.parse(JSON.stringify(exportAppState(again))), exported);
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
  });

  it("a lazy provider falsely reporting unusable on a good input is slashed as a wrong result", async () => {
    await setup();
    worker(prov[0]!).strategy = strategies.falseUnusable;
    await submit({ inputs: [goodInput] });
    await step();
    await step();
    const j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.rejected);
    assert.equal(assignment(j, prov[0]!).slashed, "1000000", "5% of the bond, as for a wrong result");
    assert.equal(assignment(j, prov[0]!).paid, "0");
    assert.equal(await providerBond(prov[0]!.address), bond - 1_000_000n);
    for (const p of prov.slice(1)) assert.equal(assignment(j, p).outcome, Outcome.accepted);
    assert.equal((await record(requester.address)).unusableJobs, "0", "not held against the requester");
  });

  it("one honest 'unusable' report against a majority result is the minority (slashed); a majority of reports decides it unusable even against one result", async () => {
    await setup();
    // Job 1: only prov[0]'s fetch failed.
    worker(prov[0]!).strategy = flaky;
    await submit({ inputs: [goodUri] });
    await step();
    await step();
    let j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.rejected);
    // Job 2: two report unusable, one computes: unusable, and the one that computed is neither
    // slashed nor unpaid (the requester may have served it different bytes).
    worker(prov[0]!).strategy = strategies.honest;
    worker(prov[1]!).strategy = flaky;
    worker(prov[2]!).strategy = flaky;
    await submit({ inputs: [goodUri] });
    await step();
    await step();
    j = await job("2");
    assert.equal(j.state, JobState.unusable);
    assert.ok(j.assignments.every((a) => a.outcome === Outcome.unusable && a.slashed === "0" && a.paid === "5"));
    assert.equal((await record(requester.address)).unusableJobs, "1");
  });

  it("mixed: a lone report with no-shows fails the job without slashing the reporter; k = 1 gets no fee from one report", async () => {
    await setup();
    worker(prov[1]!).strategy = strategies.absent;
    worker(prov[2]!).strategy = strategies.absent;
    await submit();
    for (let i = 0; i < 5; i++) await step(); // commit window over; the reporter reveals; settled
    let j = await job("1");
    assert.equal(j.state, JobState.failed, JSON.stringify(j.history));
    assert.equal(assignment(j, prov[0]!).slashed, "0", "the reporter is not a no-show");
    assert.equal(assignment(j, prov[0]!).paid, "0");
    assert.equal(assignment(j, prov[1]!).outcome, Outcome.noShow);
    assert.equal(j.refunded, "300");
    // k = 1: a strict majority of one, but below unusable_fee_min_reporters (2): no fee, no slash.
    worker(prov[1]!).strategy = strategies.honest;
    worker(prov[2]!).strategy = strategies.honest;
    const before = await balance(requester.address);
    await submit({ k: 1 });
    await step();
    await step();
    j = await job("2");
    assert.equal(j.state, JobState.unusable);
    assert.equal(j.assignments[0]!.outcome, Outcome.unusable);
    assert.equal(j.assignments[0]!.paid, "0");
    assert.equal(j.assignments[0]!.slashed, "0");
    assert.equal(j.refunded, "100");
    assert.equal(await balance(requester.address), before - 1000n);
    assert.deepEqual(await record(requester.address), {
      requester: requester.address,
      unusableJobs: "1",
      unusableFeesPaid: "0",
    });
  });

  it("a job without a majority goes to audit; a result the validators accept makes the unusable report false", async () => {
    await setup();
    await bondValidators(ok);
    worker(prov[1]!).strategy = strategies.lazy;
    worker(prov[2]!).strategy = strategies.falseUnusable;
    await submit({ inputs: [goodInput] });
    await step();
    await step();
    let j = await job("1");
    assert.equal(j.state, JobState.auditing);
    const truth = honestOutput(j);
    await auditBy(chain, [ops[0]!, ops[1]!], "1", { output: truth, rule });
    j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(j.audit, AuditStatus.confirmed);
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.accepted);
    assert.equal(assignment(j, prov[1]!).outcome, Outcome.rejected);
    assert.equal(assignment(j, prov[2]!).outcome, Outcome.rejected);
    assert.equal(assignment(j, prov[2]!).slashed, "1000000");
    assert.equal(await escrow(), 0n);
  });

  it("TOO_LARGE on an inline input is a decline: sybils cannot end the job UNUSABLE and collect the fee, and no decline is slashed or counted against the requester", async () => {
    await setup();
    await bondValidators(ok);
    worker(prov[1]!).strategy = decliner;
    worker(prov[2]!).strategy = decliner;
    const bonds = await Promise.all(prov.map((p) => providerBond(p.address)));
    const before = await balance(requester.address);
    const repBefore = await Promise.all(prov.map((p) => reputation(p.address)));
    await submit({ inputs: [goodInput] });
    await step();
    await step();
    let j = await job("1");
    // Not free: each decline costs loss_decline (10,000) and is counted, whatever the verdict
    // (here: no majority, so an audit); it is not a fault.
    for (const i of [1, 2]) {
      const r = await reputation(prov[i]!.address);
      const was = repBefore[i]!;
      assert.deepEqual(
        [r.score, r.declines, r.consecutiveFaults],
        [was.score - 10_000, was.declines + 1, was.consecutiveFaults],
        `decliner ${i}`,
      );
    }
    assert.equal((await reputation(prov[0]!.address)).declines, repBefore[0]!.declines, "the worker that ran");
    // Before: 2 of 3 "unusable", so UNUSABLE, 5utcu to each sybil for nothing, and the one
    // result paid only the fee too.
    assert.equal(j.state, JobState.auditing, JSON.stringify(j.history));
    await auditBy(chain, [ops[0]!, ops[1]!], "1", { output: honestOutput(j), rule });
    j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.accepted);
    assert.equal(assignment(j, prov[0]!).paid, "50");
    for (const p of [prov[1]!, prov[2]!]) {
      const a = assignment(j, p);
      assert.equal(a.unusable, UnusableReason.tooLarge);
      assert.deepEqual([a.outcome, a.paid, a.slashed], [Outcome.unspecified, "0", "0"], "not paid, not slashed");
    }
    assert.deepEqual(
      await Promise.all(prov.map((p) => providerBond(p.address))),
      bonds,
      "no bond touched: a requester with one big provider cannot get smaller honest workers slashed",
    );
    assert.equal(j.refunded, "250");
    // Every assignee declines: nothing to judge, a full refund, and nothing against the requester.
    for (const w of workers) w.strategy = decliner;
    await submit({ inputs: [goodInput] });
    await submit({ k: 1, inputs: [goodInput] });
    for (let i = 0; i < 6; i++) await step();
    const [all, single] = [await job("2"), await job("3")];
    assert.deepEqual([all.state, all.refunded, all.paid], [JobState.failed, "300", "0"]);
    assert.deepEqual([single.state, single.refunded, single.paid], [JobState.failed, "100", "0"]);
    assert.equal(await balance(requester.address), before - 50n - 3n * 1000n, "the worker's 50 and three tx fees");
    assert.deepEqual(await record(requester.address), {
      requester: requester.address,
      unusableJobs: "0",
      unusableFeesPaid: "0",
    });
    assert.equal(await escrow(), 0n);
    // On a URI input TOO_LARGE is still a report (its declared size: the requester's choice).
    await submit({ inputs: [{ ...badInput, size: "4" }] });
    for (let i = 0; i < 3; i++) await step();
    j = await job("4");
    assert.equal(j.state, JobState.unusable, JSON.stringify(j.history));
    assert.equal(j.paid, "15");
  });

  it("OpenAudits lists every job whose audit is open, whatever its state, page by page, and drops it once resolved", async () => {
    // Every k = 1 job is sampled: one ends UNUSABLE (a false report) and one SETTLED, both audited.
    await setup({ audit_rate_single_ppm: 1_000_000 });
    await bondValidators(ok);
    const openAudits = (key: Uint8Array = new Uint8Array(), limit = "1") =>
      q(
        "/tcompute.jobs.v1.Query/OpenAudits",
        codecs.queryOpenAuditsRequest.encode({
          pagination: { key, offset: "0", limit, countTotal: true, reverse: false },
        }),
        (b) => codecs.queryJobsResponse.decode(b),
      );
    for (const w of workers) w.strategy = strategies.falseUnusable;
    await submit({ k: 1, inputs: [goodInput] });
    await step();
    await step();
    for (const w of workers) w.strategy = strategies.honest;
    await submit({ k: 1, inputs: [goodInput] });
    await step();
    await step();
    const [one, two] = [await job("1"), await job("2")];
    assert.deepEqual(
      [one.state, one.audit, two.state, two.audit],
      [JobState.unusable, AuditStatus.open, JobState.settled, AuditStatus.open],
    );
    const first = await openAudits();
    assert.deepEqual(
      first.jobs.map((j) => j.id),
      ["1"],
    );
    assert.equal(first.pagination?.total, "2");
    const second = await openAudits(first.pagination!.nextKey);
    assert.deepEqual(
      second.jobs.map((j) => j.id),
      ["2"],
    );
    assert.equal(second.pagination?.nextKey.length, 0, "the last page");
    // Export and import rebuild the index (the invariant checks it after every block too).
    const again = await importAppState(exportAppState(chain));
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
    await auditBy(chain, [ops[0]!, ops[1]!], "2", { output: honestOutput(two), rule });
    assert.equal((await job("2")).audit, AuditStatus.confirmed);
    assert.deepEqual(
      (await openAudits(new Uint8Array(), "10")).jobs.map((j) => j.id),
      (await job("1")).audit === AuditStatus.open ? ["1"] : [],
      "resolved: off the list",
    );
    for (let i = 0; i < 6; i++) await step(); // job 1's audit window ends: resolved at its deadline
    assert.notEqual((await job("1")).audit, AuditStatus.open);
    assert.deepEqual((await openAudits(new Uint8Array(), "10")).jobs, []);
  });

  it("a sampled checkable unusable report is audited: validators that re-run the input alike slash a false k = 1 report; unable ones uphold an honest one; unchecked reasons are not audited", async () => {
    // Every k = 1 job is sampled (the k = 3 rate stays 0).
    await setup({ audit_rate_single_ppm: 1_000_000 });
    await bondValidators(ok);
    for (const w of workers) w.strategy = strategies.falseUnusable;
    await submit({ k: 1, inputs: [goodInput] });
    await step();
    await step();
    let j = await job("1");
    assert.equal(j.state, JobState.unusable);
    assert.equal(j.audit, AuditStatus.open, "the lone report is sampled for audit");
    const liar = j.assignments[0]!;
    assert.equal(liar.outcome, Outcome.unusable);
    assert.equal(j.refunded, "100", "the requester is refunded at once, as before");
    const bondBefore = await providerBond(liar.provider);
    // The state with the audit open survives export and import (a new validator can join).
    const again = await importAppState(exportAppState(chain));
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
    await auditBy(chain, [ops[0]!, ops[1]!], "1", { output: honestOutput(j), rule });
    j = await job("1");
    assert.equal(j.state, JobState.unusable);
    assert.equal(j.audit, AuditStatus.rejected, "validators ran it: the report was false");
    assert.equal(j.assignments[0]!.outcome, Outcome.rejected);
    assert.equal(j.assignments[0]!.slashed, "1000000", "slash_fraction_wrong_result (5%) of its bond");
    assert.equal(await providerBond(liar.provider), bondBefore - 1_000_000n);
    assert.match(j.history.at(-1)!.note, /unusable reports were false/);

    // Validators that "ran" it but disagree with each other do not make 2/3: no slash.
    await submit({ k: 1, inputs: [goodInput] });
    await step();
    await step();
    j = await job("2");
    assert.equal(j.audit, AuditStatus.open);
    const honest = honestOutput(j);
    const split = [
      verdictMsgs(valoperOf(ops[0]!), "2", { output: honest, rule }),
      verdictMsgs(valoperOf(ops[1]!), "2", { output: Array.from(honest, (v) => v * 3 + 1), rule }),
    ];
    for (const [i, m] of split.entries()) await ok(ops[i]!, [m.commit]);
    await untilRevealsOpen(chain, "2");
    for (const [i, m] of split.entries()) await ok(ops[i]!, [m.reveal]);
    while ((await job("2")).audit === AuditStatus.open) await chain.deliver([]);
    j = await job("2");
    assert.equal(j.audit, AuditStatus.inconclusive, "two disagreeing re-runs are not 2/3 that ran it");
    assert.equal(j.assignments[0]!.slashed, "0");

    // An honest report on inline bytes that do not decode: the validators cannot run it either.
    const undecodable: Strategy = {
      ...strategies.honest,
      name: "undecodable",
      unusable: () => ({ reason: UnusableReason.undecodable, input: 0 }),
    };
    for (const w of workers) w.strategy = undecodable;
    await submit({ k: 1, inputs: [{ inline: new Uint8Array([0xff, 0xff]), uri: "", sha256: "" }] });
    await step();
    await step();
    j = await job("3");
    assert.equal(j.state, JobState.unusable);
    assert.equal(j.audit, AuditStatus.open);
    await auditBy(chain, [ops[0]!, ops[1]!], "3", "unable");
    j = await job("3");
    assert.equal(j.audit, AuditStatus.confirmed);
    assert.equal(j.assignments[0]!.outcome, Outcome.unusable);
    assert.equal(j.assignments[0]!.slashed, "0");

    // A URI whose bytes do not match their hash: the requester's server answers each client as it
    // likes, so validators fetching it fine would prove nothing. Not audited, nobody slashed.
    for (const w of workers) w.strategy = strategies.honest;
    await submit({ k: 1 }); // badInput: sim://bad/, reported hash_mismatch
    await step();
    await step();
    j = await job("4");
    assert.equal(j.state, JobState.unusable);
    assert.equal(j.audit, AuditStatus.none, "a report the validators cannot check is not audited");
    assert.equal(await escrow(), 0n);
  });

  it("false reports outvoting a result, audited: their slash refunds the requester's fees and pays the outvoted worker its ask", async () => {
    // Every k = 3 job is sampled.
    await setup({ audit_rate_ppm: 1_000_000 });
    let j = await falseReportsOutvotingOne();
    assert.equal(j.state, JobState.unusable, "two of three reports outvote the one result");
    assert.equal(j.audit, AuditStatus.open);
    assert.ok(
      j.assignments.every((a) => a.outcome === Outcome.unusable && a.paid === "5"),
      "each paid the 10% fee",
    );
    const requesterBefore = await balance(requester.address);
    const honestBefore = await balance(prov[0]!.address);
    const liarsBefore = [await balance(prov[1]!.address), await balance(prov[2]!.address)];
    await auditBy(chain, [ops[0]!, ops[1]!], "1", { output: honestOutput(j), rule });
    j = await job("1");
    assert.equal(j.state, JobState.unusable);
    assert.equal(j.audit, AuditStatus.rejected);
    for (const p of [prov[1]!, prov[2]!]) {
      assert.equal(assignment(j, p).outcome, Outcome.rejected);
      assert.equal(assignment(j, p).slashed, "1000000");
      assert.equal(assignment(j, p).paid, "5", "what it was paid is not taken back from its balance");
      assert.equal(await providerBond(p.address), bond - 1_000_000n);
    }
    assert.equal(j.compensated, "10", "the requester gets back the two false reporters' fees");
    assert.equal(await balance(requester.address), requesterBefore + 10n);
    const honest = assignment(j, prov[0]!);
    assert.equal(honest.outcome, Outcome.accepted, "the outvoted worker is vindicated");
    assert.equal(honest.paid, "50", "its whole ask: the fee and the 45 it was not paid");
    assert.equal(honest.slashed, "0");
    assert.equal(await balance(prov[0]!.address), honestBefore + 45n);
    assert.deepEqual([await balance(prov[1]!.address), await balance(prov[2]!.address)], liarsBefore);
    assert.equal(await escrow(), 0n, "nothing of the slash stays in escrow");
    assert.match(j.history.at(-1)!.note, /unusable reports were false/);
    assert.deepEqual(
      await record(requester.address),
      { requester: requester.address, unusableJobs: "0", unusableFeesPaid: "0" },
      "the job no longer counts against the requester",
    );
    // The vindicated result is paid as an accepted one, so its delivery can be claimed; the
    // false reporters have no result to claim.
    const pub = new Uint8Array(32).fill(9);
    await fails(requester, [claimMsg(requester.address, "1", prov[1]!.address, pub)], "jobs", 10);
    // The state survives export and import.
    const exported = exportAppState(chain);
    const again = await importAppState(exported);
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
    // A genesis listing a job twice (which would double its indexes, slots and prune entries),
    // or a job and a receipt of one id, is refused.
    const jobsState = JSON.parse(JSON.stringify(exported["jobs"])) as {
      jobs: Array<{ id: string }>;
      receipts: unknown[];
    };
    await assert.rejects(
      importAppState({ ...exported, jobs: { ...jobsState, jobs: [...jobsState.jobs, jobsState.jobs[0]] } }),
      /job 1 appears twice/,
    );
    const receipt = {
      id: "1",
      requester: requester.address,
      model,
      state: "JOB_STATE_UNUSABLE",
      paid: "15",
      refunded: "0",
      compensated: "10",
      final_height: "5",
      batch_id: "1",
      digest: "",
      providers: [],
      pruned_height: "9",
    };
    await assert.rejects(
      importAppState({ ...exported, jobs: { ...jobsState, receipts: [...jobsState.receipts, receipt] } }),
      /job 1 appears twice/,
    );
    await ok(requester, [claimMsg(requester.address, "1", prov[0]!.address, pub)]);
  });

  it("a slash smaller than what false reports owe pays the requester first, then the outvoted worker; an open audit's job cannot be claimed", async () => {
    // 0.0001% of a 20,000,000 bond: 20 per reporter, against 10 of fees and 45 of the worker's ask.
    // A claim window shorter than the audit's: it counts from the audit's resolution.
    await setup({
      audit_rate_ppm: 1_000_000,
      slash_fraction_wrong_result: "0.000001",
      audit_window: "8",
      claim_window: "3",
    });
    let j = await falseReportsOutvotingOne();
    assert.equal(j.audit, AuditStatus.open);
    const pub = new Uint8Array(32).fill(9);
    await fails(requester, [claimMsg(requester.address, "1", prov[0]!.address, pub)], "jobs", 8);
    await auditBy(chain, [ops[0]!, ops[1]!], "1", { output: honestOutput(j), rule });
    j = await job("1");
    assert.equal(j.audit, AuditStatus.rejected);
    assert.deepEqual(
      [prov[1]!, prov[2]!].map((p) => assignment(j, p).slashed),
      ["20", "20"],
    );
    assert.equal(j.compensated, "10", "the first slash's first 10 go to the requester");
    assert.equal(assignment(j, prov[0]!).paid, "35", "its fee 5, then 10 and 20 of the two slashes");
    assert.equal(assignment(j, prov[0]!).outcome, Outcome.accepted);
    assert.equal(await escrow(), 0n);
    assert.ok(
      chain.app.height >= BigInt(j.finalHeight) + 3n,
      "the next block is past the window counted from the unusable settlement",
    );
    await ok(requester, [claimMsg(requester.address, "1", prov[0]!.address, pub)]);
  });

  it("refuses bad unusable reveals with stable codes and changes nothing", async () => {
    await setup({ commit_window: "30", reveal_window: "30" });
    const [p0, p1, p2] = prov as [RawKey, RawKey, RawKey];
    const s0 = salt(p0, "1");
    await submit();
    // Commit p0 by hand; p1 copies p0's commitment; p2 commits a result-style commitment.
    await ok(p0, [
      commitMsg(p0.address, "1", unusableCommitmentOf("1", p0.address, s0, UnusableReason.hashMismatch, 0)),
    ]);
    let before = await rawJob("1");
    await fails(p0, [revealUnusableMsg(p0.address, "1", s0, UnusableReason.hashMismatch)], "jobs", 11, /reveals open/);
    assert.equal(await rawJob("1"), before, "too early: unchanged");
    await fails(requester, [revealUnusableMsg(requester.address, "1", s0, UnusableReason.hashMismatch)], "jobs", 10);
    await fails(p1, [revealUnusableMsg(p1.address, "1", s0, UnusableReason.hashMismatch)], "jobs", 13);
    await ok(p1, [
      commitMsg(p1.address, "1", unusableCommitmentOf("1", p0.address, s0, UnusableReason.hashMismatch, 0)),
    ]);
    await ok(p2, [commitMsg(p2.address, "1", new Uint8Array(32).fill(9))]);
    const j = await job("1");
    assert.equal(j.state, JobState.revealing);
    before = await rawJob("1");
    for (const reason of [0, 9, 1000])
      await fails(p0, [revealUnusableMsg(p0.address, "1", s0, reason)], "jobs", 16, /reason/);
    await fails(
      p0,
      [revealUnusableMsg(p0.address, "1", s0.subarray(0, 31), UnusableReason.hashMismatch)],
      "jobs",
      16,
      /salt/,
    );
    await fails(p0, [revealUnusableMsg(p0.address, "1", s0, UnusableReason.hashMismatch, 1)], "jobs", 16, /1 input/);
    await fails(p0, [revealUnusableMsg(p0.address, "1", s0, UnusableReason.unopenable)], "jobs", 16, /sealed/);
    await fails(p0, [revealUnusableMsg(p0.address, "1", s0, UnusableReason.unreachable)], "jobs", 14, /reason/);
    await fails(p0, [revealUnusableMsg(p0.address, "1", salt(p1, "1"), UnusableReason.hashMismatch)], "jobs", 14);
    await fails(p0, [revealUnusableMsg(p0.address, "2", s0, UnusableReason.hashMismatch)], "jobs", 6);
    // The copied commitment names p0, so p1 cannot reveal it as its own.
    await fails(p1, [revealUnusableMsg(p1.address, "1", s0, UnusableReason.hashMismatch)], "jobs", 14);
    // An unusable commitment is not a result's either way round.
    await fails(
      p0,
      [
        revealResultMsg(p0.address, "1", {
          salt: s0,
          digest: new Uint8Array(32),
          sketch: computeSketch("1", new Float32Array(64), rule),
        }),
      ],
      "jobs",
      14,
    );
    assert.equal(await rawJob("1"), before, "every refusal left the job as it was");
    const res = await ok(p0, [revealUnusableMsg(p0.address, "1", s0, UnusableReason.hashMismatch)]);
    const reported = res.txResults[0]!.events.find((e) => e.type === "job_unusable_reported")!;
    assert.equal(reported.attributes.find((a) => a.key === "declined")!.value, "false", "a report against the input");
    await fails(p0, [revealUnusableMsg(p0.address, "1", s0, UnusableReason.hashMismatch)], "jobs", 15);
    await fails(
      p0,
      [
        revealResultMsg(p0.address, "1", {
          salt: s0,
          digest: new Uint8Array(32),
          sketch: computeSketch("1", new Float32Array(64), rule),
        }),
      ],
      "jobs",
      15,
      /already revealed/,
    );
    for (let i = 0; i < 31; i++) await chain.deliver([]);
    const done = await job("1");
    assert.equal(done.state, JobState.failed, "one report of three is no majority; the others never revealed");
    assert.equal(assignment(done, p0).slashed, "0");
    assert.equal(assignment(done, p1).outcome, Outcome.noShow);
    await fails(p1, [revealUnusableMsg(p1.address, "1", s0, UnusableReason.hashMismatch)], "jobs", 8, /failed/);
  });

  it("refuses UNREACHABLE and REFUSED on bytes the chain holds (code 16): nothing is fetched, and an audit could not check them", async () => {
    await setup();
    for (const w of workers) w.strategy = strategies.absent;
    const [p0, p1, p2] = prov as [RawKey, RawKey, RawKey];
    await submit({ inputs: [goodInput] });
    const commitTo = (p: RawKey, reason: UnusableReason) =>
      ok(p, [commitMsg(p.address, "1", unusableCommitmentOf("1", p.address, salt(p, "1"), reason, 0))]);
    await commitTo(p0, UnusableReason.unreachable);
    await commitTo(p1, UnusableReason.refused);
    await commitTo(p2, UnusableReason.resources);
    assert.equal((await job("1")).state, JobState.revealing);
    const before = await rawJob("1");
    for (const [p, reason] of [
      [p0, UnusableReason.unreachable],
      [p1, UnusableReason.refused],
    ] as const)
      await fails(p, [revealUnusableMsg(p.address, "1", salt(p, "1"), reason)], "jobs", 16, /on chain, not fetched/);
    assert.equal(await rawJob("1"), before, "unchanged");
    // RESOURCES (the worker's memory) is taken on any input: a decline, and its event says so.
    const res = await ok(p2, [revealUnusableMsg(p2.address, "1", salt(p2, "1"), UnusableReason.resources)]);
    assert.equal(assignment(await job("1"), p2).unusable, UnusableReason.resources);
    const reported = res.txResults[0]!.events.find((e) => e.type === "job_unusable_reported")!;
    assert.deepEqual(
      reported.attributes.map((a) => [a.key, a.value]),
      [
        ["id", "1"],
        ["provider", p2.address],
        ["reason", String(UnusableReason.resources)],
        ["input", "0"],
        ["declined", "true"],
        ["msg_index", "0"],
      ],
    );
  });

  it("takes a URI input's declared size and refuses bad ones without creating a job", async () => {
    await setup();
    await submit({ inputs: [{ ...badInput, size: "4096" }] });
    assert.equal((await job("1")).inputs[0]!.size, "4096");
    await fails(requester, [submitMsg({ inputs: [{ ...goodInput, size: "3" }] })], "jobs", 2, /only a URI input/);
    await fails(requester, [submitMsg({ inputs: [{ ...badInput, size: String(2n ** 41n) }] })], "jobs", 2, /size/);
    await fails(
      requester,
      [
        submitMsg({
          inputs: [{ inline: new Uint8Array(), uri: "", sha256: "ab".repeat(32), size: "10" }],
          sealed: prov.map((p) => ({ provider: p.address, ciphertext: new Uint8Array(100) })),
        }),
      ],
      "jobs",
      2,
      /sealed/,
    );
    assert.equal(
      (await chain.query("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id: "2" }))).code,
      6,
      "no job was created",
    );
  });

  it("refuses params that would let the unusable fee drain escrow or need no reporters", async () => {
    await assert.rejects(setup({ unusable_fee_fraction: "0.5" }), /unusable_fee_fraction/);
    await assert.rejects(setup({ unusable_fee_min_reporters: 0 }), /unusable_fee_min_reporters/);
  });
});
