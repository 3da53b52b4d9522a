import assert from "node:assert/strict";
import { xorshift32 } from "../../testkit/xorshift.js";
import { BranchStore } from "../branchStore.js";
import { MemoryStore } from "../memoryStore.js";

// A block's branch with checkpoints (chain/store/branchStore.ts) against a plain reference: a
// map of the state it should show, a copy of it per open checkpoint. Random sets, deletes,
// checkpoints, reverts, releases, iterations (forward and reverse, random bounds, some left
// open while the branch is written or reverted and finished later), child branches written or
// discarded, and commits to the parent. An iterator shows the entries as they were when range()
// or reverseRange() was called, whatever is written meanwhile (the SDK's cachekv iterates a copy).

type Entries = Array<[string, string]>;

const text = (v: Uint8Array) => Buffer.from(v).toString();
const keyOf = (n: number) => `k${String.fromCharCode(97 + (n % 26))}${n >= 26 ? n % 7 : ""}`;

/** The reference's entries in [start, end), ascending or descending. */
function refRange(ref: Map<string, string>, start: string, end: string | undefined, reverse: boolean): Entries {
  const out = [...ref]
    .filter(([k]) => k >= start && (end === undefined || k < end))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return reverse ? out.reverse() : out;
}

const drain = (it: Iterator<[string, Uint8Array]>): Entries => {
  const out: Entries = [];
  for (let r = it.next(); !r.done; r = it.next()) out.push([r.value[0], text(r.value[1])]);
  return out;
};

interface OpenIterator {
  it: Iterator<[string, Uint8Array]>;
  seen: Entries;
  want: Entries;
  what: string;
}

function run(seed: number, steps: number): void {
  const next = xorshift32(seed);
  const pick = (n: number) => next() % n;
  const base = new MemoryStore();
  const ref = new Map<string, string>();
  for (let i = 0; i < 40; i += 3) {
    base.set(keyOf(i), Buffer.from(`base-${i}`));
    ref.set(keyOf(i), `base-${i}`);
  }
  let branch = new BranchStore(base);
  /** Open checkpoints, innermost last: the number and the reference state when it was opened. */
  const open: Array<{ cp: number; state: Map<string, string> }> = [];
  const iterators: OpenIterator[] = [];
  let counter = 0;

  const check = (where: string) => {
    for (let n = 0; n < 60; n++) {
      const k = keyOf(n);
      assert.equal(branch.has(k), ref.has(k), `${where}: has(${k})`);
      const v = branch.get(k);
      assert.equal(v === undefined ? undefined : text(v), ref.get(k), `${where}: get(${k})`);
    }
  };
  const bounds = (): [string, string | undefined] => {
    const a = keyOf(pick(60));
    const b = pick(4) === 0 ? undefined : keyOf(pick(60));
    if (pick(5) === 0) return ["", b];
    return b === undefined || a <= b ? [a, b] : [b, a];
  };
  const startIterator = (where: string): OpenIterator => {
    const [start, end] = bounds();
    const reverse = pick(2) === 0;
    const it = reverse ? branch.reverseRange(start, end) : branch.range(start, end);
    return {
      it,
      seen: [],
      want: refRange(ref, start, end, reverse),
      what: `${where}: ${reverse ? "reverseRange" : "range"}(${start}, ${end})`,
    };
  };
  const step = (o: OpenIterator, n: number) => {
    for (let i = 0; i < n; i++) {
      const r = o.it.next();
      if (r.done) break;
      o.seen.push([r.value[0], text(r.value[1])]);
    }
  };

  for (let s = 0; s < steps; s++) {
    const where = `seed ${seed} step ${s}`;
    const op = pick(100);
    if (op < 30) {
      const k = keyOf(pick(60));
      const v = `v${counter++}`;
      branch.set(k, Buffer.from(v));
      ref.set(k, v);
    } else if (op < 45) {
      const k = keyOf(pick(60));
      branch.delete(k);
      ref.delete(k);
    } else if (op < 55) {
      if (open.length < 4) open.push({ cp: branch.checkpoint(), state: new Map(ref) });
    } else if (op < 62) {
      const top = open[open.length - 1];
      if (top !== undefined) {
        branch.revert(top.cp);
        ref.clear();
        for (const [k, v] of top.state) ref.set(k, v);
      }
    } else if (op < 70) {
      const top = open.pop();
      if (top !== undefined) branch.release(top.cp);
    } else if (op < 78) {
      // A whole iteration at once.
      const o = startIterator(where);
      assert.deepEqual(drain(o.it), o.want, o.what);
    } else if (op < 86) {
      // An iteration left open: a few entries now, the rest at later steps.
      if (iterators.length < 3) {
        const o = startIterator(where);
        step(o, pick(3));
        iterators.push(o);
      }
    } else if (op < 93) {
      const i = pick(Math.max(iterators.length, 1));
      const o = iterators[i];
      if (o !== undefined) {
        step(o, 1 + pick(4));
        if (pick(3) === 0) {
          assert.deepEqual([...o.seen, ...drain(o.it)], o.want, `${o.what}, finished at ${where}`);
          iterators.splice(i, 1);
        }
      }
    } else if (op < 97) {
      // A child branch (a cache context): its writes reach the branch only when written.
      const child = new BranchStore(branch);
      const childRef = new Map(ref);
      for (let i = pick(5); i > 0; i--) {
        const k = keyOf(pick(60));
        if (pick(3) === 0) {
          child.delete(k);
          childRef.delete(k);
        } else {
          const v = `c${counter++}`;
          child.set(k, Buffer.from(v));
          childRef.set(k, v);
        }
      }
      const [start, end] = bounds();
      assert.deepEqual(drain(child.range(start, end)), refRange(childRef, start, end, false), `${where}: child range`);
      if (pick(2) === 0) {
        child.write();
        ref.clear();
        for (const [k, v] of childRef) ref.set(k, v);
      } else child.discard();
    } else if (open.length === 0) {
      // The block is committed: its writes go to the parent, a new branch starts. Open
      // iterators over the old branch are finished first (the parent is written below them).
      for (const o of iterators.splice(0))
        assert.deepEqual([...o.seen, ...drain(o.it)], o.want, `${o.what}, finished before the commit at ${where}`);
      branch.write();
      assert.deepEqual(
        drain(base.range("", undefined)),
        refRange(ref, "", undefined, false),
        `${where}: the parent after write()`,
      );
      branch = new BranchStore(base);
    }
    check(where);
  }
  for (const o of iterators)
    assert.deepEqual([...o.seen, ...drain(o.it)], o.want, `${o.what}, finished at the end of seed ${seed}`);
}

describe("BranchStore with checkpoints against a reference map (chain/store/branchStore.ts)", () => {
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}: get, has and iteration agree with the reference`, () => run(seed, 1500));
  }

  it("refuses to revert a checkpoint that is open but not the innermost", () => {
    const s = new BranchStore(new MemoryStore());
    const outer = s.checkpoint();
    s.set("a", Buffer.from("outer"));
    const inner = s.checkpoint();
    s.set("b", Buffer.from("inner"));
    assert.throws(() => s.revert(outer), /innermost/);
    assert.equal(text(s.get("b")!), "inner", "nothing was undone");
    s.revert(inner);
    s.release(inner);
    s.revert(outer);
    s.release(outer);
    assert.equal(s.pending.size, 0);
  });
});
