import { createHash } from "node:crypto";
import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import { prefixRange } from "../sdk/store.js";
import type { ProviderForJobs } from "./expectedKeepers.js";
import { parsePrice, type JobsKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { JobState, type GpuRequirement } from "./types.js";

// Matching, in end-block: pending jobs in id order, at most max_matches_per_block of them. Eligible
// providers are active and bonded (the registry's filter), serve the model, have a free slot, ask
// at most the job's price in its denom, meet its reputation floor and its GPU requirement, and hold
// a sealed copy of the input when the job is sealed. k of them are drawn without replacement,
// weighted by bond × reputation, from a seed of the block and the job id. A provider is one owner,
// so k distinct providers are k distinct owners. Jobs with too few eligible providers wait.

export function matchPending(ctx: Context, k: JobsKeeper): void {
  const limit = k.params(ctx.store).maxMatchesPerBlock;
  const ids: bigint[] = [];
  for (const [key] of prefixRange(ctx.store, keys.pendingPrefix)) {
    if (ids.length >= limit) break;
    ids.push(BigInt(key.slice(keys.pendingPrefix.length)));
  }
  for (const id of ids) {
    const j = k.getJob(ctx.store, id);
    if (j === null || j.state !== JobState.pending) continue;
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
    if (eligible.length < j.k) continue;
    const byOwner = new Map(eligible.map((e) => [e.provider.owner, e]));
    const chosen = drawWeighted(eligible.map((e) => ({ owner: e.provider.owner, weight: e.weight })), j.k, seedOf(ctx, j.id));
    j.assignments = chosen.map((owner) => {
      const e = byOwner.get(owner)!;
      return { provider: owner, gpu: e.gpu, pricePerUnit: e.provider.pricePerUnit, commitment: new Uint8Array(), committedHeight: "0", digest: new Uint8Array(), sketch: null, outputUri: "", revealedHeight: "0", outcome: 0, paid: "0", slashed: "0" };
    });
    k.assign(ctx, j, `assigned to ${chosen.length} provider(s)`);
    for (const a of j.assignments) ctx.events.emit(event("job_assigned", [["id", j.id], ["provider", a.provider], ["gpu", a.gpu]]));
    k.setJob(ctx.store, j);
  }
}

const gpuName = (g: { vendor: string; model: string; memoryMib: number; count: number }) => `${g.vendor} ${g.model} ${g.memoryMib}MiB x${g.count}`;

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
function seedOf(ctx: Context, jobId: string): Buffer {
  const b = ctx.block;
  return createHash("sha256").update(`tcompute/match/${b.chainId}/${b.height}/${b.time.seconds}.${b.time.nanos}/${Buffer.from(b.hash ?? new Uint8Array()).toString("hex")}/${jobId}`).digest();
}

/** A number in [0, 10^6) from the block and a job, for audit sampling. */
export function samplePpm(ctx: Context, jobId: string, purpose: string): number {
  const b = ctx.block;
  const h = createHash("sha256").update(`tcompute/${purpose}/${b.chainId}/${b.height}/${Buffer.from(b.hash ?? new Uint8Array()).toString("hex")}/${jobId}`).digest();
  return h.readUInt32BE(0) % 1_000_000;
}

/** k of the candidates (sorted by address first), without replacement, weighted, deterministic. */
export function drawWeighted(candidates: ReadonlyArray<{ owner: string; weight: bigint }>, k: number, seed: Buffer): string[] {
  const pool = [...candidates].sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
  const out: string[] = [];
  for (let draw = 0; draw < k && pool.length > 0; draw++) {
    const total = pool.reduce((s, c) => s + c.weight, 0n);
    const r = BigInt("0x" + createHash("sha256").update(seed).update(String(draw)).digest("hex")) % (total > 0n ? total : 1n);
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
