import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { makeTestHome } from "../../../chain/testkit/nodeProcess.js";
import { homePaths, loadConfig } from "../../../chain/types/nodeConfig.js";
import { createNode, type Node } from "../../../chain/node/node.js";
import { saveGenesisFile, type GenesisDoc } from "../../../chain/genesis/genesisDoc.js";
import {
  AuditStatus,
  computeSketch,
  jobsCodecs,
  JobState,
  Outcome,
  sketchToPb,
  type Job,
} from "../../../modules/jobs/index.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { bech32Prefix, decodeAddress, encodeAddress } from "../../../modules/sdk/address.js";
import { encodeTensors, flatten } from "../../models/tensors.js";
import { fetchAcceptedOutput } from "../../sdk/outputs.js";
import { seal, sealToCandidates, sketchKeyOf } from "../../sdk/sealing.js";
import { zoo } from "../../models/zoo.js";
import { TcomputeClient } from "../../sdk/client.js";
import { rawKeyFromSeed, type RawKey } from "../../sdk/signing.js";
import { loadOrCreateX25519 } from "../sealing.js";
import { Worker } from "../worker.js";
import { registerZooMarket, sdkSend, submitJobMsg, submittedId } from "./fixtures.js";

// The validators' auditing worker end to end (issue 11, item 3), on one in-process node (no
// child process): the node's validator runs the worker in audit mode with its operator key and
// registers its X25519 audit key by itself. A sealed job submitted before any audit key exists is
// marked unaudited. A byzantine provider's worker returns a wrong output for a k = 1 job, open or
// sealed (the SDK seals the input to the validator's audit key too); it is accepted and sampled;
// the auditor unseals, re-runs it with onnxruntime-node, checks the (keyed) sketch, commits its
// verdict and reveals it once reveals open, and the audit rejects the result: the provider is
// slashed for fraud, the requester is compensated and the auditor is paid its reward from the
// community pool. A requester that seals garbage to the auditors gets an "unable" verdict and an
// inconclusive audit, never an honest provider slashed.

describe("the auditing worker (in-process node, commit–reveal verdicts)", function () {
  this.timeout(120_000);
  const requester = rawKeyFromSeed("auditor-e2e-requester");
  const provider = rawKeyFromSeed("auditor-e2e-provider");
  const operator = rawKeyFromSeed("auditor-e2e-operator");
  const valoper = encodeAddress(decodeAddress(operator.address), bech32Prefix.validator);
  const m = zoo["mlp-64x128x128x32"]!;
  const bytes = m.bytes();
  const hash = createHash("sha256").update(bytes).digest("hex");
  const dir = mkdtempSync(join(tmpdir(), "tcd-auditor-"));
  const modelFile = join(dir, "mlp.onnx");
  writeFileSync(modelFile, bytes);
  let node: Node;
  let rpcUrl = "";
  const workers: Worker[] = [];

  const send = sdkSend(() => rpcUrl);
  const getJob = async (id: string): Promise<Job> => {
    const c = await Comet38Client.connect(rpcUrl);
    const res = await c.abciQuery({
      path: "/tcompute.jobs.v1.Query/Job",
      data: jobsCodecs.queryJobRequest.encode({ id }),
    });
    c.disconnect();
    return jobsCodecs.queryJobResponse.decode(res.value).job!;
  };
  const worker = async (key: RawKey, opts: { audit?: boolean; tamper?: (o: Float64Array) => Float64Array }) => {
    const w = new Worker({
      rpcUrl,
      signer: await DirectSecp256k1Wallet.fromKey(key.privKey, "tc"),
      address: key.address,
      storeDir: join(dir, `store-${key.address}`),
      x25519: loadOrCreateX25519(join(dir, `x-${key.address}.json`)),
      engine: { threads: 1 },
      port: 0,
      pollMs: 300,
      log: (l) => process.env.AUDITOR_LOG === "1" && process.stderr.write(`${key.address.slice(0, 10)} ${l}\n`),
      allowFileUris: true,
      ...opts,
    });
    await w.start();
    workers.push(w);
    return w;
  };

  /** Runs `body` with an SDK client that signs as the requester; disconnects after. */
  const asRequester = async (body: (c: TcomputeClient) => Promise<void>): Promise<void> => {
    const c = await TcomputeClient.connectWithSigner(
      rpcUrl,
      await DirectSecp256k1Wallet.fromKey(requester.privKey, "tc"),
    );
    try {
      await body(c);
    } finally {
      c.disconnect();
    }
  };
  /** The SDK submits sample input `variant` as a private sealed k = 1 job: the input, the job's id, the job as stored. */
  const submitSealed = async (c: TcomputeClient, variant: number) => {
    const input = encodeTensors(m.sampleInput(variant));
    const [id] = await c.submitJob(requester.address, {
      model: hash,
      inputs: [input],
      k: 1,
      maxPricePerUnit: "5utcu",
      sealed: true,
    });
    return { input, id: id!, onChain: await c.query.jobs.job(id!) };
  };
  /** Waits until the job is in `state` (settled by default) and its audit resolved. */
  const auditResolved = async (id: string, state: JobState = JobState.settled): Promise<Job> => {
    let j = await getJob(id);
    for (
      let i = 0;
      i < 600 && !(j.state === state && j.audit !== AuditStatus.open && j.audit !== AuditStatus.none);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
      j = await getJob(id);
    }
    return j;
  };
  /** The auditor_rewarded amount in the block that resolved the job's audit. */
  const rewardOf = async (j: Job): Promise<string | undefined> => {
    const at = j.history.find((h) => /^audit /.test(h.note))!.height;
    const comet = await Comet38Client.connect(rpcUrl);
    const results = await comet.blockResults(Number(at));
    comet.disconnect();
    const e = results.finalizeBlockEvents.find(
      (x) => x.type === "auditor_rewarded" && x.attributes.some((a) => a.key === "id" && a.value === j.id),
    );
    return e?.attributes.find((x) => x.key === "amount")?.value;
  };

  before(async () => {
    const t = await makeTestHome({
      accounts: [requester, provider, operator].map((k) => ({
        address: k.address,
        coins: [{ denom: "utcu", amount: 1_000_000_000n }],
      })),
      gentx: {
        signer: await DirectSecp256k1Wallet.fromKey(operator.privKey, "tc"),
        operator: operator.address,
        amount: 100_000_000n,
      },
    });
    const paths = homePaths(t.home);
    const doc = JSON.parse(readFileSync(paths.genesis, "utf8")) as GenesisDoc;
    // Every k = 1 job is audited; commitments for the first 20 blocks of the audit window (one
    // auditor: reveals open as soon as it committed); a reward the test can recognise.
    Object.assign((doc.app_state["jobs"] as { params: Record<string, unknown> }).params, {
      audit_rate_single_ppm: 1_000_000,
      audit_window: "40",
      audit_commit_window: "20",
      auditor_reward: "1234",
    });
    saveGenesisFile(paths.genesis, doc);
    node = await createNode({ home: t.home, config: loadConfig(t.home), inMemory: true }, { logger: nopLogger });
    await node.start();
    rpcUrl = `http://${node.rpcAddress}`;
    await registerZooMarket(send, {
      m,
      hash,
      modelFile,
      owner: requester,
      provider,
      moniker: "byzantine",
      x25519Pubkey: loadOrCreateX25519(join(dir, `x-${provider.address}.json`)).publicKey,
      bond: 80_000_000n,
    });
  });

  after(async () => {
    for (const w of workers) await w.stop();
    await node?.stop();
  });

  it("a private sealed job through the worker, no validator holding an audit key: the key in the sealed copy, a keyed sketch the chain accepts, the requester's check with sketchKeyOf(input), the job marked unaudited", async () => {
    // No validator has an audit key yet: the SDK seals to none, and the sampled job is marked unaudited.
    await worker(provider, {});
    await asRequester(async (c) => {
      const { input, id, onChain } = await submitSealed(c, 3);
      assert.deepEqual(Buffer.from(onChain.sketchKeyHash!), createHash("sha256").update(sketchKeyOf(input)).digest());
      const job = await c.waitForJob(id, { timeoutMs: 60_000 });
      const a = job.assignments[0]!;
      assert.equal(a.outcome, Outcome.accepted, JSON.stringify(job.history));
      // Sealed to no validator (none had an audit key): not audited, and said so; nobody slashed.
      assert.deepEqual(onChain.auditSealed, []);
      assert.equal(job.audit, AuditStatus.unaudited);
      assert.equal(a.slashed, "0");
      // The revealed sketch is the keyed one: the public-sign sketch of the true output differs.
      const got = await fetchAcceptedOutput(requester, job, m.rule, undefined, sketchKeyOf(input));
      const flat = flatten(got.outputs[0]!);
      assert.deepEqual(
        sketchToPb(computeSketch(id, flat, m.rule, sketchKeyOf(input))).components,
        a.sketch!.components,
      );
      assert.notDeepEqual(sketchToPb(computeSketch(id, flat, m.rule)).components, a.sketch!.components);
      // A wrong key makes the requester's own sketch check fail.
      await assert.rejects(
        fetchAcceptedOutput(requester, job, m.rule, undefined, new Uint8Array(32)),
        /sketch does not agree/,
      );
    });
  });

  it("overturns a byzantine worker's accepted result: verdict committed then revealed, provider slashed for fraud, requester compensated, auditor rewarded", async () => {
    // The honest provider's worker goes; a byzantine one takes its place (same key and store).
    for (const w of workers.splice(0)) await w.stop();
    await worker(provider, { tamper: (o) => o.map((v) => v * 1.5 + 0.25) });
    const auditor = await worker(operator, { audit: true });
    const res = await send(requester, [
      submitJobMsg(requester, hash, [{ inline: encodeTensors(m.sampleInput(0)), uri: "", sha256: "" }]),
    ]);
    const j = await auditResolved(submittedId(res));
    assert.equal(j.state, JobState.settled, JSON.stringify(j.history));
    assert.equal(j.audit, AuditStatus.rejected, JSON.stringify(j.history));
    assert.deepEqual(j.auditors, [valoper]);
    assert.equal(j.verdictCommits!.length, 1, "the verdict was committed first");
    assert.ok(BigInt(j.verdicts[0]!.height) > BigInt(j.verdictCommits![0]!.height), "and revealed in a later block");
    assert.equal(j.verdicts[0]!.unable, false, "the auditor re-ran the job");
    const a = j.assignments[0]!;
    assert.equal(a.outcome, Outcome.fraud);
    assert.equal(a.slashed, "40000000", "half the bond");
    assert.equal(j.compensated, "50", "what the job cost the requester");
    const resolvedAt = j.history.find((h) => /audit rejected/.test(h.note))!.height;
    const comet = await Comet38Client.connect(rpcUrl);
    const results = await comet.blockResults(Number(resolvedAt));
    comet.disconnect();
    const rewarded = results.finalizeBlockEvents.find((e) => e.type === "auditor_rewarded");
    assert.ok(rewarded !== undefined, "the auditor was rewarded");
    const attr = (k: string) => rewarded.attributes.find((x) => x.key === k)?.value;
    assert.equal(attr("validator"), valoper);
    assert.equal(attr("amount"), "1234", "from the community pool (issuance funds it)");
    // The reveal's tx may still be returning to the auditor when its block resolves the audit.
    for (let i = 0; i < 100 && auditor.metrics.verdicts === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(auditor.metrics.verdicts, 1);
  });

  it("registers the auditing validator's X25519 key on chain by itself", async () => {
    const c = await TcomputeClient.connect(rpcUrl);
    try {
      let keys = await c.query.jobs.auditKeys();
      for (let i = 0; i < 100 && keys.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        keys = await c.query.jobs.auditKeys();
      }
      assert.deepEqual(
        keys.map((k) => [k.validator, Buffer.from(k.x25519Pubkey).toString("hex")]),
        [[valoper, Buffer.from(loadOrCreateX25519(join(dir, `x-${operator.address}.json`)).publicKey).toString("hex")]],
      );
    } finally {
      c.disconnect();
    }
  });

  it("overturns a byzantine worker's wrong sealed result: the SDK seals to the audit key, the auditor unseals, re-runs, checks the keyed sketch; slashed, requester compensated, auditor paid", async () => {
    await asRequester(async (c) => {
      const { input, id, onChain } = await submitSealed(c, 5);
      assert.deepEqual(
        onChain.auditSealed!.map((x) => x.validator),
        [valoper],
        "sealed to the bonded validator's audit key too",
      );
      // Nothing on chain shows the input: neither copy contains it.
      for (const x of [...onChain.sealed, ...onChain.auditSealed!])
        assert.ok(!Buffer.from(x.ciphertext).includes(Buffer.from(input).subarray(0, 48)));
      const j = await auditResolved(id);
      assert.equal(j.audit, AuditStatus.rejected, JSON.stringify(j.history));
      assert.equal(j.verdicts[0]!.unable, false, "the auditor opened its copy and re-ran the job");
      assert.ok(BigInt(j.verdicts[0]!.height) > BigInt(j.verdictCommits![0]!.height), "committed, then revealed");
      const a = j.assignments[0]!;
      assert.equal(a.outcome, Outcome.fraud);
      assert.ok(BigInt(a.slashed) > 0n, "slashed for fraud");
      assert.equal(j.compensated, j.paid, "the requester got back what the job cost it");
      assert.equal(await rewardOf(j), "1234", "the auditor was paid");
    });
  });

  it('a requester sealing garbage for the auditors gets no honest provider slashed: a copy that does not open, or opens to another input, is audited "unable" and the result stands', async () => {
    // The byzantine provider's worker goes; an honest one takes its place (same key and store).
    const byzantine = workers.findIndex((w) => w.o.address === provider.address);
    await workers.splice(byzantine, 1)[0]!.stop();
    await worker(provider, {});
    await asRequester(async (c) => {
      const providers = await c.query.registry.providers(hash, 1 /* active */);
      const auditors = await c.query.jobs.auditKeys();
      const ids: string[] = [];
      for (const variant of ["garbage", "another input"] as const) {
        const input = encodeTensors(m.sampleInput(variant === "garbage" ? 6 : 7));
        const s = sealToCandidates(input, { model: hash, k: 1, maxPricePerUnit: "5utcu", providers, auditors });
        // The assignee's copy is right; the auditors' does not open (bytes sealed to nobody), or
        // opens to the job's sketch key in front of another input.
        const other = Buffer.concat([sketchKeyOf(input), Buffer.from(encodeTensors(m.sampleInput(8)))]);
        const auditSealed = auditors.map((x) => ({
          validator: x.validator,
          ciphertext: variant === "garbage" ? new Uint8Array(300).fill(9) : seal(other, x.x25519Pubkey),
        }));
        const res = await send(requester, [
          submitJobMsg(requester, hash, [s.input], {
            sealed: s.sealed,
            sketchKeyHash: s.sketchKeyHash,
            auditSealed,
          }),
        ]);
        ids.push(submittedId(res));
      }
      for (const id of ids) {
        const j = await auditResolved(id);
        assert.equal(j.audit, AuditStatus.inconclusive, JSON.stringify(j.history));
        assert.equal(j.verdicts[0]!.unable, true, "the auditor could not check it, and said so");
        const a = j.assignments[0]!;
        assert.equal(a.outcome, Outcome.accepted, "the honest result stands");
        assert.equal(a.slashed, "0");
        assert.equal(j.compensated, "0");
      }
    });
  });

  it("audits a sampled unusable report: an input the auditor cannot decode either confirms it, nobody slashed", async () => {
    if (!workers.some((w) => w.o.audit === true)) await worker(operator, { audit: true });
    if (!workers.some((w) => w.o.address === provider.address && w.o.audit !== true)) await worker(provider, {});
    const before = (await getJob("1")).assignments[0]!.provider; // a job exists: the chain is up
    assert.ok(before !== "");
    // Not a tensor bundle: the provider reports it undecodable (k = 1, sampled at 100% here).
    const res = await send(requester, [
      submitJobMsg(requester, hash, [{ inline: new Uint8Array([0xff, 0xff, 0xff, 0x0f]), uri: "", sha256: "" }]),
    ]);
    const j = await auditResolved(submittedId(res), JobState.unusable);
    assert.equal(j.state, JobState.unusable, JSON.stringify(j.history));
    assert.equal(j.audit, AuditStatus.confirmed, JSON.stringify(j.history));
    assert.equal(j.verdicts[0]!.unable, true, "the auditor could not decode it either, and said so");
    assert.equal(j.assignments[0]!.outcome, Outcome.unusable);
    assert.equal(j.assignments[0]!.slashed, "0");
  });
});
