import { createHash } from "node:crypto";
import { encodeAddress, moduleAddress, validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import type { QueryHandler } from "../sdk/module.js";
import { codec } from "../sdk/proto.js";
import type { KVStore } from "../sdk/store.js";
import { auditorRewardPool } from "./auditVerdicts.js";
import { committed, type Job } from "./domain.js";
import { jobEvent } from "./events.js";
import type { ChallengeableProvider, RegistryForJobs } from "./expectedKeepers.js";
import { parsePrice, type JobsKeeper } from "./keeper.js";
import * as lifecycle from "./lifecycle.js";
import { drawWeighted, gpuMeeting } from "./matching.js";
import type { JobsParams } from "./params.js";
import { AuditStatus, codecs, isFinal, JobState, Outcome, UnusableReason, type Challenge } from "./types.js";

// Capability challenges the chain issues (issue 11, item 1; docs/jobs.md, "Capability
// challenges"). Every challenge_epoch_blocks, from the block's hash, the chain draws up to
// challenges_per_epoch providers and sends each a k = 1 job of one of its models: an input the
// chain generates from the same seed, a requester address derived from it (never used before),
// the provider's own ask as the price, the escrow paid from the community pool within
// challenge_budget_per_epoch. The job is an ordinary job in every query and event; only this
// module's record (queried once it is decided) says it was a challenge. The provider must commit
// within the blocks its claimed GPUs need for the model's compute units (gpu_throughput) plus
// challenge_slack_blocks, and the validators' audit (always opened for a challenge) must confirm
// its result. Too slow, no answer, "unusable", or rejected: the bond is slashed
// challenge_slash_fraction and the provider is jailed with the challenge hold, which only a
// passed challenge lifts (jailed providers held only by it are drawn too, so they can prove
// themselves). Passed: the hold is cleared and the job pays its ask as any job does.

export const ChallengeStatus = { open: 0, passed: 1, failed: 2, void: 3 } as const;
export type { Challenge };

export const challengeCodecs = {
  challenge: codecs.challenge,
  queryChallengesRequest: codecs.queryChallengesRequest,
  queryChallengesResponse: codecs.queryChallengesResponse,
};
const bundleCodec = codec<{ tensors: Array<{ name: string; dtype: string; shape: string[]; data: Uint8Array }> }>(
  "jobs/v1/tensors.proto",
  "tcompute.jobs.v1.TensorBundle",
);

/** Genesis import: the record and its indexes. */
export function restoreChallenge(store: KVStore, k: JobsKeeper, c: Challenge, jobFinal: boolean): void {
  k.saveChallenge(store, c);
  if (!jobFinal) k.setChallengeOpen(store, BigInt(c.jobId), true);
  if (c.status !== ChallengeStatus.open) k.indexDecidedChallenge(store, c.provider, BigInt(c.jobId));
}

/** Compute units per block the provider's claimed GPUs give (each GPU by its table entry, else the default). */
export function claimedThroughput(
  p: JobsParams,
  gpus: ReadonlyArray<{ vendor: string; model: string; count: number }>,
): bigint {
  let total = 0n;
  for (const g of gpus) {
    const row = p.gpuThroughput.find(
      (t) => t.vendor.toLowerCase() === g.vendor.toLowerCase() && t.model.toLowerCase() === g.model.toLowerCase(),
    );
    total += (row?.unitsPerBlock ?? p.defaultGpuUnitsPerBlock) * BigInt(Math.max(1, g.count));
  }
  return total > 0n ? total : p.defaultGpuUnitsPerBlock;
}

/** Blocks from assignment within which a challenge of `units` must be committed. */
export function challengeDeadline(
  p: JobsParams,
  units: bigint,
  gpus: ReadonlyArray<{ vendor: string; model: string; count: number }>,
): bigint {
  const t = claimedThroughput(p, gpus);
  return (units + t - 1n) / t + p.challengeSlackBlocks;
}

const byteSize: Record<string, number> = { float32: 4, float64: 8, uint8: 1, int8: 1, int32: 4, int64: 8, bool: 1 };
/** The dtypes the default rule accepts: those where any value is a valid one. */
const anyValue = new Set(["float32", "float64", "uint8", "int8"]);

/** The range of each integer dtype a recipe may give values for (floats take none). */
const valueRange: Record<string, [bigint, bigint]> = {
  uint8: [0n, 255n],
  int8: [-128n, 127n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  bool: [0n, 1n],
};
const decimal = /^(0|-?[1-9][0-9]{0,19})$/;

/** A recipe value of the dtype, or null when it is not a canonical decimal within it. */
function recipeValue(dtype: string, v: string): bigint | null {
  const range = valueRange[dtype];
  if (range === undefined || !decimal.test(v)) return null;
  const x = BigInt(v);
  return x < range[0] || x > range[1] ? null : x;
}

type TensorSpec = { name: string; dtype: string; shape: number[] };
/** A model's inputs and its registrant's challenge recipe (registry ChallengeTensor; may be empty). */
export type ChallengeModel = {
  inputs: ReadonlyArray<TensorSpec>;
  challengeInputs: ReadonlyArray<{ name: string; shape: number[]; values: string[] }>;
};
/** One input of a challenge: its concrete shape and the values drawn from (empty: by dtype). */
type Drawn = { name: string; dtype: string; shape: number[]; values: bigint[] };

/**
 * The inputs the chain draws for a challenge of the model, sorted by name, or null when it cannot
 * make one the model is bound to accept. With a registrant's recipe (validated at registration by
 * modules/registry/challengeInputs.ts): its shapes, and its values for integer inputs. Without
 * one, the default rule: every tensor of a dtype where any value is a valid one (float32,
 * float64: values in ±[1, 2); uint8, int8: any byte) and no dynamic dimension except the leading
 * (batch) one, which is 1. Integer and bool inputs are indices, lengths, sample rates or masks
 * whose valid values only the model knows, and an inner dynamic dimension of 1 is a length the
 * model may refuse (a reflect pad needs 2): a challenge built from such a spec would slash an
 * honest provider for the chain's own input. Either way at most `maxBytes` of data.
 */
function challengePlan(m: ChallengeModel, maxBytes: number): Drawn[] | null {
  if (m.inputs.length === 0) return null;
  const recipes = new Map(m.challengeInputs.map((c) => [c.name, c]));
  const out: Drawn[] = [];
  let total = 0;
  for (const t of m.inputs) {
    const size = byteSize[t.dtype];
    if (size === undefined) return null;
    let shape: number[];
    let values: bigint[] = [];
    if (m.challengeInputs.length > 0) {
      const r = recipes.get(t.name);
      if (r === undefined || r.shape.length !== t.shape.length || r.shape.some((d) => d < 1)) return null;
      shape = r.shape;
      // The registry checked the values; a bad one (an old or hand-made state) makes no plan
      // rather than a throw in EndBlock or an element written out of its dtype's range.
      const parsed = r.values.map((v) => recipeValue(t.dtype, v));
      if (parsed.some((v) => v === null)) return null;
      values = parsed as bigint[];
      if (values.length === 0 && !anyValue.has(t.dtype) && t.dtype !== "bool") return null;
    } else {
      if (!anyValue.has(t.dtype) || t.shape.some((d, i) => d < 1 && i > 0)) return null;
      shape = t.shape.map((d) => (d < 1 ? 1 : d));
    }
    const n = shape.reduce((a, b) => a * b, 1);
    total += n * size;
    if (!Number.isSafeInteger(n) || total > maxBytes) return null;
    out.push({ name: t.name, dtype: t.dtype, shape, values });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Whether the chain can make a challenge input for the model (see challengePlan). */
export function challengeable(m: ChallengeModel, maxBytes: number): boolean {
  return challengePlan(m, maxBytes) !== null;
}

/**
 * A tensor bundle for the model's inputs from the seed (integers only: float32 elements are
 * sign | exponent of 1.0 | random mantissa, so values in ±[1, 2); float64 likewise; uint8 and
 * int8 any byte, bool 0 or 1; with a recipe's values, one of them per element). Null unless
 * `challengeable`.
 */
export function challengeInput(m: ChallengeModel, seed: Uint8Array, maxBytes: number): Uint8Array | null {
  const plan = challengePlan(m, maxBytes);
  if (plan === null) return null;
  const tensors: Array<{ name: string; dtype: string; shape: string[]; data: Uint8Array }> = [];
  for (const [ti, t] of plan.entries()) {
    const size = byteSize[t.dtype]!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    const rand = createHash("shake256", { outputLength: n * 4 })
      .update(seed)
      .update(`/${ti}`)
      .digest();
    const data = Buffer.alloc(n * size);
    for (let i = 0; i < n; i++) {
      const r = rand.readUInt32LE(i * 4);
      if (t.values.length > 0) {
        const v = t.values[r % t.values.length]!;
        if (t.dtype === "int64") data.writeBigInt64LE(v, i * 8);
        else if (t.dtype === "int32") data.writeInt32LE(Number(v), i * 4);
        else if (t.dtype === "int8") data.writeInt8(Number(v), i);
        else data[i] = Number(v);
      } else if (t.dtype === "float32") data.writeUInt32LE(((r & 0x807fffff) | 0x3f800000) >>> 0, i * 4);
      else if (t.dtype === "float64") {
        data.writeUInt32LE(r, i * 8);
        data.writeUInt32LE(((r & 0x800fffff) | 0x3ff00000) >>> 0, i * 8 + 4);
      } else if (t.dtype === "bool") data[i] = r & 1;
      else data[i] = r & 0xff;
    }
    tensors.push({ name: t.name, dtype: t.dtype, shape: t.shape.map(String), data });
  }
  return bundleCodec.encode({ tensors });
}

const eligibleForChallenge = (p: ChallengeableProvider, height: bigint, minBond: bigint) =>
  p.models.length > 0 &&
  BigInt(p.bond) >= minBond &&
  (p.status === 1 || (p.status === 3 && p.challengeHold && BigInt(p.jailedUntil || "0") <= height));

/** End-block: at each epoch boundary, issues this epoch's challenges. */
export function issueChallenges(ctx: Context, k: JobsKeeper): void {
  const p = k.params(ctx.store);
  if (p.challengeEpochBlocks === 0n || p.challengesPerEpoch === 0 || ctx.height % p.challengeEpochBlocks !== 0n) return;
  const b = ctx.block;
  const seed = createHash("sha256")
    .update(`tcompute/challenge/${b.chainId}/${b.height}/${Buffer.from(b.hash ?? new Uint8Array()).toString("hex")}`)
    .digest();
  const reg = k.registry.params(ctx.store);
  const denom = reg.bondDenom;
  // Only models the chain can make an input for (challengeable); a provider serving none of
  // them is not drawn, so no one is slashed for the chain's own unusable input. Each model is
  // read and judged once per epoch (null: missing or not challengeable).
  type Model = { hash: string; model: NonNullable<ReturnType<RegistryForJobs["getModel"]>> };
  const judged = new Map<string, Model | null>();
  const judge = (hash: string): Model | null => {
    let m = judged.get(hash);
    if (m === undefined) {
      const model = k.registry.getModel(ctx.store, hash);
      m = model !== null && challengeable(model, p.maxInlineInputBytes) ? { hash, model } : null;
      judged.set(hash, m);
    }
    return m;
  };
  const candidates = new Map<string, { prov: ChallengeableProvider; models: Model[] }>();
  for (const prov of k.registry.providers(ctx.store)) {
    if (!eligibleForChallenge(prov, ctx.height, reg.minProviderBond)) continue;
    if (k.slotsUsed(ctx.store, prov.owner) >= prov.slots) continue;
    const ask = parsePrice(prov.pricePerUnit);
    if (ask === null || ask[1] !== denom) continue;
    const models = prov.models.map(judge).filter((m) => m !== null);
    if (models.length > 0) candidates.set(prov.owner, { prov, models });
  }
  const chosen = drawWeighted(
    [...candidates.keys()].map((owner) => ({ owner, weight: 1n })),
    p.challengesPerEpoch,
    seed,
  );
  const pool = moduleAddress(auditorRewardPool);
  let budget = p.challengeBudgetPerEpoch;
  for (const [n, owner] of chosen.entries()) {
    const { prov, models } = candidates.get(owner)!;
    const sub = createHash("sha256").update(seed).update(`/${n}`).digest();
    const { hash: modelHash, model } = models[sub.readUInt32BE(0) % models.length]!;
    const input = challengeInput(model, sub, p.maxInlineInputBytes);
    if (input === null) continue;
    const units = BigInt(model.computeUnits);
    const [ask] = parsePrice(prov.pricePerUnit)!;
    const escrow = ask * units;
    if (escrow > budget || escrow > k.bank.getBalance(ctx.store, pool, denom)) continue;
    budget -= escrow;
    const id = k.nextId(ctx.store);
    k.setNextId(ctx.store, id + 1n);
    const requester = encodeAddress(
      createHash("sha256").update("tcompute/challenge/requester").update(sub).digest().subarray(0, 20),
    );
    const j: Job = {
      id,
      requester,
      model: modelHash,
      inputs: [{ inline: input, uri: "", sha256: "", size: 0n }],
      sealed: [],
      k: 1,
      maxPricePerUnit: prov.pricePerUnit,
      deadlineHeight: ctx.height + 100n,
      minReputation: 0,
      gpu: null,
      state: JobState.pending,
      escrow,
      assignments: [],
      createdHeight: ctx.height,
      assignedHeight: 0n,
      phaseDeadline: 0n,
      computeUnits: units,
      history: [{ height: ctx.height, state: JobState.pending, note: "submitted" }],
      batchId: id,
      shardIndex: 0,
      shardCount: 1,
      audit: AuditStatus.none,
      auditDeadline: 0n,
      verdicts: [],
      paid: 0n,
      refunded: 0n,
      compensated: 0n,
      finalHeight: 0n,
      auditors: [],
      verdictCommits: [],
      verdictRevealHeight: 0n,
      pruneHeight: 0n,
      sketchKeyHash: new Uint8Array(),
      auditSealed: [],
    };
    // An ordinary submission and match, with the same events; the pool pays the escrow.
    if (!lifecycle.create(ctx, k, j, `${escrow}${denom}`)) continue;
    if (escrow > 0n) k.bank.transfer(ctx, pool, k.escrowAddress(), [{ denom, amount: escrow }]);
    const assignment = {
      provider: owner,
      gpu: gpuMeeting(prov, null) ?? "",
      pricePerUnit: prov.pricePerUnit,
      commitment: new Uint8Array(),
      committedHeight: 0n,
      digest: new Uint8Array(),
      sketch: null,
      outputUri: "",
      revealedHeight: 0n,
      outcome: Outcome.unspecified,
      paid: 0n,
      slashed: 0n,
      unusable: UnusableReason.unspecified,
      unusableInput: 0,
    };
    lifecycle.assign(ctx, k, j, [assignment], "assigned to 1 provider(s)");
    k.saveChallenge(ctx.store, {
      jobId: id.toString(),
      provider: owner,
      epochHeight: ctx.height.toString(),
      deadlineBlocks: challengeDeadline(p, units, prov.gpus).toString(),
      status: ChallengeStatus.open,
      reason: "",
      escrow: escrow.toString(),
    });
    k.setChallengeOpen(ctx.store, id, true);
  }
}

function decide(ctx: Context, k: JobsKeeper, c: Challenge, passed: boolean | null, reason: string): void {
  c.status = passed === null ? ChallengeStatus.void : passed ? ChallengeStatus.passed : ChallengeStatus.failed;
  c.reason = reason;
  k.saveChallenge(ctx.store, c);
  k.indexDecidedChallenge(ctx.store, c.provider, BigInt(c.jobId));
  if (passed === false) {
    const p = k.params(ctx.store);
    k.registry.slashProviderBond(
      ctx,
      c.provider,
      p.challengeSlashFraction,
      `capability challenge (job ${c.jobId}): ${reason}`,
    );
  }
  if (passed !== null) k.registry.recordChallenge(ctx, c.provider, passed);
  ctx.events.emit(
    jobEvent.challenge(BigInt(c.jobId), c.provider, passed === null ? "void" : passed ? "passed" : "failed", reason),
  );
}

/**
 * End-block: decides open challenges as soon as they can be: too slow or silent past the
 * deadline (at once), otherwise by the job's outcome once it is final and its audit closed; then
 * returns whatever reached the derived requester address (refunds, compensation) to the pool.
 */
export function checkChallenges(ctx: Context, k: JobsKeeper): void {
  for (const id of k.openChallengeIds(ctx.store)) {
    const c = k.getChallenge(ctx.store, id);
    const j = k.getJob(ctx.store, id);
    if (c === null || j === null) {
      k.setChallengeOpen(ctx.store, id, false);
      continue;
    }
    const a = j.assignments[0];
    const due = j.assignedHeight + BigInt(c.deadlineBlocks);
    if (c.status === ChallengeStatus.open && a !== undefined) {
      if (committed(a) && a.committedHeight > due)
        decide(
          ctx,
          k,
          c,
          false,
          `too slow: committed ${a.committedHeight - j.assignedHeight} blocks after assignment; the claimed GPUs allow ${c.deadlineBlocks}`,
        );
      else if (!committed(a) && ctx.height > due)
        decide(ctx, k, c, false, `no answer within ${c.deadlineBlocks} blocks`);
    }
    if (!isFinal(j.state) || j.audit === AuditStatus.open) continue;
    if (c.status === ChallengeStatus.open) {
      if (a?.outcome === Outcome.accepted && j.audit === AuditStatus.confirmed)
        decide(ctx, k, c, true, "answered in time; validators confirmed the result");
      else if (a?.outcome === Outcome.fraud || j.audit === AuditStatus.rejected)
        decide(ctx, k, c, false, "validators rejected the result");
      else if (a?.outcome === Outcome.accepted) decide(ctx, k, c, null, "the audit was inconclusive");
      else
        decide(
          ctx,
          k,
          c,
          false,
          `no usable result (job ${j.state === JobState.unusable ? "reported unusable" : "failed"})`,
        );
    }
    // The job is over: what came back to the derived requester goes back to the pool.
    const denom = k.denom(ctx.store);
    const left = k.bank.getBalance(ctx.store, j.requester, denom);
    if (left > 0n) k.bank.transfer(ctx, j.requester, moduleAddress(auditorRewardPool), [{ denom, amount: left }]);
    k.setChallengeOpen(ctx.store, id, false);
  }
}

/** Decided challenges of a provider (open ones stay hidden: they must look like ordinary jobs). */
export function decidedChallenges(store: KVStore, k: JobsKeeper, provider: string, limit = 100): Challenge[] {
  const out: Challenge[] = [];
  for (const id of k.decidedChallengeIds(store, provider, limit)) {
    const c = k.getChallenge(store, id);
    if (c !== null && c.status !== ChallengeStatus.open) out.push(c);
  }
  return out;
}

/** tcompute.jobs.v1.Query/Challenges: a provider's decided challenges (at most 100, oldest first). */
export function challengeQueries(k: JobsKeeper): Record<string, QueryHandler> {
  return {
    "/tcompute.jobs.v1.Query/Challenges": (ctx, data) => {
      const { provider } = challengeCodecs.queryChallengesRequest.decode(data);
      validateAddress(provider);
      return challengeCodecs.queryChallengesResponse.encode({ challenges: decidedChallenges(ctx.store, k, provider) });
    },
  };
}
