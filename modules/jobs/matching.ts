import { createHash } from "node:crypto";
import type { Context } from "../sdk/context.js";
import type { Assignment, Job } from "./domain.js";
import { jobEvent } from "./events.js";
import type { ProviderForJobs } from "./expectedKeepers.js";
import { parsePrice, type JobsKeeper } from "./keeper.js";
import { assign } from "./lifecycle.js";
import { JobState, Outcome, UnusableReason, type GpuRequirement } from "./types.js";

// Matching, in end-block. Eligible providers are active and bonded (the registry's filter), serve
// the model, have a free slot, ask at most the job's price in its denom, meet its reputation floor
// and its GPU requirement, and hold a sealed copy of the input when the job is sealed. k of them
// are drawn without replacement, weighted by bond × reputation, from a seed of the block and the
// job id. A provider is one owner, so k distinct providers are k distinct owners. Jobs with too
// few eligible providers wait.
//
// So that no tx can hold matchable jobs back (docs/jobs.md, "Matching"), pending jobs are indexed
// by requester and requesters are visited in turn: each gets its jobs examined in id order until
// max_misses_per_requester of them found no providers, then matching moves on to the next
// requester, remembering where it stopped in this requester's list. The whole block examines at
// most max_match_scans_per_block jobs and matches at most max_matches_per_block; when that budget
// runs out, the next block starts with the requester after the last one visited. A batch of any
// number of unmatchable jobs from one requester thus costs other requesters
// max_misses_per_requester examinations, not a place in the queue.

export interface MatchStats {
  examined: number;
  matched: number;
  requesters: number;
}

export function matchPending(ctx: Context, k: JobsKeeper): MatchStats {
  const p = k.params(ctx.store);
  const stats: MatchStats = { examined: 0, matched: 0, requesters: 0 };
  const budgetLeft = () => stats.examined < p.maxMatchScansPerBlock && stats.matched < p.maxMatchesPerBlock;
  // Each visit examines at least one job, so the budget bounds the requesters visited.
  const requesters = k.pendingRequesters(ctx.store, k.matchCursor(ctx.store), p.maxMatchScansPerBlock);
  let last: string | null = null;
  let all = true;
  for (const requester of requesters) {
    if (!budgetLeft()) {
      all = false;
      break;
    }
    last = requester;
    stats.requesters++;
    const room = Math.min(
      p.maxMatchScansPerBlock - stats.examined,
      p.maxMatchesPerBlock - stats.matched + p.maxMissesPerRequester,
    );
    const ids = k.pendingIdsOf(ctx.store, requester, k.pendingCursor(ctx.store, requester), room);
    let misses = 0;
    let stoppedAt: bigint | null = null;
    for (const [i, id] of ids.entries()) {
      if (!budgetLeft() || misses >= p.maxMissesPerRequester) {
        stoppedAt = ids[i - 1] ?? null;
        break;
      }
      stats.examined++;
      if (tryMatch(ctx, k, id)) stats.matched++;
      else misses++;
    }
    if (stoppedAt === null && ids.length === room && ids.length > 0) stoppedAt = ids[ids.length - 1]!;
    // Resume after the last job examined when this turn ended early; otherwise start from the oldest.
    k.setPendingCursor(ctx.store, requester, stoppedAt);
  }
  if (!all || (requesters.length > 0 && !budgetLeft())) {
    if (last !== null) k.setMatchCursor(ctx.store, last);
  } else k.setMatchCursor(ctx.store, null);
  if (stats.examined > 0) ctx.events.emit(jobEvent.matching(stats.examined, stats.matched, stats.requesters));
  return stats;
}

/** Assigns the job when enough providers are eligible; false when it must wait. */
function tryMatch(ctx: Context, k: JobsKeeper, id: bigint): boolean {
  const j: Job | null = k.getJob(ctx.store, id);
  if (j === null || j.state !== JobState.pending) return false;
  const [maxPrice, denom] = parsePrice(j.maxPricePerUnit)!;
  const sealedFor = j.sealed.length > 0 ? new Set(j.sealed.map((s) => s.provider)) : null;
  const eligible: Array<{ provider: ProviderForJobs; gpu: string; weight: bigint }> = [];
  for (const p of k.registry.activeProvidersOfModel(ctx.store, j.model)) {
    const ask = parsePrice(p.pricePerUnit);
    if (ask === null || ask[1] !== denom || ask[0] > maxPrice) continue;
    if (k.slotsUsed(ctx.store, p.owner) >= p.slots) continue;
    if (sealedFor !== null && !sealedFor.has(p.owner)) continue;
    const score = k.reputation.score(ctx.store, p.owner, ctx.height);
    if (score < j.minReputation) continue;
    const gpu = gpuMeeting(p, j.gpu);
    if (gpu === null) continue;
    eligible.push({ provider: p, gpu, weight: BigInt(p.bond) * BigInt(Math.max(1, score)) });
  }
  if (eligible.length < j.k) return false;
  const byOwner = new Map(eligible.map((e) => [e.provider.owner, e]));
  const chosen = drawWeighted(
    eligible.map((e) => ({ owner: e.provider.owner, weight: e.weight })),
    j.k,
    seedOf(ctx, j.id),
  );
  const assignments = chosen.map((owner): Assignment => {
    const e = byOwner.get(owner)!;
    return {
      provider: owner,
      gpu: e.gpu,
      pricePerUnit: e.provider.pricePerUnit,
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
  });
  assign(ctx, k, j, assignments, `assigned to ${chosen.length} provider(s)`);
  return true;
}

const gpuName = (g: { vendor: string; model: string; memoryMib: number; count: number }) =>
  `${g.vendor} ${g.model} ${g.memoryMib}MiB x${g.count}`;

/** The provider's first GPU that meets the requirement (any GPU when there is none), or null. */
export function gpuMeeting(p: ProviderForJobs, req: GpuRequirement | null): string | null {
  const noReq = req === null || (req.vendor === "" && req.model === "" && req.minMemoryMib === 0 && req.minCount === 0);
  for (const g of p.gpus) {
    if (noReq) return gpuName(g);
    if (req.vendor !== "" && g.vendor.toLowerCase() !== req.vendor.toLowerCase()) continue;
    if (req.model !== "" && g.model.toLowerCase() !== req.model.toLowerCase()) continue;
    if (g.memoryMib < req.minMemoryMib || g.count < req.minCount) continue;
    return gpuName(g);
  }
  return noReq ? "" : null;
}

/** The matching seed: the block (its hash when known, else chain, height and time) and the job. */
function seedOf(ctx: Context, jobId: bigint): Buffer {
  const b = ctx.block;
  return createHash("sha256")
    .update(
      `tcompute/match/${b.chainId}/${b.height}/${b.time.seconds}.${b.time.nanos}/${Buffer.from(b.hash ?? new Uint8Array()).toString("hex")}/${jobId}`,
    )
    .digest();
}

/** k of the candidates (sorted by address first), without replacement, weighted, deterministic. */
export function drawWeighted(
  candidates: ReadonlyArray<{ owner: string; weight: bigint }>,
  k: number,
  seed: Buffer,
): string[] {
  const pool = [...candidates].sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  const out: string[] = [];
  for (let draw = 0; draw < k && pool.length > 0; draw++) {
    const total = pool.reduce((s, c) => s + c.weight, 0n);
    const r =
      BigInt("0x" + createHash("sha256").update(seed).update(String(draw)).digest("hex")) % (total > 0n ? total : 1n);
    let acc = 0n;
    let pick = pool.length - 1;
    for (let i = 0; i < pool.length; i++) {
      acc += pool[i]!.weight;
      if (r < acc) {
        pick = i;
        break;
      }
    }
    out.push(pool[pick]!.owner);
    pool.splice(pick, 1);
  }
  return out;
}
