import { createHash } from "node:crypto";
import { moduleAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import { fromUtf8, prefixRange, utf8, type KVStore } from "../sdk/store.js";
import type { BankForJobs, RegistryForJobs, ReputationForJobs } from "./expectedKeepers.js";
import { keys } from "./keys.js";
import { readParams, type JobsParams } from "./params.js";
import { codecs, JobState, type Job } from "./types.js";

// Jobs: escrow, matching and expiry (commit–reveal and settlement come next). The only code
// touching the jobs store. The escrow account holds exactly the open jobs' remaining escrow.

export const escrowAccount = "jobs_escrow";

/** "5utcu" → [5n, "utcu"]. */
export function parsePrice(s: string): [bigint, string] | null {
  const m = /^([0-9]{1,30})([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(s);
  return m === null ? null : [BigInt(m[1]!), m[2]!];
}

export class JobsKeeper {
  constructor(
    readonly bank: BankForJobs,
    readonly registry: RegistryForJobs,
    readonly reputation: ReputationForJobs,
  ) {}

  params(store: KVStore): JobsParams {
    return readParams(store);
  }

  escrowAddress(): string {
    return moduleAddress(escrowAccount);
  }

  nextId(store: KVStore): bigint {
    const raw = store.get(keys.nextId);
    return raw === undefined ? 1n : BigInt(fromUtf8(raw));
  }

  setNextId(store: KVStore, id: bigint): void {
    store.set(keys.nextId, utf8(id.toString()));
  }

  getJob(store: KVStore, id: bigint): Job | null {
    const raw = store.get(keys.job(id));
    return raw === undefined ? null : codecs.job.decode(raw);
  }

  setJob(store: KVStore, j: Job): void {
    store.set(keys.job(BigInt(j.id)), codecs.job.encode(j));
  }

  *jobs(store: KVStore): IterableIterator<Job> {
    for (const [, raw] of prefixRange(store, keys.jobPrefix)) yield codecs.job.decode(raw);
  }

  *jobsOf(store: KVStore, requester: string): IterableIterator<Job> {
    const prefix = keys.byRequesterPrefix(requester);
    for (const [k] of prefixRange(store, prefix)) {
      const j = this.getJob(store, BigInt(k.slice(prefix.length)));
      if (j !== null) yield j;
    }
  }

  slotsUsed(store: KVStore, provider: string): number {
    const raw = store.get(keys.slots(provider));
    return raw === undefined ? 0 : Number(fromUtf8(raw));
  }

  private addSlots(store: KVStore, provider: string, d: number): void {
    const n = this.slotsUsed(store, provider) + d;
    if (n <= 0) store.delete(keys.slots(provider));
    else store.set(keys.slots(provider), utf8(String(n)));
  }

  /** Genesis import of an assigned job: its assignees hold their slots again. */
  restoreAssignment(store: KVStore, j: Job): void {
    store.delete(keys.pending(BigInt(j.id)));
    for (const a of j.assignees) this.addSlots(store, a, 1);
  }

  transition(ctx: Context, j: Job, state: JobState, note: string): void {
    j.state = state;
    j.history.push({ height: ctx.height.toString(), state, note });
    ctx.events.emit(event("job", [["id", j.id], ["state", String(state)], ["requester", j.requester], ["note", note]]));
  }

  /** Creates a job with its escrow already taken (by the message handler). */
  open(ctx: Context, j: Job): void {
    const id = BigInt(j.id);
    this.setJob(ctx.store, j);
    ctx.store.set(keys.pending(id), new Uint8Array());
    ctx.store.set(keys.deadline(BigInt(j.deadlineHeight), id), new Uint8Array());
    ctx.store.set(keys.byRequester(j.requester, id), new Uint8Array());
  }

  /** Ends an open job and refunds what remains in escrow. */
  close(ctx: Context, j: Job, state: JobState, note: string): void {
    const id = BigInt(j.id);
    const refund = BigInt(j.escrow);
    const price = parsePrice(j.maxPricePerUnit)!;
    if (refund > 0n) this.bank.transfer(ctx, this.escrowAddress(), j.requester, [{ denom: price[1], amount: refund }]);
    j.escrow = "0";
    for (const a of j.assignees) if (j.state === JobState.assigned) this.addSlots(ctx.store, a, -1);
    ctx.store.delete(keys.pending(id));
    ctx.store.delete(keys.deadline(BigInt(j.deadlineHeight), id));
    this.transition(ctx, j, state, note);
    this.setJob(ctx.store, j);
  }

  // ---- end-block ----

  /** Jobs whose deadline is this height expire with a full refund (bounded by what is due). */
  expire(ctx: Context): void {
    const due: bigint[] = [];
    for (const [k] of prefixRange(ctx.store, keys.deadlinePrefix)) {
      const [h, id] = k.slice(keys.deadlinePrefix.length).split("/") as [string, string];
      if (BigInt(h) > ctx.height) break;
      due.push(BigInt(id));
    }
    for (const id of due) {
      const j = this.getJob(ctx.store, id);
      if (j !== null && (j.state === JobState.pending || j.state === JobState.assigned)) this.close(ctx, j, JobState.expired, "deadline passed");
    }
  }

  /**
   * Matches pending jobs in id order, at most max_matches_per_block of them: k distinct
   * providers that serve the model, have a free slot, ask at most the job's price in its denom
   * and meet its reputation floor, drawn without replacement weighted by bond × reputation from
   * a seed of the block and the job id. Jobs with too few eligible providers keep waiting.
   */
  match(ctx: Context): void {
    const limit = this.params(ctx.store).maxMatchesPerBlock;
    const ids: bigint[] = [];
    for (const [k] of prefixRange(ctx.store, keys.pendingPrefix)) {
      if (ids.length >= limit) break;
      ids.push(BigInt(k.slice(keys.pendingPrefix.length)));
    }
    for (const id of ids) {
      const j = this.getJob(ctx.store, id);
      if (j === null || j.state !== JobState.pending) continue;
      const [maxPrice, denom] = parsePrice(j.maxPricePerUnit)!;
      const eligible = this.registry
        .activeProvidersOfModel(ctx.store, j.model)
        .filter((p) => {
          const ask = parsePrice(p.pricePerUnit);
          return ask !== null && ask[1] === denom && ask[0] <= maxPrice && this.slotsUsed(ctx.store, p.owner) < p.slots && this.reputation.score(ctx.store, p.owner, ctx.height) >= j.minReputation;
        })
        .map((p) => ({ owner: p.owner, weight: BigInt(p.bond) * BigInt(Math.max(1, this.reputation.score(ctx.store, p.owner, ctx.height))) }));
      if (eligible.length < j.k) continue;
      const chosen = drawWeighted(eligible, j.k, seedOf(ctx, j.id));
      for (const a of chosen) this.addSlots(ctx.store, a, 1);
      j.assignees = chosen;
      j.assignedHeight = ctx.height.toString();
      ctx.store.delete(keys.pending(id));
      this.transition(ctx, j, JobState.assigned, `assigned to ${chosen.length}`);
      for (const a of chosen) ctx.events.emit(event("job_assigned", [["id", j.id], ["provider", a]]));
      this.setJob(ctx.store, j);
    }
  }

  escrowTotal(store: KVStore): bigint {
    let t = 0n;
    for (const j of this.jobs(store)) if (j.state === JobState.pending || j.state === JobState.assigned) t += BigInt(j.escrow);
    return t;
  }
}

/** The matching seed: the block (its hash when known, else chain, height and time) and the job. */
function seedOf(ctx: Context, jobId: string): Buffer {
  const b = ctx.block;
  return createHash("sha256").update(`tcompute/match/${b.chainId}/${b.height}/${b.time.seconds}.${b.time.nanos}/${Buffer.from(b.hash ?? new Uint8Array()).toString("hex")}/${jobId}`).digest();
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
