import type { KVStore } from "../../modules/sdk/store.js";

/**
 * A sorted store that counts the entries it hands out (gets and iterated items), over another
 * store or its own map: the tests that a query reads one page, not every record, count with it.
 */
export class CountingStore implements KVStore {
  reads = 0;
  constructor(
    private readonly inner: KVStore | null = null,
    private readonly data = new Map<string, Uint8Array>(),
  ) {}
  get(key: string) {
    this.reads++;
    return this.inner !== null ? this.inner.get(key) : this.data.get(key);
  }
  has(key: string) {
    return this.get(key) !== undefined;
  }
  set(key: string, value: Uint8Array) {
    if (this.inner !== null) this.inner.set(key, value);
    else this.data.set(key, value);
  }
  delete(key: string) {
    if (this.inner !== null) this.inner.delete(key);
    else this.data.delete(key);
  }
  *range(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    yield* this.counted(
      this.inner !== null ? this.inner.range(start, end) : this.sorted(start, end)[Symbol.iterator](),
    );
  }
  *reverseRange(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    yield* this.counted(
      this.inner !== null ? this.inner.reverseRange(start, end) : this.sorted(start, end).reverse()[Symbol.iterator](),
    );
  }
  private sorted(start: string, end: string | undefined): Array<[string, Uint8Array]> {
    return [...this.data.entries()]
      .filter(([k]) => k >= start && (end === undefined || k < end))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  private *counted(source: Iterator<[string, Uint8Array]>): IterableIterator<[string, Uint8Array]> {
    for (let r = source.next(); !r.done; r = source.next()) {
      this.reads++;
      yield r.value;
    }
  }
}
