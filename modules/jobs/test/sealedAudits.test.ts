import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { QueryValidatorRequest, QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import type { TestChain } from "../../../chain/testkit/inProcessChain.js";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { rawKeyFromSeed, signTx, type RawKey } from "../../../client/sdk/signing.js";
import { ops, txHelpers, undelegateMsg, valoper } from "../../../chain/testkit/fixtures.js";
import {
  auditBy,
  bondValidators,
  createAuditChain,
  untilRevealsOpen,
  verdictMsgs,
} from "../../../chain/testkit/auditors.js";
import { registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { commitAndReveal, commitResultMsg } from "../../../chain/testkit/results.js";
import { any } from "../../../chain/testkit/simWorkers.js";
import { auditSignsId } from "../auditVerdicts.js";
import { sketchFromPb } from "../commitment.js";
import { computeSketch, type Sketch } from "../sketch.js";
import { AuditStatus, codecs, JobState, Outcome, type AuditSealedInput, type Job } from "../types.js";
import { jobQueries, leastSquares, submittedJobId } from "./fixtures.js";

// Sealed jobs audited by the validators they were sealed to (issue 11, item 3; auditKeys.ts),
// through real transactions: validators register X25519 audit keys; a requester seals the input
// also to bonded validators' keys; a sampled sealed job is audited by the bonded holders of a copy
// with keyed sketches, under the usual commit–reveal, rewards and miss slashes; the 2/3 threshold
// stays on the whole bonded power, so sealing to a friendly few cannot get an honest result
// rejected.

const requester = rawKeyFromSeed("sealed-audit-requester");
const prov = [0, 1].map((i) => rawKeyFromSeed(`sealed-audit-provider-${i}`));
const outsider = rawKeyFromSeed("sealed-audit-outsider");
const model = createHash("sha256").update("sealed-audit-mlp").digest("hex");
const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const reward = 7000n;
const truth = [0.5, -1.25, 2, 0.75, 3.5, -0.125, 1, 0.25];
const fake = truth.map((v) => v * 1.5 + 0.25);
const sketchKey = createHash("sha256").update("tcompute/sketch-key/v1").update("a sealed input").digest();
/** A well-formed X25519 public key (nacl.box.keyPair().publicKey of a fixed secret would do as well). */
const goodKey = (i: number) => createHash("sha256").update(`audit-key-${i}`).digest();
const copy = (v: string): AuditSealedInput => ({ validator: v, ciphertext: new Uint8Array(120).fill(3) });

/** An observer's least squares on a sketch with public signs from `signsId` (n ≤ sketch size unknowns). */
const reconstruct = (signsId: string, s: Sketch, n: number): number[] => leastSquares(signsId, s, n, rule);
const rms = (x: number[], y: number[]) => Math.sqrt(x.reduce((acc, v, i) => acc + (v - y[i]!) ** 2, 0) / x.length);

describe("sealed jobs audited by the validators they were sealed to", function () {
  this.timeout(60_000);
  let chain: TestChain;
  const { ok, fails, q } = txHelpers(() => chain);
  const { job, balance } = jobQueries(q);
  const auditKeys = () =>
    q("/tcompute.jobs.v1.Query/AuditKeys", new Uint8Array(), (b) => codecs.queryAuditKeysResponse.decode(b).keys);
  const tokens = (i: number) =>
    q(
      "/cosmos.staking.v1beta1.Query/Validator",
      QueryValidatorRequest.encode({ validatorAddr: valoper(ops[i]!) }).finish(),
      (b) => BigInt(QueryValidatorResponse.decode(b).validator!.tokens),
    );
  const registerKey = (key: RawKey, x25519Pubkey: Uint8Array) =>
    any(
      codecs.msgRegisterAuditKey.typeUrl,
      codecs.msgRegisterAuditKey.encode({ validator: valoper(key), x25519Pubkey }),
    );
  const submitMsg = (auditSealed: AuditSealedInput[], over: Record<string, unknown> = {}) =>
    any(
      codecs.msgSubmitJob.typeUrl,
      codecs.msgSubmitJob.encode({
        requester: requester.address,
        model,
        inputs: [{ inline: new Uint8Array(), uri: "", sha256: "cd".repeat(32) }],
        sealed: prov.map((p) => ({ provider: p.address, ciphertext: new Uint8Array(120) })),
        k: 2,
        maxPricePerUnit: "5utcu",
        deadlineBlocks: "5",
        minReputation: 0,
        gpu: null,
        sketchKeyHash: createHash("sha256").update(sketchKey).digest(),
        auditSealed,
        ...over,
      }),
    );

  /** Submits a sealed job with these audit copies; both assignees reveal the keyed sketch of `output`. */
  async function sealedJob(
    auditSealed: AuditSealedInput[],
    output: number[],
    beforeWork: () => Promise<void> = async () => {},
  ): Promise<Job> {
    const res = await ok(requester, [submitMsg(auditSealed)]);
    await beforeWork();
    const id = submittedJobId(res);
    await commitAndReveal(
      ok,
      id,
      prov.map((key, i) => ({
        key,
        salt: createHash("sha256").update(`salt/${i}/${id}`).digest(),
        digest: createHash("sha256").update(`digest/${output.join()}`).digest(),
        sketch: computeSketch(id, output, rule, sketchKey),
      })),
    );
    const j = await job(id);
    assert.equal(j.state, JobState.settled, JSON.stringify(j.history));
    return j;
  }

  beforeEach(async () => {
    chain = await createAuditChain({
      keys: [requester, ...prov, ...ops, outsider],
      pool: 1_000_000n,
      reward,
      jobs: { challenge_epoch_blocks: "0" },
    });
    await registerModel(ok, requester, model, {
      inputs: [{ name: "x", dtype: "float32", shape: [-1, 8] }],
      outputs: [{ name: "y", dtype: "float32", shape: [-1, 8] }],
      rule,
    });
    await registerProviders(ok, prov, { models: [model], slots: 2 }, (i) => ({ x25519Pubkey: goodKey(10 + i) }));
    await bondValidators(ok); // 40%, 30%, 30% of the power
  });

  it("registers a bonded validator's audit key (replaceable, queryable); refuses malformed and small-order keys (jobs 51) and non-validators (jobs 17), storing nothing", async () => {
    await fails(ops[0]!, [registerKey(ops[0]!, new Uint8Array(31).fill(1))], "jobs", 51, /32 bytes/);
    await fails(ops[0]!, [registerKey(ops[0]!, new Uint8Array(32))], "jobs", 51, /small-order/);
    // 1 (the point of order 4 in Montgomery form) and p − 1: also of small order.
    await fails(ops[0]!, [registerKey(ops[0]!, Uint8Array.of(1, ...new Uint8Array(31)))], "jobs", 51, /small-order/);
    const pMinus1 = Uint8Array.of(0xec, ...new Uint8Array(30).fill(0xff), 0x7f);
    await fails(ops[0]!, [registerKey(ops[0]!, pMinus1)], "jobs", 51, /small-order/);
    await fails(outsider, [registerKey(outsider, goodKey(9))], "jobs", 17, /not bonded/);
    assert.deepEqual(await auditKeys(), [], "nothing was stored");
    await ok(ops[1]!, [registerKey(ops[1]!, goodKey(1))]);
    await ok(ops[0]!, [registerKey(ops[0]!, goodKey(0))]);
    await ok(ops[0]!, [registerKey(ops[0]!, goodKey(100))]);
    const keys = await auditKeys();
    assert.deepEqual(
      keys.map((k) => [k.validator, Buffer.from(k.x25519Pubkey).toString("hex")]),
      [
        [valoper(ops[0]!), goodKey(100).toString("hex")],
        [valoper(ops[1]!), goodKey(1).toString("hex")],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      "the bonded validators' keys, the replaced one last registered",
    );
    // The state round-trips through genesis (the keys are exported and imported).
    const exported = chain.app.withCommittedContext(
      (ctx, modules) => modules.find((m) => m.name === "jobs")!.exportGenesis(ctx) as { audit_keys?: unknown[] },
    );
    assert.equal(exported.audit_keys?.length, 2);
  });

  it("checks audit copies at submission: sealed jobs only, one per bonded validator with a key, well formed; nothing created otherwise", async () => {
    await ok(ops[0]!, [registerKey(ops[0]!, goodKey(0))]);
    await fails(
      requester,
      [
        submitMsg([copy(valoper(ops[0]!))], {
          inputs: [{ inline: new Uint8Array([1]), uri: "", sha256: "" }],
          sealed: [],
          sketchKeyHash: new Uint8Array(),
        }),
      ],
      "jobs",
      2,
      /sealed jobs only/,
    );
    await fails(requester, [submitMsg([copy(valoper(ops[1]!))])], "jobs", 52, /no audit key/);
    await fails(requester, [submitMsg([copy(valoper(outsider))])], "jobs", 52, /not a bonded validator/);
    await fails(requester, [submitMsg([copy(valoper(ops[0]!)), copy(valoper(ops[0]!))])], "jobs", 2, /twice/);
    await fails(
      requester,
      [submitMsg([{ validator: valoper(ops[0]!), ciphertext: new Uint8Array(50) }])],
      "jobs",
      2,
      /ephemeral key/,
    );
    await fails(requester, [submitMsg([{ validator: ops[0]!.address, ciphertext: new Uint8Array(120) }])], "sdk", 7);
    const none = await chain.query("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id: "1" }));
    assert.notEqual(none.code, 0, "no job was created");
    await ok(requester, [submitMsg([copy(valoper(ops[0]!))])]);
    assert.deepEqual(
      (await job("1")).auditSealed!.map((c) => c.validator),
      [valoper(ops[0]!)],
      "the job records who can open it",
    );
  });

  it("overturns a sealed job's fraud: the copy holders audit with keyed sketches (commit, then reveal), the fraud is slashed, the requester compensated, agreeing auditors paid, a silent holder slashed", async () => {
    for (const i of [0, 1, 2]) await ok(ops[i]!, [registerKey(ops[i]!, goodKey(i))]);
    const j = await sealedJob(
      [0, 1, 2].map((i) => copy(valoper(ops[i]!))),
      fake,
    );
    assert.equal(j.audit, AuditStatus.open, "sampled and audited, not marked unaudited");
    assert.deepEqual(j.auditors, [0, 1, 2].map((i) => valoper(ops[i]!)).sort());
    const before = { op0: await balance(ops[0]!.address), op1: await balance(ops[1]!.address), t2: await tokens(2) };
    await auditBy(chain, [ops[0]!, ops[1]!], j.id, { output: truth, rule, sketchKey });
    // 70% disagree: decided; but the audit runs to its deadline only if undecided, so it is resolved now.
    let r = await job(j.id);
    for (let i = 0; i < 20 && r.audit === AuditStatus.open; i++) {
      await chain.deliver([]);
      r = await job(j.id);
    }
    assert.equal(r.audit, AuditStatus.rejected, JSON.stringify(r.history));
    assert.ok(r.assignments.every((a) => a.outcome === Outcome.fraud));
    assert.equal(r.compensated, r.paid, "the requester got back what the job cost it");
    assert.equal(await balance(ops[0]!.address), before.op0 + reward - 2000n);
    assert.equal(await balance(ops[1]!.address), before.op1 + reward - 2000n);
    assert.ok((await tokens(2)) < before.t2, "ops2 held a copy, was asked, and said nothing: slashed");
    // An observer gains nothing from the auditors' verdicts: both their sketches are keyed. (The
    // same least squares on a public-sign sketch of the output recovers it exactly.)
    const control = reconstruct(j.id, computeSketch(j.id, truth, rule), truth.length);
    assert.ok(rms(control, truth) < 1e-5, "the attack works on public signs");
    for (const v of r.verdicts)
      for (const [signs, sk] of [
        [j.id, v.sketch!],
        [auditSignsId(j.id), v.auditSketch!],
      ] as const) {
        const x = reconstruct(signs, sketchFromPb(sk, rule.sketchSize) as Sketch, truth.length);
        assert.ok(rms(x, truth) > 0.3, `${v.validator}'s ${signs} sketch gives the output away: rms ${rms(x, truth)}`);
      }
    assert.ok(
      !Buffer.from(codecs.job.encode(r)).includes(sketchKey),
      "the sketch key is in no copy's clear text on chain",
    );
  });

  it("unable stays free on a sealed job even when the audit is decided: the requester may have sealed garbage to that one validator", async () => {
    for (const i of [0, 1, 2]) await ok(ops[i]!, [registerKey(ops[i]!, goodKey(i))]);
    const j = await sealedJob(
      [0, 1, 2].map((i) => copy(valoper(ops[i]!))),
      fake,
    );
    assert.equal(j.audit, AuditStatus.open);
    const v0 = verdictMsgs(valoper(ops[0]!), j.id, { output: truth, rule, sketchKey });
    const v1 = verdictMsgs(valoper(ops[1]!), j.id, { output: truth, rule, sketchKey });
    const u2 = verdictMsgs(valoper(ops[2]!), j.id, "unable");
    const t2 = await tokens(2);
    await ok(ops[0]!, [v0.commit]);
    await ok(ops[1]!, [v1.commit]);
    await ok(ops[2]!, [u2.commit]);
    await untilRevealsOpen(chain, j.id);
    await ok(ops[2]!, [u2.reveal]);
    await ok(ops[0]!, [v0.reveal]);
    await ok(ops[1]!, [v1.reveal]);
    let r = await job(j.id);
    for (let i = 0; i < 20 && r.audit === AuditStatus.open; i++) {
      await chain.deliver([]);
      r = await job(j.id);
    }
    assert.equal(r.audit, AuditStatus.rejected, "decided by the 70% that opened their copies");
    assert.equal(await tokens(2), t2, "the unable holder of a sealed job is not slashed");
  });

  it("a requester cannot pick its auditors: a sealed job's copies must reach every bonded validator with an audit key (else jobs 53, nothing created)", async () => {
    // A cheating provider and a requester working with it would seal to one friendly validator
    // (or to none): only the friend audits, its power decides nothing, and the wrong result stands.
    // Leaving out even one honest validator does it too: with copies for the friend ops1 (30%, under
    // 1/3) and ops0 (40%), ops0's disagreement is 40% of the power, not 2/3: inconclusive.
    for (const i of [0, 1, 2]) await ok(ops[i]!, [registerKey(ops[i]!, goodKey(i))]);
    for (const holders of [[0], [], [1, 2], [0, 1], [0, 2]])
      await fails(
        requester,
        [submitMsg(holders.map((i) => copy(valoper(ops[i]!))))],
        "jobs",
        53,
        /every bonded validator with an audit key/,
      );
    const none = await chain.query("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id: "1" }));
    assert.notEqual(none.code, 0, "no job was created");
    const j = await sealedJob(
      [0, 1, 2].map((i) => copy(valoper(ops[i]!))),
      truth,
    );
    assert.deepEqual(j.auditors, [0, 1, 2].map((i) => valoper(ops[i]!)).sort());
  });

  it("audit copies are written once: a provider's commit on a sealed job with 3 × 60 KiB copies costs about what it costs without them; the Job query still serves them", async () => {
    const big = (v: string, i: number): AuditSealedInput => ({
      validator: v,
      ciphertext: new Uint8Array(60 * 1024).fill(i + 1),
    });
    const commitGas = async (auditSealed: AuditSealedInput[]): Promise<{ gas: bigint; id: string }> => {
      // The requester pays for its bytes (a gas limit above the helpers' 400k).
      const acc = await q(
        "/cosmos.auth.v1beta1.Query/Account",
        QueryAccountRequest.encode({ address: requester.address }).finish(),
        (b) => BaseAccount.decode(QueryAccountResponse.decode(b).account!.value),
      );
      const res = await chain.deliver([
        signTx(requester, {
          chainId: chain.chainId,
          accountNumber: acc.accountNumber,
          sequence: acc.sequence,
          msgs: [submitMsg(auditSealed)],
          fee: { amount: [{ denom: "utcu", amount: "200000" }], gasLimit: 50_000_000n },
        }),
      ]);
      assert.equal(res.txResults[0]!.code, 0, res.txResults[0]!.log);
      const id = submittedJobId(res);
      const r = await ok(prov[0]!, [
        commitResultMsg(prov[0]!.address, id, {
          salt: createHash("sha256").update(`salt/${id}`).digest(),
          digest: createHash("sha256").update("digest").digest(),
          sketch: computeSketch(id, truth, rule, sketchKey),
        }),
      ]);
      return { gas: BigInt(r.txResults[0]!.gasUsed), id };
    };
    const plain = await commitGas([]);
    for (const i of [0, 1, 2]) await ok(ops[i]!, [registerKey(ops[i]!, goodKey(i))]);
    const withCopies = await commitGas([0, 1, 2].map((i) => big(valoper(ops[i]!), i)));
    // Rewriting 180 KiB of copies with the job at 30 gas a byte would add ~5.5M gas to every step.
    assert.ok(
      withCopies.gas < plain.gas + 100_000n,
      `commit gas ${withCopies.gas} with copies vs ${plain.gas} without: the copies are rewritten on every step`,
    );
    const served = await job(withCopies.id);
    assert.deepEqual(
      served.auditSealed!.map((c) => [c.validator, c.ciphertext.length, c.ciphertext[0]]),
      [0, 1, 2].map((i) => [valoper(ops[i]!), 60 * 1024, i + 1]),
      "each holder still finds its copy in the Job query",
    );
  });

  it("the validator set changes after submission: a copy holder that left the bonded set is not asked (nor slashed), the remaining holders audit", async () => {
    for (const i of [0, 1, 2]) await ok(ops[i]!, [registerKey(ops[i]!, goodKey(i))]);
    const j = await sealedJob(
      [0, 1, 2].map((i) => copy(valoper(ops[i]!))),
      truth,
      // ops2 unbonds everything between the submission and the sampling.
      async () => void (await ok(ops[2]!, [undelegateMsg(ops[2]!, valoper(ops[2]!), 30_000_000n)])),
    );
    assert.deepEqual(j.auditors, [valoper(ops[0]!), valoper(ops[1]!)].sort(), "the bonded holders only");
    const keys = await auditKeys();
    assert.ok(!keys.some((k) => k.validator === valoper(ops[2]!)), "AuditKeys lists bonded validators only");
    // Both remaining holders re-run and agree: confirmed (their power is all the bonded power now).
    await auditBy(chain, [ops[0]!, ops[1]!], j.id, { output: truth, rule, sketchKey });
    const r = await job(j.id);
    assert.equal(r.audit, AuditStatus.confirmed, JSON.stringify(r.history));
    // A copy for the unbonded validator is refused from now on.
    await fails(requester, [submitMsg([copy(valoper(ops[2]!))])], "jobs", 52, /not a bonded validator/);
  });

  it("a sealed job without an audit copy (no bonded validator has an audit key) is marked unaudited, its result stands", async () => {
    const j = await sealedJob([], truth);
    assert.equal(j.audit, AuditStatus.unaudited);
    assert.match(j.history.at(-2)!.note, /no validator bonded now holds an audit copy/);
    assert.deepEqual(j.auditors, []);
    assert.ok(j.assignments.every((a) => a.outcome === Outcome.accepted));
  });
});
