// npm run bench:tx -- [--txs 30000] [--senders 300] [--batch 500] [--concurrency 8] [--rate TX_PER_S]
//                     [--verbose] [--prof DIR] [--node-flags "--max-semi-space-size=64"]
// Without --rate it pushes as fast as the node accepts (saturation); with --rate it paces the
// pushers, so that latency is measured below saturation.
//
// Pre-signed bank sends pushed through the JSON-RPC (broadcast_tx_sync, in batches) into a
// single-validator node process with 1 s blocks. Prints sustained committed tx/s, p50/p99
// latency from broadcast to the commit (NewBlock event), the node's RSS, and in the same run
// the raw libsecp256k1 verify rate, with the ratio of the two, and the node's CPU time per committed tx
// (main thread and whole process), which a loaded machine moves far less. Never fails on a slow machine.
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { pct, watchCommits } from "./commits.js";
import { makeTestHome, startNodeProcess } from "../chain/testkit/nodeProcess.js";
import { msgSendAny } from "../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../client/sdk/signing.js";

const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1") as typeof import("secp256k1");

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const totalTxs = arg("txs", 30_000);
const senders = arg("senders", 300);
const batchSize = arg("batch", 500);
const concurrency = arg("concurrency", 8);
const rate = arg("rate", 0);

/** Verifies per wall-clock second, and per second of this thread's CPU time (load-independent). */
function rawVerify(): { wall: number; cpu: number } {
  const sk = randomBytes(32);
  const pk = secp256k1.publicKeyCreate(sk);
  const msg = randomBytes(32);
  const sig = secp256k1.ecdsaSign(msg, sk).signature;
  const n = 20_000;
  const t = performance.now();
  const c = process.cpuUsage();
  for (let i = 0; i < n; i++) secp256k1.ecdsaVerify(sig, msg, pk);
  const used = process.cpuUsage(c);
  return { wall: n / ((performance.now() - t) / 1000), cpu: n / ((used.user + used.system) / 1e6) };
}

/**
 * CPU seconds used so far by a process and by its main thread (/proc stat utime + stime). On a
 * machine shared with other work, CPU time per tx moves far less than wall-clock rates do.
 */
function cpuSeconds(pid: number): { process: number; main: number } {
  const ticks = (path: string) => {
    const f = readFileSync(path, "utf8");
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime in USER_HZ (100 here)
  };
  return { process: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
}

/** CPU seconds per thread name (comm) of a process: where the time off the main thread goes. */
function threadSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  const commOf = (f: string) => f.slice(f.indexOf("(") + 1, f.lastIndexOf(")"));
  let mainComm: string;
  try {
    mainComm = commOf(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const comm = commOf(f);
      // A thread that never named itself carries the process's name (all of them do on some
      // builds): told apart by its id, as BENCH_TIDS does for every thread.
      const name =
        tid === String(pid) ? "main" : `${comm}${process.env.BENCH_TIDS || comm === mainComm ? `#${tid}` : ""}`;
      const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
      const s = (Number(rest[11]) + Number(rest[12])) / 100;
      out.set(name, (out.get(name) ?? 0) + s);
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return out;
}

function rssMiB(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

async function main(): Promise<void> {
  // The baseline is measured before and after the run and averaged: on a shared machine the
  // load moves during a run, and one measurement at the start moved the ratio by 3x.
  const before = rawVerify();
  const verifyBefore = before.wall;
  const keys = Array.from({ length: senders }, (_, i) => rawKeyFromSeed(`bench-${i}`));
  const recipient = rawKeyFromSeed("bench-recipient").address;
  const home = await makeTestHome({
    accounts: keys.map((k) => ({ address: k.address, coins: [{ denom: "utcu", amount: 10n ** 15n }] })),
    editConfig: (c) => {
      c.consensus.timeout_commit = "1s";
      c.mempool.size = Math.max(50_000, totalTxs);
      c.rpc.max_body_bytes = 64 * 1024 * 1024;
      c.rpc.max_batch_requests = Math.max(c.rpc.max_batch_requests, batchSize);
      c.rpc.max_response_bytes = Math.max(c.rpc.max_response_bytes, 64 * 1024 * 1024);
      c.log_level = process.argv.includes("--verbose") ? "info" : "warn";
    },
  });
  // Account numbers follow genesis order: addGenesisAccount numbers accounts as added.
  const accountNumber = new Map(keys.map((k, i) => [k.address, BigInt(i)]));
  process.stdout.write(`signing ${totalTxs} txs from ${senders} senders...\n`);
  const txs: Array<{ b64: string; hash: string }> = [];
  for (let i = 0; i < totalTxs; i++) {
    const k = keys[i % senders]!;
    const tx = signTx(k, {
      chainId: home.chainId,
      accountNumber: accountNumber.get(k.address)!,
      sequence: BigInt(Math.floor(i / senders)),
      msgs: [msgSendAny(k.address, recipient, [{ denom: "utcu", amount: "1" }])],
      fee: { amount: [{ denom: "utcu", amount: "250" }], gasLimit: 100_000n },
    });
    txs.push({
      b64: Buffer.from(tx).toString("base64"),
      hash: createHash("sha256").update(tx).digest("hex").toUpperCase(),
    });
  }

  // --prof DIR: write a V8 CPU profile of the node process there.
  const profIdx = process.argv.indexOf("--prof");
  const heapIdx = process.argv.indexOf("--heap-prof");
  const nodeArgs =
    profIdx >= 0
      ? ["--cpu-prof", `--cpu-prof-dir=${process.argv[profIdx + 1]}`]
      : heapIdx >= 0
        ? ["--heap-prof", `--heap-prof-dir=${process.argv[heapIdx + 1]}`]
        : [];
  // --node-flags "F1 F2": more V8/Node flags for the node process (e.g. --max-semi-space-size=64).
  const flagsIdx = process.argv.indexOf("--node-flags");
  if (flagsIdx >= 0) nodeArgs.push(...process.argv[flagsIdx + 1]!.split(" ").filter((f) => f !== ""));
  const node = await startNodeProcess(home.home, [], nodeArgs);
  const url = node.rpcUrl;
  const sentAt = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const blocks: Array<{ height: number; txs: number; at: number }> = [];
  const ws = await watchCommits(url, (b) => {
    blocks.push({ height: b.height, txs: b.txHashes.length, at: b.at });
    for (const h of b.txHashes) committedAt.set(h, b.at);
  });

  let rejected = 0;
  let firstError = "";
  const cpuStart = cpuSeconds(node.child.pid!);
  const threadsStart = threadSeconds(node.child.pid!);
  const start = performance.now();
  // Each pusher owns a disjoint set of senders, so that every sender's sequences arrive in order.
  async function pusher(j: number): Promise<void> {
    const mine = txs.filter((_, i) => (i % senders) % concurrency === j);
    const perPusher = rate > 0 ? rate / concurrency : 0;
    for (let next = 0; next < mine.length;) {
      if (perPusher > 0) {
        const due = start + (next / perPusher) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const batch = mine.slice(
        next,
        next + (rate > 0 ? Math.max(1, Math.min(batchSize, Math.round(perPusher / 20))) : batchSize),
      );
      next += batch.length;
      const body = JSON.stringify(
        batch.map((t, i) => ({ jsonrpc: "2.0", id: i, method: "broadcast_tx_sync", params: { tx: t.b64 } })),
      );
      const t0 = performance.now();
      for (const t of batch) sentAt.set(t.hash, t0);
      const answer = (await (
        await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body })
      ).json()) as Array<{ result?: { code: number; log: string } }>;
      // A batch with one answer gets it unwrapped, as from CometBFT.
      const res = Array.isArray(answer) ? answer : [answer];
      for (const r of res) {
        if (r.result?.code !== 0) {
          rejected++;
          if (firstError === "") firstError = JSON.stringify(r.result ?? r);
        }
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, j) => pusher(j)));
  const pushedIn = (performance.now() - start) / 1000;
  const accepted = totalTxs - rejected;
  const deadline = performance.now() + 120_000;
  while (committedAt.size < accepted && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const mem = rssMiB(node.child.pid!);
  const cpuEnd = cpuSeconds(node.child.pid!);
  const threadsEnd = threadSeconds(node.child.pid!);
  ws.close();
  await node.stop();
  const after = rawVerify();
  const verifyAfter = after.wall;
  const verifyRate = (verifyBefore + verifyAfter) / 2;
  const verifyCpuRate = (before.cpu + after.cpu) / 2;
  const mainUs = ((cpuEnd.main - cpuStart.main) / Math.max(1, committedAt.size)) * 1e6;
  const processUs = ((cpuEnd.process - cpuStart.process) / Math.max(1, committedAt.size)) * 1e6;
  if (process.argv.includes("--verbose")) process.stdout.write(node.output());
  // Per thread name, µs per committed tx (threads that exited during the run are not counted).
  const perThread = [...threadsEnd]
    .map(([name, s]) => [name, ((s - (threadsStart.get(name) ?? 0)) / Math.max(1, committedAt.size)) * 1e6] as const)
    .filter(([, us]) => us >= 1)
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `${name} ${us.toFixed(0)}`)
    .join(", ");

  const ours = blocks.filter((b) => b.txs > 0).sort((a, b) => a.height - b.height);
  const lat = [...committedAt.entries()]
    .filter(([h]) => sentAt.has(h))
    .map(([h, at]) => at - sentAt.get(h)!)
    .sort((a, b) => a - b);
  const first = sentAt.size > 0 ? start : 0;
  const last = ours.length > 0 ? ours[ours.length - 1]!.at : first;
  const window = (last - first) / 1000;
  const committedRate = committedAt.size / window;
  const maxBlock = ours.reduce((m, b) => Math.max(m, b.txs), 0);
  process.stdout.write(
    [
      "",
      `bench:tx  single validator, timeout_commit 1s, ${senders} senders, ${rate > 0 ? `paced at ${rate} tx/s` : `batches of ${batchSize} x${concurrency} (saturation)`}`,
      `  txs pushed                 ${totalTxs} in ${pushedIn.toFixed(2)} s (${(totalTxs / pushedIn).toFixed(0)} tx/s accepted by RPC), rejected ${rejected}${firstError ? ` (first: ${firstError.slice(0, 160)})` : ""}`,
      `  committed                  ${committedAt.size} txs in ${ours.length} blocks over ${window.toFixed(2)} s, largest block ${maxBlock} txs`,
      `  sustained committed rate   ${committedRate.toFixed(0)} tx/s`,
      `  latency broadcast->commit  p50 ${pct(lat, 50).toFixed(0)} ms   p99 ${pct(lat, 99).toFixed(0)} ms`,
      `  node RSS                   ${mem.rss.toFixed(0)} MiB (peak ${mem.peak.toFixed(0)} MiB)`,
      `  raw libsecp256k1 verify    ${verifyRate.toFixed(0)} verifies/s (this process, one core; ${verifyBefore.toFixed(0)} before the run, ${verifyAfter.toFixed(0)} after)`,
      `  ratio committed/verify     ${(committedRate / verifyRate).toFixed(3)}`,
      `  node CPU per committed tx  main thread ${mainUs.toFixed(0)} us, whole process ${processUs.toFixed(0)} us (from the first push to the last commit)`,
      `  CPU per tx by thread (us)  ${perThread}`,
      `  raw verify per CPU second  ${verifyCpuRate.toFixed(0)} /s; ratio (1 / main-thread CPU per tx) / verify ${(1e6 / mainUs / verifyCpuRate).toFixed(3)}`,
      "",
    ].join("\n"),
  );
}

await main();
