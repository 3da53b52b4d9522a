import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortBlock } from "../../chain/testkit/nodeProcess.js";
import { testEngines } from "../../chain/testkit/engines.js";
import { openKeyring } from "../../client/cli/keyring.js";
import { decodeResult } from "../../client/models/tensors.js";
import { TcomputeClient } from "../../client/sdk/client.js";
import { fetchOutput, OutputFetchError, rawKeyFromMnemonic } from "../../client/sdk/outputs.js";
import { encodeTensors } from "../../client/models/tensors.js";
import { zoo } from "../../client/models/zoo.js";
import { JobState, Outcome } from "../../modules/jobs/index.js";
import { keyringDir } from "../localnet.js";
import { spawnMarketplace } from "../marketplace.js";
import { runTcd, tcdBin } from "../../chain/testkit/tcd.js";

const run = (args: string[]) => runTcd(args);

// The whole flow on a real localnet: 4 validator processes, 3 provider workers (one byzantine),
// jobs through the SDK and the CLI; the byzantine worker is slashed and loses reputation; the
// requester reads its output and nobody else can; escrow and bonds add up; Ctrl-C stops all.

const tcd = tcdBin;

/** Kills the processes whose command line contains `needle` (arguments separated by NUL), via /proc. */
function killMatching(needle: string): void {
  for (const pid of readdirSync("/proc").filter((d) => /^[0-9]+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle)) process.kill(Number(pid), "SIGTERM");
    } catch {
      // gone, or not ours
    }
  }
}

for (const engine of testEngines())
  describe(`the marketplace on a localnet (e2e: 4 validators, 3 workers, one byzantine) ${engine.title}`, function () {
    this.timeout(600_000);
    const dir = mkdtempSync(join(tmpdir(), "tcd-localnet-"));
    let net: ChildProcess;
    let rpc = "";
    let output = () => "";
    const kr = () => openKeyring(keyringDir(dir), "test", () => "");

    before(async function () {
      if (engine.missing !== null) return this.skip();
      const port = await freePortBlock(40); // 4 nodes, 10 ports each
      const started = await spawnMarketplace([
        "--dir",
        dir,
        "--rpc-port",
        String(port),
        "--validators",
        "4",
        "--workers",
        "3",
        "--byzantine-workers",
        "1",
        "--no-demo",
        "--no-auditors",
        "--engine",
        engine.name,
      ]);
      net = started.child;
      output = started.output;
      rpc = `http://127.0.0.1:${port}`;
    });

    after(async () => {
      if (net !== undefined && net.exitCode === null && net.signalCode === null) {
        net.kill("SIGINT");
        await new Promise((r) => net.once("exit", r));
      }
    });

    it("runs its validators and workers from the tcd bundle, not through the TypeScript loader", () => {
      const cmdline = (pid: string) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const fromBundle = (argv: string[]) => /\/\.build\/tcd\/[0-9a-f]{16}\/main\.mjs$/.test(argv[1] ?? "");
      for (let i = 0; i < 4; i++) {
        const argv = cmdline(readFileSync(join(dir, `node${i}.pid`), "utf8").trim());
        assert.ok(fromBundle(argv) && argv[2] === "start", argv.join(" "));
      }
      const workers = readdirSync("/proc")
        .filter((d) => /^[0-9]+$/.test(d))
        .flatMap((pid) => {
          try {
            const argv = cmdline(pid);
            return argv.includes("worker") && argv.includes("--home") && argv.includes(dir) ? [argv] : [];
          } catch {
            return [];
          }
        });
      assert.equal(workers.length, 3);
      for (const argv of workers)
        assert.ok(argv[1] === "--max-semi-space-size=2" && fromBundle(argv.slice(1)), argv.join(" "));
    });

    it("settles an SDK job by the honest majority, slashes the byzantine worker, and serves the output to the requester only", async () => {
      const wallet = await kr().wallet("requester");
      const client = await TcomputeClient.connectWithSigner(rpc, wallet);
      const requester = kr().show("requester").address;
      const m = zoo["mlp-64x128x128x32"]!;
      const [id] = await client.submitJob(requester, {
        model: m.name,
        inputs: [encodeTensors(m.sampleInput(1))],
        k: 3,
        maxPricePerUnit: "1000utcu",
      });
      const job = await client.waitForJob(id!, { timeoutMs: 240_000 });
      assert.equal(job.state, JobState.settled);
      const byzantine = kr().show("provider0").address;
      const bad = job.assignments.find((a) => a.provider === byzantine)!;
      assert.equal(bad.outcome, Outcome.rejected);
      assert.equal(bad.slashed, "2500000", "5% of its 50 TCU bond");
      assert.equal(job.assignments.filter((a) => a.outcome === Outcome.accepted).length, 2);
      assert.equal((await client.query.registry.provider(byzantine)).bond, "47500000");
      assert.ok((await client.query.reputation.of(byzantine)).score < 500_000, "its reputation fell");
      const key = await rawKeyFromMnemonic(wallet.mnemonic);
      const [out] = await client.fetchOutput(key, job);
      assert.deepEqual(out!["y"]!.shape, [1, 32]);
      const bob = await rawKeyFromMnemonic((await kr().wallet("bob")).mnemonic);
      const served = job.assignments.find((a) => a.outcome === Outcome.accepted)!;
      await assert.rejects(
        fetchOutput(bob, job.id, served.outputUri),
        (e: Error) => e instanceof OutputFetchError && /403/.test(e.message),
      );
      client.disconnect();
    });

    it("settles a CLI job (--wait) among providers above a reputation floor, writes its output; escrow is empty at the end", async () => {
      const input = join(dir, "in.pb");
      const made = await run(["models", "sample-input", "cnn-3x32x32-c10", input, "--variant", "3"]);
      assert.equal(made.code, 0, made.stderr);
      const outFile = join(dir, "out.pb");
      const k = ["--keyring-backend", "test", "--keyring-dir", keyringDir(dir), "--node", rpc, "--yes"];
      const r = await run([
        "tx",
        "jobs",
        "submit",
        "requester",
        "--model",
        "cnn-3x32x32-c10",
        "--input",
        input,
        "--k",
        "2",
        "--min-reputation",
        "0.45",
        "--max-price",
        "1000utcu",
        "--wait",
        "--timeout",
        "240",
        "--output-file",
        outFile,
        ...k,
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /settled/);
      assert.deepEqual(decodeResult(readFileSync(outFile))[0]!["logits"]!.shape, [1, 10]);
      const wallet = await kr().wallet("requester");
      const client = await TcomputeClient.connectWithSigner(rpc, wallet);
      assert.equal(await client.query.jobs.escrow(), 0n, "no open job holds escrow");
      client.disconnect();
    });

    it("a worker SIGKILLed between commit and reveal reveals after restart and is paid", async () => {
      // Replace provider2's worker by one that commits and holds its reveal, then kill it hard.
      killMatching("worker\0start\0--from\0provider2\0--node");
      const args = [
        "worker",
        "start",
        "--from",
        "provider2",
        "--home",
        dir,
        "--keyring-backend",
        "test",
        "--keyring-dir",
        keyringDir(dir),
        "--models",
        join(dir, "models"),
        "--node",
        rpc,
        "--threads",
        "1",
      ];
      const held = spawn(process.execPath, [tcd, ...args, "--hold-reveals"], { stdio: "ignore" });
      const wallet = await kr().wallet("requester");
      const client = await TcomputeClient.connectWithSigner(rpc, wallet);
      const m = zoo["silero-vad"]!;
      const [id] = await client.submitJob(kr().show("requester").address, {
        model: m.name,
        inputs: [encodeTensors(m.sampleInput(5))],
        k: 2,
        minReputation: 0.45,
        maxPricePerUnit: "1000utcu",
      });
      const provider2 = kr().show("provider2").address;
      let committedBeforeKill = false;
      for (let i = 0; i < 400 && !committedBeforeKill; i++) {
        const j = await client.query.jobs.job(id!);
        committedBeforeKill =
          j.state === JobState.revealing &&
          j.assignments.find((a) => a.provider === provider2)?.committedHeight !== "0";
        if (!committedBeforeKill) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(committedBeforeKill, "the held worker committed and the reveal window opened");
      held.kill("SIGKILL");
      await new Promise((r) => held.once("exit", r));
      const restarted = spawn(process.execPath, [tcd, ...args], { stdio: "ignore" });
      try {
        const job = await client.waitForJob(id!, { timeoutMs: 240_000 });
        const a = job.assignments.find((x) => x.provider === provider2)!;
        assert.equal(a.outcome, Outcome.accepted);
        assert.notEqual(a.paid, "0");
      } finally {
        restarted.kill("SIGTERM");
        await new Promise((r) => restarted.once("exit", r));
        client.disconnect();
      }
    });

    it("stops every process on Ctrl-C", async () => {
      net.kill("SIGINT");
      const code = await new Promise<number | null>((r) => net.once("exit", r));
      assert.equal(code, 0, output().slice(-2000));
    });
  });
