import assert from "node:assert/strict";
import { GasKVStore, GasMeter } from "../../../modules/sdk/gas.js";
import type { KVStore } from "../../../modules/sdk/store.js";
import { BranchStore } from "../branchStore.js";
import { MemoryStore } from "../memoryStore.js";

/** A deterministic generator (fixed seed), so a failure replays. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const keyOf = (i: number) => `k/${String(i).padStart(3, "0")}`;
const keysOf = (it: Iterable<[string, Uint8Array]>) => [...it].map(([k]) => k);

// The reverse iterator (the SDK's ReverseIterator) that reverse pagination pages with: the same
// entries as range(), descending, through a branch over a branch over the committed store.
describe("store: reverseRange", () => {
  it("answers range() reversed on memory, branch-of-branch and gas-metered stores (fixed seed)", () => {
    const r = rng(7);
    const base = new MemoryStore();
    for (let i = 0; i < 200; i += 2) base.set(keyOf(i), Uint8Array.of(i));
    const block = new BranchStore(base);
    const tx = new BranchStore(block);
    for (let i = 0; i < 120; i++) {
      const k = keyOf(r(220));
      if (r(3) === 0) block.delete(k);
      else block.set(k, Uint8Array.of(1));
      const k2 = keyOf(r(220));
      if (r(3) === 0) tx.delete(k2);
      else tx.set(k2, Uint8Array.of(2));
    }
    const stores: Array<[string, KVStore]> = [
      ["memory", base],
      ["block", block],
      ["tx", tx],
    ];
    for (let i = 0; i < 200; i++) {
      const a = r(230);
      const b = r(4) === 0 ? undefined : a + r(60);
      const start = r(5) === 0 ? "" : keyOf(a);
      const end = b === undefined ? undefined : r(2) === 0 ? keyOf(b) : `${keyOf(b)}x`;
      for (const [name, s] of stores)
        assert.deepEqual(
          keysOf(s.reverseRange(start, end)),
          keysOf(s.range(start, end)).reverse(),
          `${name} ${start}..${end}`,
        );
    }
    const forward = new GasMeter(undefined);
    const backward = new GasMeter(undefined);
    assert.equal(
      keysOf(new GasKVStore(tx, forward).range("", undefined)).length,
      keysOf(tx.range("", undefined)).length,
    );
    keysOf(new GasKVStore(tx, backward).reverseRange("", undefined));
    assert.ok(forward.consumed > 0n);
    assert.equal(backward.consumed, forward.consumed, "a reverse walk costs what a forward one does");
  });

  it("stops at the first entry below start without reading further", () => {
    const base = new MemoryStore();
    for (let i = 0; i < 100; i++) base.set(keyOf(i), Uint8Array.of(i));
    const it = base.reverseRange(keyOf(95), undefined);
    assert.deepEqual(keysOf(it), [keyOf(99), keyOf(98), keyOf(97), keyOf(96), keyOf(95)]);
  });
});
