import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { paginateStore } from "../sdk/pagination.js";
import { moduleAddress } from "../sdk/address.js";
import { fromUtf8, prefixEnd, prefixRange, utf8, type KVStore } from "../sdk/store.js";
import { holdsSlots, isOpen, jobFromPb, jobToPb, receiptOf, type Job } from "./domain.js";
import type {
  BankForJobs,
  EmissionsForJobs,
  RegistryForJobs,
  ReputationForJobs,
  StakingForJobs,
} from "./expectedKeepers.js";
import { keys, queueEntry } from "./keys.js";
import { readParams, type JobsParams } from "./params.js";
import {
  AuditStatus,
  codecs,
  JobState,
  type Challenge,
  type DeliveryClaim,
  type Receipt,
  type RequesterRecord,
} from "./types.js";

// The jobs store, and the only code that touches it (keys.ts): jobs and receipts, the indexes by
// requester, provider and state, the pending index matching reads, the height-keyed queues
// (deadlines, windows, pruning), slots in use, counters and requester records. It decides
// nothing: every change of a job's state is a transition in lifecycle.ts, which calls these.
// Jobs are loaded and saved in their domain form (domain.ts); the codec runs here.

export const escrowAccount = "jobs_escrow";

/** "5utcu" → [5n, "utcu"]. */
export function parsePrice(s: string): [bigint, string] | null {
  const m = /^([0-9]{1,30})([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(s);
  return m === null ? null : [BigInt(m[1]!), m[2]!];
}

const pad = (n: bigint) => n.toString().padStart(20, "0");
const none = new Uint8Array();

/** Matching's cursors, for genesis export (they decide which jobs the next block examines first). */
export interface MatchCursors {
  afterRequester: string;
  resume: Array<{ requester: string; afterId: bigint }>;
}

/** Up to `limit` keys of the prefix after `after` (exclusive), then from the prefix's start up to it: one turn. */
function turn(store: KVStore, prefix: string, after: string | null, limit: number): string[] {
  const out: string[] = [];
  const end = prefixEnd(prefix);
  const from = after === null ? prefix : after + "\u0000";
  for (const [key] of store.range(from, end)) {
    if (out.length >= limit) return out;
    out.push(key);
  }
  if (after !== null) {
    for (const [key] of store.range(prefix, from)) {
      if (out.length >= limit) return out;
      out.push(key);
    }
  }
  return out;
}

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

  // ---- jobs and receipts

  getJob(store: KVStore, id: bigint): Job | null {
    const raw = store.get(keys.job(id));
    return raw === undefined ? null : jobFromPb(codecs.job.decode(raw));
  }

  /**
   * Saves the job. Its audit copies' ciphertexts (up to the tx size) go to keys of their own the
   * first time and leave the record, so that the assignees' and auditors' txs, which rewrite the
   * record at every step, do not pay for the requester's bytes (withAuditCopies reads them back).
   */
  saveJob(store: KVStore, j: Job): void {
    if (j.auditSealed.some((c) => c.ciphertext.length > 0)) {
      for (const c of j.auditSealed)
        if (c.ciphertext.length > 0) store.set(keys.auditCopy(j.id, c.validator), c.ciphertext);
      j.auditSealed = j.auditSealed.map((c) => ({ validator: c.validator, ciphertext: new Uint8Array() }));
    }
    store.set(keys.job(j.id), codecs.job.encode(jobToPb(j)));
  }

  /** The job with its audit copies' ciphertexts (for queries and genesis export). */
  withAuditCopies(store: KVStore, j: Job): Job {
    if (j.auditSealed.length === 0) return j;
    const auditSealed = j.auditSealed.map((c) => ({
      validator: c.validator,
      ciphertext: store.get(keys.auditCopy(j.id, c.validator)) ?? c.ciphertext,
    }));
    return { ...j, auditSealed };
  }

  getReceipt(store: KVStore, id: bigint): Receipt | null {
    const raw = store.get(keys.receipt(id));
    return raw === undefined ? null : codecs.receipt.decode(raw);
  }

  setReceipt(store: KVStore, r: Receipt): void {
    store.set(keys.receipt(BigInt(r.id)), codecs.receipt.encode(r));
  }

  *jobs(store: KVStore): IterableIterator<Job> {
    for (const [, raw] of prefixRange(store, keys.jobPrefix)) yield jobFromPb(codecs.job.decode(raw));
  }

  *receipts(store: KVStore): IterableIterator<Receipt> {
    for (const [, raw] of prefixRange(store, keys.receiptPrefix)) yield codecs.receipt.decode(raw);
  }

  jobsByRequester(store: KVStore, requester: string): IterableIterator<Job> {
    return this.indexed(store, keys.byRequesterPrefix(requester));
  }

  jobsByProvider(store: KVStore, provider: string): IterableIterator<Job> {
    return this.indexed(store, keys.byProviderPrefix(provider));
  }

  jobsByState(store: KVStore, state: JobState): IterableIterator<Job> {
    return this.indexed(store, keys.byStatePrefix(state));
  }

  /** Lists the job among the open audits (or takes it off): auditors page through them all. */
  setAuditOpen(store: KVStore, id: bigint, open: boolean): void {
    if (open) store.set(keys.openAudit(id), none);
    else store.delete(keys.openAudit(id));
  }

  /**
   * One page of the jobs under an index (requester, provider, state or open audit), read from the store: index
   * keys end in the zero-padded id, so a page reads its index entries and loads only its jobs.
   */
  jobsPage(
    store: KVStore,
    index: { requester: string } | { provider: string } | { state: JobState } | { openAudit: true },
    req: PageRequest | undefined,
  ): { page: Job[]; pagination: PageResponse } {
    const prefix =
      "requester" in index
        ? keys.byRequesterPrefix(index.requester)
        : "provider" in index
          ? keys.byProviderPrefix(index.provider)
          : "state" in index
            ? keys.byStatePrefix(index.state)
            : keys.openAuditPrefix;
    return paginateStore<Job>(store, prefix, req, (id) => this.getJob(store, BigInt(id)));
  }

  /** Jobs listed under an index prefix whose keys end in the padded id. */
  private *indexed(store: KVStore, prefix: string): IterableIterator<Job> {
    for (const [k] of prefixRange(store, prefix)) {
      const j = this.getJob(store, BigInt(k.slice(prefix.length)));
      if (j !== null) yield j;
    }
  }

  /** Indexes a new job (by requester and state; pending and its deadline queue) and saves it. */
  create(store: KVStore, j: Job): void {
    this.restore(store, j);
  }

  /** Genesis import: indexes, queues and slots of a job as it was exported. */
  restore(store: KVStore, j: Job): void {
    const id = j.id;
    this.saveJob(store, j);
    store.set(keys.byRequester(j.requester, id), none);
    store.set(keys.byState(j.state, id), none);
    this.indexAssignees(store, j);
    if (j.state === JobState.pending) {
      this.addPending(store, j.requester, id);
      this.addDeadline(store, j);
    }
    if (holdsSlots(j.state)) for (const a of j.assignments) this.addSlots(store, a.provider, 1);
    const waitsForWindow = (isOpen(j.state) && j.state !== JobState.pending) || j.audit === AuditStatus.open;
    if (j.audit === AuditStatus.open) this.setAuditOpen(store, id, true);
    if (waitsForWindow) store.set(keys.phase(j.phaseDeadline, id), none);
    else if (!isOpen(j.state))
      // A job exported before prune_height existed: its retention from the final height.
      store.set(
        keys.prune(j.pruneHeight !== 0n ? j.pruneHeight : j.finalHeight + this.params(store).retentionBlocks, id),
        none,
      );
  }

  /** Replaces a job by its receipt and drops it from every index. */
  replaceByReceipt(store: KVStore, j: Job, height: bigint): void {
    this.setReceipt(store, receiptOf(j, height));
    store.delete(keys.job(j.id));
    for (const c of j.auditSealed) store.delete(keys.auditCopy(j.id, c.validator));
    store.delete(keys.byState(j.state, j.id));
    store.delete(keys.byRequester(j.requester, j.id));
    for (const a of j.assignments) store.delete(keys.byProvider(a.provider, j.id));
  }

  indexAssignees(store: KVStore, j: Job): void {
    for (const a of j.assignments) store.set(keys.byProvider(a.provider, j.id), none);
  }

  /** Keeps the state index and the assignees' slots in step with a change of state. */
  reindexState(store: KVStore, j: Job, from: JobState, to: JobState): void {
    if (from === to) return;
    store.delete(keys.byState(from, j.id));
    store.set(keys.byState(to, j.id), none);
    const before = holdsSlots(from);
    const after = holdsSlots(to);
    if (before !== after) for (const a of j.assignments) this.addSlots(store, a.provider, after ? 1 : -1);
  }

  escrowTotal(store: KVStore): bigint {
    let t = 0n;
    for (const j of this.jobs(store)) if (isOpen(j.state)) t += j.escrow;
    return t;
  }

  // ---- slots

  slotsUsed(store: KVStore, provider: string): number {
    const raw = store.get(keys.slots(provider));
    return raw === undefined ? 0 : Number(fromUtf8(raw));
  }

  private addSlots(store: KVStore, provider: string, d: number): void {
    const n = this.slotsUsed(store, provider) + d;
    if (n <= 0) store.delete(keys.slots(provider));
    else store.set(keys.slots(provider), utf8(String(n)));
  }

  // ---- queues keyed by (height, id)

  /** The job's next step runs in the end-block of `height` (its window's end, or now when ready). */
  schedule(store: KVStore, j: Job, height: bigint): void {
    if (j.phaseDeadline !== 0n) store.delete(keys.phase(j.phaseDeadline, j.id));
    j.phaseDeadline = height;
    store.set(keys.phase(height, j.id), none);
  }

  unschedule(store: KVStore, j: Job): void {
    if (j.phaseDeadline !== 0n) store.delete(keys.phase(j.phaseDeadline, j.id));
    j.phaseDeadline = 0n;
  }

  addDeadline(store: KVStore, j: Job): void {
    store.set(keys.deadline(j.deadlineHeight, j.id), none);
  }

  removeDeadline(store: KVStore, j: Job): void {
    store.delete(keys.deadline(j.deadlineHeight, j.id));
  }

  /** Queues a final job's pruning; the height is kept in the job (restore re-queues it from there). */
  schedulePrune(store: KVStore, j: Job, height: bigint): void {
    if (j.pruneHeight !== 0n) store.delete(keys.prune(j.pruneHeight, j.id));
    j.pruneHeight = height;
    store.set(keys.prune(height, j.id), none);
  }

  /** Jobs whose window ends at or before `height`, removed from the queue. */
  takeDuePhases(store: KVStore, height: bigint): bigint[] {
    return this.takeDue(store, keys.phasePrefix, height);
  }

  /** Pending jobs whose deadline is at or before `height`, removed from the queue. */
  takeDueDeadlines(store: KVStore, height: bigint): bigint[] {
    return this.takeDue(store, keys.deadlinePrefix, height);
  }

  /** Final jobs whose retention ends at or before `height`, removed from the queue. */
  takeDuePrunes(store: KVStore, height: bigint): bigint[] {
    return this.takeDue(store, keys.prunePrefix, height);
  }

  private takeDue(store: KVStore, prefix: string, height: bigint): bigint[] {
    const due: Array<[string, bigint]> = [];
    for (const [k] of prefixRange(store, prefix)) {
      const [h, id] = queueEntry(k.slice(prefix.length));
      if (h > height) break;
      due.push([k, id]);
    }
    for (const [k] of due) store.delete(k);
    return due.map(([, id]) => id);
  }

  // ---- the pending index (matching.ts): by requester, with a count per requester

  pendingCount(store: KVStore, requester: string): number {
    const raw = store.get(keys.pendingCount(requester));
    return raw === undefined ? 0 : Number(fromUtf8(raw));
  }

  private setPendingCount(store: KVStore, requester: string, n: number): void {
    if (n <= 0) {
      store.delete(keys.pendingCount(requester));
      store.delete(keys.pendingCursor(requester));
    } else store.set(keys.pendingCount(requester), utf8(String(n)));
  }

  addPending(store: KVStore, requester: string, id: bigint): void {
    if (store.get(keys.pending(requester, id)) !== undefined) return;
    store.set(keys.pending(requester, id), none);
    this.setPendingCount(store, requester, this.pendingCount(store, requester) + 1);
  }

  removePending(store: KVStore, requester: string, id: bigint): void {
    if (store.get(keys.pending(requester, id)) === undefined) return;
    store.delete(keys.pending(requester, id));
    this.setPendingCount(store, requester, this.pendingCount(store, requester) - 1);
  }

  /** Up to `limit` requesters with pending jobs, in turn after `after` (null: from the first). */
  pendingRequesters(store: KVStore, after: string | null, limit: number): string[] {
    const prefix = keys.pendingCountPrefix;
    return turn(store, prefix, after === null ? null : prefix + after, limit).map((key) => key.slice(prefix.length));
  }

  /** Up to `limit` of a requester's pending job ids, in turn after `after` (null: from its oldest). */
  pendingIdsOf(store: KVStore, requester: string, after: bigint | null, limit: number): bigint[] {
    const prefix = keys.pendingOfPrefix(requester);
    return turn(store, prefix, after === null ? null : prefix + pad(after), limit).map((key) =>
      BigInt(key.slice(prefix.length)),
    );
  }

  /** The requester matching resumes after (null: from the first). */
  matchCursor(store: KVStore): string | null {
    const raw = store.get(keys.matchCursor);
    return raw === undefined ? null : fromUtf8(raw);
  }

  setMatchCursor(store: KVStore, requester: string | null): void {
    if (requester === null) store.delete(keys.matchCursor);
    else store.set(keys.matchCursor, utf8(requester));
  }

  /** The job after which matching resumes in a requester's list (null: from its oldest). */
  pendingCursor(store: KVStore, requester: string): bigint | null {
    const raw = store.get(keys.pendingCursor(requester));
    return raw === undefined ? null : BigInt(fromUtf8(raw));
  }

  /** Sets the requester's resume point; only while it has pending jobs (null clears it). */
  setPendingCursor(store: KVStore, requester: string, after: bigint | null): void {
    if (after !== null && store.get(keys.pendingCount(requester)) !== undefined)
      store.set(keys.pendingCursor(requester), utf8(pad(after)));
    else store.delete(keys.pendingCursor(requester));
  }

  readCursors(store: KVStore): MatchCursors {
    const resume: MatchCursors["resume"] = [];
    const prefix = keys.pendingCursor("");
    for (const [k, v] of store.range(prefix, prefixEnd(prefix)))
      resume.push({ requester: k.slice(prefix.length), afterId: BigInt(fromUtf8(v)) });
    return { afterRequester: this.matchCursor(store) ?? "", resume };
  }

  writeCursors(store: KVStore, c: MatchCursors): void {
    if (c.afterRequester !== "") store.set(keys.matchCursor, utf8(c.afterRequester));
    for (const r of c.resume)
      if (this.pendingCount(store, r.requester) > 0) store.set(keys.pendingCursor(r.requester), utf8(pad(r.afterId)));
  }

  // ---- audit counters

  auditsOpened(store: KVStore): bigint {
    return this.counter(store, keys.auditsOpened);
  }

  bumpAuditsOpened(store: KVStore): void {
    this.bump(store, keys.auditsOpened);
  }

  verdictCount(store: KVStore, valoper: string): bigint {
    return this.counter(store, keys.verdicts(valoper));
  }

  bumpVerdicts(store: KVStore, valoper: string): void {
    this.bump(store, keys.verdicts(valoper));
  }

  verdictCounts(store: KVStore): Array<{ validator: string; count: bigint }> {
    const prefix = keys.verdicts("");
    return [...prefixRange(store, prefix)].map(([key]) => ({
      validator: key.slice(prefix.length),
      count: this.counter(store, key),
    }));
  }

  /** Genesis import of the audit counters. */
  restoreAuditCounters(
    store: KVStore,
    opened: bigint,
    verdicts: ReadonlyArray<{ validator: string; count: bigint }>,
  ): void {
    if (opened > 0n) store.set(keys.auditsOpened, utf8(opened.toString()));
    for (const v of verdicts) store.set(keys.verdicts(v.validator), utf8(v.count.toString()));
  }

  private counter(store: KVStore, key: string): bigint {
    const raw = store.get(key);
    return raw === undefined ? 0n : BigInt(fromUtf8(raw));
  }

  private bump(store: KVStore, key: string): void {
    store.set(key, utf8((this.counter(store, key) + 1n).toString()));
  }

  // ---- requester records

  requesterRecord(store: KVStore, requester: string): RequesterRecord {
    const raw = store.get(keys.requesterRecord(requester));
    return raw === undefined
      ? { requester, unusableJobs: "0", unusableFeesPaid: "0" }
      : codecs.requesterRecord.decode(raw);
  }

  setRequesterRecord(store: KVStore, r: RequesterRecord): void {
    store.set(keys.requesterRecord(r.requester), codecs.requesterRecord.encode(r));
  }

  *requesterRecords(store: KVStore): IterableIterator<RequesterRecord> {
    for (const [, raw] of prefixRange(store, keys.requesterRecordPrefix)) yield codecs.requesterRecord.decode(raw);
  }

  // ---- capability challenges (challenges.ts)

  isChallenge(store: KVStore, id: bigint): boolean {
    return store.has(keys.challenge(id));
  }

  getChallenge(store: KVStore, id: bigint): Challenge | null {
    const raw = store.get(keys.challenge(id));
    return raw === undefined ? null : codecs.challenge.decode(raw);
  }

  saveChallenge(store: KVStore, c: Challenge): void {
    store.set(keys.challenge(BigInt(c.jobId)), codecs.challenge.encode(c));
  }

  *challenges(store: KVStore): IterableIterator<Challenge> {
    for (const [, raw] of prefixRange(store, keys.challengePrefix)) yield codecs.challenge.decode(raw);
  }

  /** Challenges whose job is not yet final and closed, in id order. */
  openChallengeIds(store: KVStore): bigint[] {
    return [...prefixRange(store, keys.challengeOpenPrefix)].map(([key]) =>
      BigInt(key.slice(keys.challengeOpenPrefix.length)),
    );
  }

  setChallengeOpen(store: KVStore, id: bigint, open: boolean): void {
    if (open) store.set(keys.challengeOpen(id), none);
    else store.delete(keys.challengeOpen(id));
  }

  indexDecidedChallenge(store: KVStore, provider: string, id: bigint): void {
    store.set(keys.challengeByProvider(provider, id), none);
  }

  /** Ids of a provider's decided challenges, oldest first, at most `limit`. */
  decidedChallengeIds(store: KVStore, provider: string, limit: number): bigint[] {
    const prefix = keys.challengeByProviderPrefix(provider);
    const out: bigint[] = [];
    for (const [key] of prefixRange(store, prefix)) {
      if (out.length >= limit) break;
      out.push(BigInt(key.slice(prefix.length)));
    }
    return out;
  }

  // ---- non-delivery claims (claims.ts)

  getClaim(store: KVStore, id: bigint, provider: string): DeliveryClaim | null {
    const raw = store.get(keys.claim(id, provider));
    return raw === undefined ? null : codecs.deliveryClaim.decode(raw);
  }

  saveClaim(store: KVStore, cl: DeliveryClaim): void {
    store.set(keys.claim(BigInt(cl.jobId), cl.provider), codecs.deliveryClaim.encode(cl));
  }

  *claims(store: KVStore): IterableIterator<DeliveryClaim> {
    for (const [, raw] of prefixRange(store, keys.claimPrefix)) yield codecs.deliveryClaim.decode(raw);
  }

  queueClaim(store: KVStore, height: bigint, id: bigint, provider: string): void {
    store.set(keys.claimDue(height, id, provider), none);
  }

  unqueueClaim(store: KVStore, height: bigint, id: bigint, provider: string): void {
    store.delete(keys.claimDue(height, id, provider));
  }

  /** Claims whose window ends at or before `height`, taken off the queue (bounded by what is due). */
  takeDueClaims(store: KVStore, height: bigint): Array<{ id: bigint; provider: string }> {
    const due: string[] = [];
    for (const [key] of prefixRange(store, keys.claimDuePrefix)) {
      const [h] = key.slice(keys.claimDuePrefix.length).split("/") as [string];
      if (BigInt(h) > height) break;
      due.push(key);
    }
    return due.map((key) => {
      store.delete(key);
      const [, id, provider] = key.slice(keys.claimDuePrefix.length).split("/") as [string, string, string];
      return { id: BigInt(id), provider };
    });
  }
}
