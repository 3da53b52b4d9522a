import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../chain/testkit/nodeProcess.js";
import { openKeyring } from "../client/cli/keyring.js";
import { encodeTensors } from "../client/models/tensors.js";
import { zoo } from "../client/models/zoo.js";
import { TcomputeClient } from "../client/sdk/client.js";
import { isFinal, jobsCodecs, JobState } from "../modules/jobs/index.js";
import { keyringDir } from "../localnet/localnet.js";
import { spawnMarketplace } from "../localnet/marketplace.js";

// npm run bench:jobs [-- --jobs 60 --per-tx 5 --interval 2000]: a localnet of 4 validators and 3
// workers on this machine; submits jobs at a steady pace with k = 1, then with k = 3, and prints
// jobs settled per minute and the latency from submission to settlement in blocks and seconds
// (p50 / p99). Prints figures; never fails on a slow machine.

const { values } = parseArgs({ options: { jobs: { type: "string", default: "60" }, "per-tx": { type: "string", default: "5" }, interval: { type: "string", default: "2000" }, model: { type: "string", default: "mlp-64x128x128x32" } } });
const total = Number(values.jobs);
const perTx = Number(values["per-tx"]);
const interval = Number(values.interval);
const dir = mkdtempSync(join(tmpdir(), "tcd-bench-jobs-"));
const port = await freePort();
const { child: net } = await spawnMarketplace(["--dir", dir, "--rpc-port", String(port), "--validators", "4", "--workers", "3", "--no-demo", "--no-auditors"]);
const rpc = `http://127.0.0.1:${port}`;
const kr = openKeyring(keyringDir(dir), "test", () => "");
const requester = kr.show("requester").address;
const client = await TcomputeClient.connectWithSigner(rpc, await kr.wallet("requester"));
const m = zoo[values.model]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

async function round(k: number): Promise<void> {
  const submitted = new Map<string, number>();
  const seconds: number[] = [];
  const blocks: number[] = [];
  let settled = 0;
  let failed = 0;
  let submitting = true;
  const t0 = Date.now();
  // The poller runs while jobs are being submitted, so that latency is measured as it happens.
  const poll = (async () => {
    const deadline = Date.now() + 600_000;
    while ((submitting || submitted.size > 0) && Date.now() < deadline) {
      for (const [id, at] of [...submitted]) {
        const j = await client.query.jobs.job(id);
        if (!isFinal(j.state)) continue;
        submitted.delete(id);
        if (j.state === JobState.settled) {
          settled++;
          seconds.push((Date.now() - at) / 1000);
          blocks.push(Number(j.finalHeight) - Number(j.createdHeight));
        } else failed++;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const hash = (await client.query.registry.model(m.name)).hash;
  for (let n = 0; n < total; ) {
    const msgs = Array.from({ length: Math.min(perTx, total - n) }, (_, i) => ({ typeUrl: jobsCodecs.msgSubmitJob.typeUrl, value: { requester, model: hash, inputs: [{ inline: encodeTensors(m.sampleInput(n + i)), uri: "", sha256: "" }], sealed: [], k, maxPricePerUnit: "1000utcu", deadlineBlocks: "500", minReputation: 0, gpu: null } }));
    const sent = Date.now();
    const res = await client.signing.signAndBroadcast(requester, msgs, 1.5);
    if (res.code !== 0) throw new Error(res.rawLog);
    for (const r of res.msgResponses) for (const id of jobsCodecs.msgSubmitJobResponse.decode(r.value).ids) submitted.set(id, sent);
    n += msgs.length;
    await new Promise((r) => setTimeout(r, interval));
  }
  submitting = false;
  await poll;
  const minutes = (Date.now() - t0) / 60_000;
  console.log(`k=${k}: ${settled} settled, ${failed} failed, ${submitted.size} unfinished in ${(minutes * 60).toFixed(0)} s → ${(settled / minutes).toFixed(1)} jobs/min; latency from broadcast to settlement p50 ${pct(blocks, 50)} blocks / ${pct(seconds, 50).toFixed(1)} s, p99 ${pct(blocks, 99)} blocks / ${pct(seconds, 99).toFixed(1)} s`);
}

try {
  console.log(`bench:jobs — 4 validators, 3 workers on this machine; ${total} jobs of ${m.name} per round, ${perTx} per tx every ${interval} ms`);
  await round(1);
  await round(3);
} finally {
  client.disconnect();
  net.kill("SIGINT");
  await new Promise((r) => net.once("exit", r));
}
