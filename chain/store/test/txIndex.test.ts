import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { heightKey } from "../../../modules/sdk/store.js";
import { memoryKV } from "../asyncKV.js";
import { parseEventQuery } from "../eventQuery.js";
import { decodeTxRecord, encodeTxRecords, TxIndex, type IndexedTx } from "../txIndex.js";
import { encodeTxResultJson } from "../resultCodec.js";
import { legacyIndexBlock, postingsAsHashes } from "./legacyTxIndex.js";

function result(sender: string, extra: Array<[string, string, boolean]> = []): ExecTxResult {
  return {
    code: 0,
    data: new Uint8Array(),
    log: "",
    info: "",
    gasWanted: 1n,
    gasUsed: 1n,
    codespace: "",
    events: [
      {
        type: "message",
        attributes: [
          { key: "sender", value: sender, index: true },
          { key: "sender", value: sender, index: true },
          ...extra.map(([key, value, index]) => ({ key, value, index })),
        ],
      },
    ],
  };
}

const tx = (n: number) => new Uint8Array([n, n + 1, n + 2]);
const hash = (t: Uint8Array) => createHash("sha256").update(t).digest("hex").toUpperCase();

describe("tx index postings", () => {
  it("narrows an attribute's scan by tx.height bounds: a bounded query on a long history is answered, not refused", async () => {
    const kv = memoryKV();
    const idx = new TxIndex(kv);
    // carol sends one tx at each of heights 1..40 (and dave at 40).
    for (let h = 1; h <= 40; h++) {
      const b = h === 40 ? [tx(h), tx(200)] : [tx(h)];
      await idx.indexBlock(BigInt(h), b, b.map(hash), h === 40 ? [result("carol"), result("dave")] : [result("carol")]);
    }
    const q = (text: string) => idx.search(parseEventQuery(text), 1, 100, "asc", 10);
    // The whole history is more than 10 entries: refused, as before.
    await assert.rejects(q("message.sender='carol'"), /more than 10 index entries/);
    const heights = async (text: string) => (await q(text)).txs.map((t) => Number(t.height));
    assert.deepEqual(await heights("message.sender='carol' AND tx.height>=37"), [37, 38, 39, 40]);
    assert.deepEqual(await heights("message.sender='carol' AND tx.height>36 AND tx.height<39"), [37, 38]);
    assert.deepEqual(await heights("tx.height>=38 AND message.sender='carol' AND tx.height<=38"), [38]);
    assert.deepEqual(
      await heights("message.sender='carol' AND tx.height>=39 AND tx.height>=40"),
      [40],
      "the tighter bound",
    );
    assert.deepEqual(await heights("message.sender='dave' AND tx.height>=1"), [40]);
    assert.deepEqual(await heights("message.sender='carol' AND tx.height<0"), []);
    assert.deepEqual(await heights("message.sender='carol' AND tx.height>=41"), []);
    // Bounds past what a key holds are clamped (only widening the scan), never an internal error.
    assert.deepEqual(await heights("message.sender='carol' AND tx.height>=-5 AND tx.height<=2"), [1, 2]);
    assert.deepEqual(await heights("message.sender='dave' AND tx.height<=99999999999999999999999"), [40]);
    assert.deepEqual(await heights("message.sender='carol' AND tx.height>99999999999999999999999"), []);
  });

  it("writes one posting per attribute value and block, and answers as one entry per tx did", async () => {
    const kv = memoryKV();
    const idx = new TxIndex(kv);
    const b1 = [tx(1), tx(2), tx(3)];
    await idx.indexBlock(1n, b1, b1.map(hash), [
      result("alice"),
      result("bob"),
      result("alice", [["msg_index", "0", false]]),
    ]);
    const b2 = [tx(4)];
    await idx.indexBlock(2n, b2, b2.map(hash), [result("alice")]);
    const postings = new Map<string, string>();
    for await (const [k, v] of kv.scan("e/")) postings.set(k, Buffer.from(v).toString("hex"));
    // alice and bob at height 1, alice at 2, tx.height 1 and 2: a value repeated in a tx is one
    // position. Each posting is the positions tag (0) and a u32 BE per tx, not the txs' hashes.
    assert.deepEqual(
      [...postings],
      [
        [`e/message.sender\0alice\0${heightKey(1n)}`, "00" + "00000000" + "00000002"],
        [`e/message.sender\0alice\0${heightKey(2n)}`, "00" + "00000000"],
        [`e/message.sender\0bob\0${heightKey(1n)}`, "00" + "00000001"],
        [`e/tx.height\0${heightKey(1n)}\0${heightKey(1n)}`, "00" + "00000000" + "00000001" + "00000002"],
        [`e/tx.height\0${heightKey(2n)}\0${heightKey(2n)}`, "00" + "00000000"],
      ],
    );
    // One i/ entry per tx: its position back to its hash.
    const positions: Array<[string, string]> = [];
    for await (const [k, v] of kv.scan("i/")) positions.push([k, Buffer.from(v).toString("hex").toUpperCase()]);
    assert.deepEqual(positions, [
      [`i/${heightKey(1n)}00000000`, hash(tx(1))],
      [`i/${heightKey(1n)}00000001`, hash(tx(2))],
      [`i/${heightKey(1n)}00000002`, hash(tx(3))],
      [`i/${heightKey(2n)}00000000`, hash(tx(4))],
    ]);
    const alice = await idx.search(parseEventQuery("message.sender='alice'"), 1, 10, "asc");
    assert.deepEqual(
      alice.txs.map((t) => [t.height, t.index, t.hash]),
      [
        [1n, 0, hash(tx(1))],
        [1n, 2, hash(tx(3))],
        [2n, 0, hash(tx(4))],
      ],
    );
    assert.equal(alice.total, 3);
    const h1 = await idx.search(parseEventQuery("tx.height=1"), 1, 10, "desc");
    assert.deepEqual(
      h1.txs.map((t) => t.index),
      [2, 1, 0],
    );
    const both = await idx.search(parseEventQuery("message.sender='alice' AND tx.height>=2"), 1, 10, "asc");
    assert.deepEqual(
      both.txs.map((t) => t.hash),
      [hash(tx(4))],
    );
    // Unindexed attributes are not posted.
    assert.equal((await idx.search(parseEventQuery("message.msg_index='0'"), 1, 10, "asc")).total, 0);
  });

  it("counts every hash of a posting against the search bound (txindex 2), not the posting", async () => {
    const idx = new TxIndex(memoryKV());
    const b = [tx(1), tx(2), tx(3)];
    await idx.indexBlock(
      1n,
      b,
      b.map(hash),
      b.map(() => result("alice")),
    );
    await assert.rejects(
      idx.search(parseEventQuery("message.sender='alice'"), 1, 10, "asc", 2),
      (e: Error & { code?: number; codespace?: string }) => e.codespace === "txindex" && e.code === 2,
    );
    assert.equal((await idx.search(parseEventQuery("message.sender='alice'"), 1, 10, "asc", 3)).total, 3);
  });

  it("reads entries written before postings (one key per tx) alongside postings", async () => {
    const kv = memoryKV();
    const idx = new TxIndex(kv);
    const old = [tx(7)];
    await idx.indexBlock(1n, old, old.map(hash), [result("carol")]);
    // Rewrite height 1's posting in the old layout: …\0<height>/<index> -> one hash.
    await kv.write([
      [`e/message.sender\0carol\0${heightKey(1n)}`, null],
      [`e/message.sender\0carol\0${heightKey(1n)}/00000000`, Buffer.from(hash(tx(7)), "latin1")],
    ]);
    const b2 = [tx(8)];
    await idx.indexBlock(2n, b2, b2.map(hash), [result("carol")]);
    const r = await idx.search(parseEventQuery("message.sender='carol'"), 1, 10, "asc");
    assert.deepEqual(
      r.txs.map((t) => t.hash),
      [hash(tx(7)), hash(tx(8))],
    );
  });
});

/** A result with every field set, non-ASCII text and an unindexed attribute. */
function richResult(n: number): ExecTxResult {
  return {
    code: n % 3 === 0 ? 5 : 0,
    data: new Uint8Array([n, 0, 255]),
    log: n % 3 === 0 ? `insufficient funds: ${n} < 10 «ü» 😀` : "",
    info: `info ${n}`,
    gasWanted: 200_000n,
    gasUsed: BigInt(50_000 + n),
    codespace: n % 3 === 0 ? "sdk" : "",
    events: [
      {
        type: "message",
        attributes: [
          { key: "sender", value: `s${n % 2}`, index: true },
          { key: "memo", value: "naïve ✓", index: true },
          { key: "msg_index", value: "0", index: false },
        ],
      },
      { type: "transfer", attributes: [{ key: "amount", value: `${n}utcu`, index: true }] },
    ],
  };
}

/** Blocks 1..4 of 1..4 txs each (with one tx repeated in block 4, as CometBFT's indexer sees it). */
function blocks(): Array<{ height: bigint; txs: Uint8Array[]; results: ExecTxResult[] }> {
  const out = [];
  let n = 0;
  for (let h = 1; h <= 4; h++) {
    const txs: Uint8Array[] = [];
    const results: ExecTxResult[] = [];
    for (let i = 0; i < h; i++, n++) {
      txs.push(new Uint8Array(Buffer.from(`tx ${n} ${"x".repeat(n * 7)}`)));
      results.push(richResult(n));
    }
    out.push({ height: BigInt(h), txs, results });
  }
  out[3]!.txs[3] = out[0]!.txs[0]!;
  return out;
}

const plain = (t: IndexedTx | null) =>
  t === null ? null : { ...t, tx: Buffer.from(t.tx).toString("hex"), result: encodeTxResultJson(t.result) };

/** Every answer a reader can get from the index: by hash (both cases, unknown) and searches. */
async function answers(idx: TxIndex, all: readonly Uint8Array[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const t of all) {
    out.push(plain(await idx.get(hash(t))));
    out.push(plain(await idx.get(hash(t).toLowerCase())));
  }
  out.push(plain(await idx.get("00".repeat(32))));
  for (const q of [
    "message.sender='s0'",
    "message.sender='s1' AND tx.height>=2",
    "message.memo='naïve ✓'",
    "tx.height=4",
    "tx.height>1 AND tx.height<=3",
    "transfer.amount='3utcu'",
    `tx.hash='${hash(all[2]!)}'`,
  ])
    for (const order of ["asc", "desc"] as const)
      for (const [page, per] of [
        [1, 100],
        [1, 2],
        [2, 2],
        [3, 3],
      ] as const) {
        const r = await idx.search(parseEventQuery(q), page, per, order);
        out.push({ q, order, page, per, total: r.total, txs: r.txs.map(plain) });
      }
  return out;
}

describe("tx index records (r/) and the t/ values of older stores", () => {
  it("writes one binary r/ record per tx and no t/ value", async () => {
    const kv = memoryKV();
    const b = blocks()[2]!;
    await new TxIndex(kv).indexBlock(b.height, b.txs, b.txs.map(hash), b.results);
    const keys: string[] = [];
    for await (const [k] of kv.scan("")) keys.push(k);
    assert.deepEqual(
      keys.filter((k) => k.startsWith("t/")),
      [],
    );
    const r = keys.filter((k) => k.startsWith("r/"));
    assert.deepEqual(r, b.txs.map((t) => `r/${hash(t)}`).sort());
    const raw = (await kv.get(`r/${hash(b.txs[1]!)}`))!;
    const json = encodeTxResultJson(b.results[1]!);
    // version 1 ‖ height u64 ‖ index u32 ‖ tx length u32 ‖ tx ‖ result JSON
    const head = Buffer.alloc(17);
    head[0] = 1;
    head.writeBigUInt64BE(3n, 1);
    head.writeUInt32BE(1, 9);
    head.writeUInt32BE(b.txs[1]!.length, 13);
    assert.deepEqual(Buffer.from(raw), Buffer.concat([head, b.txs[1]!, Buffer.from(json, "utf8")]));
  });

  it("round-trips heights past 2^32, empty txs and non-ASCII results", () => {
    const txs = [new Uint8Array(), new Uint8Array([1, 2, 3])];
    const results = [richResult(0), richResult(1)];
    const h = (1n << 40n) + 7n;
    const recs = encodeTxRecords(h, txs, results.map(encodeTxResultJson));
    for (let i = 0; i < 2; i++) {
      const t = decodeTxRecord("AB", recs[i]!);
      assert.equal(t.height, h, `height of ${i}`);
      assert.equal(t.index, i, `index of ${i}`);
      assert.deepEqual(Buffer.from(t.tx), Buffer.from(txs[i]!), `tx of ${i}`);
      assert.deepEqual(t.result, { ...results[i]!, data: Buffer.from(results[i]!.data) }, `result of ${i}`);
    }
  });

  it("answers every lookup and search of a store written the old way as it answers a new one", async () => {
    const fresh = memoryKV();
    const old = memoryKV();
    const idx = new TxIndex(fresh);
    const all: Uint8Array[] = [];
    for (const b of blocks()) {
      const jsons = b.results.map(encodeTxResultJson);
      await idx.indexBlock(b.height, b.txs, b.txs.map(hash), b.results, jsons);
      await legacyIndexBlock(old, b.height, b.txs, b.txs.map(hash), b.results, jsons);
      all.push(...b.txs);
    }
    const keysOld: string[] = [];
    for await (const [k] of old.scan("")) keysOld.push(k);
    assert.ok(keysOld.some((k) => k.startsWith("t/")) && !keysOld.some((k) => k.startsWith("r/")));
    const want = await answers(idx, all);
    assert.deepEqual(await answers(new TxIndex(old), all), want);
    // Upgraded in place after height 2: old values below, records above, one index.
    const mixed = memoryKV();
    const bs = blocks();
    for (const b of bs.slice(0, 2)) await legacyIndexBlock(mixed, b.height, b.txs, b.txs.map(hash), b.results);
    const up = new TxIndex(mixed);
    assert.equal(await up.indexedHeight(), 2n);
    for (const b of bs.slice(2)) await up.indexBlock(b.height, b.txs, b.txs.map(hash), b.results);
    assert.deepEqual(await answers(up, all), want);
    // The tx repeated at height 4 is answered from its newer r/ record, as an overwrite did.
    assert.equal((await up.get(hash(all[0]!)))!.height, 4n);
  });
});

describe("tx index: damaged records", () => {
  const isCorrupt = (e: Error & { code?: number; codespace?: string }) =>
    e.codespace === "txindex" && e.code === 3 && /corrupt tx index record/.test(e.message);

  async function withRecord(key: "r" | "t", value: Uint8Array): Promise<{ idx: TxIndex; h: string }> {
    const kv = memoryKV();
    const idx = new TxIndex(kv);
    const txs = [tx(1)];
    await idx.indexBlock(1n, txs, txs.map(hash), [result("alice")]);
    const h = hash(tx(1));
    await kv.write([
      [`r/${h}`, null],
      [`${key}/${h}`, value],
    ]);
    return { idx, h };
  }

  const good = encodeTxRecords(9n, [tx(1)], [encodeTxResultJson(result("alice"))])[0]!;
  const badHead = Buffer.from(good);
  badHead[0] = 2;
  const longTx = Buffer.from(good);
  longTx.writeUInt32BE(good.length, 13);
  const cases: Array<[string, "r" | "t", Uint8Array]> = [
    ["an empty record", "r", new Uint8Array()],
    ["a record shorter than its header", "r", good.subarray(0, 16)],
    ["a record cut inside its tx", "r", good.subarray(0, 18)],
    ["a record cut inside its result", "r", good.subarray(0, good.length - 3)],
    ["an unknown record version", "r", badHead],
    ["a tx length past the record's end", "r", longTx],
    ["a result that is JSON of another shape", "r", Buffer.concat([good.subarray(0, 20), Buffer.from('{"c":0}')])],
    [
      "a result with a non-integer gas",
      "r",
      Buffer.from(Buffer.from(good).toString("latin1").replace('"w":"1"', '"w":"1x"'), "latin1"),
    ],
    ["an old value cut short", "t", Buffer.from('{"h":"1","x":0,"t":"AQID","r":{"c":0,')],
    ["an old value that is not JSON", "t", Buffer.from("\u0000\u0001garbage")],
    ["an old value with a bad height", "t", Buffer.from('{"h":"-1","x":0,"t":"AQID","r":{}}')],
    ["an old value without its result", "t", Buffer.from('{"h":"1","x":0,"t":"AQID"}')],
  ];
  for (const [name, key, value] of cases)
    it(`reports ${name} as txindex 3, for get and search`, async () => {
      const { idx, h } = await withRecord(key, value);
      await assert.rejects(idx.get(h), isCorrupt);
      await assert.rejects(idx.search(parseEventQuery("message.sender='alice'"), 1, 10, "asc"), isCorrupt);
    });

  // Postings of positions (and the i/ entries they name) damaged: each is refused as txindex 3,
  // never read as other txs or skipped.
  const alicePosting = `e/message.sender\0alice\0${heightKey(1n)}`;
  const positionOf = (i: number) => `i/${heightKey(1n)}${i.toString(16).padStart(8, "0")}`;
  const postingCases: Array<[string, Array<[string, Uint8Array | null]>]> = [
    ["a posting cut inside a position", [[alicePosting, Buffer.from([0, 0, 0])]]],
    ["a posting that is only the positions tag", [[alicePosting, Buffer.from([0])]]],
    ["an empty posting", [[alicePosting, new Uint8Array()]]],
    ["a posting of hashes cut short", [[alicePosting, Buffer.from(hash(tx(1)).slice(0, 63), "latin1")]]],
    ["a posting of hashes with a non-hex digit", [[alicePosting, Buffer.from(`G${hash(tx(1)).slice(1)}`, "latin1")]]],
    ["a posting one byte past a position", [[alicePosting, Buffer.from([0, 0, 0, 0, 0, 7])]]],
    ["a posting naming a position past the block", [[alicePosting, Buffer.from([0, 0, 0, 0, 5])]]],
    ["a missing hash entry", [[positionOf(0), null]]],
    ["a hash entry of the wrong length", [[positionOf(0), Buffer.alloc(31)]]],
    [
      "a posting whose key ends with no height",
      [
        [alicePosting, null],
        [`e/message.sender\0alice\0${"g".repeat(16)}`, Buffer.from([0, 0, 0, 0, 0])],
      ],
    ],
  ];
  for (const [name, ops] of postingCases)
    it(`reports ${name} as txindex 3 on search`, async () => {
      const kv = memoryKV();
      const idx = new TxIndex(kv);
      await idx.indexBlock(1n, [tx(1)], [hash(tx(1))], [result("alice")]);
      await kv.write(ops);
      await assert.rejects(
        idx.search(parseEventQuery("message.sender='alice'"), 1, 10, "asc"),
        (e: Error & { code?: number; codespace?: string }) => e.codespace === "txindex" && e.code === 3,
      );
      // The record itself is whole: a lookup by hash still answers.
      assert.equal((await idx.get(hash(tx(1))))!.height, 1n);
    });

  it("still reads the undamaged case of each layout", async () => {
    const a = await withRecord("r", good);
    assert.equal((await a.idx.get(a.h))!.height, 9n);
    const legacy = memoryKV();
    await legacyIndexBlock(legacy, 5n, [tx(1)], [hash(tx(1))], [result("alice")]);
    assert.equal((await new TxIndex(legacy).get(hash(tx(1))))!.height, 5n);
  });
});

describe("tx index postings: the same entries as the previous writer", () => {
  const ev = (type: string, attrs: Array<[string, string, boolean?]>) => ({
    type,
    attributes: attrs.map(([key, value, index]) => ({ key, value, index: index ?? true })),
  });
  const res = (...events: ReturnType<typeof ev>[]): ExecTxResult => ({ ...result("x"), events });

  it("writes the same e/ entries (as hashes) for colliding, repeated, non-ASCII and empty cases", async () => {
    const cases: ExecTxResult[][] = [
      [
        // "a.b"+"c" and "a"+"b.c" are one key text; a value repeated in a tx is one entry.
        res(ev("a.b", [["c", "v"]]), ev("a", [["b.c", "v"]]), ev("a", [["b.c", "v"]])),
        res(ev("a", [["b.c", "v"]]), ev("a.b", [["c", "w"]])),
        // Lone surrogates encode alike; non-ASCII type, key and value; unindexed and empty keys.
        res(
          ev("ü", [
            ["ключ", "\uD800"],
            ["ключ", "\uD801"],
            ["x", "é", false],
            ["", "e"],
          ]),
        ),
        res(ev("ü", [["ключ", "\uD801"]])),
        // An event attribute that spells tx.height with this block's height key.
        res(ev("tx", [["height", heightKey(3n)]])),
        res(),
      ],
      [],
    ];
    for (const [n, results] of cases.entries()) {
      const txs = results.map((_, i) => tx(10 * n + i));
      const fresh = memoryKV();
      const old = memoryKV();
      await new TxIndex(fresh).indexBlock(3n, txs, txs.map(hash), results);
      await legacyIndexBlock(old, 3n, txs, txs.map(hash), results);
      const want = await postingsAsHashes(old);
      assert.deepEqual(await postingsAsHashes(fresh), want, `case ${n}`);
      assert.equal(want.length > 0, txs.length > 0, `case ${n} has entries`);
    }
  });
});
