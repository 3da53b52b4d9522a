import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { calculateFee, GasPrice } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { freePortBlock } from "../chain/testkit/nodeProcess.js";
import { openKeyring } from "../client/cli/keyring.js";
import { encodeTensors } from "../client/models/tensors.js";
import { zoo } from "../client/models/zoo.js";
import { TcomputeClient } from "../client/sdk/client.js";
import { isFinal, jobsCodecs, JobState } from "../modules/jobs/index.js";
import { keyringDir } from "../localnet/localnet.js";
import { spawnMarketplace } from "../localnet/marketplace.js";

// npm run bench:jobs [-- --jobs 60 --rate 30 --per-tx 1 --timeout-commit 1s --rounds 1,3 --log FILE]:
// a localnet of 4 validators and 3 workers on this machine; submits jobs at a steady pace (--rate
// jobs a minute, --per-tx jobs in each tx, sent without waiting for the previous one's block) in
// one round per k of --rounds (default k = 1, then k = 3), and
// prints jobs settled per minute and, per settled job, the blocks from submission to settlement,
// the blocks from the last worker's result (its commitment's block) to settlement, and the
// seconds from broadcast to settlement (p50 / p99), then each provider's status and capability
// challenges (a jailed provider is why k = 3 jobs stop matching). --log writes the localnet's
// output to FILE at the end. Prints figures; never fails on a slow machine.

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "60" },
    rate: { type: "string", default: "30" },
    "per-tx": { type: "string", default: "1" },
    model: { type: "string", default: "mlp-64x128x128x32" },
    // The localnet's block interval (default: the localnet's own, localnet/localnet.ts).
    "timeout-commit": { type: "string" },
    rounds: { type: "string", default: "1,3" },
    log: { type: "string" },
  },
});
const total = Number(values.jobs);
const perTx = Number(values["per-tx"]);
const interval = (60_000 * perTx) / Number(values.rate);
const dir = mkdtempSync(join(tmpdir(), "tcd-bench-jobs-"));
const port = await freePortBlock(40); // 4 nodes, 10 ports each
const ks = values.rounds.split(",").map(Number);
if (ks.some((k) => !Number.isInteger(k) || k < 1 || k > 3)) throw new Error(`--rounds: each k is 1 to 3 (3 workers)`);
const { child: net, output } = await spawnMarketplace([
  "--dir",
  dir,
  "--rpc-port",
  String(port),
  "--validators",
  "4",
  "--workers",
  "3",
  "--no-demo",
  "--no-auditors",
  ...(values["timeout-commit"] === undefined ? [] : ["--timeout-commit", values["timeout-commit"]]),
]);
const rpc = `http://127.0.0.1:${port}`;
const kr = openKeyring(keyringDir(dir), "test", () => "");
const requester = kr.show("requester").address;
const client = await TcomputeClient.connectWithSigner(rpc, await kr.wallet("requester"));
const m = zoo[values.model]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

async function round(k: number): Promise<void> {
  /** Broadcast txs whose jobs are not known yet (tx hash → when sent). */
  const unseen = new Map<string, number>();
  const submitted = new Map<string, number>();
  const seconds: number[] = [];
  const blocks: number[] = [];
  const fromResult: number[] = [];
  let settled = 0;
  let failed = 0;
  let submitting = true;
  const t0 = Date.now();
  // The poller runs while jobs are being submitted, so that latency is measured as it happens.
  const poll = (async () => {
    const deadline = Date.now() + 600_000;
    while ((submitting || submitted.size > 0 || unseen.size > 0) && Date.now() < deadline) {
      for (const [hash, at] of [...unseen]) {
        const tx = await client.signing.getTx(hash);
        if (tx === null) continue;
        unseen.delete(hash);
        if (tx.code !== 0) throw new Error(`submit tx ${hash} failed: ${tx.rawLog}`);
        for (const r of tx.msgResponses)
          for (const id of jobsCodecs.msgSubmitJobResponse.decode(r.value).ids) submitted.set(id, at);
      }
      for (const [id, at] of [...submitted]) {
        const j = await client.query.jobs.job(id);
        if (!isFinal(j.state)) continue;
        submitted.delete(id);
        if (j.state === JobState.settled) {
          settled++;
          seconds.push((Date.now() - at) / 1000);
          blocks.push(Number(j.finalHeight) - Number(j.createdHeight));
          fromResult.push(Number(j.finalHeight) - Math.max(...j.assignments.map((a) => Number(a.committedHeight))));
        } else failed++;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const hash = (await client.query.registry.model(m.name)).hash;
  const { accountNumber, sequence } = await client.signing.getSequence(requester);
  const signer = { accountNumber: BigInt(accountNumber), sequence, chainId: await client.signing.getChainId() };
  for (let n = 0, next = Date.now(); n < total;) {
    const msgs = Array.from({ length: Math.min(perTx, total - n) }, (_, i) => ({
      typeUrl: jobsCodecs.msgSubmitJob.typeUrl,
      value: {
        requester,
        model: hash,
        inputs: [{ inline: encodeTensors(m.sampleInput(n + i)), uri: "", sha256: "" }],
        sealed: [],
        k,
        maxPricePerUnit: "1000utcu",
        deadlineBlocks: "500",
        minReputation: 0,
        gpu: null,
      },
    }));
    const sent = Date.now();
    // A fixed gas limit: simulating against the last block would see a stale sequence.
    const raw = await client.signing.sign(
      requester,
      msgs,
      calculateFee(400_000 * msgs.length, GasPrice.fromString("0.0025utcu")),
      "",
      signer,
    );
    unseen.set(await client.signing.broadcastTxSync(TxRaw.encode(raw).finish()), sent);
    signer.sequence++;
    n += msgs.length;
    next += interval;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  submitting = false;
  await poll;
  const minutes = (Date.now() - t0) / 60_000;
  console.log(
    `k=${k}: ${settled} settled, ${failed} failed, ${submitted.size + unseen.size} unfinished in ${(minutes * 60).toFixed(0)} s → ${(settled / minutes).toFixed(1)} jobs/min (offered ${values.rate}/min)`,
  );
  console.log(
    `  submission → settlement: p50 ${pct(blocks, 50)} blocks, p99 ${pct(blocks, 99)} blocks; last worker's result → settlement: p50 ${pct(fromResult, 50)}, max ${Math.max(...fromResult)} blocks; broadcast → settled seen: p50 ${pct(seconds, 50).toFixed(1)} s, p99 ${pct(seconds, 99).toFixed(1)} s`,
  );
}

try {
  console.log(
    `bench:jobs — 4 validators, 3 workers on this machine; ${total} jobs of ${m.name} per round at ${values.rate} a minute, ${perTx} per tx every ${interval.toFixed(0)} ms`,
  );
  for (const k of ks) await round(k);
  for (const p of await client.query.registry.providers())
    console.log(
      `  provider ${p.moniker}: status ${p.status}${p.challengeHold ? " (challenge hold)" : ""}, challenges passed ${p.challengesPassed}, failed ${p.challengesFailed}`,
    );
} finally {
  client.disconnect();
  net.kill("SIGINT");
  await new Promise((r) => net.once("exit", r));
  if (values.log !== undefined) writeFileSync(values.log, output());
}
