import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Event, ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { heightKey } from "../../../modules/sdk/store.js";
import { memoryKV, type AsyncKV } from "../asyncKV.js";
import { parseEventQuery } from "../eventQuery.js";
import { decodeTxRecord, encodeTxRecords, TxIndex } from "../txIndex.js";
import { encodeTxResultJson } from "../resultCodec.js";
import { legacyIndexBlock, postingsAsHashes } from "./legacyTxIndex.js";
import { xorshift32 } from "../../testkit/xorshift.js";

// Review attacks on the r/ record and grouped postings: a fuzz of event texts against the
// previous writer, and a search over a store written half the old way, half the new.

const hash = (t: Uint8Array) => createHash("sha256").update(t).digest("hex").toUpperCase();

// Few short pieces, so that distinct (type, attr, value) triples often spell one key text.
const pieces = ["a", "b", ".", "\0", "\0", "\0", "=", "é", "\uD800", "tx", "height", heightKey(3n)];

const types = ["a", "a.b", "tx", "a\0"];

function text(r: () => number): string {
  let s = "";
  for (let n = r() % 3; n > 0; n--) s += pieces[r() % pieces.length]!;
  return s;
}

function randomResult(r: () => number): ExecTxResult {
  const events: Event[] = [];
  for (let n = r() % 4; n > 0; n--) {
    const attributes = [];
    for (let m = r() % 6; m > 0; m--) attributes.push({ key: text(r), value: text(r), index: r() % 4 !== 0 });
    events.push({ type: r() % 2 ? types[r() % types.length]! : text(r), attributes });
  }
  return {
    code: 0,
    data: new Uint8Array(),
    log: "",
    info: "",
    gasWanted: 1n,
    gasUsed: 1n,
    codespace: "",
    events,
  };
}

const entries = (kv: AsyncKV) => postingsAsHashes(kv);

describe("tx index postings: fuzzed against the writer of hashes", () => {
  it("writes the same e/ entries (as hashes) for random types, attributes and values (., =, NUL, unicode)", async () => {
    const r = xorshift32(17);
    for (let round = 0; round < 1500; round++) {
      const n = r() % 5;
      const txs = Array.from({ length: n }, (_, i) => new Uint8Array([round & 0xff, round >> 8, i]));
      const results = txs.map(() => randomResult(r));
      const fresh = memoryKV();
      const old = memoryKV();
      await new TxIndex(fresh).indexBlock(3n, txs, txs.map(hash), results);
      await legacyIndexBlock(old, 3n, txs, txs.map(hash), results);
      assert.deepEqual(
        await entries(fresh),
        await entries(old),
        `round ${round}: ${JSON.stringify(results, (_k, x: unknown) => (typeof x === "bigint" ? `${x}` : x))}`,
      );
    }
  });

  it("merges an attribute and a value that spell one key across a NUL, as before", async () => {
    // type "a", attr "b\0c", value "d" and type "a", attr "b", value "c\0d" are one key text.
    const ev = (key: string, value: string): Event => ({ type: "a", attributes: [{ key, value, index: true }] });
    const res = (...events: Event[]): ExecTxResult => ({ ...randomResult(xorshift32(1)), events });
    const txs = [new Uint8Array([1]), new Uint8Array([2])];
    const results = [res(ev("b\0c", "d")), res(ev("b", "c\0d"))];
    const fresh = memoryKV();
    const old = memoryKV();
    await new TxIndex(fresh).indexBlock(3n, txs, txs.map(hash), results);
    await legacyIndexBlock(old, 3n, txs, txs.map(hash), results);
    assert.deepEqual(await entries(fresh), await entries(old));
  });
});

describe("tx index: a store upgraded in place, searched across the boundary", () => {
  it("pages desc and asc over t/ and hashes, r/ and hashes, then r/ and positions as over a store of one layout", async () => {
    const res = (n: number): ExecTxResult => ({
      ...randomResult(xorshift32(1)),
      events: [{ type: "message", attributes: [{ key: "sender", value: n % 2 ? "odd" : "even", index: true }] }],
    });
    const mixed = memoryKV();
    const fresh = memoryKV();
    let n = 0;
    for (let h = 1n; h <= 6n; h++) {
      const txs = Array.from({ length: Number(h % 3n) + 1 }, () => new Uint8Array([n++, 7]));
      const results = txs.map((_, i) => res(n + i));
      if (h <= 2n) await legacyIndexBlock(mixed, h, txs, txs.map(hash), results);
      else if (h <= 4n) await legacyIndexBlock(mixed, h, txs, txs.map(hash), results, undefined, "r");
      else await new TxIndex(mixed).indexBlock(h, txs, txs.map(hash), results);
      await new TxIndex(fresh).indexBlock(h, txs, txs.map(hash), results);
    }
    const plain = (s: Awaited<ReturnType<TxIndex["search"]>>) => ({
      total: s.total,
      txs: s.txs.map((t) => `${t.height}/${t.index}/${t.hash}`),
    });
    for (const q of ["message.sender='odd'", "tx.height>=2 AND tx.height<=5", "message.sender='even'"])
      for (const order of ["asc", "desc"] as const)
        for (const [page, per] of [
          [1, 100],
          [1, 3],
          [2, 3],
          [3, 2],
          [9, 2],
        ] as const) {
          const got = plain(await new TxIndex(mixed).search(parseEventQuery(q), page, per, order));
          const want = plain(await new TxIndex(fresh).search(parseEventQuery(q), page, per, order));
          assert.deepEqual(got, want, `${q} ${order} ${page}/${per}`);
          if (page === 1 && per === 100) assert.ok(want.total > 0);
        }
    // The search bound counts every tx of every layout's postings, not the postings.
    const odd = (await new TxIndex(fresh).search(parseEventQuery("message.sender='odd'"), 1, 100, "asc")).total;
    for (const kv of [mixed, fresh]) {
      const idx = new TxIndex(kv);
      await assert.rejects(
        idx.search(parseEventQuery("message.sender='odd'"), 1, 100, "asc", odd - 1),
        (e: Error & { code?: number; codespace?: string }) => e.codespace === "txindex" && e.code === 2,
      );
      assert.equal((await idx.search(parseEventQuery("message.sender='odd'"), 1, 100, "asc", odd)).total, odd);
    }
  });

  it("prefers the r/ record when a hash has both (re-indexed after the upgrade)", async () => {
    const kv = memoryKV();
    const t = new Uint8Array([9, 9]);
    const r = (s: string): ExecTxResult => ({
      ...randomResult(xorshift32(1)),
      events: [{ type: "message", attributes: [{ key: "sender", value: s, index: true }] }],
    });
    // The same bytes at height 2 (old layout) and again at height 5 (new): the last write wins.
    await legacyIndexBlock(kv, 2n, [t], [hash(t)], [r("first")]);
    await new TxIndex(kv).indexBlock(5n, [t], [hash(t)], [r("second")]);
    const got = await new TxIndex(kv).get(hash(t));
    assert.equal(got!.height, 5n);
    const s = await new TxIndex(kv).search(parseEventQuery("message.sender='first'"), 1, 10, "asc");
    // As with the old writer alone: the hash's record is the last one, which does not match.
    const old = memoryKV();
    await legacyIndexBlock(old, 2n, [t], [hash(t)], [r("first")]);
    await legacyIndexBlock(old, 5n, [t], [hash(t)], [r("second")]);
    const s0 = await new TxIndex(old).search(parseEventQuery("message.sender='first'"), 1, 10, "asc");
    assert.equal(s.total, s0.total);
  });
});

describe("tx index records: decoding attacks", () => {
  const isCorrupt = (e: Error & { code?: number; codespace?: string }) =>
    e.codespace === "txindex" && e.code === 3 && /corrupt tx index record/.test(e.message);
  const json = encodeTxResultJson(randomResult(xorshift32(3)));
  const rec = (h: bigint, result = json, tx = new Uint8Array([1, 2])) => encodeTxRecords(h, [tx], [result])[0]!;

  it("decodes heights past 2^53 and up to 2^64-1 exactly, as bigints", () => {
    for (const h of [(1n << 53n) + 1n, (1n << 63n) + 3n, (1n << 64n) - 1n, 0n])
      assert.equal(decodeTxRecord("AB", rec(h)).height, h);
    assert.throws(() => rec(1n << 64n), /out of range/);
    assert.throws(() => rec(-1n), /out of range/);
  });

  it("takes the index as written, to 2^32-1, without allocating by it", () => {
    const raw = Buffer.from(rec(5n));
    raw.writeUInt32BE(0xffffffff, 9);
    assert.equal(decodeTxRecord("AB", raw).index, 0xffffffff);
  });

  it("refers a tx length of 2^32-1 to txindex 3 without a large allocation", () => {
    const raw = Buffer.from(rec(5n));
    raw.writeUInt32BE(0xffffffff, 13);
    assert.throws(() => decodeTxRecord("AB", raw), isCorrupt);
  });

  it("reads a zero-length tx with a result right after the header", () => {
    const t = decodeTxRecord("AB", rec(5n, json, new Uint8Array()));
    assert.equal(t.tx.length, 0);
    assert.equal(encodeTxResultJson(t.result), json);
  });

  const bad: Array<[string, string]> = [
    ["trailing bytes after the result", json + "x"],
    ["a second JSON value after the result", json + "{}"],
    ["an empty result", ""],
    ["a code as text", json.replace(/^\{"c":0/, '{"c":"0"')],
    ["a fractional code", json.replace(/^\{"c":0/, '{"c":0.5')],
    ["a negative code", json.replace(/^\{"c":0/, '{"c":-1')],
    ["a code past u32", json.replace(/^\{"c":0/, '{"c":4294967296')],
    ["events that are not a list", json.replace(/"e":\[.*\],"s"/, '"e":{},"s"')],
    ["an index flag of 2", JSON.stringify({ ...JSON.parse(json), e: [["t", [["k", "v", 2]]]] })],
    ["an attribute of two fields", JSON.stringify({ ...JSON.parse(json), e: [["t", [["k", "v"]]]] })],
    ["a gas as a number", JSON.stringify({ ...JSON.parse(json), w: 1 })],
    ["a null result", "null"],
    ["a list result", "[]"],
  ];
  for (const [name, result] of bad)
    it(`reports a result with ${name} as txindex 3`, () => {
      assert.notEqual(result, json);
      assert.throws(() => decodeTxRecord("AB", rec(5n, result)), isCorrupt);
    });

  it("ignores fields it does not know in the result (a later writer's)", () => {
    const more = JSON.stringify({ ...JSON.parse(json), z: [1, { y: 2 }] });
    assert.equal(encodeTxResultJson(decodeTxRecord("AB", rec(5n, more)).result), json);
  });
});
