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
  /**
   * While a checkpoint is open: for each set or delete, the key and what `writes` held for it
   * before (undefined: nothing), flat as [key, before, key, before, ...], so that `revert` puts
   * `writes` back exactly as it was (the same entries in the same order).
   */
  private journal: Array<string | Write | undefined> | null = null;

  constructor(private readonly parent: KVStore) {}

  /**
   * The open checkpoints, innermost last (their journal positions). Two can share a position (one
   * opened before any write inside the other), so their nesting is counted here, not read off
   * the position: the journal stops only when the last one is released.
   */
  private readonly open: number[] = [];

  /**
   * Opens a checkpoint: writes from now on can be undone by `revert(cp)`. A tx runs on the
   * block's branch this way instead of on two more branches of it (reads then walk one map, not
   * three; nothing is copied on success). Checkpoints nest; each is released, innermost first.
   */
  checkpoint(): number {
    if (this.journal === null) this.journal = [];
    this.open.push(this.journal.length);
    return this.journal.length;
  }

  /**
   * Undoes every write since `cp`, the innermost open checkpoint (which stays open). An outer one
   * is refused while an inner one is open: the inner one's later revert would undo writes made
   * after this one, not those made since it was opened.
   */
  revert(cp: number): void {
    const j = this.journal;
    if (j === null || !this.open.includes(cp) || cp > j.length)
      throw new Error("revert to a checkpoint that is not open");
    if (this.open[this.open.length - 1] !== cp) throw new Error("revert to a checkpoint that is not the innermost");
    for (let i = j.length - 2; i >= cp; i -= 2) {
      const key = j[i] as string;
      const before = j[i + 1] as Write | undefined;
      if (before === undefined) this.writes.delete(key);
      else this.writes.set(key, before);
    }
    j.length = cp;
  }

  /**
   * Closes the innermost checkpoint, `cp`, keeping its writes (an enclosing one can still undo
   * them); releasing the last open one stops journaling.
   */
  release(cp: number): void {
    if (this.journal === null || this.open[this.open.length - 1] !== cp)
      throw new Error("release of a checkpoint that is not open (or not the innermost)");
    this.open.pop();
    if (this.open.length === 0) this.journal = null;
  }

  private record(key: string): void {
    this.journal!.push(key, this.writes.get(key));
  }

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
    if (this.journal !== null) this.record(key);
    this.writes.set(key, value);
  }

  delete(key: string): void {
    if (this.journal !== null) this.record(key);
    this.writes.set(key, null);
  }

  /**
   * Merges this branch's writes over the parent's entries, in key order. The iterator shows the
   * entries as they are now, when range() is called, whatever is set, deleted or reverted while
   * it is open (the SDK's cachekv iterates a copy of its writes): the writes in the range are
   * copied here, and the parent is not written while a branch over it is open.
   */
  range(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    const keys = this.localKeys(start, end);
    return merge(
      keys,
      keys.map((k) => this.writes.get(k) as Write),
      this.parent.range(start, end),
      (a, b) => a < b,
    );
  }

  /** The same merge in descending key order. */
  reverseRange(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    const keys = this.localKeys(start, end).reverse();
    return merge(
      keys,
      keys.map((k) => this.writes.get(k) as Write),
      this.parent.reverseRange(start, end),
      (a, b) => a > b,
    );
  }

  /** The keys written here in [start, end), ascending. */
  private localKeys(start: string, end: string | undefined): string[] {
    const out: string[] = [];
    for (const k of this.writes.keys()) if (k >= start && (end === undefined || k < end)) out.push(k);
    return out.sort();
  }

  /** Applies the writes to the parent and empties the branch. */
  write(): void {
    if (this.journal !== null) throw new Error("write() with a checkpoint open");
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
    if (this.journal !== null) throw new Error("discard() with a checkpoint open");
    this.writes.clear();
  }
}

/**
 * The entries of `keys` (a branch's writes, in iteration order, null for a delete) over those of
 * `parent` (in the same order): the branch's entry wins for a key in both; deletes are not shown.
 */
function* merge(
  keys: readonly string[],
  values: readonly Write[],
  parent: Iterator<[string, Uint8Array]>,
  before: (a: string, b: string) => boolean,
): IterableIterator<[string, Uint8Array]> {
  let p = parent.next();
  let i = 0;
  while (i < keys.length || !p.done) {
    const lk = keys[i];
    if (p.done || (lk !== undefined && !before(p.value[0], lk))) {
      const key = lk!;
      if (!p.done && p.value[0] === key) p = parent.next();
      const w = values[i++] as Write;
      if (w !== null) yield [key, w];
    } else {
      yield p.value;
      p = parent.next();
    }
  }
}
