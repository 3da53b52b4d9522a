// node --import tsx bench/sync.ts [--height 60] [--txs 3000]: how fast a fresh full node catches up.
// Four validator processes make a chain to --height (bank sends spread over its blocks, --txs
// in all, so that blocks carry txs to validate and execute); then a fresh full node starts and
// syncs it from them by block sync. Prints the time from its RPC coming up to reaching that
// height (blocks a second), the full node's CPU seconds for it, and the time until it is at the
// validators' tip (the chain keeps growing meanwhile; at most a minute more). Never fails on a
// slow machine.
import { readFileSync, writeFileSync } from "node:fs";
import { msgSendAny } from "../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../client/sdk/signing.js";
import { makeTestNetwork } from "../chain/testkit/network.js";
import { startNodeProcess, type NodeProcess } from "../chain/testkit/nodeProcess.js";
import { heightOf, rpcOf } from "../chain/testkit/rpc.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const target = arg("height", 60);
const txCount = arg("txs", 3000);

const alice = rawKeyFromSeed("sync-bench-alice");
const bob = rawKeyFromSeed("sync-bench-bob");

/** utime + stime of a process, in seconds (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const net = await makeTestNetwork({
    validators: 4,
    fullNodes: 1,
    accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 10n ** 15n }] }],
  });
  const procs: NodeProcess[] = [];
  try {
    for (let i = 0; i < 4; i++) procs.push(await startNodeProcess(net.homes[i]!));
    const url = procs[0]!.rpcUrl;
    const rpc = rpcOf(url, 30_000);
    // The txs, signed up front, sent in batches while the chain grows to the target height.
    const txs: string[] = [];
    for (let s = 0; s < txCount; s++)
      txs.push(
        Buffer.from(
          signTx(alice, {
            chainId: net.chainId,
            accountNumber: 0n,
            sequence: BigInt(s),
            msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "1" }])],
            fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n },
          }),
        ).toString("base64"),
      );
    let sent = 0;
    const batch = Math.max(1, Math.ceil(txCount / Math.max(1, target - 10)));
    for (;;) {
      const h = await heightOf(url, 30_000);
      if (h >= target) break;
      if (sent < txs.length && h >= 2) {
        const part = txs.slice(sent, sent + batch);
        const body = part.map((tx, j) => ({ jsonrpc: "2.0", id: j, method: "broadcast_tx_sync", params: { tx } }));
        await fetch(url, { method: "POST", body: JSON.stringify(body) });
        sent += part.length;
      }
      await sleep(400);
    }
    const committedTxs = Number(((await rpc("num_unconfirmed_txs")) as { total?: string }).total ?? "0");
    const top = await heightOf(url, 30_000);
    const t0 = performance.now();
    const full = await startNodeProcess(
      net.homes[4]!,
      process.env.SYNC_LOG === undefined ? [] : ["--log-level", "info"],
    );
    procs.push(full);
    const up = performance.now();
    const cpu0 = cpuSeconds(full.child.pid!);
    const fullUrl = full.rpcUrl;
    let reachedTop = 0;
    let cpuTop = 0;
    let tip = 0;
    let limit = up + 600_000;
    while (performance.now() < limit) {
      const [h, v] = await Promise.all([heightOf(fullUrl, 30_000), heightOf(url, 30_000)]);
      if (reachedTop === 0 && h >= top) {
        reachedTop = performance.now();
        cpuTop = cpuSeconds(full.child.pid!);
        limit = reachedTop + 60_000; // then at most a minute more for the tip
      }
      if (h >= v && reachedTop !== 0) {
        tip = performance.now();
        break;
      }
      await sleep(100);
    }
    const secs = (reachedTop - up) / 1000;
    process.stdout.write(
      [
        `chain: ${top} blocks, ${sent} txs sent (${committedTxs} still unconfirmed at the start)`,
        `full node start to RPC: ${((up - t0) / 1000).toFixed(1)} s`,
        reachedTop === 0
          ? "full node did not reach the chain's height in 600 s"
          : `synced ${top} blocks in ${secs.toFixed(1)} s: ${(top / secs).toFixed(2)} blocks/s, ` +
            `${(cpuTop - cpu0).toFixed(2)} CPU s (${(((cpuTop - cpu0) / top) * 1000).toFixed(1)} ms a block)`,
        tip === 0
          ? "did not reach the validators' tip within 60 s of the chain's height"
          : `at the validators' tip ${((tip - up) / 1000).toFixed(1)} s after start`,
      ].join("\n") + "\n",
    );
  } finally {
    if (process.env.SYNC_LOG !== undefined && procs[4] !== undefined)
      writeFileSync(process.env.SYNC_LOG, procs[4].output());
    for (const p of procs) await p.stop("SIGKILL");
  }
}

await main();
