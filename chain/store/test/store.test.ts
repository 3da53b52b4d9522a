import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BranchStore } from "../branchStore.js";
import { openDB } from "../db.js";
import { LtHash } from "../ltHash.js";
import { MemoryStore } from "../memoryStore.js";
import { StateStore } from "../stateStore.js";

const b = (s: string) => new TextEncoder().encode(s);
const hex = (u: Uint8Array) => Buffer.from(u).toString("hex");

describe("stores", () => {
  it("a branch merges its writes over the parent in key order and writes only on write()", () => {
    const parent = new MemoryStore();
    for (const k of ["a", "c", "e"]) parent.set(k, b(k));
    const br = new BranchStore(parent);
    br.set("b", b("B"));
    br.set("c", b("C"));
    br.delete("e");
    br.set("f", b("F"));
    assert.deepEqual(
      [...br.range("", undefined)].map(([k, v]) => `${k}=${new TextDecoder().decode(v)}`),
      ["a=a", "b=B", "c=C", "f=F"],
    );
    assert.deepEqual(
      [...br.range("b", "d")].map(([k]) => k),
      ["b", "c"],
    );
    assert.equal(parent.get("b"), undefined, "parent untouched before write()");
    br.write();
    assert.deepEqual(
      [...parent.range("", undefined)].map(([k]) => k),
      ["a", "b", "c", "f"],
    );
  });

  it("LtHash is independent of insertion order and differs for different states", () => {
    const x = new LtHash();
    const y = new LtHash();
    const entries: Array<[string, string]> = Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]);
    for (const [k, v] of entries) x.add(k, b(v));
    for (const [k, v] of [...entries].reverse()) y.add(k, b(v));
    assert.equal(hex(x.digest()), hex(y.digest()));
    y.remove("k7", b("v7"));
    y.add("k7", b("v7!"));
    assert.notEqual(hex(x.digest()), hex(y.digest()));
    y.remove("k7", b("v7!"));
    y.add("k7", b("v7"));
    assert.equal(hex(x.digest()), hex(y.digest()), "undoing a change restores the hash");
    const z = new LtHash();
    z.add("k", b("v1"));
    const w = new LtHash();
    w.add("kv", b("1"));
    assert.notEqual(hex(z.digest()), hex(w.digest()), "key/value boundaries are part of the element");
  });

  it("the state store commits atomically to LevelDB and reloads the same state and app_hash", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "tc-state-")), "state");
    let db = await openDB(path);
    let s = await StateStore.open(db);
    const writes = new Map<string, Uint8Array | null>([
      ["x/1", b("one")],
      ["x/2", b("two")],
    ]);
    await s.commit(s.prepare(0n, writes), "chain-a");
    const p = s.prepare(
      1n,
      new Map([
        ["x/1", null],
        ["x/3", b("three")],
      ]),
    );
    await s.commit(p, "chain-a");
    const hash = hex(s.appHash);
    await db.close();
    db = await openDB(path);
    s = await StateStore.open(db);
    assert.equal(s.height, 1n);
    assert.equal(s.chainId, "chain-a");
    assert.equal(hex(s.appHash), hash);
    assert.deepEqual(
      [...s.store.range("", undefined)].map(([k]) => k),
      ["x/2", "x/3"],
    );
    await db.close();
  });

  it("refuses a state database whose entries do not match its committed hash", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "tc-state-")), "state");
    let db = await openDB(path);
    const s = await StateStore.open(db);
    await s.commit(s.prepare(0n, new Map([["k", b("v")]])), "c");
    await db.put(Buffer.from("sk", "latin1"), b("tampered"));
    await db.close();
    db = await openDB(path);
    await assert.rejects(StateStore.open(db), /corrupt/);
    await db.close();
  });
});
