import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { JobState } from "../modules/jobs/index.js";
import { ProviderStatus } from "../modules/registry/index.js";
import { signatureOf } from "../client/models/onnx.js";
import { encodeTensors } from "../client/models/tensors.js";
import { zoo } from "../client/models/zoo.js";
import { openKeyring } from "../client/cli/keyring.js";
import { TcomputeClient } from "../client/sdk/client.js";
import { loadOrCreateX25519 } from "../client/worker/sealing.js";
import { keyringDir, tcdFromSources } from "./localnet.js";

// The marketplace on a localnet: the model zoo registered, providers registered with their
// workers' X25519 keys, a worker process per provider (some byzantine on request), an auditing
// worker per validator, a demo stream of jobs from a requester, and a compact live view.

/** Models the demo stream uses (fast on a CPU). */
export const demoModels = ["mlp-64x128x128x32", "cnn-3x32x32-c10", "silero-vad", "ppocr-mobile-v2-cls"];

export interface MarketOptions {
  dir: string;
  validators: number;
  workers: number;
  byzantineWorkers: number;
  auditors: boolean;
  rpc: string[];
  /** How the workers run tcd: node's arguments before tcd's (default: the sources through tsx). */
  tcd?: readonly string[];
}

export function providerName(i: number): string {
  return `provider${i}`;
}

/** Keys of the providers and the requester (funded in genesis by setupLocalnet's caller). */
export async function marketAccounts(
  dir: string,
  workers: number,
): Promise<Array<{ name: string; address: string; utcu: bigint }>> {
  const kr = openKeyring(keyringDir(dir), "test", () => "");
  const have = new Map(kr.list().map((k) => [k.name, k.address]));
  const out: Array<{ name: string; address: string; utcu: bigint }> = [];
  for (const name of [...Array.from({ length: workers }, (_, i) => providerName(i)), "requester"]) {
    out.push({ name, address: have.get(name) ?? (await kr.add(name)).info.address, utcu: 100_000_000_000n });
  }
  return out;
}

async function clientFor(dir: string, name: string, rpc: string): Promise<{ client: TcomputeClient; address: string }> {
  const kr = openKeyring(keyringDir(dir), "test", () => "");
  const wallet = await kr.wallet(name);
  return { client: await TcomputeClient.connectWithSigner(rpc, wallet), address: kr.show(name).address };
}

/** Writes the zoo to <dir>/models and registers what is not registered yet, and the providers. */
export async function bootstrapMarket(o: MarketOptions, log: (l: string) => void): Promise<void> {
  await waitForHeight(o.rpc[0]!, 2, 60_000);
  const modelsDir = join(o.dir, "models");
  mkdirSync(modelsDir, { recursive: true });
  const { client, address } = await clientFor(o.dir, "alice", o.rpc[0]!);
  try {
    for (const name of demoModels) {
      const z = zoo[name]!;
      const file = join(modelsDir, `${name}.onnx`);
      const bytes = z.bytes();
      if (!existsSync(file)) writeFileSync(file, bytes);
      const hash = createHash("sha256").update(bytes).digest("hex");
      if ((await client.query.registry.models()).some((m) => m.hash === hash)) continue;
      const sig = signatureOf(bytes);
      await client.registerModel({
        owner: address,
        hash,
        name,
        inputs: sig.inputs,
        outputs: sig.outputs,
        computeUnits: z.computeUnits.toString(),
        rule: z.rule,
        uri: pathToFileURL(file).href,
        challengeInputs: z.challengeInputs ?? [],
      });
      log(`registered model ${name} (${hash.slice(0, 12)}…)`);
    }
  } finally {
    client.disconnect();
  }
  const hashes = demoModels.map((n) => createHash("sha256").update(zoo[n]!.bytes()).digest("hex"));
  for (let i = 0; i < o.workers; i++) {
    const name = providerName(i);
    const { client: c, address: owner } = await clientFor(o.dir, name, o.rpc[i % o.rpc.length]!);
    try {
      const known = (await c.query.registry.providers()).some((p) => p.owner === owner);
      if (known) continue;
      const x = loadOrCreateX25519(join(o.dir, `worker-${name}`, "x25519.json"));
      await c.registerProvider({
        owner,
        moniker: `${name}${i < o.byzantineWorkers ? " (byzantine)" : ""}`,
        gpus: [{ vendor: "cpu", model: "x86-64", memoryMib: 4096, count: 1 }],
        models: [...hashes].sort(),
        pricePerUnit: `${500 + 50 * i}utcu`,
        slots: 4,
        x25519Pubkey: x.publicKey,
        endpoint: "",
        bond: "50000000",
      });
      log(`registered ${name}${i < o.byzantineWorkers ? " (byzantine)" : ""}`);
    } finally {
      c.disconnect();
    }
  }
}

/** Waits until the chain has committed `height` blocks (accounts and queries need a block). */
export async function waitForHeight(rpc: string, height: number, timeoutMs: number): Promise<void> {
  const comet = await Comet38Client.connect(rpc);
  try {
    const end = Date.now() + timeoutMs;
    // Before the first block, /status has an empty block hash, which cosmjs refuses: retry.
    const at = () =>
      comet.status().then(
        (st) => st.syncInfo.latestBlockHeight,
        () => 0,
      );
    while ((await at()) < height) {
      if (Date.now() > end) throw new Error(`the chain did not reach height ${height}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    comet.disconnect();
  }
}

/**
 * node's flags for the workers and auditors: a young generation of at most 2 MiB per semi-space
 * (V8's default grows to 16): their allocation rate is low (inference runs in onnxruntime's
 * native memory), and it took ~50 MiB off each auditor and ~30 off each worker in bench:rss
 * (docs/performance.md, issue 17 step 3).
 */
export const workerNodeFlags: readonly string[] = ["--max-semi-space-size=2"];

/** Starts the worker processes; returns them for stopping. */
export function startWorkers(o: MarketOptions, out: (line: string) => void): ChildProcess[] {
  const common = [
    "--home",
    o.dir,
    "--keyring-backend",
    "test",
    "--keyring-dir",
    keyringDir(o.dir),
    "--models",
    join(o.dir, "models"),
    "--threads",
    "1",
    // No second thread per worker and auditor (its own V8 isolate): npm start's job rate does not
    // need it, and its memory would count seven times (docs/performance.md, step 3).
    "--no-post-thread",
  ];
  const children: ChildProcess[] = [];
  const spawnOne = (label: string, args: string[]) => {
    const child = spawn(
      process.execPath,
      [...workerNodeFlags, ...(o.tcd ?? tcdFromSources), "worker", "start", ...args, ...common],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line !== "") out(`[${label}] ${line}`);
    };
    child.stdout!.on("data", relay);
    child.stderr!.on("data", relay);
    children.push(child);
  };
  for (let i = 0; i < o.workers; i++)
    spawnOne(providerName(i), [
      "--from",
      providerName(i),
      "--node",
      o.rpc[i % o.rpc.length]!,
      ...(i < o.byzantineWorkers ? ["--byzantine"] : []),
    ]);
  if (o.auditors)
    for (let i = 0; i < o.validators; i++)
      spawnOne(`auditor${i}`, ["--from", `val${i}`, "--audit", "--node", o.rpc[i]!]);
  return children;
}

/**
 * `tcd localnet up <args>` as a child process, resolved once the marketplace is up (for the
 * end-to-end test and bench:jobs). Not up within `timeoutMs`, or exited first: the child is
 * killed and the error carries everything it printed (a hang used to leave only mocha's timeout).
 */
export async function spawnMarketplace(
  args: string[],
  timeoutMs = 300_000,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [...tcdFromSources, "localnet", "up", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the marketplace was not up within ${timeoutMs} ms; it printed:\n${out}`)),
        timeoutMs,
      );
      const onData = (c: Buffer) => {
        out += c.toString();
        if (/^marketplace: /m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      // "close", not "exit": its last lines (the reason) may still be in the pipes at "exit".
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`localnet exited with ${code ?? signal}:\n${out}`));
      });
    });
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT"); // localnet up stops its nodes and workers on SIGINT, at any stage
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(killer);
    }
    throw e;
  }
  return { child, output: () => out };
}

/** Submits a job from the requester every `everyMs`, cycling through the demo models. */
export function startDemoStream(o: MarketOptions, everyMs: number, log: (l: string) => void): { stop(): void } {
  let n = 0;
  let stopped = false;
  // With byzantine workers, k stays at most the honest count so that jobs still match once the
  // byzantine ones are jailed (a 1-against-1 job goes to the auditors).
  const k = Math.min(3, Math.max(1, o.workers - o.byzantineWorkers));
  const loop = async () => {
    const { client, address } = await clientFor(o.dir, "requester", o.rpc[0]!);
    while (!stopped) {
      const z = zoo[demoModels[n % demoModels.length]!]!;
      try {
        const ids = await client.submitJob(address, {
          model: z.name,
          inputs: [encodeTensors(z.sampleInput(n))],
          k,
          maxPricePerUnit: "1000utcu",
          deadlineBlocks: 50,
        });
        log(`submitted job ${ids[0]} (${z.name}, k=${k})`);
      } catch (e) {
        log(`demo job not submitted: ${(e as Error).message}`);
      }
      n++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
    client.disconnect();
  };
  void loop();
  return { stop: () => (stopped = true) };
}

/** One compact view of the marketplace: chain progress, jobs, providers. */
export async function liveView(
  o: MarketOptions,
  since: { height: number; txPerSecond: number; balances: Map<string, bigint> },
): Promise<string> {
  const comet = await Comet38Client.connect(o.rpc[0]!);
  const { client } = await clientFor(o.dir, "requester", o.rpc[0]!);
  try {
    const status = await comet.status();
    const height = status.syncInfo.latestBlockHeight;
    let txs = 0;
    if (height > since.height) {
      const from = Math.max(since.height + 1, height - 19);
      const metas = (await comet.blockchain(from, height)).blockMetas;
      txs = metas.reduce((s, m) => s + m.numTxs, 0);
      const secs =
        metas.length > 1
          ? (metas[0]!.header.time.getTime() - metas[metas.length - 1]!.header.time.getTime()) / 1000
          : 0;
      since.txPerSecond = secs > 0 ? txs / secs : 0;
    }
    const blockTime = status.syncInfo.latestBlockTime.toISOString().slice(11, 19);
    const counts = await Promise.all(
      [
        JobState.pending,
        JobState.assigned,
        JobState.revealing,
        JobState.auditing,
        JobState.settled,
        JobState.failed,
      ].map((s) => client.query.jobs.byState(s).then((j) => j.length)),
    );
    const lines = [
      `height ${height} @ ${blockTime} UTC · ${since.txPerSecond.toFixed(1)} tx/s · jobs pending ${counts[0]} · running ${counts[1]! + counts[2]!} · auditing ${counts[3]} · settled ${counts[4]} · failed ${counts[5]}`,
    ];
    for (const p of (await client.query.registry.providers()).sort((a, b) => (a.moniker < b.moniker ? -1 : 1))) {
      const bal = BigInt((await client.query.bank.balance(p.owner, "utcu")).amount);
      if (!since.balances.has(p.owner)) since.balances.set(p.owner, bal);
      const rep = await client.query.reputation.of(p.owner);
      const status = ["?", "active", "paused", "jailed", "unbonding"][p.status as ProviderStatus];
      lines.push(
        `  ${p.moniker.padEnd(22)} net ${(bal - since.balances.get(p.owner)!).toString().padStart(9)} utcu · bond ${p.bond} · reputation ${(rep.score / 1e6).toFixed(3)} · ${status} · agreed ${rep.agreed}, disagreed ${rep.disagreed}, no-shows ${rep.noShows}`,
      );
    }
    since.height = height;
    return lines.join("\n");
  } finally {
    comet.disconnect();
    client.disconnect();
  }
}
