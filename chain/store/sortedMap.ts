import { createRequire } from "node:module";

// sorted-btree is CommonJS with an ES-style default export; loaders disagree on what a default
// import of it yields, so take the class from require() explicitly.
type BTreeCtor = typeof import("sorted-btree").default;
const require = createRequire(import.meta.url);
const BTree = (require("sorted-btree") as { default: BTreeCtor }).default;

/** The part of sorted-btree's API the stores use. */
export interface SortedMap<V> {
  readonly size: number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  set(key: string, value: V): boolean;
  delete(key: string): boolean;
  /** Entries with key >= lowestKey, ascending. */
  entries(lowestKey?: string): IterableIterator<[string, V]>;
  /** Entries with key <= highestKey (< it when skipHighest), descending; all when undefined. */
  entriesReversed(highestKey?: string, reusedArray?: undefined, skipHighest?: boolean): IterableIterator<[string, V]>;
}

/** An ordered map with string keys in code-unit (= byte, for latin1 keys) order. */
export function createSortedMap<V>(): SortedMap<V> {
  return new BTree<string, V>(undefined, (a: string, b: string) =>
    a < b ? -1 : a > b ? 1 : 0,
  ) as unknown as SortedMap<V>;
}
