import type { Event } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { Logger } from "../../modules/sdk/context.js";
import { codecs, JobState } from "../../modules/jobs/types.js";
import type { NewBlockEvent } from "../events/eventBus.js";
import type { RpcBackend } from "../rpc/backend.js";
import { timeToMillis } from "../types/time.js";
import { Registry } from "./registry.js";

// The node's Prometheus metrics: CometBFT's names for consensus, mempool, p2p and block sync
// (namespace `instrumentation.namespace`, "cometbft" by default), and tcompute's own for the
// marketplace. Block metrics follow the node's event bus (one observer, no hook in consensus);
// sizes, peers, jobs by state and escrow are read when Prometheus scrapes.

export type MetricsBackend = Pick<
  RpcBackend,
  "eventBus" | "mempool" | "p2p" | "state" | "catchingUp" | "app" | "blockStore"
>;

const intervalBuckets = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60];
const latencyBlocks = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000];
const latencySeconds = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];

const jobStates = Object.entries(JobState).filter(([, v]) => v !== JobState.unspecified) as Array<[string, number]>;

function attr(e: Event, key: string): string | undefined {
  return e.attributes.find((a) => a.key === key)?.value;
}

/** The leading integer of an amount such as "1500utcu". */
function amountOf(v: string | undefined): number {
  const m = /^[0-9]+/.exec(v ?? "");
  return m === null ? 0 : Number(m[0]);
}

export interface NodeMetrics {
  readonly registry: Registry;
  stop(): void;
}

export function createNodeMetrics(
  opts: { namespace: string },
  deps: { node: MetricsBackend; logger: Logger },
): NodeMetrics {
  const { node, logger } = deps;
  const ns = opts.namespace;
  const r = new Registry();

  const height = r.gauge(`${ns}_consensus_height`, "Height of the chain.");
  const latestHeight = r.gauge(`${ns}_consensus_latest_block_height`, "The latest block height.");
  const validators = r.gauge(`${ns}_consensus_validators`, "Number of validators.");
  const validatorsPower = r.gauge(`${ns}_consensus_validators_power`, "Total voting power of all validators.");
  const missing = r.gauge(
    `${ns}_consensus_missing_validators`,
    "Number of validators who did not sign the last commit.",
  );
  const rounds = r.gauge(
    `${ns}_consensus_rounds`,
    "Number of rounds: the round in which the previous height was decided (from the block's last commit).",
  );
  const numTxs = r.gauge(`${ns}_consensus_num_txs`, "Number of transactions in the latest block.");
  const totalTxs = r.gauge(
    `${ns}_consensus_total_txs`,
    "Total number of transactions committed since the node started.",
  );
  const blockSize = r.gauge(`${ns}_consensus_block_size_bytes`, "Size of the latest block's transactions, in bytes.");
  const interval = r.histogram(
    `${ns}_consensus_block_interval_seconds`,
    "Time between this and the last block (header times).",
    intervalBuckets,
  );
  r.gauge(`${ns}_mempool_size`, "Number of uncommitted transactions in the mempool.", (g) => g.set(node.mempool.size));
  r.gauge(`${ns}_mempool_size_bytes`, "Total size of the mempool's transactions, in bytes.", (g) =>
    g.set(node.mempool.bytes),
  );
  r.gauge(`${ns}_p2p_peers`, "Number of peers connected.", (g) => g.set(node.p2p?.peers().length ?? 0));
  r.gauge(`${ns}_blocksync_syncing`, "Whether the node is catching up on blocks (1) or at the tip (0).", (g) =>
    g.set(node.catchingUp() ? 1 : 0),
  );

  const query = async (path: string, data: Uint8Array): Promise<Uint8Array | null> => {
    const res = await node.app.query({ path, data, height: 0n, prove: false });
    return res.code === 0 ? res.value : null;
  };
  r.gauge("tcompute_jobs", "Jobs in the store by state (final jobs until pruned).", async (g) => {
    for (const [name, state] of jobStates) {
      const v = await query(
        "/tcompute.jobs.v1.Query/JobsByState",
        codecs.queryJobsByStateRequest.encode({
          state: state as JobState,
          pagination: { key: new Uint8Array(), offset: "0", limit: "1", countTotal: true },
        }),
      );
      if (v !== null) g.set(Number(codecs.queryJobsResponse.decode(v).pagination?.total ?? "0"), { state: name });
    }
  });
  r.gauge("tcompute_escrow_utcu", "Fees held in escrow for open jobs, in utcu.", async (g) => {
    const v = await query("/tcompute.jobs.v1.Query/Escrow", new Uint8Array());
    if (v !== null) g.set(Number(codecs.queryEscrowResponse.decode(v).total));
  });
  const submitted = r.counter("tcompute_jobs_submitted_total", "Jobs submitted.");
  const settled = r.counter("tcompute_jobs_settled_total", "Jobs settled (paid).");
  const latencyB = r.histogram(
    "tcompute_jobs_settlement_latency_blocks",
    "Blocks from a job's submission to its settlement.",
    latencyBlocks,
  );
  const latencyS = r.histogram(
    "tcompute_jobs_settlement_latency_seconds",
    "Seconds (block times) from a job's submission to its settlement.",
    latencySeconds,
  );
  const audits = r.counter("tcompute_audits_total", "Audit events by status: open, confirmed, rejected, inconclusive.");
  const verdicts = r.counter("tcompute_audit_verdicts_total", "Audit verdicts validators sent.");
  const challenges = r.counter(
    "tcompute_challenges_total",
    "Provider capability challenges, by result (passed true or false).",
  );
  const slashes = r.counter(
    "tcompute_slashes_total",
    "Slashes, by kind: job (a provider's job bond), provider (a provider's bond), validator.",
  );
  const slashed = r.counter("tcompute_slashed_utcu_total", "utcu burned or taken by slashes, by kind.");
  const paid = r.counter("tcompute_jobs_paid_utcu_total", "utcu paid to providers for accepted results.");

  let lastTime: number | null = null;
  let totalTxsCount = 0;
  let work: Promise<void> = Promise.resolve();

  async function settlementLatency(id: string, settledHeight: bigint, settledMs: number): Promise<void> {
    const v = await query("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id }));
    const job = v === null ? null : codecs.queryJobResponse.decode(v).job;
    if (job === null || job.createdHeight === "") return;
    const created = BigInt(job.createdHeight);
    latencyB.observe(Number(settledHeight - created));
    const meta = await node.blockStore.loadMeta(created);
    if (meta?.header?.time !== undefined) latencyS.observe((settledMs - timeToMillis(meta.header.time)) / 1000);
  }

  function onBlock(e: NewBlockEvent): void {
    const header = e.block.header!;
    const h = Number(header.height);
    height.set(h);
    latestHeight.set(h);
    const set = node.state().validators;
    validators.set(set.validators.length);
    validatorsPower.set(Number(set.validators.reduce((s, v) => s + v.power, 0n)));
    const sigs = e.block.lastCommit?.signatures ?? [];
    missing.set(sigs.filter((s) => s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_ABSENT).length);
    rounds.set(e.block.lastCommit?.round ?? 0);
    const txs = e.block.data?.txs ?? [];
    numTxs.set(txs.length);
    totalTxs.set((totalTxsCount += txs.length));
    blockSize.set(txs.reduce((s, t) => s + t.length, 0));
    const ms = timeToMillis(header.time!);
    if (lastTime !== null) interval.observe((ms - lastTime) / 1000);
    lastTime = ms;
    const events: Event[] = [
      ...e.results.events,
      ...e.results.txResults.filter((t) => t.code === 0).flatMap((t) => t.events),
    ];
    const settledIds: string[] = [];
    for (const ev of events) {
      switch (ev.type) {
        case "job_submitted":
          submitted.inc();
          break;
        case "job_settled":
          settled.inc();
          settledIds.push(attr(ev, "id") ?? "");
          break;
        case "job_paid":
          paid.inc({}, amountOf(attr(ev, "amount")));
          break;
        case "job_audit":
          audits.inc({ status: attr(ev, "status") ?? "" });
          break;
        case "audit_verdict":
          verdicts.inc();
          break;
        case "provider_challenge":
          challenges.inc({ passed: attr(ev, "passed") ?? "" });
          break;
        case "job_slashed":
          slashes.inc({ kind: "job" });
          slashed.inc({ kind: "job" }, amountOf(attr(ev, "amount")));
          break;
        case "provider_slashed":
          slashes.inc({ kind: "provider" });
          slashed.inc({ kind: "provider" }, amountOf(attr(ev, "amount")));
          break;
        case "slash":
          if (attr(ev, "burned_coins") !== undefined) {
            slashes.inc({ kind: "validator" });
            slashed.inc({ kind: "validator" }, amountOf(attr(ev, "burned_coins")));
          }
          break;
        default:
      }
    }
    // Latency needs each job's record: looked up after the block, one block's lookups at a time.
    const ids = settledIds.filter((id) => id !== "").slice(0, 1000);
    if (ids.length > 0) {
      work = work
        .then(async () => {
          for (const id of ids) await settlementLatency(id, BigInt(h), ms);
        })
        .catch((err: Error) => logger.warn("settlement latency lookup failed", { error: err.message }));
    }
  }

  const unsubscribe = node.eventBus.subscribe((e) => {
    if (e.kind === "NewBlock") onBlock(e);
  });
  return { registry: r, stop: unsubscribe };
}
