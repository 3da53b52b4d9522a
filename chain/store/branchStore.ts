import type { KVStore } from "../../modules/sdk/store.js";

/** A pending write: a value, or null for a delete. */
export type Write = Uint8Array | null;

/**
 * A copy-on-write view over a parent store (the SDK's CacheKVStore): reads fall through,
 * writes stay here until `write()` applies them to the parent. A tx runs on a branch of the
 * block's branch and is written only if it succeeds; the block's branch is committed at once.
 */
export class BranchStore implements KVStore {
  private readonly writes = new Map<string, Write>();

  constructor(private readonly parent: KVStore) {}

  get(key: string): Uint8Array | undefined {
    const w = this.writes.get(key);
    if (w !== undefined) return w === null ? undefined : w;
    return this.parent.get(key);
  }

  has(key: string): boolean {
    const w = this.writes.get(key);
    if (w !== undefined) return w !== null;
    return this.parent.has(key);
  }

  set(key: string, value: Uint8Array): void {
    this.writes.set(key, value);
  }

  delete(key: string): void {
    this.writes.set(key, null);
  }

  /** Merges this branch's writes over the parent's entries, in key order. */
  *range(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    const local = [...this.writes.keys()].filter((k) => k >= start && (end === undefined || k < end)).sort();
    const parentIter = this.parent.range(start, end);
    let p = parentIter.next();
    let i = 0;
    while (i < local.length || !p.done) {
      const lk = local[i];
      if (p.done || (lk !== undefined && lk <= p.value[0])) {
        const key = lk!;
        if (!p.done && p.value[0] === key) p = parentIter.next();
        i++;
        const w = this.writes.get(key)!;
        if (w !== null) yield [key, w];
      } else {
        yield p.value;
        p = parentIter.next();
      }
    }
  }

  /** The same merge in descending key order. */
  *reverseRange(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    const local = [...this.writes.keys()]
      .filter((k) => k >= start && (end === undefined || k < end))
      .sort()
      .reverse();
    const parentIter = this.parent.reverseRange(start, end);
    let p = parentIter.next();
    let i = 0;
    while (i < local.length || !p.done) {
      const lk = local[i];
      if (p.done || (lk !== undefined && lk >= p.value[0])) {
        const key = lk!;
        if (!p.done && p.value[0] === key) p = parentIter.next();
        i++;
        const w = this.writes.get(key)!;
        if (w !== null) yield [key, w];
      } else {
        yield p.value;
        p = parentIter.next();
      }
    }
  }

  /** Applies the writes to the parent and empties the branch. */
  write(): void {
    for (const [k, v] of this.writes) {
      if (v === null) this.parent.delete(k);
      else this.parent.set(k, v);
    }
    this.writes.clear();
  }

  /** The pending writes, for the committer (which sorts them before hashing or persisting). */
  get pending(): ReadonlyMap<string, Write> {
    return this.writes;
  }

  discard(): void {
    this.writes.clear();
  }
}
