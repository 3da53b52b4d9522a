import assert from "node:assert/strict";
import { BranchStore } from "../branchStore.js";
import { MemoryStore } from "../memoryStore.js";

const b = (s: string) => Buffer.from(s);
const text = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString());
const pending = (s: BranchStore) => [...s.pending].map(([k, v]) => [k, v === null ? null : Buffer.from(v).toString()]);
const all = (s: BranchStore) => [...s.range("", undefined)].map(([k, v]) => [k, Buffer.from(v).toString()]);

function setup(): BranchStore {
  const base = new MemoryStore();
  base.set("a", b("base-a"));
  base.set("c", b("base-c"));
  const s = new BranchStore(base);
  s.set("b", b("block-b"));
  s.delete("c");
  s.set("d", b("block-d"));
  return s;
}

describe("BranchStore checkpoints (chain/store/branchStore.ts)", () => {
  it("revert puts the writes back exactly: entries, deletes and their order", () => {
    const s = setup();
    const before = pending(s);
    const cp = s.checkpoint();
    s.set("a", b("tx-a")); // over the parent
    s.set("b", b("tx-b")); // over a block write
    s.set("b", b("tx-b2")); // twice
    s.set("c", b("tx-c")); // over a block delete
    s.delete("d"); // a block write deleted
    s.set("e", b("tx-e")); // new
    s.delete("e");
    s.delete("f"); // a delete of nothing
    assert.equal(text(s.get("a")), "tx-a");
    assert.equal(text(s.get("b")), "tx-b2");
    assert.equal(s.has("d"), false);
    s.revert(cp);
    s.release(cp);
    assert.deepEqual(pending(s), before, "the same entries in the same order");
    assert.equal(text(s.get("a")), "base-a", "no stale value after the reverted write");
    assert.equal(text(s.get("b")), "block-b");
    assert.equal(s.get("c"), undefined);
    assert.equal(s.has("c"), false);
    assert.equal(text(s.get("d")), "block-d");
    assert.equal(s.has("e"), false);
    assert.deepEqual(all(s), [
      ["a", "base-a"],
      ["b", "block-b"],
      ["d", "block-d"],
    ]);
  });

  it("nests: an inner revert keeps the outer writes, an outer revert drops both", () => {
    const s = setup();
    const before = pending(s);
    const outer = s.checkpoint();
    s.set("a", b("ante-a"));
    s.set("x", b("ante-x"));
    const inner = s.checkpoint();
    s.set("a", b("msg-a"));
    s.set("y", b("msg-y"));
    s.delete("x");
    s.revert(inner);
    s.release(inner);
    assert.equal(text(s.get("a")), "ante-a", "the inner write is undone, the outer one stays");
    assert.equal(text(s.get("x")), "ante-x");
    assert.equal(s.get("y"), undefined);
    s.revert(outer);
    s.release(outer);
    assert.deepEqual(pending(s), before);
  });

  it("keeps released writes, and a later checkpoint cannot undo them", () => {
    const s = setup();
    const cp = s.checkpoint();
    s.set("a", b("kept"));
    s.release(cp);
    const cp2 = s.checkpoint();
    assert.equal(cp2, 0, "journaling starts afresh");
    s.set("a", b("undone"));
    s.revert(cp2);
    s.release(cp2);
    assert.equal(text(s.get("a")), "kept");
    assert.throws(() => s.revert(0), /not open/, "no checkpoint is open any more");
  });

  it("refuses write() and discard() while a checkpoint is open", () => {
    const s = setup();
    const cp = s.checkpoint();
    assert.throws(() => s.write(), /checkpoint open/);
    assert.throws(() => s.discard(), /checkpoint open/);
    s.release(cp);
    s.write();
    assert.equal(s.pending.size, 0);
  });

  it("a child branch's write under a checkpoint is undone like a direct one", () => {
    const s = setup();
    const cp = s.checkpoint();
    const child = new BranchStore(s);
    child.set("a", b("child-a"));
    child.delete("b");
    child.write();
    assert.equal(text(s.get("a")), "child-a");
    s.revert(cp);
    s.release(cp);
    assert.equal(text(s.get("a")), "base-a");
    assert.equal(text(s.get("b")), "block-b");
  });

  it("nests when the inner checkpoint opens before any write: its release keeps the outer open", () => {
    // Both checkpoints are at journal position 0 (an ante that wrote nothing, or a tx run inside
    // another on the same branch): releasing the inner one must not stop the outer's journal.
    const s = setup();
    const before = pending(s);
    const outer = s.checkpoint();
    const inner = s.checkpoint();
    assert.equal(inner, outer);
    s.set("a", b("inner-a"));
    s.release(inner);
    s.set("x", b("outer-x"));
    assert.throws(() => s.write(), /checkpoint open/, "the outer checkpoint is still open");
    s.revert(outer);
    s.release(outer);
    assert.deepEqual(pending(s), before, "the outer revert undoes the inner's and its own writes");
    s.write();
  });

  it("refuses a release or revert with no checkpoint open, and more releases than checkpoints", () => {
    const s = setup();
    assert.throws(() => s.release(0), /not open/);
    assert.throws(() => s.revert(0), /not open/);
    const cp = s.checkpoint();
    s.release(cp);
    assert.throws(() => s.release(cp), /not open/);
    const outer = s.checkpoint();
    s.set("a", b("outer-a"));
    s.checkpoint();
    assert.throws(() => s.release(outer), /innermost/, "the outer one while the inner is open");
  });
});
