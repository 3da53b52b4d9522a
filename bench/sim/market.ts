import { createHash } from "node:crypto";
import nacl from "tweetnacl";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { createTestChain, type TestChain } from "../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed, signTx, type RawKey } from "../../client/sdk/signing.js";
import { outputMismatch } from "../../client/sdk/outputs.js";
import { open as openSealed, seal } from "../../client/sdk/sealing.js";
import { claimCodecs } from "../../modules/jobs/claims.js";
import { defaultParams as jobsDefaults } from "../../modules/jobs/params.js";
import { defaultParams as emissionsDefaults } from "../../modules/emissions/params.js";
import { codecs as registryCodecs } from "../../modules/registry/types.js";
import { bondValidators, SimAuditor, valoperOf } from "../../chain/testkit/auditors.js";
import { ops } from "../../chain/testkit/fixtures.js";
import { bytesShapes, registerModel, registerProviders } from "../../chain/testkit/providers.js";
import type { ComparisonRule } from "../../modules/jobs/sketch.js";
import { AuditStatus, codecs, JobState, Outcome, type GpuRequirement, type Job } from "../../modules/jobs/types.js";
import {
  accountOf,
  any,
  fee,
  honestOutput,
  signedBy,
  SimWorker,
  simFetchFailure,
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
//   neverServes   computes and answers like honest work, never serves an output, ignores claims
//   withholding   the same, but answers a non-delivery claim with its output (serves only when claimed)
//   garbageAnswer the same, but serves garbage and answers a claim with garbage
//   griefer       a requester whose inputs do not match their hash
//   falseClaimer  a requester that files non-delivery claims although its outputs were served
//   silent validator  never audits
//
// Requesters fetch every settled job's output as the SDK does (fetchAcceptedOutput's loop: each
// accepted worker in turn, the bytes checked against the committed digest with the SDK's
// outputMismatch; not fetchAcceptedOutput itself, which decodes a result payload, and the sim's
// outputs are bare float32 bytes); whether a worker serves is its strategy's (delivery, below). When no accepted worker served,
// the requester files a non-delivery claim (modules/jobs/claims.ts) in a real tx — the deposit
// and a one-off X25519 key — against each of them; workers answer per their strategy (honest ones
// post the output sealed to the claim key); the requester opens the answer with the claim key and
// disputes it (revealing the key) when it is not the committed output. Claims add no model run:
// an answer is the output the worker already has, and a dispute is checked by the chain with one
// sha256.
//
// It reports each owner's net earnings — what it holds at the end (balance + bond) minus what it
// held after registering, minus the compute it spent — and the verification overhead: model runs
// (workers' and auditors') per accepted result of the honest requester's jobs.

export type ProviderStrategy =
  | "honest"
  | "lazy"
  | "copying"
  | "cartel"
  | "spoofing"
  | "washTrader"
  | "falseUnusable"
  | "neverServes"
  | "withholding"
  | "garbageAnswer";

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
  /** The false claimer submits a job every n blocks and claims non-delivery of its served output; 0: never. */
  falseClaimEvery?: number;
  /**
   * The silent validator commits and reveals "unable" to every audit it is asked for instead of
   * skipping it. On a public job whose audit the others decided, unable costs the skip penalty
   * (auditVerdicts.ts), so this loses like skipping (docs/threat-model.md, "Audits").
   */
  silentAnswersUnable?: boolean;
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
  /** Non-delivery claims filed against it, and those it lost (upheld or disproved). */
  claimed: number;
  claimsLost: number;
}

/** A requester's non-delivery claims and what they brought it (tx fees not counted). */
export interface ClaimTally {
  filed: number;
  /** Claims on outputs that were served (false claims). */
  falseFiled: number;
  /** Closed claims by status: upheld (no answer), disproved (bad answer), delivered (answered). */
  upheld: number;
  disproved: number;
  delivered: number;
  /** Answers opened to something that is not the committed output, and disputed. */
  disputed: number;
  /** Deposits lost (the answered claims') and compensation received (from the slashed workers). */
  depositsLost: bigint;
  compensated: bigint;
  /** What its false claims brought it: compensation minus deposits lost (negative: they cost it). */
  falseNet: bigint;
  /** False claims that were upheld or disproved (an honest worker slashed): must stay 0. */
  falseUpheld: number;
}

/** A validator's audit duty: audits it was asked for, what it earned, ran and lost. */
export interface ValidatorReport {
  valoper: string;
  silent: boolean;
  asked: number;
  rewarded: bigint;
  runs: number;
  missedSlashed: bigint;
  /** rewarded − runs × run cost − missedSlashed. */
  net: bigint;
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
  /** The griefer's jobs that ended unusable (its inputs reported): 0 means its cheat was not played. */
  griefReported: number;
  /** Non-delivery claims, by the requester that filed them. */
  claims: { honest: ClaimTally; falseClaimer: ClaimTally };
  /** What auditing earned each validator and what skipping cost the silent one (audit duty only). */
  validators: ValidatorReport[];
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
// On chain these three are honest work; off chain they withhold the output (delivery, below).
const neverServes: Strategy = { ...strategies.honest, name: "neverServes" };
const withholding: Strategy = { ...strategies.honest, name: "withholding" };
const garbageAnswer: Strategy = { ...strategies.honest, name: "garbageAnswer" };

const strategyOf: Record<ProviderStrategy, Strategy> = {
  honest: strategies.honest,
  lazy: strategies.lazy,
  copying: strategies.copying,
  cartel: { ...strategies.colluding, name: "cartel" },
  spoofing,
  washTrader: { ...strategies.lazy, name: "washTrader" },
  falseUnusable: strategies.falseUnusable,
  neverServes,
  withholding,
  garbageAnswer,
};

/**
 * Off chain: what a worker serves when a requester fetches an output ("output": the bytes it
 * committed to; "garbage": other bytes; "none": nothing), and how it answers a non-delivery claim.
 */
interface Delivery {
  serves: "output" | "garbage" | "none";
  answers: "output" | "garbage" | "none";
}
const serving: Delivery = { serves: "output", answers: "output" };
const deliveryOf: Record<ProviderStrategy, Delivery> = {
  honest: serving,
  lazy: serving,
  copying: serving,
  cartel: serving,
  spoofing: serving,
  washTrader: serving,
  falseUnusable: serving,
  neverServes: { serves: "none", answers: "none" },
  withholding: { serves: "none", answers: "output" },
  garbageAnswer: { serves: "garbage", answers: "garbage" },
};

/** Strategies printed but not judged, and why (none left: every adversary of issue 18 item 7 is judged). */
export const notYetEnforced: Partial<Record<ProviderStrategy, string>> = {};

export const defaultProviders: Record<ProviderStrategy, number> = {
  honest: 5,
  lazy: 1,
  copying: 1,
  cartel: 2,
  spoofing: 1,
  washTrader: 1,
  falseUnusable: 1,
  neverServes: 1,
  withholding: 1,
  garbageAnswer: 1,
};

/** The bytes a worker of this strategy committed to for a job (their sha256 is its digest). */
function committedBytes(s: ProviderStrategy, j: Job): Uint8Array | null {
  const out = strategyOf[s].output(j, new Map());
  return out === null ? null : new Uint8Array(Float32Array.from(out).buffer);
}
const garbageOf = (j: Job) => new Uint8Array(createHash("sha256").update(`garbage/${j.id}`).digest());

/** A simulated worker that also answers the non-delivery claims filed against it. */
class ClaimAnsweringWorker extends SimWorker {
  readonly answers: Any[] = [];
  override messages(jobs: readonly Job[]): Any[] {
    return [...super.messages(jobs), ...this.answers.splice(0)];
  }
}

interface SimClaim {
  job: Job;
  provider: string;
  requester: RawKey;
  key: nacl.BoxKeyPair;
  /** The output was served (a false claim). */
  served: boolean;
  /** The requester disputes the answer whatever it opens to (the false claimer, every other claim). */
  disputeAnyway: boolean;
}

const emptyTally = (): ClaimTally => ({
  filed: 0,
  falseFiled: 0,
  upheld: 0,
  disproved: 0,
  delivered: 0,
  disputed: 0,
  depositsLost: 0n,
  compensated: 0n,
  falseNet: 0n,
  falseUpheld: 0,
});

export async function runMarket(o: MarketOptions): Promise<MarketReport> {
  const log = o.log ?? (() => {});
  const k = o.k ?? 1;
  const runCost = o.computeCostPerRun ?? units * 2n;
  const counts = o.providers ?? defaultProviders;
  const requester = rawKeyFromSeed("market-requester");
  const griefer = rawKeyFromSeed("market-griefer");
  const washRequester = rawKeyFromSeed("market-wash-requester");
  const falseClaimer = rawKeyFromSeed("market-false-claimer");
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
    accounts: [requester, griefer, washRequester, falseClaimer, ...plan.map((p) => p.key), ...ops].map((key) => ({
      address: key.address,
      coins: [{ denom: "utcu", amount: 10n ** 12n }],
    })),
    editGenesis: (d) => {
      Object.assign(
        (d.app_state["jobs"] as { params: Record<string, unknown> }).params,
        {
          commit_window: "4",
          reveal_window: "4",
          audit_window: "6",
          retention_blocks: "30",
          claim_answer_window: "6",
          claim_dispute_window: "6",
        },
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
  await bondValidators(deliverOne, powers);
  await registerModel(deliverOne, requester, model, {
    name: "sim",
    ...bytesShapes,
    computeUnits: units.toString(),
    rule,
  });
  await registerProviders(
    deliverOne,
    plan.map((p) => p.key),
    { models: [model], slots: 4, bond },
    (i) => ({
      moniker: `${plan[i]!.name}-${i}`,
      gpus:
        plan[i]!.name === "spoofing"
          ? [{ vendor: "nvidia", model: "H100", memoryMib: 81920, count: 8 }]
          : [{ vendor: "nvidia", model: "L4", memoryMib: 24576, count: 1 }],
      // The wash trader asks more than the honest requester pays: it only ever serves itself.
      pricePerUnit: `${plan[i]!.name === "washTrader" ? price + 1n : price}utcu`,
    }),
  );
  const runsByJob = new Map<string, number>();
  /** Audit runs the silent validator would have made, per job. */
  const skipped = new Map<string, number>();
  const auditRunsByJob = new Map<string, number>();
  const onRun = (jobId: string, runs: number) => runsByJob.set(jobId, (runsByJob.get(jobId) ?? 0) + runs);
  const workers = plan.map(
    (p) => new ClaimAnsweringWorker(p.key, strategyOf[p.name], () => rule, { bundleReveal: true, onRun }),
  );

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
  const validators: ValidatorReport[] = ops.map((op, i) => ({
    valoper: valoperOf(op),
    silent: i === silent,
    asked: 0,
    rewarded: 0n,
    runs: 0,
    missedSlashed: 0n,
    net: 0n,
  }));
  const validatorOf = (valoper: string) => validators.find((v) => v.valoper === valoper);
  const auditors = ops
    .filter((_, i) => i !== silent)
    .map(
      (op) =>
        new SimAuditor(
          op,
          // A sealed job they cannot open, or an input that is bad for everyone (the griefer's): unable.
          (j) => (sealedJob(j) || simFetchFailure(j) !== null ? null : honestOutput(j)),
          () => rule,
          (id) => {
            auditRuns.auditing++;
            validatorOf(valoperOf(op))!.runs++;
            onRun(id, 1);
            auditRunsByJob.set(id, (auditRunsByJob.get(id) ?? 0) + 1);
          },
        ),
    );
  // It runs nothing: "unable" to every audit (the SimAuditor's null output).
  if (o.silentAnswersUnable === true)
    auditors.push(
      new SimAuditor(
        ops[silent]!,
        () => null,
        () => rule,
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
  /** Every open audit, whatever the job's state, page by page (as the auditing worker reads them). */
  const openAudits = async () => {
    const out: Job[] = [];
    let key: Uint8Array = new Uint8Array();
    for (;;) {
      const r = codecs.queryJobsResponse.decode(
        await q(
          "/tcompute.jobs.v1.Query/OpenAudits",
          codecs.queryOpenAuditsRequest.encode({
            pagination: { key, offset: "0", limit: "50", countTotal: false, reverse: false },
          }),
        ),
      );
      out.push(...r.jobs);
      key = r.pagination?.nextKey ?? new Uint8Array();
      if (key.length === 0) return out;
    }
  };
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

  // ---- Delivery and non-delivery claims (off chain: fetching; on chain: claim, answer, dispute).
  /** Messages each requester sends in its next tx (claims and disputes). */
  const outbox = new Map<string, Any[]>();
  const queue = (from: RawKey, m: Any) => outbox.set(from.address, [...(outbox.get(from.address) ?? []), m]);
  const takeOutbox = (from: RawKey) => {
    const m = outbox.get(from.address) ?? [];
    outbox.delete(from.address);
    return m;
  };
  const claims = new Map<string, SimClaim>();
  const tallies = { honest: emptyTally(), falseClaimer: emptyTally() };
  const tallyOf = (c: SimClaim) => (c.requester === falseClaimer ? tallies.falseClaimer : tallies.honest);
  const deposit = BigInt(String(o.jobsParams?.["claim_deposit"] ?? jobsDefaults().claimDeposit));
  const byAddress = new Map(plan.map((p, i) => [p.key.address, { p, w: workers[i]! }]));
  const claimedAgainst = new Map<string, { claimed: number; lost: number }>();
  /** What a worker serves at its output URI (null: nothing). */
  const served = (provider: string, j: Job): Uint8Array | null => {
    const e = byAddress.get(provider);
    if (e === undefined) return null;
    const d = deliveryOf[e.p.name].serves;
    return d === "output" ? committedBytes(e.p.name, j) : d === "garbage" ? garbageOf(j) : null;
  };
  /** Whether the accepted worker served the output it committed to (the SDK's check). */
  const deliveredBy = (j: Job, a: Job["assignments"][number]) => {
    const bytes = served(a.provider, j);
    return bytes !== null && outputMismatch(j, a, bytes, null) === null;
  };
  let falseClaims = 0;
  const fileClaim = (from: RawKey, j: Job, provider: string, wasServed: boolean) => {
    const key = nacl.box.keyPair.fromSecretKey(
      new Uint8Array(createHash("sha256").update(`claim/${j.id}/${provider}`).digest()),
    );
    const c: SimClaim = { job: j, provider, requester: from, key, served: wasServed, disputeAnyway: false };
    // The false claimer disputes every other answer too (a false dispute): it fails on chain.
    if (wasServed) c.disputeAnyway = falseClaims++ % 2 === 1;
    claims.set(`${j.id}/${provider}`, c);
    const t = tallyOf(c);
    t.filed++;
    if (wasServed) t.falseFiled++;
    const against = claimedAgainst.get(provider) ?? { claimed: 0, lost: 0 };
    against.claimed++;
    claimedAgainst.set(provider, against);
    queue(
      from,
      any(
        claimCodecs.msgClaimNonDelivery.typeUrl,
        claimCodecs.msgClaimNonDelivery.encode({
          requester: from.address,
          jobId: j.id,
          provider,
          x25519Pubkey: key.publicKey,
        }),
      ),
    );
  };
  const fetched = new Set<string>();
  /** Newly settled jobs: the requester fetches the output (as fetchAcceptedOutput) and claims when it got none. */
  const fetchNew = () => {
    for (const j of seen.values()) {
      if (j.state !== JobState.settled || fetched.has(j.id)) continue;
      const from =
        j.requester === requester.address ? requester : j.requester === falseClaimer.address ? falseClaimer : null;
      if (from === null) continue;
      fetched.add(j.id);
      const accepted = j.assignments.filter((a) => a.outcome === Outcome.accepted && a.outputUri !== "");
      if (from === requester) {
        if (accepted.some((a) => deliveredBy(j, a))) continue;
        for (const a of accepted) fileClaim(requester, j, a.provider, false);
      } else for (const a of accepted) fileClaim(falseClaimer, j, a.provider, deliveredBy(j, a));
    }
  };
  const claimOf = async (jobId: string, provider: string) =>
    claimCodecs.queryClaimResponse.decode(
      await q("/tcompute.jobs.v1.Query/Claim", claimCodecs.queryClaimRequest.encode({ jobId, provider })),
    ).claim;
  /** Answers, disputes and outcomes, from the block's delivery_claim events. */
  const onClaimEvent = async (attr: (key: string) => string) => {
    const c = claims.get(`${attr("id")}/${attr("provider")}`);
    if (c === undefined) return;
    const st = attr("status");
    const t = tallyOf(c);
    if (st === "open") {
      const e = byAddress.get(c.provider)!;
      const how = deliveryOf[e.p.name].answers;
      const bytes = how === "output" ? committedBytes(e.p.name, c.job) : how === "garbage" ? garbageOf(c.job) : null;
      if (bytes !== null)
        e.w.answers.push(
          any(
            claimCodecs.msgAnswerClaim.typeUrl,
            claimCodecs.msgAnswerClaim.encode({
              provider: c.provider,
              jobId: c.job.id,
              sealedOutput: seal(bytes, c.key.publicKey),
            }),
          ),
        );
    } else if (st === "answered") {
      // The requester reads the answer with its claim key and checks it as it checks a fetched output.
      const cl = await claimOf(c.job.id, c.provider);
      const plain = cl === null || cl === undefined ? null : openSealed(cl.sealedOutput, c.key);
      const a = c.job.assignments.find((x) => x.provider === c.provider)!;
      const good = plain !== null && outputMismatch(c.job, a, plain, null) === null;
      if (!good) t.disputed++;
      if (!good || c.disputeAnyway)
        queue(
          c.requester,
          any(
            claimCodecs.msgDisputeAnswer.typeUrl,
            claimCodecs.msgDisputeAnswer.encode({
              requester: c.requester.address,
              jobId: c.job.id,
              provider: c.provider,
              x25519Secret: c.key.secretKey,
            }),
          ),
        );
    } else if (st === "upheld" || st === "disproved" || st === "delivered") {
      t[st]++;
      const compensated = BigInt(attr("compensated") || "0");
      const lost = st === "delivered" ? deposit : 0n;
      t.compensated += compensated;
      t.depositsLost += lost;
      if (c.served) {
        t.falseNet += compensated - lost;
        if (st !== "delivered") t.falseUpheld++;
      }
      if (st !== "delivered") claimedAgainst.get(c.provider)!.lost++;
    }
  };

  /**
   * A requester's txs of one block: its submissions, then its claims and disputes a few to a tx
   * (a tx's gas is bounded), with consecutive sequences (delivered in order within the block).
   */
  const requesterTxsOf = async (key: RawKey, submits: Any[]): Promise<Uint8Array[]> => {
    const batches: Any[][] = submits.length > 0 ? [submits] : [];
    const rest = takeOutbox(key);
    for (let i = 0; i < rest.length; i += 4) batches.push(rest.slice(i, i + 4));
    if (batches.length === 0) return [];
    const acc = await accountOf(chain, key.address);
    return batches.map((msgs, i) =>
      signTx(key, {
        chainId: chain.chainId,
        accountNumber: acc.accountNumber,
        sequence: acc.sequence + BigInt(i),
        msgs,
        fee,
      }),
    );
  };

  const tail = 30; // blocks after the last submission, so that late claims close too
  for (let b = 0; b < o.blocks + tail; b++) {
    const extra: Uint8Array[] = [];
    const requesterTxs: number[] = [];
    let mainTx = -1;
    {
      const msgs: Any[] = [];
      if (b < o.blocks && o.jobsPerBlock > 0)
        for (let n = 0; n < o.jobsPerBlock; n++) {
          submitted++;
          const needsH100 = (o.h100Every ?? 8) > 0 && submitted % (o.h100Every ?? 8) === 0;
          msgs.push(
            submitMsg(requester, {
              inputs: [{ inline: Buffer.from(`input-${submitted}`), uri: "", sha256: "" }],
              gpu: needsH100 ? h100 : null,
            }),
          );
        }
      if (msgs.length > 0) mainTx = extra.length;
      for (const tx of await requesterTxsOf(requester, msgs)) {
        requesterTxs.push(extra.length);
        extra.push(tx);
      }
    }
    {
      const every = o.falseClaimEvery ?? 4;
      const msgs: Any[] = [];
      if (b < o.blocks && every > 0 && b % every === 1)
        msgs.push(submitMsg(falseClaimer, { inputs: [{ inline: Buffer.from(`claimer-${b}`), uri: "", sha256: "" }] }));
      for (const tx of await requesterTxsOf(falseClaimer, msgs)) {
        requesterTxs.push(extra.length);
        extra.push(tx);
      }
    }
    if (b < o.blocks) {
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
    // OpenAudits: AUDITING jobs, and SETTLED or UNUSABLE ones sampled (lifecycle.ts; a false
    // unusable report is slashed once validators re-run it).
    const open = await openAudits();
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
    for (const i of requesterTxs)
      if (res.txResults[i]!.code !== 0) throw new Error(`requester tx failed: ${res.txResults[i]!.log}`);
    for (const e of [...res.txResults.flatMap((t) => t.events), ...res.events]) {
      const attr = (key: string) => e.attributes.find((a) => a.key === key)?.value ?? "";
      if (e.type === "auditor_rewarded") {
        auditorPay.rewarded++;
        auditorPay.rewardPaid += BigInt(attr("amount") || "0");
        const v = validatorOf(attr("validator"));
        if (v !== undefined) v.rewarded += BigInt(attr("amount") || "0");
      } else if (e.type === "auditor_missed") {
        auditorPay.missed++;
        auditorPay.missedSlashed += BigInt(attr("slashed") || "0");
        const v = validatorOf(attr("validator"));
        if (v !== undefined) v.missedSlashed += BigInt(attr("slashed") || "0");
      } else if (e.type === "delivery_claim") await onClaimEvent(attr);
      else if (e.type === "capability_challenge") {
        const st = attr("status");
        if (st === "passed" || st === "failed" || st === "void") challengeCount[st]++;
      }
    }
    if (mainTx >= 0) watch(res, mainTx);
    await collect();
    fetchNew();
    if (b % 50 === 49) log(`block ${b + 1}/${o.blocks + tail}: ${submitted} submitted, ${seen.size} final`);
  }

  const final = [...seen.values()];
  let settled = 0;
  let failed = 0;
  let unusable = 0;
  let audits = 0;
  let accepted = 0;
  let griefReported = 0;
  let mainRuns = 0;
  let silentRuns = 0;
  let revealedResults = 0;
  let auditorRuns = 0;
  for (const j of final) {
    if (j.state === JobState.settled) settled++;
    else if (j.state === JobState.unusable) unusable++;
    else failed++;
    if (j.audit !== AuditStatus.none) audits++;
    // Asked: every resolved audit it was drawn for, from the job (not from its reward or slash
    // events, which an "unable" verdict has neither of: it would look never asked).
    if (j.audit !== AuditStatus.none && j.audit !== AuditStatus.open && j.audit !== AuditStatus.unaudited)
      for (const valoper of j.auditors ?? []) {
        const v = validatorOf(valoper);
        if (v !== undefined) v.asked++;
      }
    if (j.requester === griefer.address && j.state === JobState.unusable) griefReported++;
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
      claimed: 0,
      claimsLost: 0,
    };
    r.keys++;
    r.claimed += claimedAgainst.get(p.key.address)?.claimed ?? 0;
    r.claimsLost += claimedAgainst.get(p.key.address)?.lost ?? 0;
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
  for (const v of validators) v.net = v.rewarded - BigInt(v.runs) * runCost - v.missedSlashed;
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
    griefReported,
    claims: tallies,
    validators,
    auditRuns,
    auditors: auditorPay,
    challenges: challengeCount,
    overhead: accepted === 0 ? 0 : (revealedResults + auditorRuns + silentRuns) / accepted,
    measuredOverhead: accepted === 0 ? 0 : mainRuns / accepted,
    accepted,
  };
}

export interface Verdict {
  /** Cheating owners (providers, requesters, the silent validator) that out-earned honest work. */
  cheatingPays: string[];
  /** Honest providers that ended with less than they started (compute included). */
  honestLost: string[];
  /** Cheating strategies whose cheat never came into play in this run (so nothing was judged). */
  notPlayed: string[];
}

/**
 * What sim:market checks: no cheating strategy earns more than honest work (a provider: more than
 * the average honest provider; a cheating requester: anything from its cheat; the silent
 * validator: more per audit it was asked for than the auditing validators earn per audit, their
 * compute included); no honest provider loses; and every cheat was actually played.
 */
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
  if (r.griefer >= 0n) cheatingPays.push("griefer");
  const fc = r.claims.falseClaimer;
  if (fc.falseNet >= 0n && fc.falseFiled > 0) cheatingPays.push("falseClaimer");
  if (fc.falseUpheld > 0) honestLost.push(`${fc.falseUpheld} false claims upheld against served outputs`);
  for (const o of honest)
    if (o.claimsLost > 0) honestLost.push(`${o.strategy} lost ${o.claimsLost} claims on outputs it served`);
  // Per audit asked: silent.net / silent.asked > v.net / v.asked, cross-multiplied (asked > 0).
  const silentV = r.validators.filter((v) => v.silent && v.asked > 0);
  const auditing = r.validators.filter((v) => !v.silent && v.asked > 0);
  for (const s of silentV)
    if (auditing.some((v) => s.net * BigInt(v.asked) > v.net * BigInt(s.asked))) cheatingPays.push("silent validator");
  const notPlayed: string[] = [];
  const by = (s: string) => r.owners.find((o) => o.strategy === s);
  const played: Array<[string, boolean]> = [
    ["lazy", (by("lazy")?.frauds ?? 1) > 0],
    ["cartel", (by("cartel")?.frauds ?? 1) > 0],
    ["copying", (by("copying")?.noShows ?? 1) > 0],
    ["spoofing", (by("spoofing")?.noShows ?? 1) > 0],
    ["falseUnusable", (by("falseUnusable")?.unusable ?? 1) > 0],
    // Each by the owner's own record: another provider's upheld or disproved claim, or a wash
    // trader whose self-paid jobs never settled, must not count as this cheat played.
    ["washTrader", (by("washTrader")?.accepted ?? 1) > 0],
    ["neverServes", (by("neverServes")?.claimsLost ?? 1) > 0],
    ["withholding", ((w) => w === undefined || w.claimed - w.claimsLost > 0)(by("withholding"))],
    ["garbageAnswer", (by("garbageAnswer")?.claimsLost ?? 1) > 0],
    ["griefer", r.griefReported > 0],
    ["falseClaimer", fc.falseFiled > 0],
    ["silent validator", silentV.length > 0 && auditing.length > 0],
  ];
  for (const [s, ok] of played) if (!ok) notPlayed.push(s);
  return { cheatingPays, honestLost, notPlayed };
}
