import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import { defaultParams, validateParams } from "./params.js";
import { codecs, scoreOne, type ReputationParams, type ReputationRecord } from "./types.js";
import { prefixRange, type KVStore } from "../sdk/store.js";
import type { RegistryForReputation } from "./expectedKeepers.js";
import { keys } from "./keys.js";

// Provider reputation (fixed point, 10^6 = 1.0). Outcomes move a score up or down by weights in
// params; idle providers drift toward neutral in whole decay intervals, applied lazily when the
// record is read or updated (no per-block scan); too many consecutive faults jail the provider
// through the registry. Only this file touches the reputation store.

export type Outcome = "agree" | "disagree" | "noShow" | "auditPass" | "auditFail" | "decline";

export type { RegistryForReputation } from "./expectedKeepers.js";

export class ReputationKeeper {
  constructor(private readonly registry: RegistryForReputation) {}

  params(store: KVStore): ReputationParams {
    const raw = store.get(keys.params);
    return raw === undefined ? defaultParams() : codecs.params.decode(raw);
  }

  setParams(store: KVStore, p: ReputationParams): void {
    validateParams(p);
    store.set(keys.params, codecs.params.encode(p));
  }

  private stored(store: KVStore, provider: string): ReputationRecord | null {
    const raw = store.get(keys.record(provider));
    return raw === undefined ? null : codecs.record.decode(raw);
  }

  /** Saves a record and moves its entry in the rank index. */
  setRecord(store: KVStore, r: ReputationRecord): void {
    const old = this.stored(store, r.provider);
    if (old !== null) store.delete(keys.rank(old.score, old.provider));
    store.set(keys.record(r.provider), codecs.record.encode(r));
    store.set(keys.rank(r.score, r.provider), new Uint8Array());
  }

  /** The record as of `height`: a new provider starts at neutral; idle time has decayed it. */
  record(store: KVStore, provider: string, height: bigint): ReputationRecord {
    const p = this.params(store);
    const r = this.stored(store, provider) ?? {
      provider,
      score: p.neutral,
      consecutiveFaults: 0,
      lastUpdate: height.toString(),
      agreed: 0,
      disagreed: 0,
      noShows: 0,
      auditsPassed: 0,
      auditsFailed: 0,
      declines: 0,
    };
    return { ...r, score: decayed(r.score, BigInt(r.lastUpdate), height, p) };
  }

  /** The score (10^6 = 1.0) matching, audit rates and job floors read. */
  score(store: KVStore, provider: string, height: bigint): number {
    return this.record(store, provider, height).score;
  }

  /** For jobs: one verified outcome of a provider's result. */
  recordOutcome(ctx: Context, provider: string, outcome: Outcome): ReputationRecord {
    const p = this.params(ctx.store);
    const r = this.record(ctx.store, provider, ctx.height);
    const up = (x: number) => Math.min(scoreOne, r.score + x);
    const down = (x: number) => Math.max(0, r.score - x);
    let fault = false;
    switch (outcome) {
      case "agree":
        r.score = up(p.gainAgree);
        r.agreed++;
        r.consecutiveFaults = 0;
        break;
      case "auditPass":
        r.score = up(p.gainAuditPass);
        r.auditsPassed++;
        r.consecutiveFaults = 0;
        break;
      case "disagree":
        r.score = down(p.lossDisagree);
        r.disagreed++;
        r.consecutiveFaults++;
        fault = true;
        break;
      case "noShow":
        r.score = down(p.lossNoShow);
        r.noShows++;
        r.consecutiveFaults++;
        fault = true;
        break;
      case "auditFail":
        r.score = down(p.lossAuditFail);
        r.auditsFailed++;
        r.consecutiveFaults++;
        fault = true;
        break;
      case "decline":
        // Neither a fault nor a success: the run of consecutive faults is left as it is.
        r.score = down(p.lossDecline);
        r.declines++;
        break;
    }
    r.lastUpdate = ctx.height.toString();
    ctx.events.emit(
      event("reputation", [
        ["provider", provider],
        ["outcome", outcome],
        ["score", r.score.toString()],
      ]),
    );
    // Only a fault jails: a decline leaves the run as it is, even one at or past a limit that
    // governance lowered meanwhile.
    if (fault && r.consecutiveFaults >= p.maxConsecutiveFaults) {
      this.registry.jailProvider(ctx, provider, `${r.consecutiveFaults} consecutive faults`);
      r.consecutiveFaults = 0;
    }
    this.setRecord(ctx.store, r);
    return r;
  }

  /**
   * The `limit` best providers with a record, best first (ties: by address), decayed to `height`.
   * Walks the rank index from the best stored score and stops once no record further down can
   * rank: decay only moves a score toward neutral, so a stored score s bounds its decayed score
   * by max(s, neutral), and the index is in descending s.
   */
  ranked(store: KVStore, height: bigint, limit: number): ReputationRecord[] {
    const top: ReputationRecord[] = [];
    if (limit <= 0) return top;
    const p = this.params(store);
    const neutral = p.neutral;
    const before = (a: ReputationRecord, b: ReputationRecord) =>
      a.score > b.score || (a.score === b.score && a.provider < b.provider);
    const prefix = keys.rankPrefix;
    for (const [k] of prefixRange(store, prefix)) {
      const stored = scoreOne - Number(k.slice(prefix.length, prefix.length + 7));
      const last = top[limit - 1];
      if (last !== undefined && last.score > Math.max(stored, neutral)) break;
      // The record decayed as record() does, with the params read once for the whole walk; an
      // entry without its record (the rank-index invariant reports it) names no provider here.
      const s = this.stored(store, k.slice(prefix.length + 8));
      if (s === null) continue;
      const r = { ...s, score: decayed(s.score, BigInt(s.lastUpdate), height, p) };
      // Its place among those kept, by binary search: a walk past many kept records costs
      // log(limit) comparisons each, not limit.
      let i = 0;
      for (let hi = top.length; i < hi;) {
        const mid = (i + hi) >>> 1;
        if (before(r, top[mid]!)) hi = mid;
        else i = mid + 1;
      }
      if (i < limit) {
        top.splice(i, 0, r);
        if (top.length > limit) top.pop();
      }
    }
    return top;
  }

  /** The rank index's entries as (stored score, provider), for the invariant. */
  *rankEntries(store: KVStore): IterableIterator<{ score: number; provider: string }> {
    const prefix = keys.rankPrefix;
    for (const [k] of prefixRange(store, prefix))
      yield {
        score: scoreOne - Number(k.slice(prefix.length, prefix.length + 7)),
        provider: k.slice(prefix.length + 8),
      };
  }

  *records(store: KVStore): IterableIterator<ReputationRecord> {
    for (const [, raw] of prefixRange(store, keys.recordPrefix)) yield codecs.record.decode(raw);
  }
}

/**
 * score after the idle intervals since `from`: each moves decay_rate of the way to neutral
 * (integer arithmetic, truncating toward neutral). After 64 intervals the gap is negligible and
 * the score is neutral.
 */
export function decayed(score: number, from: bigint, to: bigint, p: ReputationParams): number {
  const interval = BigInt(p.decayIntervalBlocks);
  const n = to > from ? (to - from) / interval : 0n;
  if (n === 0n) return score;
  if (n > 64n) return p.neutral;
  let gap = BigInt(score - p.neutral);
  const keep = BigInt(scoreOne - p.decayRate);
  for (let i = 0n; i < n; i++) gap = (gap * keep) / BigInt(scoreOne);
  return p.neutral + Number(gap);
}
