import { createRequire } from "node:module";
import type BTreeClass from "sorted-btree";

// sorted-btree is CommonJS with an ES-style default export; loaders disagree on what a default
// import of it yields, so take the class from require() explicitly.
const require = createRequire(import.meta.url);
const BTree = (require("sorted-btree") as { default: typeof BTreeClass }).default;

export type SortedMap<V> = BTreeClass<string, V>;

/** An ordered map with string keys in code-unit (= byte, for latin1 keys) order. */
export function createSortedMap<V>(): SortedMap<V> {
  return new BTree<string, V>(undefined, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
