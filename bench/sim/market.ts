import { createHash } from "node:crypto";
import { createTestChain, type TestChain } from "../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed, type RawKey } from "../../client/sdk/signing.js";
import { defaultParams as emissionsDefaults } from "../../modules/emissions/params.js";
import { codecs as registryCodecs } from "../../modules/registry/types.js";
import { decOne } from "../../modules/sdk/coins.js";
import { createValidatorMsg, ops, valoper } from "../../chain/testkit/fixtures.js";
import { sketchToPb } from "../../modules/jobs/commitment.js";
import { computeSketch, type ComparisonRule } from "../../modules/jobs/sketch.js";
import { AuditStatus, codecs, JobState, Outcome, type Job } from "../../modules/jobs/types.js";
import { accountOf, any, honestOutput, signedBy, SimWorker, strategies, workersStep, type Strategy } from "../../chain/testkit/simWorkers.js";

// An economic simulation of the marketplace on an in-process chain: providers with different
// strategies (honest, lazy, colluding, spoofing hardware they do not have), a requester sending a
// steady stream of jobs, and validators auditing what is sampled. It reports each strategy's net
// earnings (payments − protocol fees − slashes − compute spent − tx fees) and the verification overhead: compute
// spent by workers and auditors per accepted result. Cheating must never earn more than honest work.

export interface MarketOptions {
  blocks: number;
  jobsPerBlock: number;
  providers: Partial<Record<"honest" | "lazy" | "colluding" | "spoofing", number>>;
  k?: number;
  /** What running the model once costs a provider (in utcu), for net earnings. */
  computeCostPerRun?: bigint;
  auditRatePpm?: number;
  log?: (line: string) => void;
}

export interface StrategyReport {
  strategy: string;
  providers: number;
  paid: bigint;
  slashed: bigint;
  computeCost: bigint;
  fees: bigint;
  /** The protocol fee burned from its payments (emissions job_fee_burn_share). */
  protocolFees: bigint;
  /** Net per provider. */
  netPerProvider: bigint;
  accepted: number;
  rejected: number;
  noShows: number;
  frauds: number;
}

export interface MarketReport {
  blocks: number;
  submitted: number;
  settled: number;
  failed: number;
  audits: number;
  strategies: StrategyReport[];
  /** Model runs by workers and auditors per accepted (settled) job. */
  overhead: number;
}

const model = createHash("sha256").update("sim-model").digest("hex");
const rule: ComparisonRule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const units = 1000n;
const price = 5n;
const bond = 20_000_000n;
const fee = 1000n;

/** Spoofers declare GPUs they do not have: matched like anyone, they never produce a result. */
const spoofing: Strategy = { ...strategies.absent, name: "spoofing" };

export async function runMarket(o: MarketOptions): Promise<MarketReport> {
  const log = o.log ?? (() => {});
  const k = o.k ?? 3;
  const runCost = o.computeCostPerRun ?? units * 2n;
  const requester = rawKeyFromSeed("market-requester");
  const plan: Array<[string, Strategy]> = [];
  for (const [name, n] of Object.entries(o.providers)) for (let i = 0; i < (n ?? 0); i++) plan.push([name, name === "spoofing" ? spoofing : strategies[name as "honest" | "lazy" | "colluding"]]);
  const keys: RawKey[] = plan.map(([name], i) => rawKeyFromSeed(`market-${name}-${i}`));
  const chain: TestChain = await createTestChain({
    accounts: [requester, ...keys, ...ops].map((key) => ({ address: key.address, coins: [{ denom: "utcu", amount: 10n ** 13n }] })),
    editGenesis: (d) => {
      Object.assign((d.app_state["jobs"] as { params: Record<string, unknown> }).params, { commit_window: "3", reveal_window: "3", audit_window: "5", retention_blocks: "20", audit_rate_ppm: o.auditRatePpm ?? 20_000, max_matches_per_block: 1000 });
    },
  });
  const deliverOne = async (key: RawKey, msgs: ReturnType<typeof any>[]) => {
    const res = await chain.deliver([await signedBy(chain, key, msgs)]);
    if (res.txResults[0]!.code !== 0) throw new Error(res.txResults[0]!.log);
  };
  for (let i = 0; i < 3; i++) await deliverOne(ops[i]!, [createValidatorMsg(i, 30_000_000n + BigInt(i) * 5_000_000n)]);
  await deliverOne(requester, [any(registryCodecs.msgRegisterModel.typeUrl, registryCodecs.msgRegisterModel.encode({ owner: requester.address, hash: model, name: "sim", inputs: [{ name: "x", dtype: "uint8", shape: [-1] }], outputs: [{ name: "y", dtype: "float32", shape: [64] }], computeUnits: units.toString(), rule, uri: "" }))]);
  for (const [i, key] of keys.entries()) {
    const gpus = plan[i]![0] === "spoofing" ? [{ vendor: "nvidia", model: "H100", memoryMib: 81920, count: 8 }] : [{ vendor: "nvidia", model: "L4", memoryMib: 24576, count: 1 }];
    await deliverOne(key, [any(registryCodecs.msgRegisterProvider.typeUrl, registryCodecs.msgRegisterProvider.encode({ owner: key.address, moniker: `${plan[i]![0]}-${i}`, gpus, models: [model], pricePerUnit: `${price}utcu`, slots: 4, x25519Pubkey: new Uint8Array(32).fill(i + 1), endpoint: "", bond: bond.toString() }))]);
  }
  const workers = keys.map((key, i) => new SimWorker(key, plan[i]![1], () => rule));
  const voted = new Set<string>();
  let submitted = 0;
  let auditorRuns = 0;
  const seen = new Map<string, Job>();

  const listState = async (state: JobState) => codecs.queryJobsResponse.decode((await chain.query("/tcompute.jobs.v1.Query/JobsByState", codecs.queryJobsByStateRequest.encode({ state, pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: false } }))).value).jobs;

  for (let b = 0; b < o.blocks; b++) {
    const extra: Uint8Array[] = [];
    if (o.jobsPerBlock > 0) {
      const msgs = Array.from({ length: o.jobsPerBlock }, () => {
        submitted++;
        return any(codecs.msgSubmitJob.typeUrl, codecs.msgSubmitJob.encode({ requester: requester.address, model, inputs: [{ inline: Buffer.from(`input-${submitted}`), uri: "", sha256: "" }], sealed: [], k, maxPricePerUnit: `${price}utcu`, deadlineBlocks: "50", minReputation: 0, gpu: null }));
      });
      extra.push(await signedBy(chain, requester, msgs));
    }
    // Validators audit what is open: they re-run the job and report their own sketch.
    const open = [...(await listState(JobState.auditing)), ...(await listState(JobState.settled)).filter((j) => j.audit === AuditStatus.open)];
    for (const [i, op] of ops.entries()) {
      const msgs = open
        .filter((j) => !voted.has(`${i}/${j.id}`))
        .map((j) => {
          voted.add(`${i}/${j.id}`);
          auditorRuns++;
          return any(codecs.msgAuditVerdict.typeUrl, codecs.msgAuditVerdict.encode({ validator: valoper(op), jobId: j.id, sketch: sketchToPb(computeSketch(j.id, honestOutput(j), rule)), digest: new Uint8Array(32).fill(1), unable: false }));
        });
      if (msgs.length > 0) extra.push(await signedBy(chain, op, msgs));
    }
    await workersStep(chain, workers, extra);
    for (const j of [...(await listState(JobState.settled)), ...(await listState(JobState.failed)), ...(await listState(JobState.expired))]) seen.set(j.id, j);
    if (b % 50 === 49) log(`block ${b + 1}/${o.blocks}: ${submitted} submitted, ${seen.size} final`);
  }
  // Let the last jobs and audits finish.
  for (let b = 0; b < 15; b++) {
    await workersStep(chain, workers);
    for (const j of [...(await listState(JobState.settled)), ...(await listState(JobState.failed)), ...(await listState(JobState.expired))]) seen.set(j.id, j);
  }

  // Fees: count each worker's txs from its sequence (every tx paid the same fee).
  const reports = new Map<string, StrategyReport>();
  let settled = 0;
  let failed = 0;
  let audits = 0;
  const final = [...seen.values()];
  for (const j of final) {
    if (j.state === JobState.settled) settled++;
    else failed++;
    if (j.audit !== AuditStatus.none) audits++;
  }
  for (const [i, w] of workers.entries()) {
    const name = plan[i]![0];
    const r = reports.get(name) ?? { strategy: name, providers: 0, paid: 0n, slashed: 0n, computeCost: 0n, fees: 0n, protocolFees: 0n, netPerProvider: 0n, accepted: 0, rejected: 0, noShows: 0, frauds: 0 };
    r.providers++;
    for (const j of final)
      for (const a of j.assignments) {
        if (a.provider !== w.address) continue;
        r.paid += BigInt(a.paid || "0");
        r.slashed += BigInt(a.slashed || "0");
        if (a.outcome === Outcome.accepted) r.accepted++;
        else if (a.outcome === Outcome.rejected) r.rejected++;
        else if (a.outcome === Outcome.noShow) r.noShows++;
        else if (a.outcome === Outcome.fraud) r.frauds++;
      }
    r.computeCost += BigInt(w.spent) * runCost;
    r.fees += ((await accountOf(chain, w.address)).sequence - 1n) * fee; // every tx but the registration
    reports.set(name, r);
  }
  const burnShare = emissionsDefaults().jobFeeBurnShare;
  for (const r of reports.values()) {
    r.protocolFees = (r.paid * burnShare) / decOne;
    r.netPerProvider = (r.paid - r.protocolFees - r.slashed - r.computeCost - r.fees) / BigInt(r.providers);
  }
  const workerRuns = workers.reduce((s, w) => s + w.spent, 0);
  return { blocks: o.blocks, submitted, settled, failed, audits, strategies: [...reports.values()], overhead: settled === 0 ? 0 : (workerRuns + auditorRuns) / settled };
}
