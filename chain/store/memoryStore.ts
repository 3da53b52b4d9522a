import type { KVStore } from "../../modules/sdk/store.js";
import { createSortedMap, type SortedMap } from "./sortedMap.js";

/** A KVStore held in an ordered in-memory map: the committed state, and the store of tests. */
export class MemoryStore implements KVStore {
  constructor(readonly tree: SortedMap<Uint8Array> = createSortedMap<Uint8Array>()) {}

  get size(): number {
    return this.tree.size;
  }

  get(key: string): Uint8Array | undefined {
    return this.tree.get(key);
  }

  has(key: string): boolean {
    return this.tree.has(key);
  }

  set(key: string, value: Uint8Array): void {
    this.tree.set(key, value);
  }

  delete(key: string): void {
    this.tree.delete(key);
  }

  *range(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    for (const entry of this.tree.entries(start)) {
      if (end !== undefined && entry[0] >= end) return;
      yield [entry[0], entry[1]];
    }
  }

  *reverseRange(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    const entries = end === undefined ? this.tree.entriesReversed() : this.tree.entriesReversed(end, undefined, true);
    for (const entry of entries) {
      if (entry[0] < start) return;
      yield [entry[0], entry[1]];
    }
  }
}
