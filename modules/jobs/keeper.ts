import { moduleAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import { fromUtf8, prefixRange, utf8, type KVStore } from "../sdk/store.js";
import type { BankForJobs, EmissionsForJobs, RegistryForJobs, ReputationForJobs, StakingForJobs } from "./expectedKeepers.js";
import { keys, queueEntry } from "./keys.js";
import { readParams, type JobsParams } from "./params.js";
import { addPending, removePending } from "./pendingIndex.js";
import { AuditStatus, codecs, isOpen, JobState, type Job, type Receipt, type RequesterRecord } from "./types.js";

// The jobs store: jobs, their indexes and queues, escrow movements and transitions. The only
// code touching the jobs store; matching, settlement and audits (their own files) go through it.
// The escrow account holds exactly the open jobs' remaining escrow (invariants.ts).

export const escrowAccount = "jobs_escrow";

/** "5utcu" → [5n, "utcu"]. */
export function parsePrice(s: string): [bigint, string] | null {
  const m = /^([0-9]{1,30})([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(s);
  return m === null ? null : [BigInt(m[1]!), m[2]!];
}

/** States in which assignees hold one of their slots. */
const holdsSlots = (s: JobState) => s === JobState.assigned || s === JobState.revealing;

export class JobsKeeper {
  constructor(
    readonly bank: BankForJobs,
    readonly registry: RegistryForJobs,
    readonly reputation: ReputationForJobs,
    readonly emissions: EmissionsForJobs,
    readonly staking: StakingForJobs,
  ) {}

  params(store: KVStore): JobsParams {
    return readParams(store);
  }

  escrowAddress(): string {
    return moduleAddress(escrowAccount);
  }

  denom(store: KVStore): string {
    return this.registry.params(store).bondDenom;
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

  getReceipt(store: KVStore, id: bigint): Receipt | null {
    const raw = store.get(keys.receipt(id));
    return raw === undefined ? null : codecs.receipt.decode(raw);
  }

  setReceipt(store: KVStore, r: Receipt): void {
    store.set(keys.receipt(BigInt(r.id)), codecs.receipt.encode(r));
  }

  *jobs(store: KVStore): IterableIterator<Job> {
    for (const [, raw] of prefixRange(store, keys.jobPrefix)) yield codecs.job.decode(raw);
  }

  *receipts(store: KVStore): IterableIterator<Receipt> {
    for (const [, raw] of prefixRange(store, keys.receiptPrefix)) yield codecs.receipt.decode(raw);
  }

  /** Jobs listed under an index prefix whose keys end in the padded id. */
  *indexed(store: KVStore, prefix: string): IterableIterator<Job> {
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

  counter(store: KVStore, key: string): bigint {
    const raw = store.get(key);
    return raw === undefined ? 0n : BigInt(fromUtf8(raw));
  }

  bump(store: KVStore, key: string): void {
    store.set(key, utf8((this.counter(store, key) + 1n).toString()));
  }

  requesterRecord(store: KVStore, requester: string): RequesterRecord {
    const raw = store.get(keys.requesterRecord(requester));
    return raw === undefined ? { requester, unusableJobs: "0", unusableFeesPaid: "0" } : codecs.requesterRecord.decode(raw);
  }

  setRequesterRecord(store: KVStore, r: RequesterRecord): void {
    store.set(keys.requesterRecord(r.requester), codecs.requesterRecord.encode(r));
  }

  *requesterRecords(store: KVStore): IterableIterator<RequesterRecord> {
    for (const [, raw] of prefixRange(store, keys.requesterRecordPrefix)) yield codecs.requesterRecord.decode(raw);
  }

  /**
   * Moves a job to `state`: keeps the state index, takes or frees the assignees' slots, records
   * the transition in the job's history and emits the indexed `job` event.
   */
  transition(ctx: Context, j: Job, state: JobState, note: string): void {
    const id = BigInt(j.id);
    if (j.state !== state) {
      ctx.store.delete(keys.byState(j.state, id));
      ctx.store.set(keys.byState(state, id), new Uint8Array());
      const before = holdsSlots(j.state);
      const after = holdsSlots(state);
      if (before !== after) for (const a of j.assignments) this.addSlots(ctx.store, a.provider, after ? 1 : -1);
    }
    j.state = state;
    j.history.push({ height: ctx.height.toString(), state, note });
    ctx.events.emit(event("job", [["id", j.id], ["state", String(state)], ["requester", j.requester], ["note", note]]));
  }

  /** Creates a pending job whose escrow the message handler already took (indexed as restore does). */
  open(ctx: Context, j: Job): void {
    this.restore(ctx.store, j);
  }

  /** Genesis import: indexes, queues and slots of a job as it was exported. */
  restore(store: KVStore, j: Job): void {
    const id = BigInt(j.id);
    this.setJob(store, j);
    store.set(keys.byRequester(j.requester, id), new Uint8Array());
    store.set(keys.byState(j.state, id), new Uint8Array());
    for (const a of j.assignments) store.set(keys.byProvider(a.provider, id), new Uint8Array());
    if (j.state === JobState.pending) {
      addPending(store, j.requester, id);
      store.set(keys.deadline(BigInt(j.deadlineHeight), id), new Uint8Array());
    }
    if (holdsSlots(j.state)) for (const a of j.assignments) this.addSlots(store, a.provider, 1);
    const waitsForWindow = (isOpen(j.state) && j.state !== JobState.pending) || j.audit === AuditStatus.open;
    if (waitsForWindow) store.set(keys.phase(BigInt(j.phaseDeadline), id), new Uint8Array());
    else if (!isOpen(j.state)) store.set(keys.prune(BigInt(j.finalHeight) + this.params(store).retentionBlocks, id), new Uint8Array());
  }

  /** Records that providers were assigned: index, slots (via the transition), commit window. */
  assign(ctx: Context, j: Job, note: string): void {
    const id = BigInt(j.id);
    removePending(ctx.store, j.requester, id);
    ctx.store.delete(keys.deadline(BigInt(j.deadlineHeight), id));
    for (const a of j.assignments) ctx.store.set(keys.byProvider(a.provider, id), new Uint8Array());
    j.assignedHeight = ctx.height.toString();
    this.transition(ctx, j, JobState.assigned, note);
    this.schedule(ctx.store, j, ctx.height + this.params(ctx.store).commitWindow);
  }

  /** The job's next step runs in the end-block of `height` (its window's end, or now when ready). */
  schedule(store: KVStore, j: Job, height: bigint): void {
    const id = BigInt(j.id);
    if (j.phaseDeadline !== "0" && j.phaseDeadline !== "") store.delete(keys.phase(BigInt(j.phaseDeadline), id));
    j.phaseDeadline = height.toString();
    store.set(keys.phase(height, id), new Uint8Array());
  }

  unschedule(store: KVStore, j: Job): void {
    if (j.phaseDeadline !== "0" && j.phaseDeadline !== "") store.delete(keys.phase(BigInt(j.phaseDeadline), BigInt(j.id)));
    j.phaseDeadline = "0";
  }

  /** Ids due in a height-keyed queue up to `height`, removed from it. */
  takeDue(store: KVStore, prefix: string, height: bigint): bigint[] {
    const due: Array<[string, bigint]> = [];
    for (const [k] of prefixRange(store, prefix)) {
      const [h, id] = queueEntry(k.slice(prefix.length));
      if (h > height) break;
      due.push([k, id]);
    }
    for (const [k] of due) store.delete(k);
    return due.map(([, id]) => id);
  }

  /** Pays `amount` of the job's escrow to a worker. */
  payOut(ctx: Context, j: Job, to: string, amount: bigint): void {
    if (amount <= 0n) return;
    const left = BigInt(j.escrow);
    if (amount > left) throw new Error(`jobs: paying ${amount} from job ${j.id} holding ${left}`);
    this.bank.transfer(ctx, this.escrowAddress(), to, [{ denom: parsePrice(j.maxPricePerUnit)![1], amount }]);
    j.escrow = (left - amount).toString();
    j.paid = (BigInt(j.paid || "0") + amount).toString();
  }

  /**
   * Ends an open job: refunds what remains in escrow, leaves every queue but the audit's, and
   * schedules pruning unless an audit is still open.
   */
  finish(ctx: Context, j: Job, state: JobState, note: string): void {
    const id = BigInt(j.id);
    const refund = BigInt(j.escrow);
    if (refund > 0n) this.bank.transfer(ctx, this.escrowAddress(), j.requester, [{ denom: parsePrice(j.maxPricePerUnit)![1], amount: refund }]);
    j.escrow = "0";
    j.refunded = (BigInt(j.refunded || "0") + refund).toString();
    removePending(ctx.store, j.requester, id);
    ctx.store.delete(keys.deadline(BigInt(j.deadlineHeight), id));
    j.finalHeight = ctx.height.toString();
    this.transition(ctx, j, state, note);
    if (j.audit !== AuditStatus.open) {
      this.unschedule(ctx.store, j);
      this.schedulePrune(ctx, j);
    }
    this.setJob(ctx.store, j);
  }

  schedulePrune(ctx: Context, j: Job): void {
    ctx.store.set(keys.prune(ctx.height + this.params(ctx.store).retentionBlocks, BigInt(j.id)), new Uint8Array());
  }

  /** Replaces final jobs past their retention by compact receipts (bounded by what is due). */
  prune(ctx: Context): void {
    for (const id of this.takeDue(ctx.store, keys.prunePrefix, ctx.height)) {
      const j = this.getJob(ctx.store, id);
      if (j === null || isOpen(j.state) || j.audit === AuditStatus.open) continue;
      const accepted = j.assignments.find((a) => a.outcome === 1 || a.outcome === 4);
      this.setReceipt(ctx.store, {
        id: j.id,
        requester: j.requester,
        model: j.model,
        state: j.state,
        paid: j.paid || "0",
        refunded: j.refunded || "0",
        compensated: j.compensated || "0",
        finalHeight: j.finalHeight,
        batchId: j.batchId,
        digest: accepted?.digest ?? new Uint8Array(),
        providers: j.assignments.map((a) => a.provider),
        prunedHeight: ctx.height.toString(),
      });
      ctx.store.delete(keys.job(id));
      ctx.store.delete(keys.byState(j.state, id));
      ctx.store.delete(keys.byRequester(j.requester, id));
      for (const a of j.assignments) ctx.store.delete(keys.byProvider(a.provider, id));
      ctx.events.emit(event("job_pruned", [["id", j.id]]));
    }
  }

  /** Expires pending jobs whose deadline is this height, with a full refund. */
  expire(ctx: Context): void {
    for (const id of this.takeDue(ctx.store, keys.deadlinePrefix, ctx.height)) {
      const j = this.getJob(ctx.store, id);
      if (j !== null && j.state === JobState.pending) this.finish(ctx, j, JobState.expired, "deadline passed before enough providers were free");
    }
  }

  escrowTotal(store: KVStore): bigint {
    let t = 0n;
    for (const j of this.jobs(store)) if (isOpen(j.state)) t += BigInt(j.escrow);
    return t;
  }
}
