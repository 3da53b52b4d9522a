import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { rawKeyFromSeed, type RawKey } from "../../../client/sdk/signing.js";
import { moduleAddress } from "../../sdk/address.js";
import { codecs as registryCodecs, ProviderStatus, type Provider } from "../../registry/types.js";
import { createValidatorMsg, funded, ops, txHelpers } from "../../../chain/testkit/fixtures.js";
import { registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { auditorRewardPool } from "../auditVerdicts.js";
import {
  ChallengeStatus,
  challengeCodecs,
  challengeDeadline,
  challengeInput,
  challengeable,
  type Challenge,
} from "../challenges.js";
import { defaultParams } from "../params.js";
import { codec } from "../../sdk/proto.js";
import { SimAuditor } from "../../../chain/testkit/auditors.js";
import { any, honestOutput, signedBy, SimWorker, strategies, workersStep } from "../../../chain/testkit/simWorkers.js";
import { AuditStatus, codecs, JobState, Outcome, type Job } from "../types.js";
import { jobQueries } from "./fixtures.js";

// Capability challenges the chain issues (issue 11, item 1), through real transactions on the
// in-process chain: every epoch the chain sends ordinary-looking k = 1 jobs to providers drawn
// from the block; a provider claiming 8 H100s that answers in 6 blocks (what a slow CPU does) is
// too slow, one that returns garbage fast is rejected by the validators' audit; both are slashed
// and jailed with the challenge hold, which their own messages cannot lift; the honest one passes.

const requester = rawKeyFromSeed("challenge-requester");
const honest = rawKeyFromSeed("challenge-honest");
const slow = rawKeyFromSeed("challenge-slow");
const garbage = rawKeyFromSeed("challenge-garbage");
const model = createHash("sha256").update("challenge-mlp").digest("hex");
const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const bond = 20_000_000n;
/** A silero-like model: its inputs as silero's; the simulated workers' 64 floats out (only the input spec differs from the mlp's). */
const vadSpec = {
  name: "silero-vad",
  inputs: [
    { name: "input", dtype: "float32", shape: [-1, -1] },
    { name: "sr", dtype: "int64", shape: [1] },
  ],
  outputs: [{ name: "output", dtype: "float32", shape: [-1, 64] }],
  rule,
};
/** The tensor bundles challenge inputs are. */
const bundles = codec<{ tensors: Array<{ name: string; dtype: string; shape: string[]; data: Uint8Array }> }>(
  "jobs/v1/tensors.proto",
  "tcompute.jobs.v1.TensorBundle",
);
/** A model without a challenge recipe: the chain's default rule. */
const plain = (inputs: Array<{ name: string; dtype: string; shape: number[] }>) => ({ inputs, challengeInputs: [] });

/** A worker that answers correctly, but only `delay` blocks after assignment (a slow machine). */
class SlowWorker extends SimWorker {
  constructor(
    key: RawKey,
    readonly next: () => bigint,
    readonly delay: bigint,
  ) {
    super(key, strategies.honest, () => rule);
  }
  override messages(jobs: readonly Job[]): Any[] {
    return super.messages(
      jobs.filter((j) => j.state !== JobState.assigned || this.next() - BigInt(j.assignedHeight) >= this.delay),
    );
  }
}

/** The queries the suites read: a provider, its decided challenges, the jobs in a state, all jobs. */
function challengeTestQueries(chain: () => TestChain, q: ReturnType<typeof txHelpers>["q"]) {
  const listState = async (state: JobState) =>
    codecs.queryJobsResponse.decode(
      (
        await chain().query(
          "/tcompute.jobs.v1.Query/JobsByState",
          codecs.queryJobsByStateRequest.encode({
            state,
            pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: false },
          }),
        )
      ).value,
    ).jobs;
  return {
    provider: (k: RawKey) =>
      q(
        "/tcompute.registry.v1.Query/Provider",
        registryCodecs.queryProviderRequest.encode({ owner: k.address }),
        (b) => registryCodecs.queryProviderResponse.decode(b).provider!,
      ) as Promise<Provider>,
    decided: (k: RawKey) =>
      q(
        "/tcompute.jobs.v1.Query/Challenges",
        challengeCodecs.queryChallengesRequest.encode({ provider: k.address }),
        (b) => challengeCodecs.queryChallengesResponse.decode(b).challenges,
      ) as Promise<Challenge[]>,
    listState,
    allJobs: async () => {
      const out: Job[] = [];
      for (const state of Object.values(JobState) as JobState[]) out.push(...(await listState(state)));
      return out;
    },
  };
}

/**
 * A chain for the suites: `keys` funded, the auditor pool able to pay challenges, short job
 * windows, no random audits, and challenges every `epoch` blocks.
 */
function challengeChain(keys: RawKey[], o: { retention: string; epoch: string; perEpoch: number }): Promise<TestChain> {
  return createTestChain({
    accounts: [
      ...funded(keys),
      { address: moduleAddress(auditorRewardPool), coins: [{ denom: "utcu", amount: 1_000_000n }] },
    ],
    editGenesis: (d) => {
      Object.assign((d.app_state["jobs"] as { params: Record<string, unknown> }).params, {
        commit_window: "8",
        reveal_window: "3",
        audit_window: "8",
        audit_commit_window: "4",
        retention_blocks: o.retention,
        audit_rate_ppm: 0,
        audit_rate_single_ppm: 0,
        audit_rate_low_reputation_ppm: 0,
        challenge_epoch_blocks: o.epoch,
        challenges_per_epoch: o.perEpoch,
        challenge_slack_blocks: "2",
      });
    },
  });
}

/** One block: the auditors' messages on the `open` audits, then the workers' step. */
async function auditedStep(chain: TestChain, workers: SimWorker[], auditors: SimAuditor[], open: readonly Job[]) {
  const next = chain.app.height + 1n;
  const extra: Uint8Array[] = [];
  for (const a of auditors) {
    const msgs = a.messages(open, next);
    if (msgs.length > 0) extra.push(await signedBy(chain, a.key, msgs));
  }
  await workersStep(chain, workers, extra);
}

describe("capability challenges issued by the chain", function () {
  this.timeout(60_000);
  let chain: TestChain;
  const { ok, fails, q } = txHelpers(() => chain);
  const { provider, decided, listState } = challengeTestQueries(() => chain, q);
  const { balance } = jobQueries(q);

  before(async () => {
    chain = await challengeChain([requester, honest, slow, garbage, ...ops], {
      retention: "100",
      epoch: "20",
      perEpoch: 3,
    });
    await registerModel(ok, requester, model, { rule });
    // The honest one claims one H100; the others claim eight, a tighter challenge deadline.
    const h100 = (count: number) => [{ vendor: "nvidia", model: "H100", memoryMib: 81920, count }];
    await registerProviders(ok, [honest, slow, garbage], { models: [model], bond }, (i) => ({
      gpus: h100(i === 0 ? 1 : 8),
    }));
    for (let i = 0; i < 3; i++) await ok(ops[i]!, [createValidatorMsg(i, 30_000_000n)]);
  });

  it("derives the deadline from the claimed GPUs' throughput and makes a valid input from the seed", () => {
    const p = defaultParams();
    assert.equal(
      challengeDeadline(p, 10n, [{ vendor: "nvidia", model: "H100", count: 8 }]),
      1n + p.challengeSlackBlocks,
    );
    assert.equal(
      challengeDeadline(p, 5_000_000n, [{ vendor: "nvidia", model: "H100", count: 1 }]),
      50n + p.challengeSlackBlocks,
    );
    assert.equal(
      challengeDeadline(p, 5_000_000n, [{ vendor: "nvidia", model: "H100", count: 8 }]),
      7n + p.challengeSlackBlocks,
      "8 GPUs: an eighth of the time, rounded up",
    );
    assert.equal(
      challengeDeadline(p, 5_000_000n, [{ vendor: "acme", model: "X", count: 1 }]),
      5000n + p.challengeSlackBlocks,
      "unknown GPUs: the default throughput",
    );
    const a = challengeInput(
      plain([{ name: "x", dtype: "float32", shape: [-1, 16] }]),
      new Uint8Array(32).fill(1),
      1024,
    )!;
    assert.deepEqual(
      a,
      challengeInput(plain([{ name: "x", dtype: "float32", shape: [-1, 16] }]), new Uint8Array(32).fill(1), 1024),
      "deterministic",
    );
    assert.notDeepEqual(
      a,
      challengeInput(plain([{ name: "x", dtype: "float32", shape: [-1, 16] }]), new Uint8Array(32).fill(2), 1024),
    );
    assert.equal(
      challengeInput(plain([{ name: "x", dtype: "float32", shape: [1000, 1000] }]), new Uint8Array(32), 1024),
      null,
      "over the inline limit: no challenge of that model",
    );
    assert.equal(
      challengeInput(plain([{ name: "x", dtype: "complex64", shape: [4] }]), new Uint8Array(32), 1024),
      null,
    );
  });

  it("builds inputs only for specs the model is bound to accept: any-value dtypes, no inner dynamic dims", () => {
    const seed = new Uint8Array(32).fill(3);
    const refused: Array<Array<{ name: string; dtype: string; shape: number[] }>> = [
      [], // nothing to feed
      [{ name: "input", dtype: "float32", shape: [-1, -1] }], // a length the model may refuse (a reflect pad needs 2)
      [
        { name: "input", dtype: "float32", shape: [-1, 512] },
        { name: "sr", dtype: "int64", shape: [1] }, // a sample rate: valid values only the model knows
      ],
      [{ name: "ids", dtype: "int32", shape: [-1, 8] }], // token ids
      [{ name: "mask", dtype: "bool", shape: [-1, 8] }],
    ];
    for (const spec of refused) {
      assert.equal(challengeable(plain(spec), 1 << 20), false, JSON.stringify(spec));
      assert.equal(challengeInput(plain(spec), seed, 1 << 20), null, JSON.stringify(spec));
    }
    const accepted = [
      { name: "x", dtype: "float32", shape: [-1, 16] },
      { name: "img", dtype: "uint8", shape: [1, 3, 4, 4] },
      { name: "d", dtype: "float64", shape: [2] },
      { name: "q", dtype: "int8", shape: [-1, 4] },
    ];
    assert.equal(challengeable(plain(accepted), 1 << 20), true);
    const bundle = challengeInput(plain(accepted), seed, 1 << 20)!;
    const tensors = bundles.decode(bundle).tensors;
    assert.deepEqual(
      tensors.map((t) => [t.name, t.shape.join("x"), t.data.length]),
      [
        ["d", "2", 16],
        ["img", "1x3x4x4", 48],
        ["q", "1x4", 4],
        ["x", "1x16", 64],
      ],
      "sorted by name, the leading dynamic dim 1",
    );
    const x = new Float32Array(new Uint8Array(tensors[3]!.data).buffer);
    assert.ok(
      x.every((v) => Math.abs(v) >= 1 && Math.abs(v) < 2),
      "float32 values in ±[1, 2)",
    );
    assert.equal(
      challengeable(plain([{ name: "x", dtype: "float32", shape: [-1, 300] }]), 1024),
      false,
      "over the limit",
    );
  });

  it("with the registrant's recipe, draws what the default rule cannot: its shapes, its values", () => {
    const seed = new Uint8Array(32).fill(4);
    const inputs = [
      { name: "input", dtype: "float32", shape: [-1, -1] },
      { name: "sr", dtype: "int64", shape: [] },
      { name: "ids", dtype: "int32", shape: [-1, 8] },
      { name: "mask", dtype: "bool", shape: [1, 8] },
    ];
    const recipe = [
      { name: "input", shape: [1, 512], values: [] },
      { name: "sr", shape: [], values: ["16000"] },
      { name: "ids", shape: [2, 8], values: ["3", "5", "-7"] },
      { name: "mask", shape: [1, 8], values: [] },
    ];
    assert.equal(challengeable(plain(inputs), 1 << 20), false, "the default rule refuses it");
    const m = { inputs, challengeInputs: recipe };
    assert.equal(challengeable(m, 1 << 20), true);
    const bundle = challengeInput(m, seed, 1 << 20)!;
    assert.deepEqual(bundle, challengeInput(m, seed, 1 << 20), "deterministic");
    const t = bundles.decode(bundle).tensors;
    assert.deepEqual(
      t.map((x) => [x.name, x.dtype, x.shape.join("x"), x.data.length]),
      [
        ["ids", "int32", "2x8", 64],
        ["input", "float32", "1x512", 2048],
        ["mask", "bool", "1x8", 8],
        ["sr", "int64", "", 8],
      ],
    );
    const ids = new Int32Array(new Uint8Array(t[0]!.data).buffer);
    assert.ok(
      ids.every((v) => v === 3 || v === 5 || v === -7),
      `ids from the recipe's values: ${ids.join(",")}`,
    );
    assert.ok(new Set(ids).size > 1, "drawn, not the first value every time");
    assert.ok(
      t[2]!.data.every((v) => v === 0 || v === 1),
      "bool 0 or 1",
    );
    assert.equal(Buffer.from(t[3]!.data).readBigInt64LE(0), 16000n);
    // A recipe that does not fit (genesis or an old state could hold one): no challenge, no throw.
    for (const bad of [
      recipe.slice(1),
      [{ name: "input", shape: [1, 0], values: [] }, ...recipe.slice(1)],
      [{ name: "input", shape: [512], values: [] }, ...recipe.slice(1)],
      [recipe[0]!, { name: "sr", shape: [], values: [] }, ...recipe.slice(2)],
      // Values the registry would refuse: not decimal, outside the dtype, on a float input.
      [recipe[0]!, { name: "sr", shape: [], values: ["16e3"] }, ...recipe.slice(2)],
      [recipe[0]!, { name: "sr", shape: [], values: [(2n ** 63n).toString()] }, ...recipe.slice(2)],
      [{ name: "input", shape: [1, 512], values: ["1"] }, ...recipe.slice(1)],
    ])
      assert.equal(challengeInput({ inputs, challengeInputs: bad }, seed, 1 << 20), null, JSON.stringify(bad));
    assert.equal(challengeInput(m, seed, 2000), null, "over the inline limit");
  });

  it("draws the same bytes on every node and every version: pinned digests, with and without a recipe", () => {
    // Every validator must derive the identical input from a seed (its hash is in the job), and
    // a change of these bytes is a consensus change. The no-recipe digest is the one the code
    // before recipes drew (checked against a4f49b8^ when recipes landed).
    const seed = createHash("sha256").update("golden").digest();
    const digest = (b: Uint8Array | null) => createHash("sha256").update(b!).digest("hex");
    const plain = {
      inputs: [
        { name: "x", dtype: "float32", shape: [-1, 8] },
        { name: "b", dtype: "uint8", shape: [3] },
        { name: "d", dtype: "float64", shape: [2] },
        { name: "i", dtype: "int8", shape: [2] },
      ],
      challengeInputs: [],
    };
    const recipe = {
      inputs: [
        { name: "input", dtype: "float32", shape: [-1, -1] },
        { name: "sr", dtype: "int64", shape: [] },
        { name: "m", dtype: "bool", shape: [4] },
        { name: "t", dtype: "int32", shape: [3] },
      ],
      challengeInputs: [
        { name: "input", shape: [1, 16], values: [] },
        { name: "sr", shape: [], values: ["8000", "16000"] },
        { name: "m", shape: [4], values: [] },
        { name: "t", shape: [3], values: ["-5", "7", "2147483647"] },
      ],
    };
    assert.equal(
      digest(challengeInput(plain, seed, 1 << 16)),
      "1eaeb916efc4cac60c8939a49330c13f00baea2fd429ba8d46ae3d706d758e3c",
    );
    assert.equal(
      digest(challengeInput(recipe, seed, 1 << 16)),
      "568b396d7e36e5ca16c54c44d80ca9bffb72e4fa5fc60b6ec2a5076dd7fc4fca",
    );
  });

  it("a provider claiming GPUs it lacks (too slow, or garbage) is slashed and jailed until it passes; the honest one passes and is paid", async () => {
    const next = () => chain.app.height + 1n;
    const workers = [
      new SimWorker(honest, strategies.honest, () => rule),
      new SlowWorker(slow, next, 6n),
      new SimWorker(garbage, strategies.lazy, () => rule),
    ];
    const auditors = ops.map((op) => new SimAuditor(op, honestOutput, () => rule));
    const honestBefore = await balance(honest.address);
    let seenOpen = false;
    while (chain.app.height < 39n) {
      const open = [
        ...(await listState(JobState.auditing)),
        ...(await listState(JobState.settled)).filter((j) => j.audit === AuditStatus.open),
      ];
      await auditedStep(chain, workers, auditors, open);
      const assigned = await listState(JobState.assigned);
      if (assigned.length > 0 && !seenOpen) {
        seenOpen = true;
        // While open, a challenge is an ordinary job: nothing in the job or the query marks it.
        assert.equal(assigned.length, 3, "one challenge per provider this epoch");
        for (const j of assigned) {
          assert.equal(j.k, 1);
          assert.equal(j.inputs[0]!.inline.length > 0, true);
          assert.ok(
            ![requester.address, ...ops.map((o) => o.address)].includes(j.requester),
            "a requester address nobody used",
          );
          assert.equal(j.history.at(-1)!.note, "assigned to 1 provider(s)");
        }
        for (const k of [honest, slow, garbage])
          assert.deepEqual(await decided(k), [], "open challenges are not listed");
        // Challenges in flight survive a genesis export and import unchanged.
        const exported = JSON.parse(JSON.stringify(exportAppState(chain))) as Record<string, unknown>;
        assert.equal((exported["jobs"] as { challenges: unknown[] }).challenges.length, 3);
        const again = await importAppState(exported);
        assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
      }
    }
    assert.ok(seenOpen, "the epoch issued challenges");
    const [h, s, g] = [await provider(honest), await provider(slow), await provider(garbage)];
    const [dh, ds, dg] = [await decided(honest), await decided(slow), await decided(garbage)];
    assert.equal(dh[0]!.status, ChallengeStatus.passed, JSON.stringify([dh, ds, dg]));
    assert.equal(h.status, ProviderStatus.active);
    assert.equal(h.challengesPassed, 1);
    assert.equal(h.bond, bond.toString());
    assert.ok(
      (await balance(honest.address)) > honestBefore - 10_000n + 40n,
      "paid its ask (less fees) for the challenge",
    );
    assert.equal(ds[0]!.status, ChallengeStatus.failed);
    assert.match(
      ds[0]!.reason,
      /no answer within 3 blocks/,
      "decided at the deadline, without waiting for the late answer",
    );
    assert.equal(s.status, ProviderStatus.jailed);
    assert.equal(s.challengeHold, true);
    assert.equal(s.bond, (bond - bond / 10n).toString(), "challenge_slash_fraction (10%)");
    assert.equal(dg[0]!.status, ChallengeStatus.failed);
    assert.match(dg[0]!.reason, /validators rejected the result/);
    assert.equal(g.status, ProviderStatus.jailed);
    assert.ok(BigInt(g.bond) < bond / 2n, "fraud (50%) and challenge (10%) slashes");
    const jobG = (await listState(JobState.settled)).find((j) => j.id === dg[0]!.jobId)!;
    assert.equal(jobG.assignments[0]!.outcome, Outcome.fraud);
    // The derived requester holds nothing: refunds and compensation went back to the pool.
    assert.equal(await balance(jobG.requester), 0n);
    // The hold is the chain's: the provider's own messages do not lift it.
    await fails(
      slow,
      [any(registryCodecs.msgResumeProvider.typeUrl, registryCodecs.msgResumeProvider.encode({ owner: slow.address }))],
      "registry",
      10,
    );
    await fails(
      slow,
      [any(registryCodecs.msgUnjailProvider.typeUrl, registryCodecs.msgUnjailProvider.encode({ owner: slow.address }))],
      "registry",
      13,
    );
  });
});

// A challenge is only fair if the input the chain makes is one the model must accept. Silero VAD
// takes float32 [-1, -1] audio and an int64 sample rate: the chain's old input (a 1 x 1 clip,
// sr 0..15) made onnxruntime refuse it ("Pad reflect requires axis length >= 2"), the honest
// provider could not answer and was slashed and jailed, and with too few providers left k = 3
// jobs stopped matching (docs/performance.md, "Issue 17, step 20").
describe("capability challenges never use an input the chain cannot vouch for", function () {
  this.timeout(60_000);
  let chain: TestChain;
  const { ok, q } = txHelpers(() => chain);
  const vadOnly = rawKeyFromSeed("challenge-vad-only");
  const both = rawKeyFromSeed("challenge-vad-and-mlp");
  const vad = createHash("sha256").update("challenge-vad").digest("hex");
  const mlp = createHash("sha256").update("challenge-mlp-2").digest("hex");
  const { provider, decided, allJobs } = challengeTestQueries(() => chain, q);

  before(async () => {
    chain = await challengeChain([requester, vadOnly, both, ...ops], { retention: "200", epoch: "10", perEpoch: 2 });
    await registerModel(ok, requester, vad, vadSpec);
    await registerModel(ok, requester, mlp, { rule });
    await registerProviders(ok, [vadOnly, both], { bond }, (i) => ({ models: i === 0 ? [vad] : [vad, mlp] }));
    for (let i = 0; i < 3; i++) await ok(ops[i]!, [createValidatorMsg(i, 30_000_000n)]);
  });

  it("a provider serving only such a model is never challenged; the other is challenged only on the model it can be", async () => {
    const workers = [vadOnly, both].map((k) => new SimWorker(k, strategies.honest, () => rule));
    const auditors = ops.map((op) => new SimAuditor(op, honestOutput, () => rule));
    while (chain.app.height < 45n) {
      const open = (await allJobs()).filter(
        (j) => j.state === JobState.auditing || (j.state === JobState.settled && j.audit === AuditStatus.open),
      );
      await auditedStep(chain, workers, auditors, open);
    }
    const jobs = await allJobs();
    assert.ok(jobs.length >= 3, `challenges were issued every epoch (${jobs.length} jobs)`);
    assert.deepEqual(
      jobs.filter((j) => j.assignments.some((a) => a.provider === vadOnly.address)).map((j) => j.id),
      [],
      "no challenge reached the provider serving only the model with integer and dynamic inputs",
    );
    assert.deepEqual(new Set(jobs.map((j) => j.model)), new Set([mlp]), "every challenge is of the mlp");
    const [pv, pb] = [await provider(vadOnly), await provider(both)];
    assert.equal(pv.status, ProviderStatus.active);
    assert.equal(pv.bond, bond.toString());
    assert.deepEqual(await decided(vadOnly), []);
    const db = await decided(both);
    assert.ok(db.length >= 2, JSON.stringify(db));
    assert.ok(
      db.every((c) => c.status === ChallengeStatus.passed),
      JSON.stringify(db),
    );
    assert.equal(pb.status, ProviderStatus.active);
    assert.equal(pb.bond, bond.toString());
  });
});

// The same model with its registrant's recipe (a 512-sample clip at 16 kHz) can be challenged:
// the chain draws the clip and takes the sample rate from the recipe.
describe("capability challenges of a model with its registrant's recipe", function () {
  this.timeout(60_000);
  let chain: TestChain;
  const { ok, q } = txHelpers(() => chain);
  const vadOnly = rawKeyFromSeed("challenge-vad-recipe");
  const vad = createHash("sha256").update("challenge-vad-recipe").digest("hex");
  const { provider, decided, allJobs } = challengeTestQueries(() => chain, q);

  before(async () => {
    chain = await challengeChain([requester, vadOnly, ...ops], { retention: "200", epoch: "10", perEpoch: 1 });
    await registerModel(ok, requester, vad, {
      ...vadSpec,
      challengeInputs: [
        { name: "sr", shape: [1], values: ["16000"] },
        { name: "input", shape: [1, 512], values: [] },
      ],
    });
    await registerProviders(ok, [vadOnly], { bond }, () => ({ models: [vad] }));
    for (let i = 0; i < 3; i++) await ok(ops[i]!, [createValidatorMsg(i, 30_000_000n)]);
  });

  it("is challenged on the recipe's shapes and values, and an honest provider passes", async () => {
    const workers = [new SimWorker(vadOnly, strategies.honest, () => rule)];
    const auditors = ops.map((op) => new SimAuditor(op, honestOutput, () => rule));
    while (chain.app.height < 35n) {
      const open = (await allJobs()).filter(
        (j) => j.state === JobState.auditing || (j.state === JobState.settled && j.audit === AuditStatus.open),
      );
      await auditedStep(chain, workers, auditors, open);
    }
    const jobs = await allJobs();
    assert.ok(jobs.length >= 2, `a challenge every epoch (${jobs.length} jobs)`);
    for (const j of jobs) {
      assert.equal(j.model, vad);
      const t = bundles.decode(j.inputs[0]!.inline).tensors;
      assert.deepEqual(
        t.map((x) => [x.name, x.dtype, x.shape.join("x")]),
        [
          ["input", "float32", "1x512"],
          ["sr", "int64", "1"],
        ],
      );
      assert.equal(Buffer.from(t[1]!.data).readBigInt64LE(0), 16000n, "the sample rate from the recipe");
    }
    const d = await decided(vadOnly);
    assert.ok(d.length >= 2 && d.every((c) => c.status === ChallengeStatus.passed), JSON.stringify(d));
    const p = await provider(vadOnly);
    assert.equal(p.status, ProviderStatus.active);
    assert.equal(p.bond, bond.toString());
  });
});
