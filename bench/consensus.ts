// npm run bench:consensus -- [--rates 250,500,1000,2000,3000] [--seconds 10] [--senders 400]
//                            [--timeout-commit 1s] [--engine cometbft] [--max-batch 10]
//                            [--in-flight 10]
//                            [--verbose] [--prof DIR] [--timings] [--mempool-size N]
//                            [--no-retries] [--open-loop] [--max-pending-checks N]
//
// Four validator processes on this machine (127.0.0.1, real p2p and BFT consensus, 1 s target
// block interval), bank sends pushed at increasing paced rates, spread over the four nodes'
// RPCs (mempool gossip carries each tx to the proposer). For each rate: committed tx/s and
// p50/p99 latency from broadcast to commit; overall: blocks per minute, rounds per height, the
// saturation rate (best committed tx/s), and in the same run the raw ed25519 verify rate as
// the baseline. Prints figures; never fails on a slow machine.
//
// --engine cometbft: the same network, settings and txs run twice in one invocation, first
// under the TypeScript engine, then with every validator a `tcd start --engine cometbft`
// (CometBFT v0.38 + the app over ABCI); both are printed with the ratio CometBFT / TypeScript.
import { createHash, generateKeyPairSync, sign, verify } from "node:crypto";
import { pct, watchCommits } from "./commits.js";
import { makeTestNetwork } from "../chain/testkit/network.js";
import { startNodeProcess, type NodeProcess } from "../chain/testkit/nodeProcess.js";
import { cometbftEngine } from "../chain/testkit/engines.js";
import { loadConfig, saveConfig } from "../chain/types/nodeConfig.js";
import { msgSendAny } from "../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../client/sdk/signing.js";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}

const rates = arg("rates", "250,500,1000,2000,3000").split(",").map(Number);
const seconds = Number(arg("seconds", "10"));
// --open-loop: each node's txs go out when due, however many are in flight (the closed loop keeps
// at most --in-flight requests per node, so past saturation it offers only what CheckTx gets
// through, not the rate asked). Senders default to 4,000 so that a sender's next tx is due only
// after its last one was answered (its sequence reaches CheckTx in order) up to 1 s of CheckTx
// latency at 4,000 tx/s.
const openLoop = process.argv.includes("--open-loop");
const senders = Number(arg("senders", openLoop ? "4000" : "400"));
const maxPendingChecks = arg("max-pending-checks", "") === "" ? null : Number(arg("max-pending-checks", ""));
let pendingShown = 0;
const timeoutCommit = arg("timeout-commit", "1s");
// The mempool's bound in txs (past it, a broadcast is refused with code 20 and sent again, and
// a tx from gossip is dropped): the node's default unless given.
let mempoolShown = 0;
const mempoolSize = arg("mempool-size", "") === "" ? null : Number(arg("mempool-size", ""));
const validators = 4;
const maxBatch = Number(arg("max-batch", "10"));
// Requests in flight per node. One at a time held CometBFT to ~170 tx/s: each broadcast_tx_sync
// waits for its CheckTx, which CometBFT's ABCI socket client flushes every 20 ms.
const maxInFlight = openLoop ? Infinity : Number(arg("in-flight", "10"));
// A tx refused with code 20 (mempool full: admission shedding load) is sent again after 100 ms,
// as a client would; --no-retries counts it as rejected (and the sender's later txs then fail
// on their sequence).
const retries = !process.argv.includes("--no-retries");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// --timings: each node logs where each height's time went (chain/consensus/heightTimings.ts);
// printed per offered rate as the median over heights and nodes, in ms after the height started.
const timings = process.argv.includes("--timings");
const engineArg = arg("engine", "tcompute");
if (engineArg !== "tcompute" && engineArg !== "cometbft")
  throw new Error(`--engine must be tcompute or cometbft, not ${engineArg}`);
type EngineName = "tcompute" | "cometbft";

function rawEd25519Rate(): number {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const msg = Buffer.alloc(120, 7);
  const sig = sign(null, msg, privateKey);
  const n = 10_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) verify(null, msg, publicKey, sig);
  return n / ((performance.now() - t) / 1000);
}

interface Tx {
  b64: string;
  hash: string;
  node: number;
}

interface StepResult {
  rate: number;
  committed: number;
  p50: number;
  p99: number;
  window: number;
  blocks: number;
  /** First broadcasts per second over the step's sending time: the rate really offered. */
  sent: number;
  /** The step's window (performance.now() ms): from its first broadcast to its last commit. */
  start: number;
  end: number;
}

interface EngineResult {
  engine: EngineName;
  results: StepResult[];
  blocksPerMinute: number;
  roundsPerHeight: number;
  best: StepResult;
  bestOk: StepResult;
  /** Issue 17's aim: the best committed rate with p50 <= 1 s. */
  bestAim: StepResult;
  rejected: number;
  /** Broadcasts refused with code 20 (mempool full) and sent again. */
  refused: number;
  firstError: string;
}

async function runEngine(engine: EngineName): Promise<EngineResult> {
  const keys = Array.from({ length: senders }, (_, i) => rawKeyFromSeed(`bench-consensus-${i}`));
  const recipient = rawKeyFromSeed("bench-consensus-recipient").address;
  const net = await makeTestNetwork({
    validators,
    accounts: keys.map((k) => ({ address: k.address, coins: [{ denom: "utcu", amount: 10n ** 15n }] })),
  });
  for (const home of net.homes) {
    const c = loadConfig(home);
    c.consensus.timeout_propose = "3s";
    c.consensus.timeout_prevote = "1s";
    c.consensus.timeout_precommit = "1s";
    c.consensus.timeout_commit = timeoutCommit;
    if (mempoolSize !== null) c.mempool.size = mempoolSize;
    mempoolShown = c.mempool.size;
    if (maxPendingChecks !== null) c.mempool.max_pending_checks = maxPendingChecks;
    pendingShown = c.mempool.max_pending_checks;
    c.rpc.max_body_bytes = 64 * 1024 * 1024;
    // Each pusher sends what is due every 50 ms in one batch (CometBFT's default limit is 10).
    c.rpc.max_batch_requests = 10_000;
    c.log_level = process.argv.includes("--verbose") || timings ? "info" : "warn";
    saveConfig(home, c);
  }
  // Account numbers follow genesis order. Sender s always goes through node s % 4, so that its
  // sequences arrive in order.
  const seq = new Array<bigint>(senders).fill(0n);
  let cursor = 0;
  const steps: Tx[][] = rates.map((rate) => {
    const out: Tx[] = [];
    for (let k = 0; k < rate * seconds; k++) {
      const s = cursor++ % senders;
      const tx = signTx(keys[s]!, {
        chainId: net.chainId,
        accountNumber: BigInt(s),
        sequence: seq[s]!++,
        msgs: [msgSendAny(keys[s]!.address, recipient, [{ denom: "utcu", amount: "1" }])],
        fee: { amount: [{ denom: "utcu", amount: "250" }], gasLimit: 100_000n },
      });
      out.push({
        b64: Buffer.from(tx).toString("base64"),
        hash: createHash("sha256").update(tx).digest("hex").toUpperCase(),
        node: s % validators,
      });
    }
    return out;
  });
  process.stdout.write(
    `${engine}: signed ${steps.reduce((n, s) => n + s.length, 0)} txs from ${senders} senders; starting ${validators} validators...\n`,
  );

  // --prof DIR: a V8 CPU profile of node1 (a validator that is not always the proposer).
  const profIdx = process.argv.indexOf("--prof");
  const comet = cometbftEngine();
  if (engine === "cometbft" && comet.missing !== null) throw new Error(`--engine cometbft: ${comet.missing}`);
  const args: string[][] = [];
  for (let i = 0; i < net.homes.length; i++) args.push(engine === "cometbft" ? await comet.startArgs() : []);
  // All at once: a CometBFT validator serves RPC after its first block, which needs 3 of 4 online.
  const procs: NodeProcess[] = await Promise.all(
    net.homes.map((home, i) =>
      startNodeProcess(
        home,
        args[i],
        profIdx >= 0 && i === 1 ? ["--cpu-prof", `--cpu-prof-dir=${process.argv[profIdx + 1]}`] : [],
      ),
    ),
  );
  const urls = procs.map((p) => p.rpcUrl);
  const sentAt = new Map<string, number>();
  const committedAt = new Map<string, number>();
  const blocks: Array<{ height: number; txs: number; at: number; round: number }> = [];
  const ws = await watchCommits(urls[0]!, (b) => {
    blocks.push({ height: b.height, txs: b.txHashes.length, at: b.at, round: b.lastCommitRound });
    for (const h of b.txHashes) committedAt.set(h, b.at);
  });
  // Let the network settle for a couple of blocks.
  const settle = performance.now() + 3000;
  while (performance.now() < settle) await new Promise((r) => setTimeout(r, 100));

  let rejected = 0;
  let refused = 0;
  let firstError = "";
  const results: StepResult[] = [];
  const runStart = performance.now();
  for (let i = 0; i < rates.length; i++) {
    const rate = rates[i]!;
    const txs = steps[i]!;
    const start = performance.now();
    let lastFirstSend = start;
    // One paced pusher per node; every 50 ms it sends what is due, in requests of at most
    // maxBatch txs, with several requests in flight. Sender s always goes through node s % 4
    // and a node's txs cycle through its senders, so txs in flight stay within one cycle of
    // senders (no sender twice in flight): each sequence reaches CheckTx after the one before.
    await Promise.all(
      urls.map(async (url, n) => {
        const mine = txs.filter((t) => t.node === n);
        const perNode = rate / validators;
        const cycle = Math.max(1, Math.floor(senders / validators));
        const inFlight = new Map<number, Promise<void>>(); // lowest position -> request
        // Positions refused with code 20 (mempool full: the node sheds load), sent again first.
        // While any wait, no new tx goes out (a client backing off), and the window below
        // counts them as in flight, so a sender's next tx never overtakes its refused one.
        const retry = new Set<number>();
        let retryAt = 0;
        const send = async (positions: number[]): Promise<void> => {
          const batch = positions.map((q) => mine[q]!);
          const t0 = performance.now();
          for (const t of batch) if (!sentAt.has(t.hash)) sentAt.set(t.hash, t0);
          lastFirstSend = Math.max(lastFirstSend, t0);
          const body = JSON.stringify(
            batch.map((t, j) => ({ jsonrpc: "2.0", id: j, method: "broadcast_tx_sync", params: { tx: t.b64 } })),
          );
          let res: Array<{ id?: number; result?: { code: number; log: string } }>;
          try {
            const answer = (await (
              await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body })
            ).json()) as Array<{ id?: number; result?: { code: number; log: string } }>;
            // A batch with one answer gets it unwrapped, as from CometBFT.
            res = Array.isArray(answer) ? answer : [answer];
          } catch (e) {
            rejected += batch.length;
            if (firstError === "") firstError = `request of ${batch.length} txs failed: ${(e as Error).message}`;
            return;
          }
          res.forEach((r, k) => {
            const q = positions[r.id ?? k]!;
            if (r.result?.code === 20 && retries) {
              refused++;
              retry.add(q);
              retryAt = performance.now() + 100;
            } else if (r.result?.code !== 0) {
              rejected++;
              if (firstError === "") firstError = JSON.stringify(r.result ?? r);
            }
          });
        };
        const oldestOpen = (fallback: number) => Math.min(fallback, ...inFlight.keys(), ...retry);
        for (let next = 0; next < mine.length || retry.size > 0;) {
          if (retry.size > 0) {
            const wait = retryAt - performance.now();
            if (wait > 0 || inFlight.size >= maxInFlight) {
              if (inFlight.size > 0) await Promise.race([...inFlight.values(), sleep(Math.max(wait, 1))]);
              else await sleep(wait);
              continue;
            }
            const positions = [...retry].sort((x, y) => x - y).slice(0, maxBatch);
            for (const q of positions) retry.delete(q);
            const at = positions[0]!;
            inFlight.set(
              at,
              send(positions).finally(() => inFlight.delete(at)),
            );
            continue;
          }
          const dueCount = Math.min(mine.length, Math.floor(((performance.now() - start) / 1000) * perNode) + 1);
          if (dueCount <= next) {
            await sleep(50);
            continue;
          }
          // At most maxBatch txs per request: CometBFT closes a connection whose answer takes
          // longer than its 10 s HTTP write timeout, and each broadcast waits for its CheckTx.
          const end = Math.min(dueCount, next + maxBatch, mine.length);
          if (end - oldestOpen(next) > cycle || inFlight.size >= maxInFlight) {
            if (inFlight.size > 0) await Promise.race(inFlight.values());
            else await sleep(5);
            continue;
          }
          const at = next;
          next = end;
          inFlight.set(
            at,
            send(Array.from({ length: end - at }, (_, k) => at + k)).finally(() => inFlight.delete(at)),
          );
        }
        await Promise.all(inFlight.values());
      }),
    );
    // Wait for this step's txs to commit (bounded), then measure the step on its own.
    const deadline = performance.now() + 30_000;
    const mineHashes = txs.map((t) => t.hash);
    while (mineHashes.some((h) => !committedAt.has(h)) && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const done = mineHashes.filter((h) => committedAt.has(h));
    const last = done.reduce((m, h) => Math.max(m, committedAt.get(h)!), start);
    const lat = done.map((h) => committedAt.get(h)! - sentAt.get(h)!).sort((a, b) => a - b);
    const window = Math.max(0.001, (last - start) / 1000);
    results.push({
      rate,
      committed: done.length / window,
      p50: pct(lat, 50),
      p99: pct(lat, 99),
      window,
      sent: txs.filter((t) => sentAt.has(t.hash)).length / Math.max(seconds, (lastFirstSend - start) / 1000),
      blocks: blocks.filter((b) => b.at >= start && b.at <= last).length,
      start,
      end: last,
    });
    process.stdout.write(
      `  ${engine} offered ${rate} tx/s (sent ${results[results.length - 1]!.sent.toFixed(0)} tx/s): committed ${(done.length / window).toFixed(0)} tx/s (${done.length}/${txs.length}), p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms\n`,
    );
  }
  const runSeconds = (performance.now() - runStart) / 1000;
  ws.close();
  if (timings && engine === "tcompute") printTimings(procs, blocks, results);
  for (const p of procs) await p.stop();

  const ours = blocks.filter((b) => b.at >= runStart);
  const heights = ours.length;
  // last_commit.round of block h+1 is the round height h was decided in.
  const rounds = ours.map((b) => b.round + 1);
  const roundsPerHeight = rounds.reduce((a, b) => a + b, 0) / Math.max(1, rounds.length);
  const best = results.reduce((m, r) => (r.committed > m.committed ? r : m), results[0]!);
  const bestWithin = (ms: number) => {
    const ok = results.filter((r) => r.p50 <= ms);
    return ok.reduce(
      (m, r) => (r.committed > m.committed ? r : m),
      ok[0] ?? { rate: 0, committed: 0, p50: NaN, p99: NaN, window: 0, blocks: 0, sent: 0, start: 0, end: 0 },
    );
  };
  const bestOk = bestWithin(1500);
  const bestAim = bestWithin(1000);
  return {
    engine,
    results,
    blocksPerMinute: (heights / runSeconds) * 60,
    roundsPerHeight,
    best,
    bestOk,
    bestAim,
    rejected,
    refused,
    firstError,
  };
}

/** Per offered rate: the median of each height-timing mark over the heights committed in its window. */
function printTimings(
  procs: NodeProcess[],
  blocks: Array<{ height: number; at: number }>,
  results: StepResult[],
): void {
  const marks = [
    "build",
    "built",
    "proposalIn",
    "proposal",
    "prevote",
    "precommit",
    "decide",
    "applied",
    "next",
    "stall",
  ];
  const rows: Array<Record<string, number>> = [];
  for (const p of procs)
    for (const line of p.output().split("\n")) {
      if (!line.includes("height timings")) continue;
      const r: Record<string, number> = {};
      for (const m of line.matchAll(/(\w+)=(\d+)/g)) r[m[1]!] = Number(m[2]);
      rows.push(r);
    }
  const atOf = new Map(blocks.map((b) => [b.height, b.at]));
  const lines: string[] = ["", "height timings (median ms after the height started, all nodes)"];
  lines.push(`  ${"offered".padEnd(8)} ${"txs".padStart(5)} ${marks.map((m) => m.padStart(10)).join(" ")}`);
  for (const res of results) {
    const sel = rows.filter((r) => {
      const at = atOf.get(r.height!);
      return at !== undefined && at >= res.start && at <= res.end;
    });
    const med = (k: string) => {
      const v = sel.filter((r) => r[k] !== undefined).map((r) => r[k]!);
      return v.length === 0
        ? "-"
        : pct(
            v.sort((a, b) => a - b),
            50,
          ).toFixed(0);
    };
    lines.push(
      `  ${String(res.rate).padEnd(8)} ${med("txs").padStart(5)} ${marks.map((m) => med(m).padStart(10)).join(" ")}`,
    );
  }
  process.stdout.write(lines.join("\n") + "\n");
}

/**
 * Past saturation (issue 17's aim: at 3x the saturating rate, at least 0.9 of the saturation
 * rate still committed): for each offered rate at least twice the saturation rate, the
 * committed rate as a share of saturation.
 */
function overload(r: EngineResult): string[] {
  const sat = r.best.committed;
  const top = r.results.reduce((m, x) => (x.sent > m.sent ? x : m), r.results[0]!);
  return [
    ...r.results
      .filter((x) => x.sent >= 2 * sat && x !== r.best)
      .map(
        (x) =>
          `  past saturation              sent ${x.sent.toFixed(0)} tx/s (${(x.sent / sat).toFixed(1)}x saturation): committed ${(x.committed / sat).toFixed(2)} of saturation`,
      ),
    `  aim past saturation          highest sent ${top.sent.toFixed(0)} tx/s = ${(top.sent / sat).toFixed(1)}x saturation (aim: 3x), committed there ${(top.committed / sat).toFixed(2)} of saturation (aim: 0.90)`,
  ];
}

function report(r: EngineResult, baseline: number): string[] {
  const name = r.engine === "cometbft" ? "CometBFT v0.38 + the app over ABCI" : "the TypeScript engine";
  return [
    "",
    `bench:consensus  ${name}: ${validators} validators (separate processes, p2p over 127.0.0.1), timeout_commit ${timeoutCommit}, mempool ${mempoolShown} txs, max_pending_checks ${pendingShown}, ${senders} senders, ${seconds} s per rate, ${openLoop ? "open loop" : `closed loop (${maxInFlight} requests in flight per node)`}`,
    ...r.results.map(
      (x) =>
        `  offered ${String(x.rate).padStart(5)} tx/s   sent ${x.sent.toFixed(0).padStart(5)} tx/s   committed ${x.committed.toFixed(0).padStart(5)} tx/s   p50 ${x.p50.toFixed(0).padStart(5)} ms   p99 ${x.p99.toFixed(0).padStart(5)} ms   ${x.blocks} blocks`,
    ),
    `  blocks per minute            ${r.blocksPerMinute.toFixed(1)}`,
    `  rounds per height            ${r.roundsPerHeight.toFixed(2)}`,
    `  saturation (best committed)  ${r.best.committed.toFixed(0)} tx/s at offered ${r.best.rate} tx/s (p50 ${r.best.p50.toFixed(0)} ms)`,
    `  best with p50 <= 1.5 s       ${r.bestOk.committed.toFixed(0)} tx/s at offered ${r.bestOk.rate} tx/s`,
    `  best with p50 <= 1 s         ${r.bestAim.committed.toFixed(0)} tx/s at offered ${r.bestAim.rate} tx/s (aim: 2500)`,
    ...overload(r),
    `  refused, sent again (code 20) ${r.refused}`,
    `  rejected at broadcast        ${r.rejected}${r.firstError ? ` (first: ${r.firstError.slice(0, 160)})` : ""}`,
    `  raw ed25519 verify           ${baseline.toFixed(0)} verifies/s (this process, one core)`,
    `  ratio saturation/verify      ${(r.best.committed / baseline).toFixed(3)}`,
  ];
}

/** CometBFT / TypeScript engine, per rate and overall. */
function ratios(ts: EngineResult, cb: EngineResult): string[] {
  const q = (a: number, b: number) => (b > 0 && Number.isFinite(a) && Number.isFinite(b) ? (a / b).toFixed(2) : "n/a");
  return [
    "",
    "ratio CometBFT / TypeScript engine (same machine, same run, same txs)",
    ...ts.results.map((t, i) => {
      const c = cb.results[i]!;
      return `  offered ${String(t.rate).padStart(5)} tx/s   committed ${q(c.committed, t.committed).padStart(5)}x   p50 ${q(c.p50, t.p50).padStart(5)}x   p99 ${q(c.p99, t.p99).padStart(5)}x`;
    }),
    `  blocks per minute            ${q(cb.blocksPerMinute, ts.blocksPerMinute)}x`,
    `  saturation                   ${q(cb.best.committed, ts.best.committed)}x`,
    "",
  ];
}

async function main(): Promise<void> {
  const baseline = rawEd25519Rate();
  const ts = await runEngine("tcompute");
  const cb = engineArg === "cometbft" ? await runEngine("cometbft") : null;
  const lines = [...report(ts, baseline), ...(cb === null ? [""] : [...report(cb, baseline), ...ratios(ts, cb)])];
  process.stdout.write(lines.join("\n"));
}

await main();
