import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet, DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { makeTestHome, startNodeProcess, type NodeProcess } from "../../../chain/testkit/nodeProcess.js";
import { claimCodecs, ClaimStatus, isFinal, jobsCodecs, JobState, Outcome } from "../../../modules/jobs/index.js";
import { UnusableReason } from "../../../modules/jobs/types.js";
import { decodeResult, encodeTensors } from "../../models/tensors.js";
import { zoo } from "../../models/zoo.js";
import { fetchOutput, OutputFetchError } from "../../sdk/outputs.js";
import { tcomputeRegistry } from "../../sdk/registry.js";
import { rawKeyFromSeed, type RawKey } from "../../sdk/signing.js";
import { InferenceEngine } from "../inference.js";
import { loadOrCreateX25519 } from "../sealing.js";
import { Worker } from "../worker.js";
import { registerZooMarket, submitJobMsg, submittedId } from "./fixtures.js";
import { TcomputeClient } from "../../sdk/client.js";
import { submitJobExample } from "../../../docs/examples/submit-job.js";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { runTcd } from "../../../chain/testkit/tcd.js";

const tcd = (args: string[], stdin = "") => runTcd(args, { stdin });

// A provider's worker against a real node process: it picks up its assignment, runs the model
// with onnxruntime-node, commits, reveals and is paid; the requester fetches and opens the
// output, and nobody else can; a worker stopped between commit and reveal reveals after restart.

describe("the worker (e2e, one node)", function () {
  this.timeout(120_000);
  const requester = rawKeyFromSeed("worker-e2e-requester");
  const provider = rawKeyFromSeed("worker-e2e-provider");
  const stranger = rawKeyFromSeed("worker-e2e-stranger");
  const m = zoo["mlp-64x128x128x32"]!;
  const bytes = m.bytes();
  const hash = createHash("sha256").update(bytes).digest("hex");
  const dir = mkdtempSync(join(tmpdir(), "tcd-worker-"));
  const modelFile = join(dir, "mlp.onnx");
  writeFileSync(modelFile, bytes);
  const x25519 = loadOrCreateX25519(join(dir, "x25519.json"));
  let node: NodeProcess;
  const workers: Worker[] = [];

  const client = async (key: RawKey) =>
    SigningStargateClient.connectWithSigner(node.rpcUrl, await DirectSecp256k1Wallet.fromKey(key.privKey, "tc"), {
      registry: tcomputeRegistry(),
      gasPrice: GasPrice.fromString("0.0025utcu"),
    });
  const send = async (key: RawKey, msgs: Array<{ typeUrl: string; value: unknown }>) => {
    const c = await client(key);
    const res = await c.signAndBroadcast(key.address, msgs, 1.5);
    c.disconnect();
    assert.equal(res.code, 0, res.rawLog);
    return res;
  };
  const getJob = async (id: string) => {
    const c = await Comet38Client.connect(node.rpcUrl);
    const res = await c.abciQuery({
      path: "/tcompute.jobs.v1.Query/Job",
      data: jobsCodecs.queryJobRequest.encode({ id }),
    });
    c.disconnect();
    return jobsCodecs.queryJobResponse.decode(res.value).job!;
  };
  const waitFor = async (id: string, pred: (state: number, j: Awaited<ReturnType<typeof getJob>>) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const j = await getJob(id);
      if (pred(j.state, j)) return j;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`job ${id} never got there`);
  };
  const startWorker = async (
    opts: { holdReveals?: boolean; allowLoopbackUris?: boolean; claimPollMs?: number } = {},
  ) => {
    const w = new Worker({
      rpcUrl: node.rpcUrl,
      signer: await DirectSecp256k1Wallet.fromKey(provider.privKey, "tc"),
      address: provider.address,
      storeDir: join(dir, "store"),
      x25519,
      engine: { threads: 1 },
      port: 0,
      pollMs: 500,
      log: () => {},
      allowFileUris: true,
      ...opts,
    });
    await w.start();
    workers.push(w);
    return w;
  };
  const submit = async (variant: number) =>
    submittedId(
      await send(requester, [
        submitJobMsg(requester, hash, [{ inline: encodeTensors(m.sampleInput(variant)), uri: "", sha256: "" }]),
      ]),
    );

  before(async () => {
    const t = await makeTestHome({
      accounts: [requester, provider, stranger].map((k) => ({
        address: k.address,
        coins: [{ denom: "utcu", amount: 1_000_000_000n }],
      })),
      // No capability challenges: the tests stop and start the provider's worker, and a
      // challenge issued while it is stopped would (rightly) jail it for a no-show. Challenges
      // are tested in modules/jobs/test/challenges.test.ts and run on the localnet.
      // A long dispute window: the claim test checks that an answered claim stays answered
      // through several CLI runs (each a new process), which on a slow machine took longer than
      // the default 50 blocks of 300 ms; nothing here waits for the window to close.
      editGenesis: (d) => {
        const params = (d.app_state["jobs"] as { params: Record<string, unknown> }).params;
        params["challenge_epoch_blocks"] = "0";
        params["claim_dispute_window"] = "100000";
      },
    });
    node = await startNodeProcess(t.home);
    await registerZooMarket(send, {
      m,
      hash,
      modelFile,
      owner: requester,
      provider,
      moniker: "cpu-box",
      x25519Pubkey: x25519.publicKey,
      bond: 20_000_000n,
    });
  });

  after(async () => {
    for (const w of workers) await w.stop();
    await node?.stop();
  });

  it("runs an assignment with onnxruntime-node, commits, reveals, is paid; only the requester can fetch the output", async () => {
    const w = await startWorker();
    const id = await submit(0);
    const j = await waitFor(id, (s) => s === JobState.settled || s === JobState.failed);
    assert.equal(j.state, JobState.settled, JSON.stringify(j.history));
    const a = j.assignments[0]!;
    assert.equal(a.outcome, Outcome.accepted);
    assert.equal(a.paid, "50");
    assert.match(a.outputUri, /^http:\/\/127\.0\.0\.1:[0-9]+\/outputs\//);
    const out = await fetchOutput(requester, id, a.outputUri);
    assert.equal(
      createHash("sha256").update(out.bytes).digest("hex"),
      Buffer.from(a.digest).toString("hex"),
      "the served output is the revealed digest's",
    );
    const engine = new InferenceEngine({ threads: 1 });
    await engine.load(hash, bytes);
    const direct = await engine.run(hash, m.sampleInput(0));
    await engine.release();
    assert.deepEqual(
      Array.from(out.outputs[0]!["y"]!.data as Float32Array),
      Array.from(direct["y"]!.data as Float32Array),
    );
    await assert.rejects(
      fetchOutput(stranger, id, a.outputUri),
      (e: Error) => e instanceof OutputFetchError && /403/.test(e.message),
    );
    // The reveal's tx may still be returning to the worker when the block settles the job.
    let metrics = "";
    for (let i = 0; i < 40 && !/reveals_total\{[^}]*\} 1/.test(metrics); i++) {
      metrics = await (await fetch(`${w.url}/metrics`)).text();
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(metrics, /tcompute_worker_jobs_run_total\{provider="[a-z0-9]+"\} 1/);
    assert.match(metrics, /tcompute_worker_reveals_total\{provider="[a-z0-9]+"\} 1/);
    assert.equal(decodeResult(out.bytes).length, 1);
    await w.stop();
  });

  it("answers a non-delivery claim with the committed output, sealed to the claim key, so it is not upheld", async () => {
    const w = await startWorker({ claimPollMs: 300 });
    const id = await submit(1);
    const j = await waitFor(id, (s) => s === JobState.settled || s === JobState.failed);
    assert.equal(j.state, JobState.settled, JSON.stringify(j.history));
    const claimOf = async () => {
      const c = await Comet38Client.connect(node.rpcUrl);
      const res = await c.abciQuery({
        path: "/tcompute.jobs.v1.Query/Claim",
        data: claimCodecs.queryClaimRequest.encode({ jobId: id, provider: provider.address }),
      });
      c.disconnect();
      return claimCodecs.queryClaimResponse.decode(res.value).claim;
    };
    // A requester that got its output claims anyway, hoping nobody answers (upheld: 5% of the
    // bond and its payment back). Before the worker answered claims, that was every claim.
    const c = await TcomputeClient.connectWithSigner(
      node.rpcUrl,
      await DirectSecp256k1Wallet.fromKey(requester.privKey, "tc"),
    );
    try {
      const claimKey = await c.claimNonDelivery(requester.address, id, provider.address);
      let answer = await c.claimAnswer(id, provider.address, claimKey);
      for (let i = 0; i < 120 && answer === null; i++) {
        await new Promise((r) => setTimeout(r, 250));
        answer = await c.claimAnswer(id, provider.address, claimKey);
      }
      assert.equal(answer?.status, ClaimStatus.answered, "the worker answered within the answer window");
      assert.ok(answer.matches, "the SDK opened it and found the committed digest");
      assert.equal(
        createHash("sha256").update(answer.payload!).digest("hex"),
        Buffer.from(j.assignments[0]!.digest).toString("hex"),
        "the answer is the committed output",
      );
      // Disputing a good answer fails on chain: delivered, and the deposit goes to the worker.
      await c.disputeAnswer(requester.address, id, provider.address, claimKey);
      assert.equal((await claimOf())?.status, ClaimStatus.delivered);
    } finally {
      c.disconnect();
      // Stopped here even when an assertion fails: the next tests start a worker on this key.
      await w.stop();
      workers.splice(workers.indexOf(w), 1);
    }
  });

  it("reports unusable inputs (malformed inline bytes, a URI whose bytes do not match, one over its declared size, a bundle the model refuses) instead of going silent, is not slashed, and goes on", async () => {
    // The requester's input server, on loopback: the worker reaches it only with the operator's opt-in.
    const server = createServer((_req, res) => res.end(Buffer.from("not the bytes the job was submitted with")));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/input.bin`;
    try {
      const w = await startWorker({ allowLoopbackUris: true });
      const submitInputs = async (inputs: Array<{ inline: Uint8Array; uri: string; sha256: string; size?: string }>) =>
        submittedId(await send(requester, [submitJobMsg(requester, hash, inputs)]));
      const malformed = await submitInputs([{ inline: new Uint8Array([0xff, 0xff, 0xff]), uri: "", sha256: "" }]);
      const mismatch = await submitInputs([
        { inline: new Uint8Array(), uri, sha256: createHash("sha256").update("the real input").digest("hex") },
      ]);
      const tooBig = await submitInputs([
        {
          inline: new Uint8Array(),
          uri,
          sha256: createHash("sha256").update("not the bytes the job was submitted with").digest("hex"),
          size: "8",
        },
      ]);
      // A tensor bundle, but of a shape the mlp's graph refuses (x is [n, 64]): onnxruntime throws.
      const refused = await submitInputs([
        {
          inline: encodeTensors({ x: { dtype: "float32", shape: [1, 3], data: new Float32Array(3) } }),
          uri: "",
          sha256: "",
        },
      ]);
      const good = await submit(4);
      assert.equal(
        (await waitFor(good, (s) => s === JobState.settled || s === JobState.failed)).state,
        JobState.settled,
      );
      for (const [id, reason] of [
        [malformed, UnusableReason.undecodable],
        [mismatch, UnusableReason.hashMismatch],
        [tooBig, UnusableReason.tooLarge],
        [refused, UnusableReason.rejected],
      ] as const) {
        const j = await waitFor(id, (s) => isFinal(s as JobState));
        assert.equal(j.state, JobState.unusable, JSON.stringify(j.history));
        const a = j.assignments[0]!;
        assert.equal(a.outcome, Outcome.unusable);
        assert.equal(a.unusable, reason);
        assert.equal(a.slashed, "0", "not a no-show any more");
      }
      assert.match(w.metrics.render(provider.address), /unusable_reports_total\{[^}]*\} 4/);
      // The requester's record shows it (k = 1: one uncorroborated report, so no fee).
      const c = await TcomputeClient.connectWithSigner(
        node.rpcUrl,
        await DirectSecp256k1Wallet.fromKey(requester.privKey, "tc"),
      );
      assert.deepEqual(await c.query.jobs.requesterRecord(requester.address), {
        unusableJobs: 4n,
        unusableFeesPaid: 0n,
      });
      c.disconnect();
      await workers.pop()!.stop();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("the SDK example in docs/examples/submit-job.ts submits, follows and reads a job", async () => {
    await startWorker();
    const log = console.log;
    console.log = () => {};
    try {
      const r = await submitJobExample(node.rpcUrl, requester, m.name, m.sampleInput(2));
      assert.equal(r.paid, "50");
      assert.deepEqual(r.output["y"]!.shape, [1, 32]);
    } finally {
      console.log = log;
    }
    const c = await TcomputeClient.connectWithSigner(
      node.rpcUrl,
      await DirectSecp256k1Wallet.fromKey(requester.privKey, "tc"),
    );
    assert.equal((await c.query.registry.model(m.name)).hash, hash);
    assert.ok((await c.query.jobs.byRequester(requester.address)).length >= 1);
    assert.equal(await c.query.jobs.escrow(), 0n);
    assert.ok((await c.query.reputation.of(provider.address)).agreed >= 1);
    const work = (await c.query.emissions.providerPool()).work.find((x) => x.provider === provider.address);
    assert.ok(work !== undefined && work.units > 0n, "verified compute units reach the emissions provider pool");
    c.disconnect();
    await workers.pop()!.stop();
  });

  it("tcd tx jobs submit --wait follows the job to settlement and writes the fetched result", async () => {
    const home = mkdtempSync(join(tmpdir(), "tcd-worker-cli-"));
    const kr = ["--home", home, "--keyring-backend", "test", "--node", node.rpcUrl];
    const added = await tcd(
      ["keys", "add", "req", "--recover", "--output", "json", ...kr],
      "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    );
    assert.equal(added.code, 0, added.stderr);
    const address = (JSON.parse(added.stdout) as { address: string }).address;
    await send(requester, [
      {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: requester.address, toAddress: address, amount: [{ denom: "utcu", amount: "10000000" }] },
      },
    ]);
    await startWorker();
    const inputFile = join(home, "input.pb");
    writeFileSync(inputFile, encodeTensors(m.sampleInput(3)));
    const outFile = join(home, "result.pb");
    const r = await tcd([
      "tx",
      "jobs",
      "submit",
      "req",
      "--model",
      m.name,
      "--input",
      inputFile,
      "--k",
      "1",
      "--wait",
      "--output-file",
      outFile,
      "--yes",
      ...kr,
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /settled/);
    assert.match(r.stdout, /cost: 50utcu paid to workers/);
    const saved = decodeResult(readFileSync(outFile));
    assert.deepEqual(saved[0]!["y"]!.shape, [1, 32]);
    // Someone else's key cannot fetch it.
    const id = /job id\(s\) ([0-9]+)/.exec(r.stdout)![1]!;
    await tcd(["keys", "add", "other", ...kr]);
    const other = await tcd(["q", "jobs", "get", id, "--output-file", join(home, "x.pb"), "--from", "other", ...kr]);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /only the requester/);
    await workers.pop()!.stop();
  });

  it("tcd tx jobs claim, tcd q jobs claim --from and tcd tx jobs dispute: the claim key comes from the requester's key", async () => {
    const home = mkdtempSync(join(tmpdir(), "tcd-worker-claim-"));
    const kr = ["--home", home, "--keyring-backend", "test", "--node", node.rpcUrl];
    const keyAdded = async (name: string) => {
      const r = await tcd(["keys", "add", name, "--output", "json", ...kr]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { address: string; mnemonic: string };
    };
    const claimer = await keyAdded("claimer");
    const address = claimer.address;
    const otherAddress = (await keyAdded("other")).address;
    await send(requester, [
      {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: {
          fromAddress: requester.address,
          toAddress: address,
          amount: [{ denom: "utcu", amount: "50000000" }],
        },
      },
      {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: {
          fromAddress: requester.address,
          toAddress: otherAddress,
          amount: [{ denom: "utcu", amount: "50000000" }],
        },
      },
    ]);
    const w = await startWorker({ claimPollMs: 300 });
    try {
      const inputFile = join(home, "input.pb");
      writeFileSync(inputFile, encodeTensors(m.sampleInput(5)));
      /** A k = 1 job of the claimer's, followed to settlement by the CLI: its id. */
      const settledJob = async () => {
        const r = await tcd([
          ...["tx", "jobs", "submit", "claimer", "--model", m.name, "--input", inputFile],
          ...["--k", "1", "--wait", "--yes", ...kr],
        ]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        return /job id\(s\) ([0-9]+)/.exec(r.stdout)![1]!;
      };
      const id = await settledJob();
      const digest = Buffer.from((await getJob(id)).assignments[0]!.digest).toString("hex");
      const p = provider.address;

      // Before any claim, and bad arguments: clear errors, nothing sent.
      const none = await tcd(["q", "jobs", "claim", id, p, ...kr]);
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /no claim on job/);
      const early = await tcd(["tx", "jobs", "dispute", "claimer", id, p, "--yes", ...kr]);
      assert.match(early.stderr, /no claim on job/);
      const badId = await tcd(["tx", "jobs", "claim", "claimer", "0x1", p, "--yes", ...kr]);
      assert.match(badId.stderr, /job id is a positive integer/);
      const badProvider = await tcd(["tx", "jobs", "claim", "claimer", id, "tc1nobody", "--yes", ...kr]);
      assert.match(badProvider.stderr, /provider "tc1nobody"/);
      const noFrom = await tcd(["q", "jobs", "claim", id, p, "--output-file", join(home, "x"), ...kr]);
      assert.match(noFrom.stderr, /--output-file needs --from/);
      // Another account's claim on this job is refused on chain: only the requester claims.
      const notMine = await tcd(["tx", "jobs", "claim", "other", id, p, "--yes", ...kr]);
      assert.notEqual(notMine.code, 0);

      const claimed = await tcd(["tx", "jobs", "claim", "claimer", id, p, "--yes", ...kr]);
      assert.equal(claimed.code, 0, claimed.stderr + claimed.stdout);
      assert.match(claimed.stdout, /read the answer with: tcd q jobs claim/);
      const outFile = join(home, "answer.pb");
      type Shown = { status: number; answer?: { opened: boolean; matches_digest: boolean; output_file?: string } };
      const show = async (from: string, out?: string) => {
        const r = await tcd([
          "q",
          "jobs",
          "claim",
          id,
          p,
          "--from",
          from,
          ...(out === undefined ? [] : ["--output-file", out]),
          "--output",
          "json",
          ...kr,
        ]);
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as Shown;
      };
      let shown = await show("claimer", outFile);
      for (let i = 0; i < 60 && shown.status === ClaimStatus.open; i++) {
        await new Promise((r) => setTimeout(r, 300));
        shown = await show("claimer", outFile);
      }
      assert.equal(shown.status, ClaimStatus.answered, "the worker answered within the window");
      assert.deepEqual(shown.answer, { opened: true, matches_digest: true, output_file: outFile });
      assert.equal(createHash("sha256").update(readFileSync(outFile)).digest("hex"), digest);
      // Another key derives another claim key: it cannot read the answer.
      assert.deepEqual((await show("other")).answer, { opened: false, matches_digest: false });
      // The key is bound to the chain id: derived for another chain, it is not this claim's.
      const elsewhere = await tcd([
        "q",
        "jobs",
        "claim",
        id,
        p,
        "--from",
        "claimer",
        "--claim-chain-id",
        "tc-other",
        ...kr,
      ]);
      assert.match(elsewhere.stderr, /not made with the key tcd derives from claimer/);
      // Disputing the committed output would lose the deposit: refused before anything is sent.
      const good = await tcd(["tx", "jobs", "dispute", "claimer", id, p, "--yes", ...kr]);
      assert.notEqual(good.code, 0);
      assert.match(good.stderr, /opens to the committed output/);
      const strangers = await tcd(["tx", "jobs", "dispute", "other", id, p, "--yes", ...kr]);
      assert.match(strangers.stderr, /the claim is tc1[a-z0-9]+'s, not other's/);
      assert.equal((await show("claimer")).status, ClaimStatus.answered, "nothing was sent");
      // --force sends it; the chain opens the answer with the revealed key: delivered.
      const forced = await tcd(["tx", "jobs", "dispute", "claimer", id, p, "--force", "--yes", ...kr]);
      assert.equal(forced.code, 0, forced.stderr + forced.stdout);
      assert.equal((await show("claimer")).status, ClaimStatus.delivered);
      const late = await tcd(["tx", "jobs", "dispute", "claimer", id, p, "--yes", ...kr]);
      assert.match(late.stderr, /the claim is delivered: only an answered claim can be disputed/);

      // The same account claims another job through the SDK with its own random key: the CLI
      // says so instead of advising a dispute (which would fail on chain, code 42, for the fee).
      const sdkId = await settledJob();
      const sdk = await TcomputeClient.connectWithSigner(
        node.rpcUrl,
        await DirectSecp256k1HdWallet.fromMnemonic(claimer.mnemonic, { prefix: "tc" }),
      );
      try {
        await sdk.claimNonDelivery(address, sdkId, p);
      } finally {
        sdk.disconnect();
      }
      const wrongKey = [
        ["q", "jobs", "claim", sdkId, p, "--from", "claimer"],
        ["tx", "jobs", "dispute", "claimer", sdkId, p, "--yes"],
      ];
      for (const args of wrongKey) {
        const r = await tcd([...args, ...kr]);
        assert.notEqual(r.code, 0, args.join(" "));
        assert.match(r.stderr, /not made with the key tcd derives from claimer/);
      }
    } finally {
      await w.stop();
      workers.splice(workers.indexOf(w), 1);
    }
  });

  it("a sealed job from the SDK (submitJob({ sealed: true })): unsealed by the worker, run, served sealed, opened and checked by the requester", async () => {
    await startWorker();
    const c = await TcomputeClient.connectWithSigner(
      node.rpcUrl,
      await DirectSecp256k1Wallet.fromKey(requester.privKey, "tc"),
    );
    try {
      // Fewer candidates than k is refused before anything is sent.
      await assert.rejects(
        c.submitJob(requester.address, {
          model: m.name,
          inputs: [encodeTensors(m.sampleInput(5))],
          k: 2,
          maxPricePerUnit: "5utcu",
          sealed: true,
        }),
        /needs 2 candidate provider\(s\).*found 1/,
      );
      const input = encodeTensors(m.sampleInput(5));
      const [id] = await c.submitJob(requester.address, {
        model: m.name,
        inputs: [input],
        k: 1,
        maxPricePerUnit: "5utcu",
        sealed: true,
      });
      const onChain = await c.query.jobs.job(id!);
      assert.equal(onChain.inputs[0]!.inline.length, 0, "no plaintext input on chain");
      assert.equal(onChain.inputs[0]!.sha256, createHash("sha256").update(input).digest("hex"));
      assert.deepEqual(
        onChain.sealed.map((s) => s.provider),
        [provider.address],
      );
      assert.ok(
        !Buffer.from(onChain.sealed[0]!.ciphertext).includes(Buffer.from(input).subarray(0, 64)),
        "the sealed copy is not the plaintext",
      );
      const job = await c.waitForJob(id!, { timeoutMs: 60_000 });
      assert.equal(job.assignments[0]!.outcome, Outcome.accepted);
      const [out] = await c.fetchOutput(requester, job);
      const engine = new InferenceEngine({ threads: 1 });
      await engine.load(hash, bytes);
      const direct = await engine.run(hash, m.sampleInput(5));
      await engine.release();
      assert.deepEqual(Array.from(out!["y"]!.data as Float32Array), Array.from(direct["y"]!.data as Float32Array));
    } finally {
      c.disconnect();
    }
    await workers.pop()!.stop();
  });

  it("tcd tx jobs submit --sealed seals the input to the candidates and writes the checked result", async () => {
    const home = mkdtempSync(join(tmpdir(), "tcd-worker-sealed-"));
    const kr = ["--home", home, "--keyring-backend", "test", "--node", node.rpcUrl];
    const added = await tcd(
      ["keys", "add", "req", "--recover", "--output", "json", ...kr],
      "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    );
    assert.equal(added.code, 0, added.stderr);
    const address = (JSON.parse(added.stdout) as { address: string }).address;
    await send(requester, [
      {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: requester.address, toAddress: address, amount: [{ denom: "utcu", amount: "10000000" }] },
      },
    ]);
    await startWorker();
    const inputFile = join(home, "input.pb");
    writeFileSync(inputFile, encodeTensors(m.sampleInput(6)));
    const batch = await tcd([
      "tx",
      "jobs",
      "submit",
      "req",
      "--model",
      m.name,
      "--input",
      inputFile,
      "--input",
      inputFile,
      "--sealed",
      "--k",
      "1",
      "--yes",
      ...kr,
    ]);
    assert.notEqual(batch.code, 0);
    assert.match(batch.stderr, /--sealed takes exactly one --input/);
    const outFile = join(home, "result.pb");
    const r = await tcd([
      "tx",
      "jobs",
      "submit",
      "req",
      "--model",
      m.name,
      "--input",
      inputFile,
      "--sealed",
      "--k",
      "1",
      "--wait",
      "--output-file",
      outFile,
      "--yes",
      ...kr,
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /settled/);
    const id = /job id\(s\) ([0-9]+)/.exec(r.stdout)![1]!;
    const j = await getJob(id);
    assert.equal(j.inputs[0]!.inline.length, 0);
    assert.equal(j.sealed.length, 1);
    assert.deepEqual(decodeResult(readFileSync(outFile))[0]!["y"]!.shape, [1, 32]);
    await workers.pop()!.stop();
  });

  it("a worker stopped between commit and reveal reveals after a restart and is paid", async () => {
    const w = await startWorker({ holdReveals: true });
    const id = await submit(1);
    await waitFor(id, (s) => s === JobState.revealing);
    await w.stop();
    assert.notEqual(w.store.get("result", id), null, "the salt and output were kept");
    await startWorker();
    const j = await waitFor(id, (s) => s === JobState.settled || s === JobState.failed);
    assert.equal(j.state, JobState.settled);
    assert.equal(j.assignments[0]!.paid, "50");
  });
});
