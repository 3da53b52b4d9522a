import sortedBtree from "sorted-btree";

// sorted-btree is CommonJS; under Node's ESM loader its class is the `default` property of the
// module object.
const BTree = sortedBtree.default;
export type SortedMap<V> = InstanceType<typeof BTree<string, V>>;

/** An ordered map with string keys in code-unit (= byte, for latin1 keys) order. */
export function createSortedMap<V>(): SortedMap<V> {
  return new BTree<string, V>(undefined, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
