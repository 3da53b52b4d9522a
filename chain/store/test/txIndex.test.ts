import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { heightKey } from "../../../modules/sdk/store.js";
import { memoryKV } from "../asyncKV.js";
import { parseEventQuery } from "../eventQuery.js";
import { TxIndex } from "../txIndex.js";

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
    const keys: string[] = [];
    for await (const [k] of kv.scan("e/")) keys.push(k);
    // alice and bob at height 1, alice at 2, tx.height 1 and 2: a value repeated in a tx is one hash.
    assert.equal(keys.length, 5);
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
