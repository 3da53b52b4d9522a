import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../../localnet/localnet.js";
import type { ResponseFinalizeBlock, ResponseQuery } from "cosmjs-types/tendermint/abci/types";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { WorkerMetrics } from "../../../client/worker/metrics.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { codecs } from "../../../modules/jobs/types.js";
import { loadConfig } from "../../types/nodeConfig.js";
import { createEventBus } from "../../events/eventBus.js";
import { createNode, type Node } from "../../node/node.js";
import { freePort, makeTestHome } from "../../testkit/nodeProcess.js";
import { timeFromMillis } from "../../types/time.js";
import { createNodeMetrics, type MetricsBackend } from "../nodeMetrics.js";
import { Registry } from "../registry.js";
import { parsePrometheusText, value } from "./promText.js";

// Prometheus metrics (issue 14 item 3), read the way Prometheus reads them: scraped over HTTP and
// parsed by a strict text-format parser.

const alice = rawKeyFromSeed("metrics-alice");
const bob = rawKeyFromSeed("metrics-bob");

describe("the strict Prometheus text parser", () => {
  it("accepts a well-formed exposition and refuses malformed ones", () => {
    const ok =
      '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 3\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n';
    assert.equal(value(parsePrometheusText(ok), "a_total", { x: "1" }), 3);
    for (const bad of [
      "a 1\n", // no TYPE
      "# TYPE a gauge\na 1", // no final newline
      "# TYPE a gauge\na{x=1} 1\n", // unquoted label
      "# TYPE a gauge\na 1\na 2\n", // repeated series
      "# TYPE a gauge\na one\n", // bad value
      "# TYPE a counter\na -1\n", // negative counter
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
    ]) {
      assert.throws(() => parsePrometheusText(bad), Error, JSON.stringify(bad));
    }
  });

  it("the registry writes what the parser accepts, escapes labels and bounds its series", async () => {
    const r = new Registry();
    const c = r.counter("t_total", "a\nhelp");
    c.inc({ v: 'quo"te\\back\nslash' }, 2);
    for (let i = 0; i < 1500; i++) c.inc({ v: `n${i}` });
    r.histogram("t_hist", "h", [1, 2]).observe(1.5);
    const f = parsePrometheusText(await r.render());
    assert.equal(value(f, "t_total", { v: 'quo"te\\back\nslash' }), 2);
    assert.ok(f.get("t_total")!.samples.length <= 1001, "at most 1000 label sets, then one 'other'");
    assert.equal(value(f, "t_total", { other: "true" }), 501);
    assert.equal(value(f, "t_hist_bucket", { le: "2" }), 1);
  });

  it("the worker's metrics parse and use the tcompute_worker_ names", () => {
    const w = new WorkerMetrics();
    w.jobsRun = 2;
    w.earned = 1500n;
    const f = parsePrometheusText(w.render("tc1provider"));
    assert.ok([...f.keys()].every((n) => n.startsWith("tcompute_worker_")));
    assert.equal(value(f, "tcompute_worker_paid_utcu_total", { provider: "tc1provider" }), 1500);
    assert.equal(f.get("tcompute_worker_paid_utcu_total")!.type, "counter");
  });
});

describe("node metrics on /metrics", function () {
  this.timeout(60_000);
  let node: Node;

  before(async () => {
    const home = await makeTestHome({
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 100_000_000n }] }],
    });
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "100ms";
    config.instrumentation.prometheus = true;
    config.instrumentation.prometheus_listen_addr = `127.0.0.1:${await freePort()}`;
    node = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
    await node.start();
    const tx = signTx(alice, {
      chainId: home.chainId,
      accountNumber: 0n,
      sequence: 0n,
      msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "1" }])],
      fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n },
    });
    const res = (await (
      await fetch(`http://${node.rpcAddress}`, {
        method: "POST",
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "broadcast_tx_commit",
          params: { tx: Buffer.from(tx).toString("base64") },
        }),
      })
    ).json()) as { result: { tx_result: { code: number } } };
    assert.equal(res.result.tx_result.code, 0);
    while (node.state().lastBlockHeight < 4n) await new Promise((r) => setTimeout(r, 50));
  });

  after(async () => {
    await node?.stop();
  });

  it("is off by default (CometBFT's instrumentation.prometheus = false)", () => {
    assert.equal(loadConfig("/nonexistent").instrumentation.prometheus, false);
  });

  it("serves CometBFT's consensus, mempool and p2p names and tcompute's own, in strict text format", async () => {
    const res = await fetch(`http://${node.metricsAddress}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const f = parsePrometheusText(await res.text());
    assert.ok((value(f, "cometbft_consensus_height") ?? 0) >= 3);
    assert.equal(value(f, "cometbft_consensus_validators"), 1);
    assert.equal(value(f, "cometbft_consensus_validators_power"), 100);
    assert.equal(value(f, "cometbft_consensus_missing_validators"), 0);
    assert.equal(value(f, "cometbft_consensus_total_txs"), 1);
    assert.ok(value(f, "cometbft_consensus_num_txs") !== undefined);
    assert.ok(value(f, "cometbft_consensus_rounds") !== undefined);
    assert.equal(f.get("cometbft_consensus_block_interval_seconds")?.type, "histogram");
    assert.ok((value(f, "cometbft_consensus_block_interval_seconds_count") ?? 0) >= 2);
    assert.equal(value(f, "cometbft_mempool_size"), 0);
    assert.equal(value(f, "cometbft_p2p_peers"), 0);
    assert.equal(value(f, "cometbft_blocksync_syncing"), 0);
    for (const state of ["pending", "assigned", "revealing", "auditing", "settled", "failed", "expired", "cancelled"])
      assert.equal(value(f, "tcompute_jobs", { state }), 0, state);
    assert.equal(value(f, "tcompute_escrow_utcu"), 0);
    assert.equal(f.get("tcompute_jobs_settlement_latency_blocks")?.type, "histogram");
    assert.equal((await fetch(`http://${node.metricsAddress}/other`)).status, 404);
    // The Grafana dashboard in docs/ asks only for metrics the node or a worker exports.
    const dashboard = readFileSync(join(repoRoot, "docs", "grafana", "tcompute-dashboard.json"), "utf8");
    const worker = parsePrometheusText(new WorkerMetrics().render("p"));
    const used = new Set(
      [...dashboard.matchAll(/\b(?:cometbft|tcompute)_[a-z0-9_]+/g)].map((m) =>
        m[0].replace(/_(bucket|sum|count)$/, ""),
      ),
    );
    assert.ok(used.size >= 15);
    for (const name of used) assert.ok(f.has(name) || worker.has(name), `dashboard metric ${name} is exported`);
  });
});

describe("marketplace metrics from block events", () => {
  it("count submissions, settlements, audits, challenges and slashes, and observe settlement latency", async () => {
    const bus = createEventBus(nopLogger);
    const times = new Map<bigint, number>([
      [10n, 1_000_000],
      [15n, 1_030_000],
    ]);
    const job = { id: "j1", createdHeight: "10" } as unknown as NonNullable<
      ReturnType<typeof codecs.queryJobResponse.decode>["job"]
    >;
    const answer = (value: Uint8Array): ResponseQuery => ({
      code: 0,
      log: "",
      info: "",
      index: 0n,
      key: new Uint8Array(),
      value,
      height: 15n,
      codespace: "",
    });
    const backend = {
      eventBus: bus,
      mempool: { size: 0, bytes: 0 },
      p2p: null,
      state: () => ({ chainId: "x", validators: { validators: [] } }),
      catchingUp: () => false,
      app: {
        query: async (q: { path: string }) =>
          q.path.endsWith("/Job")
            ? answer(codecs.queryJobResponse.encode({ job: { ...fullJob(), ...job } }))
            : { ...answer(new Uint8Array()), code: 1 },
      },
      blockStore: { loadMeta: async (h: bigint) => ({ header: { time: timeFromMillis(times.get(h) ?? 0) } }) },
    } as unknown as MetricsBackend;
    const m = createNodeMetrics({ namespace: "cometbft" }, { node: backend, logger: nopLogger });
    const ev = (type: string, attrs: Array<[string, string]>) => ({
      type,
      attributes: attrs.map(([key, value]) => ({ key, value, index: true })),
    });
    const results = {
      events: [
        ev("job_settled", [["id", "j1"]]),
        ev("job_audit", [
          ["id", "j2"],
          ["status", "open"],
        ]),
        ev("provider_challenge", [
          ["provider", "p"],
          ["passed", "false"],
        ]),
        ev("slash", [
          ["address", "v"],
          ["burned_coins", "250"],
        ]),
        ev("slash", [["reason", "double_sign"]]),
      ],
      txResults: [
        {
          code: 0,
          events: [
            ev("job_submitted", [["id", "j3"]]),
            ev("job_slashed", [
              ["id", "j4"],
              ["amount", "40"],
            ]),
            ev("job_paid", [
              ["id", "j1"],
              ["amount", "900"],
            ]),
          ],
        },
        { code: 5, events: [ev("job_submitted", [["id", "failed-tx"]])] },
      ],
    } as unknown as ResponseFinalizeBlock;
    const header = { height: 15n, time: timeFromMillis(1_030_000) };
    bus.publishBlock(
      {
        header,
        data: { txs: [new Uint8Array(3), new Uint8Array(4)] },
        lastCommit: { round: 2, signatures: [] },
      } as never,
      { hash: new Uint8Array(32) } as never,
      results,
      ["A", "B"],
    );
    await new Promise((r) => setTimeout(r, 20));
    const f = parsePrometheusText(await m.registry.render());
    assert.equal(value(f, "tcompute_jobs_submitted_total"), 1, "a failed tx's events do not count");
    assert.equal(value(f, "tcompute_jobs_settled_total"), 1);
    assert.equal(value(f, "tcompute_audits_total", { status: "open" }), 1);
    assert.equal(value(f, "tcompute_challenges_total", { passed: "false" }), 1);
    assert.equal(value(f, "tcompute_slashes_total", { kind: "validator" }), 1);
    assert.equal(value(f, "tcompute_slashed_utcu_total", { kind: "validator" }), 250);
    assert.equal(value(f, "tcompute_slashes_total", { kind: "job" }), 1);
    assert.equal(value(f, "tcompute_jobs_paid_utcu_total"), 900);
    assert.equal(value(f, "cometbft_consensus_rounds"), 2);
    assert.equal(value(f, "cometbft_consensus_num_txs"), 2);
    assert.equal(value(f, "cometbft_consensus_block_size_bytes"), 7);
    assert.equal(value(f, "tcompute_jobs_settlement_latency_blocks_sum"), 5);
    assert.equal(value(f, "tcompute_jobs_settlement_latency_seconds_sum"), 30);
    m.stop();
  });
});

/** A Job with every field at its default, for the fake query answer. */
function fullJob() {
  return codecs.queryJobResponse.decode(codecs.queryJobResponse.encode({ job: { id: "x" } as never })).job!;
}
