import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { QueryValidatorRequest, QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import type { TestChain } from "../../../chain/testkit/inProcessChain.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { ops, txHelpers, valoper } from "../../../chain/testkit/fixtures.js";
import { auditSignsId, verdictCommitmentOf } from "../auditVerdicts.js";
import { proofCodecs } from "../proofTypes.js";
import { bondValidators, createAuditChain, untilRevealsOpen, verdictMsgs } from "../../../chain/testkit/auditors.js";
import { any, honestOutput, signedBy, SimWorker, strategies, workersStep } from "../../../chain/testkit/simWorkers.js";
import { sketchFromPb, sketchToPb } from "../commitment.js";
import { computeSketch, sketchesAgree, type Sketch } from "../sketch.js";
import { AuditStatus, codecs, JobState, Outcome, type Job, type MsgSubmitJob } from "../types.js";
import { jobQueries, submitJobMsg } from "./fixtures.js";

// Audits end to end through real transactions (issue 11, item 3): verdicts are committed, then
// revealed, so a later validator cannot copy one; auditors whose verdict agrees with the outcome
// are paid from the community pool, auditors that skip lose stake; a sealed job the validators
// cannot open is marked unaudited instead of being "audited" by unable verdicts.

const requester = rawKeyFromSeed("audit-requester");
const prov = [0, 1, 2].map((i) => rawKeyFromSeed(`audit-provider-${i}`));
const model = createHash("sha256").update("audit-mlp").digest("hex");
const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const reward = 7000n;
const pool = 1_000_000n;

/** The least-norm x (n unknowns) whose public-sign sketch is `s`: x = Aᵀ(AAᵀ)⁻¹s, A the sketch of each unit vector. */
function leastNorm(jobId: string, s: Sketch, n: number): number[] {
  const cols = Array.from({ length: n }, (_, i) =>
    computeSketch(
      jobId,
      Array.from({ length: n }, (_, k) => (k === i ? 1 : 0)),
      rule,
    ).components.map(Number),
  );
  const m = s.components.length;
  const p = s.components.map(Number);
  // AAᵀ y = p (m × m, Gauss–Jordan), then x = Aᵀ y.
  const g = Array.from({ length: m }, (_, r) => [
    ...Array.from({ length: m }, (_, c) => cols.reduce((acc, col) => acc + col[r]! * col[c]!, 0)),
    p[r]!,
  ]);
  for (let c = 0; c < m; c++) {
    const piv = g[c]![c]!;
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const f = g[r]![c]! / piv;
      for (let k = c; k <= m; k++) g[r]![k]! -= f * g[c]![k]!;
    }
  }
  const y = g.map((row, i) => row[m]! / g[i]![i]!);
  return cols.map((col) => col.reduce((acc, v, r) => acc + v * y[r]!, 0));
}

describe("audits by commit–reveal, with auditor rewards and penalties", function () {
  this.timeout(60_000);
  let chain: TestChain;
  let workers: SimWorker[];
  const { ok, fails, q } = txHelpers(() => chain);
  const { job, balance } = jobQueries(q);
  const tokens = (i: number) =>
    q(
      "/cosmos.staking.v1beta1.Query/Validator",
      QueryValidatorRequest.encode({ validatorAddr: valoper(ops[i]!) }).finish(),
      (b) => BigInt(QueryValidatorResponse.decode(b).validator!.tokens),
    );
  const submit = (over: Partial<MsgSubmitJob> = {}) => ok(requester, [submitJobMsg(requester, model, 1, over)]);
  const step = () => workersStep(chain, workers);
  /** Submits a job, lets the workers commit and reveal it, and reads it back. */
  async function submitted(id: string): Promise<Job> {
    await submit();
    await step();
    await step();
    return job(id);
  }

  beforeEach(async () => {
    chain = await createAuditChain({ keys: [requester, ...prov, ...ops], pool, reward });
    await registerModel(ok, requester, model, { rule });
    await registerProviders(ok, prov, { models: [model] });
    await bondValidators(ok); // 40%, 30%, 30% of the power
    workers = prov.map((p) => new SimWorker(p, strategies.colluding, () => rule));
  });

  /** A k = 2 job both colluders agree on, settled and under audit. */
  async function fraudUnderAudit(): Promise<Job> {
    const j = await submitted("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(j.audit, AuditStatus.open);
    assert.deepEqual(
      j.auditors,
      [valoper(ops[0]!), valoper(ops[1]!), valoper(ops[2]!)].sort(),
      "every bonded validator audits",
    );
    return j;
  }

  /** A k = 2 job honest workers agree on, under audit. */
  async function honestUnderAudit(): Promise<Job> {
    workers = prov.map((p) => new SimWorker(p, strategies.honest, () => rule));
    const j = await submitted("1");
    assert.equal(j.audit, AuditStatus.open);
    return j;
  }

  it("a later validator cannot copy a verdict: not before reveals, not by copying a commitment, not after reveals open; a plain verdict is refused", async () => {
    const j = await fraudUnderAudit();
    const truth = honestOutput(j);
    const a = verdictMsgs(valoper(ops[0]!), "1", { output: truth, rule });
    // The old plain verdict (readable by everyone in the block) no longer counts.
    await fails(
      ops[1]!,
      [
        any(
          codecs.msgAuditVerdict.typeUrl,
          codecs.msgAuditVerdict.encode({
            validator: valoper(ops[1]!),
            jobId: "1",
            sketch: sketchToPb(computeSketch("1", truth, rule)),
            digest: new Uint8Array(32).fill(1),
            unable: false,
          }),
        ),
      ],
      "jobs",
      21,
    );
    await ok(ops[0]!, [a.commit]);
    // Nothing to read yet: the commitment hides the verdict, and reveals are not open.
    await fails(ops[0]!, [a.reveal], "jobs", 11, /revealed from height/);
    // ops1 copies ops0's commitment bytes; the commitment names ops0, so it never opens for ops1.
    const copied = (await job("1")).verdictCommits![0]!.commitment;
    assert.deepEqual(
      copied,
      verdictCommitmentOf(
        "1",
        valoper(ops[0]!),
        createHash("sha256")
          .update(`verdict-salt/${valoper(ops[0]!)}/1`)
          .digest(),
        {
          unable: false,
          digest: new Uint8Array(32).fill(1),
          sketch: computeSketch("1", truth, rule),
          auditSketch: computeSketch(auditSignsId("1"), truth, rule),
        },
      ),
    );
    await ok(ops[1]!, [
      any(
        proofCodecs.msgCommitVerdict.typeUrl,
        proofCodecs.msgCommitVerdict.encode({ validator: valoper(ops[1]!), jobId: "1", commitment: copied }),
      ),
    ]);
    await fails(ops[1]!, [verdictMsgs(valoper(ops[1]!), "1", { output: truth, rule }).commit], "jobs", 19);
    await untilRevealsOpen(chain, "1");
    await ok(ops[0]!, [a.reveal]);
    const copy = any(
      proofCodecs.msgRevealVerdict.typeUrl,
      proofCodecs.msgRevealVerdict.encode({
        ...proofCodecs.msgRevealVerdict.decode(a.reveal.value),
        validator: valoper(ops[1]!),
      }),
    );
    const before = await job("1");
    await fails(ops[1]!, [copy], "jobs", 14);
    // ops2 saw ops0's verdict in the block: too late to commit one, and nothing to reveal.
    await fails(ops[2]!, [verdictMsgs(valoper(ops[2]!), "1", { output: truth, rule }).commit], "jobs", 11, /closed/);
    await fails(ops[2]!, [verdictMsgs(valoper(ops[2]!), "1", { output: truth, rule }).reveal], "jobs", 13);
    await fails(requester, [verdictMsgs(valoper(requester), "1", { output: truth, rule }).commit], "jobs", 17);
    assert.deepEqual(codecs.job.encode(await job("1")), codecs.job.encode(before), "refused verdicts change nothing");
  });

  it("pays each auditor whose verdict agrees with the outcome from the community pool, nothing to one that sided with the fraud, and slashes the one that skipped", async () => {
    const j = await fraudUnderAudit();
    const truth = honestOutput(j);
    // ops1 sides with the accepted result (as a lazy auditor copying the public sketch would).
    const fake = strategies.colluding.output(j);
    const v0 = verdictMsgs(valoper(ops[0]!), "1", { output: truth, rule });
    const v1 = verdictMsgs(valoper(ops[1]!), "1", { output: fake, rule });
    const before = {
      op0: await balance(ops[0]!.address),
      op1: await balance(ops[1]!.address),
      tokens2: await tokens(2),
    };
    await ok(ops[0]!, [v0.commit]);
    await ok(ops[1]!, [v1.commit]);
    await untilRevealsOpen(chain, "1");
    await ok(ops[0]!, [v0.reveal]);
    await ok(ops[1]!, [v1.reveal]);
    // Every committer revealed: resolved at once. 40% against 30% is not 2/3 on either side.
    const done = await job("1");
    assert.equal(done.audit, AuditStatus.inconclusive);
    assert.equal(
      await balance(ops[0]!.address),
      before.op0 - 2000n,
      "no reward for an inconclusive audit (two tx fees)",
    );
    assert.equal(await tokens(2), before.tokens2 - 30_000n, "ops2 skipped: 0.1% of its 30 power × 10^6");
    // A second audit where the honest side has 70%.
    const j2 = await submitted("2");
    assert.equal(j2.audit, AuditStatus.open);
    const w0 = verdictMsgs(valoper(ops[0]!), "2", { output: honestOutput(j2), rule });
    const w1 = verdictMsgs(valoper(ops[1]!), "2", { output: strategies.colluding.output(j2), rule });
    const w2 = verdictMsgs(valoper(ops[2]!), "2", { output: honestOutput(j2), rule });
    const mid = {
      op0: await balance(ops[0]!.address),
      op1: await balance(ops[1]!.address),
      op2: await balance(ops[2]!.address),
      tokens: [await tokens(0), await tokens(1), await tokens(2)],
    };
    await ok(ops[0]!, [w0.commit]);
    await ok(ops[1]!, [w1.commit]);
    await ok(ops[2]!, [w2.commit]);
    assert.equal(
      (await job("2")).verdictRevealHeight,
      String(chain.app.height),
      "every auditor committed: reveals open at once",
    );
    await ok(ops[1]!, [w1.reveal]);
    await ok(ops[0]!, [w0.reveal]);
    await ok(ops[2]!, [w2.reveal]);
    const r = await job("2");
    assert.equal(r.audit, AuditStatus.rejected, "70% re-ran it and disagree");
    assert.ok(r.assignments.every((a) => a.outcome === Outcome.fraud));
    assert.equal(await balance(ops[0]!.address), mid.op0 + reward - 2000n);
    assert.equal(await balance(ops[2]!.address), mid.op2 + reward - 2000n);
    assert.equal(await balance(ops[1]!.address), mid.op1 - 2000n, "sided with the fraud: no reward");
    assert.deepEqual([await tokens(0), await tokens(1), await tokens(2)], mid.tokens, "nobody skipped");
    assert.equal(r.compensated, "100", "the requester was compensated");
  });

  it("a lazy auditor that copies the accepted public sketch is not paid even when the result is right: its audit sketch (best least-squares guess) disagrees with the re-runners'", async () => {
    const j = await honestUnderAudit();
    const truth = honestOutput(j);
    // The lazy auditor's best guess from chain data: the least-norm output whose public sketch is
    // the accepted one (64 unknowns, 16 projections).
    const accepted = sketchFromPb(j.assignments[0]!.sketch!, rule.sketchSize) as Sketch;
    const guess = leastNorm(j.id, accepted, truth.length);
    assert.ok(
      sketchesAgree(computeSketch(j.id, guess, rule), accepted, rule),
      "the guess reproduces the public sketch",
    );
    const v0 = verdictMsgs(valoper(ops[0]!), "1", { output: truth, rule });
    const lazy = verdictMsgs(valoper(ops[1]!), "1", { output: guess, rule });
    const v2 = verdictMsgs(valoper(ops[2]!), "1", { output: truth, rule });
    const before = [await balance(ops[0]!.address), await balance(ops[1]!.address), await balance(ops[2]!.address)];
    const t1 = await tokens(1);
    await ok(ops[0]!, [v0.commit]);
    await ok(ops[1]!, [lazy.commit]);
    await ok(ops[2]!, [v2.commit]);
    // A reveal without its audit sketch is refused (16), changing nothing.
    const bare = proofCodecs.msgRevealVerdict.decode(lazy.reveal.value);
    await fails(
      ops[1]!,
      [any(proofCodecs.msgRevealVerdict.typeUrl, proofCodecs.msgRevealVerdict.encode({ ...bare, auditSketch: null }))],
      "jobs",
      16,
      /audit sketch/,
    );
    assert.deepEqual((await job("1")).verdicts, []);
    // The three reveals in one block (the first two would decide the audit on their own).
    const res = await chain.deliver([
      await signedBy(chain, ops[1]!, [lazy.reveal]),
      await signedBy(chain, ops[0]!, [v0.reveal]),
      await signedBy(chain, ops[2]!, [v2.reveal]),
    ]);
    assert.deepEqual(
      res.txResults.map((r) => r.code),
      [0, 0, 0],
    );
    const done = await job("1");
    assert.equal(done.audit, AuditStatus.confirmed, "the copier's sketch still counts for the outcome");
    assert.equal(await balance(ops[0]!.address), before[0]! + reward - 2000n);
    assert.equal(await balance(ops[2]!.address), before[2]! + reward - 2000n);
    assert.equal(await balance(ops[1]!.address), before[1]! - 2000n, "the copier earns nothing");
    assert.equal(await tokens(1), t1, "and is not slashed (it answered)");
  });

  it("answering unable on a public job whose audit others decided costs the skip penalty and earns nothing, like skipping it", async () => {
    const j = await honestUnderAudit();
    assert.deepEqual(j.sealed, [], "a public job");
    const truth = honestOutput(j);
    const v0 = verdictMsgs(valoper(ops[0]!), "1", { output: truth, rule });
    const v1 = verdictMsgs(valoper(ops[1]!), "1", { output: truth, rule });
    const shirk = verdictMsgs(valoper(ops[2]!), "1", "unable");
    const before = [await balance(ops[0]!.address), await balance(ops[2]!.address)];
    const t = [await tokens(0), await tokens(1), await tokens(2)];
    await ok(ops[0]!, [v0.commit]);
    await ok(ops[1]!, [v1.commit]);
    await ok(ops[2]!, [shirk.commit]);
    await ok(ops[2]!, [shirk.reveal]);
    await ok(ops[0]!, [v0.reveal]);
    const last = await ok(ops[1]!, [v1.reveal]);
    const missed = last.events.filter((e) => e.type === "auditor_missed");
    assert.deepEqual(
      missed.map((e) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value]))["unable"]),
      ["true"],
      "resolved by the last reveal: ops2's unable is counted as a missed audit",
    );
    const done = await job("1");
    assert.equal(done.audit, AuditStatus.confirmed, "70% re-ran it: decided");
    assert.ok(done.verdicts.some((v) => v.validator === valoper(ops[2]!) && v.unable));
    assert.equal(await balance(ops[0]!.address), before[0]! + reward - 2000n);
    assert.equal(await balance(ops[2]!.address), before[1]! - 2000n, "unable: no reward");
    assert.equal(await tokens(2), t[2]! - 30_000n, "unable on a decided public audit: 0.1% of its 30 power × 10^6");
    assert.deepEqual([await tokens(0), await tokens(1)], [t[0], t[1]], "the re-runners keep their stake");
  });

  it("unable stays free on an inconclusive audit: nobody re-ran enough to show the input could be run", async () => {
    const j = await honestUnderAudit();
    const v0 = verdictMsgs(valoper(ops[0]!), "1", { output: honestOutput(j), rule });
    const u1 = verdictMsgs(valoper(ops[1]!), "1", "unable");
    const u2 = verdictMsgs(valoper(ops[2]!), "1", "unable");
    const t = [await tokens(0), await tokens(1), await tokens(2)];
    for (const [key, m] of [
      [ops[0]!, v0],
      [ops[1]!, u1],
      [ops[2]!, u2],
    ] as const)
      await ok(key, [m.commit]);
    for (const [key, m] of [
      [ops[0]!, v0],
      [ops[1]!, u1],
      [ops[2]!, u2],
    ] as const)
      await ok(key, [m.reveal]);
    const done = await job("1");
    assert.equal(done.audit, AuditStatus.inconclusive, "40% is not 2/3");
    assert.deepEqual([await tokens(0), await tokens(1), await tokens(2)], t, "nobody is slashed");
  });

  it("a sampled sealed job with no audit copies (the validators cannot open it) is marked unaudited, and the requester is told so", async () => {
    workers = prov.map((p) => new SimWorker(p, strategies.honest, () => rule));
    const res = await submit({
      inputs: [{ inline: new Uint8Array(), uri: "", sha256: "ab".repeat(32) }],
      sealed: prov.slice(0, 2).map((p) => ({ provider: p.address, ciphertext: new Uint8Array(100) })),
      sketchKeyHash: new Uint8Array(32).fill(7),
    });
    assert.equal(res.txResults[0]!.code, 0);
    await step();
    await step();
    const j = await job("1");
    assert.equal(j.state, JobState.settled);
    assert.equal(j.audit, AuditStatus.unaudited);
    assert.match(j.history.at(-2)!.note, /not audited: sealed job: no validator bonded now holds an audit copy/);
    assert.deepEqual(j.auditors, []);
    assert.equal(j.verdictRevealHeight, "");
  });
});
