import { createHash } from "node:crypto";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { createTestChain, type TestChain } from "../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed, type RawKey } from "../../client/sdk/signing.js";
import { defaultParams as emissionsDefaults } from "../../modules/emissions/params.js";
import { codecs as registryCodecs } from "../../modules/registry/types.js";
import { SimAuditor } from "../../chain/testkit/auditors.js";
import { createValidatorMsg, ops } from "../../chain/testkit/fixtures.js";
import type { ComparisonRule } from "../../modules/jobs/sketch.js";
import { AuditStatus, codecs, JobState, Outcome, type GpuRequirement, type Job } from "../../modules/jobs/types.js";
import {
  any,
  honestOutput,
  signedBy,
  SimWorker,
  strategies,
  workersStep,
  type Strategy,
} from "../../chain/testkit/simWorkers.js";

// An economic simulation of the marketplace on an in-process chain, with emissions on and the
// chain's default economic parameters (prices, slashes, audit rates, protocol fee, provider
// pool); only the windows are shortened so that a run is quick. Every adversary of issue 18
// item 7 plays against the chain as it is:
//
//   honest        runs the model, answers in time, serves its outputs
//   lazy          answers zeros without running the model
//   copying       commits to nothing it knows and then tries to reveal another's result
//   cartel        one owner, several provider keys (up to a majority of k), agreeing on a fake
//   spoofing      claims 8 H100s it does not have: takes the jobs that need them and cannot run them
//   washTrader    a provider paying itself from a second address: sealed k = 1 jobs, never run
//   falseUnusable reports every input unusable to collect the unusable fee without computing
//   neverServes   computes and answers like honest work, never serves an output
//   griefer       a requester whose inputs do not match their hash
//   silent validator  never audits
//
// It reports each owner's net earnings — what it holds at the end (balance + bond) minus what it
// held after registering, minus the compute it spent — and the verification overhead: model runs
// (workers' and auditors') per accepted result of the honest requester's jobs.

export type ProviderStrategy =
  "honest" | "lazy" | "copying" | "cartel" | "spoofing" | "washTrader" | "falseUnusable" | "neverServes";

export interface MarketOptions {
  blocks: number;
  /** Jobs the honest requester submits per block. */
  jobsPerBlock: number;
  /** Providers per strategy (the cartel's keys share one owner). */
  providers?: Partial<Record<ProviderStrategy, number>>;
  k?: number;
  /** Every n-th honest job needs an H100 (what the spoofer claims); 0: none. */
  h100Every?: number;
  /** The griefer submits a job with an input that does not match its hash every n blocks; 0: never. */
  griefEvery?: number;
  /** The wash trader pays itself one sealed job every n blocks; 0: never. */
  washEvery?: number;
  /** What running the model once costs a provider (in utcu). */
  computeCostPerRun?: bigint;
  /** Overrides of the jobs / emissions params (genesis JSON names), on top of the shortened windows. */
  jobsParams?: Record<string, unknown>;
  emissionsParams?: Record<string, unknown>;
  log?: (line: string) => void;
}

export interface OwnerReport {
  strategy: string;
  /** Provider keys (a cartel has several, the wash trader one plus its requester address). */
  keys: number;
  start: bigint;
  end: bigint;
  computeCost: bigint;
  net: bigint;
  paid: bigint;
  slashed: bigint;
  accepted: number;
  rejected: number;
  noShows: number;
  frauds: number;
  unusable: number;
}

export interface MarketReport {
  blocks: number;
  k: number;
  submitted: number;
  settled: number;
  failed: number;
  unusable: number;
  audits: number;
  /** One entry per owner (each honest provider is an owner of its own). */
  owners: OwnerReport[];
  /** Net of the griefing requester (what its jobs cost it). */
  griefer: bigint;
  /** Audit runs the silent validator skipped, and the others made. */
  auditRuns: { silent: number; auditing: number };
  /**
   * Verification overhead: model runs per accepted result of the honest requester's jobs, were
   * every revealed result a real run and every validator an auditor (the cheaters' skipped runs
   * would otherwise make verification look cheaper than it is).
   */
  overhead: number;
  /** Auditor pay and penalties (issue 11): verdicts that agreed with the outcome, audits skipped. */
  auditors: { rewarded: number; rewardPaid: bigint; missed: number; missedSlashed: bigint };
  /** Capability challenges the chain issued and decided (issue 11). */
  challenges: { passed: number; failed: number; void: number };
  /** The runs actually made (workers' and auditors') per accepted result. */
  measuredOverhead: number;
  accepted: number;
}

const model = createHash("sha256").update("sim-model").digest("hex");
const rule: ComparisonRule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const units = 1000n;
const price = 5n;
const bond = 20_000_000n;
const h100: GpuRequirement = { vendor: "nvidia", model: "H100", minMemoryMib: 0, minCount: 0 };

/** Honest on every job but those needing the H100s it claims, which it cannot run in time. */
const spoofing: Strategy = {
  ...strategies.honest,
  name: "spoofing",
  output: (j) => (j.gpu?.model === "H100" ? null : strategies.honest.output(j)),
  unusable: (j) => (j.gpu?.model === "H100" ? null : strategies.honest.unusable(j)),
};
/** On chain it is honest work; off chain it serves nothing (nothing on chain sees that yet). */
const neverServes: Strategy = { ...strategies.honest, name: "neverServes" };

const strategyOf: Record<ProviderStrategy, Strategy> = {
  honest: strategies.honest,
  lazy: strategies.lazy,
  copying: strategies.copying,
  cartel: { ...strategies.colluding, name: "cartel" },
  spoofing,
  washTrader: { ...strategies.lazy, name: "washTrader" },
  falseUnusable: strategies.falseUnusable,
  neverServes,
};

/** Which strategies the chain has the means to make unprofitable today, and why not the others. */
export const notYetEnforced: Partial<Record<ProviderStrategy, string>> = {
  neverServes:
    "nothing on chain sees a withheld output until non-delivery claims (issue 11); it earns what honest work earns",
};

export const defaultProviders: Record<ProviderStrategy, number> = {
  honest: 5,
  lazy: 1,
  copying: 1,
  cartel: 2,
  spoofing: 1,
  washTrader: 1,
  falseUnusable: 1,
  neverServes: 1,
};

export async function runMarket(o: MarketOptions): Promise<MarketReport> {
  const log = o.log ?? (() => {});
  const k = o.k ?? 1;
  const runCost = o.computeCostPerRun ?? units * 2n;
  const counts = o.providers ?? defaultProviders;
  const requester = rawKeyFromSeed("market-requester");
  const griefer = rawKeyFromSeed("market-griefer");
  const washRequester = rawKeyFromSeed("market-wash-requester");
  const plan: Array<{ name: ProviderStrategy; key: RawKey; owner: string }> = [];
  for (const [name, n] of Object.entries(counts) as Array<[ProviderStrategy, number]>) {
    for (let i = 0; i < n; i++) {
      const key = rawKeyFromSeed(`market-${name}-${i}`);
      // Each honest provider is its own owner; the cartel's keys and the wash trader's are one owner.
      plan.push({ name, key, owner: name === "honest" || name === "neverServes" ? `${name}-${i}` : name });
    }
  }
  // The silent validator holds the least power: the other two still hold more than 2/3 of it.
  const powers = [45_000_000n, 40_000_000n, 10_000_000n];
  const silent = 2;
  const chain: TestChain = await createTestChain({
    accounts: [requester, griefer, washRequester, ...plan.map((p) => p.key), ...ops].map((key) => ({
      address: key.address,
      coins: [{ denom: "utcu", amount: 10n ** 12n }],
    })),
    editGenesis: (d) => {
      Object.assign(
        (d.app_state["jobs"] as { params: Record<string, unknown> }).params,
        { commit_window: "4", reveal_window: "4", audit_window: "6", retention_blocks: "30" },
        o.jobsParams ?? {},
      );
      // Emissions on, at their default issuance (the test kit switches them off).
      Object.assign(
        (d.app_state["emissions"] as { params: Record<string, unknown> }).params,
        { initial_per_block: emissionsDefaults().initialPerBlock.toString() },
        o.emissionsParams ?? {},
      );
    },
  });
  const deliverOne = async (key: RawKey, msgs: ReturnType<typeof any>[]) => {
    const res = await chain.deliver([await signedBy(chain, key, msgs)]);
    if (res.txResults[0]!.code !== 0) throw new Error(res.txResults[0]!.log);
  };
  for (let i = 0; i < 3; i++) await deliverOne(ops[i]!, [createValidatorMsg(i, powers[i]!)]);
  await deliverOne(requester, [
    any(
      registryCodecs.msgRegisterModel.typeUrl,
      registryCodecs.msgRegisterModel.encode({
        owner: requester.address,
        hash: model,
        name: "sim",
        inputs: [{ name: "x", dtype: "uint8", shape: [-1] }],
        outputs: [{ name: "y", dtype: "float32", shape: [64] }],
        computeUnits: units.toString(),
        rule,
        uri: "",
      }),
    ),
  ]);
  for (const [i, p] of plan.entries()) {
    const gpus =
      p.name === "spoofing"
        ? [{ vendor: "nvidia", model: "H100", memoryMib: 81920, count: 8 }]
        : [{ vendor: "nvidia", model: "L4", memoryMib: 24576, count: 1 }];
    // The wash trader asks more than the honest requester pays: it only ever serves itself.
    const ask = p.name === "washTrader" ? price + 1n : price;
    await deliverOne(p.key, [
      any(
        registryCodecs.msgRegisterProvider.typeUrl,
        registryCodecs.msgRegisterProvider.encode({
          owner: p.key.address,
          moniker: `${p.name}-${i}`,
          gpus,
          models: [model],
          pricePerUnit: `${ask}utcu`,
          slots: 4,
          x25519Pubkey: new Uint8Array(32).fill(i + 1),
          endpoint: "",
          bond: bond.toString(),
        }),
      ),
    ]);
  }
  const runsByJob = new Map<string, number>();
  /** Audit runs the silent validator would have made, per job. */
  const skipped = new Map<string, number>();
  const auditRunsByJob = new Map<string, number>();
  const onRun = (jobId: string, runs: number) => runsByJob.set(jobId, (runsByJob.get(jobId) ?? 0) + runs);
  const workers = plan.map((p) => new SimWorker(p.key, strategyOf[p.name], () => rule, { bundleReveal: true, onRun }));

  const q = async (path: string, data: Uint8Array) => {
    const res = await chain.query(path, data);
    if (res.code !== 0) throw new Error(`${path}: ${res.log}`);
    return res.value;
  };
  const balance = async (address: string) =>
    BigInt(
      QueryBalanceResponse.decode(
        await q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: "utcu" }).finish()),
      ).balance!.amount,
    );
  const bondOf = async (owner: string) =>
    BigInt(
      registryCodecs.queryProviderResponse.decode(
        await q("/tcompute.registry.v1.Query/Provider", registryCodecs.queryProviderRequest.encode({ owner })),
      ).provider!.bond,
    );
  const wealth = async (p: (typeof plan)[number]) =>
    (await balance(p.key.address)) +
    (await bondOf(p.key.address)) +
    (p.name === "washTrader" ? await balance(washRequester.address) : 0n);
  const start = new Map<string, bigint>();
  for (const p of plan) start.set(p.key.address, await wealth(p));
  const grieferStart = await balance(griefer.address);

  /** Jobs the silent validator was asked to audit (and skipped). */
  const voted = new Set<string>();
  const sealedJob = (j: Job) => j.sealed.length > 0;
  const auditors = ops
    .filter((_, i) => i !== silent)
    .map(
      (op) =>
        new SimAuditor(
          op,
          (j) => (sealedJob(j) ? null : honestOutput(j)),
          () => rule,
          (id) => {
            auditRuns.auditing++;
            onRun(id, 1);
            auditRunsByJob.set(id, (auditRunsByJob.get(id) ?? 0) + 1);
          },
        ),
    );
  let submitted = 0;
  const auditRuns = { silent: 0, auditing: 0 };
  const auditorPay = { rewarded: 0, rewardPaid: 0n, missed: 0, missedSlashed: 0n };
  const challengeCount = { passed: 0, failed: 0, void: 0 };
  const seen = new Map<string, Job>();
  const listState = async (state: JobState) =>
    codecs.queryJobsResponse.decode(
      await q(
        "/tcompute.jobs.v1.Query/JobsByState",
        codecs.queryJobsByStateRequest.encode({
          state,
          pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: false },
        }),
      ),
    ).jobs;
  const collect = async () => {
    for (const s of [JobState.settled, JobState.failed, JobState.expired, JobState.unusable])
      for (const j of await listState(s)) seen.set(j.id, j);
  };
  const submitMsg = (from: RawKey, over: Record<string, unknown>) =>
    any(
      codecs.msgSubmitJob.typeUrl,
      codecs.msgSubmitJob.encode({
        requester: from.address,
        model,
        inputs: [],
        sealed: [],
        k,
        maxPricePerUnit: `${price}utcu`,
        deadlineBlocks: "40",
        minReputation: 0,
        gpu: null,
        ...over,
      }),
    );
  const mainJobs = new Set<string>();
  const watch = (res: Awaited<ReturnType<TestChain["deliver"]>>, txIndex: number) => {
    for (const e of res.txResults[txIndex]?.events ?? [])
      if (e.type === "job_submitted") mainJobs.add(e.attributes.find((a) => a.key === "id")!.value);
  };

  for (let b = 0; b < o.blocks + 20; b++) {
    const extra: Uint8Array[] = [];
    let mainTx = -1;
    if (b < o.blocks) {
      if (o.jobsPerBlock > 0) {
        const msgs = Array.from({ length: o.jobsPerBlock }, () => {
          submitted++;
          const needsH100 = (o.h100Every ?? 8) > 0 && submitted % (o.h100Every ?? 8) === 0;
          return submitMsg(requester, {
            inputs: [{ inline: Buffer.from(`input-${submitted}`), uri: "", sha256: "" }],
            gpu: needsH100 ? h100 : null,
          });
        });
        mainTx = extra.length;
        extra.push(await signedBy(chain, requester, msgs));
      }
      if ((o.griefEvery ?? 3) > 0 && b % (o.griefEvery ?? 3) === 0) {
        extra.push(
          await signedBy(chain, griefer, [
            submitMsg(griefer, {
              inputs: [
                {
                  inline: new Uint8Array(),
                  uri: `sim://bad/${b}`,
                  sha256: createHash("sha256").update(`not-it-${b}`).digest("hex"),
                },
              ],
            }),
          ]),
        );
      }
      const wash = plan.find((p) => p.name === "washTrader");
      if (wash !== undefined && (o.washEvery ?? 2) > 0 && b % (o.washEvery ?? 2) === 0) {
        extra.push(
          await signedBy(chain, washRequester, [
            submitMsg(washRequester, {
              k: 1,
              maxPricePerUnit: `${price + 1n}utcu`,
              inputs: [
                { inline: new Uint8Array(), uri: "", sha256: createHash("sha256").update(`wash-${b}`).digest("hex") },
              ],
              sealed: [{ provider: wash.key.address, ciphertext: new Uint8Array(120).fill(b % 256) }],
              sketchKeyHash: new Uint8Array(32).fill(b % 256),
            }),
          ]),
        );
      }
    }
    // Validators audit what is open: they re-run the job and commit, then reveal, their own
    // sketch (auditVerdicts.ts; a sealed job they cannot open: "unable"). The silent validator never does.
    const open = [
      ...(await listState(JobState.auditing)),
      ...(await listState(JobState.settled)).filter((j) => j.audit === AuditStatus.open),
    ];
    const silentTodo = open.filter((j) => !voted.has(j.id));
    for (const j of silentTodo) {
      voted.add(j.id);
      if (sealedJob(j)) continue;
      auditRuns.silent++;
      skipped.set(j.id, (skipped.get(j.id) ?? 0) + 1);
    }
    for (const auditor of auditors) {
      const msgs = auditor.messages(open, chain.app.height + 1n);
      if (msgs.length > 0) extra.push(await signedBy(chain, auditor.key, msgs));
    }
    const res = await workersStep(chain, workers, extra);
    for (const e of res.events) {
      const attr = (key: string) => e.attributes.find((a) => a.key === key)?.value ?? "";
      if (e.type === "auditor_rewarded") {
        auditorPay.rewarded++;
        auditorPay.rewardPaid += BigInt(attr("amount") || "0");
      } else if (e.type === "auditor_missed") {
        auditorPay.missed++;
        auditorPay.missedSlashed += BigInt(attr("slashed") || "0");
      } else if (e.type === "capability_challenge") {
        const st = attr("status");
        if (st === "passed" || st === "failed" || st === "void") challengeCount[st]++;
      }
    }
    if (mainTx >= 0) watch(res, mainTx);
    await collect();
    if (b % 50 === 49) log(`block ${b + 1}/${o.blocks + 20}: ${submitted} submitted, ${seen.size} final`);
  }

  const final = [...seen.values()];
  let settled = 0;
  let failed = 0;
  let unusable = 0;
  let audits = 0;
  let accepted = 0;
  let mainRuns = 0;
  let silentRuns = 0;
  let revealedResults = 0;
  let auditorRuns = 0;
  for (const j of final) {
    if (j.state === JobState.settled) settled++;
    else if (j.state === JobState.unusable) unusable++;
    else failed++;
    if (j.audit !== AuditStatus.none) audits++;
    if (!mainJobs.has(j.id)) continue;
    mainRuns += runsByJob.get(j.id) ?? 0;
    silentRuns += skipped.get(j.id) ?? 0;
    auditorRuns += auditRunsByJob.get(j.id) ?? 0;
    revealedResults += j.assignments.filter((a) => a.sketch !== null && a.revealedHeight !== "0").length;
    if (
      j.state === JobState.settled &&
      j.assignments.some((a) => a.outcome === Outcome.accepted || a.outcome === Outcome.fraud)
    )
      accepted++;
  }

  const owners = new Map<string, OwnerReport>();
  for (const [i, p] of plan.entries()) {
    const w = workers[i]!;
    const r = owners.get(p.owner) ?? {
      strategy: p.name,
      keys: 0,
      start: 0n,
      end: 0n,
      computeCost: 0n,
      net: 0n,
      paid: 0n,
      slashed: 0n,
      accepted: 0,
      rejected: 0,
      noShows: 0,
      frauds: 0,
      unusable: 0,
    };
    r.keys++;
    r.start += start.get(p.key.address)!;
    r.end += await wealth(p);
    r.computeCost += BigInt(w.spent) * runCost;
    for (const j of final)
      for (const a of j.assignments) {
        if (a.provider !== w.address) continue;
        r.paid += BigInt(a.paid || "0");
        r.slashed += BigInt(a.slashed || "0");
        if (a.outcome === Outcome.accepted) r.accepted++;
        else if (a.outcome === Outcome.rejected) r.rejected++;
        else if (a.outcome === Outcome.noShow) r.noShows++;
        else if (a.outcome === Outcome.fraud) r.frauds++;
        else if (a.outcome === Outcome.unusable) r.unusable++;
      }
    owners.set(p.owner, r);
  }
  for (const r of owners.values()) r.net = r.end - r.start - r.computeCost;
  return {
    blocks: o.blocks,
    k,
    submitted,
    settled,
    failed,
    unusable,
    audits,
    owners: [...owners.values()],
    griefer: (await balance(griefer.address)) - grieferStart,
    auditRuns,
    auditors: auditorPay,
    challenges: challengeCount,
    overhead: accepted === 0 ? 0 : (revealedResults + auditorRuns + silentRuns) / accepted,
    measuredOverhead: accepted === 0 ? 0 : mainRuns / accepted,
    accepted,
  };
}

export interface Verdict {
  /** Cheating owners that out-earned the average honest provider. */
  cheatingPays: string[];
  /** Honest providers that ended with less than they started (compute included). */
  honestLost: string[];
}

/** What sim:market checks: no cheating strategy earns more than honest work; no honest provider loses. */
export function judge(r: MarketReport): Verdict {
  const honest = r.owners.filter((o) => o.strategy === "honest");
  const honestMean = honest.length === 0 ? 0n : honest.reduce((s, o) => s + o.net, 0n) / BigInt(honest.length);
  const cheatingPays = r.owners
    .filter(
      (o) =>
        o.strategy !== "honest" && notYetEnforced[o.strategy as ProviderStrategy] === undefined && o.net > honestMean,
    )
    .map((o) => o.strategy);
  const honestLost = honest.filter((o) => o.net < 0n).map((o) => `${o.strategy} (${o.net})`);
  return { cheatingPays, honestLost };
}
