import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { merkleRoot } from "../merkle.js";
import { deterministicResultBytes, deterministicResults, resultsHash } from "../hashes.js";
import { encodeBlockResults, decodeBlockResults, encodeTxResultJson } from "../../store/resultCodec.js";
import { xorshift32 } from "../../testkit/xorshift.js";

// The fast paths of the block's hashes and results value (issue 17, i17-commit), each against
// the plain form it replaced: the same bytes, or the same root, for every input tried.

const sha = (...b: Uint8Array[]) => createHash("sha256").update(Buffer.concat(b)).digest();

/** The Merkle root as it was computed before: a concat and a hash per leaf and per node. */
function referenceRoot(items: readonly Uint8Array[], from = 0, to = items.length): Uint8Array {
  const n = to - from;
  if (n === 0) return sha();
  if (n === 1) return sha(Buffer.from([0]), items[from]!);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return sha(Buffer.from([1]), referenceRoot(items, from, from + k), referenceRoot(items, from + k, to));
}

const result = (over: Partial<ExecTxResult>): ExecTxResult => ({
  code: 0,
  data: new Uint8Array(),
  log: "a log",
  info: "info",
  gasWanted: 0n,
  gasUsed: 0n,
  events: [{ type: "t", attributes: [{ key: "k", value: "v", index: true }] }],
  codespace: "sdk",
  ...over,
});

describe("block hashes and results value: fast paths against the plain forms", () => {
  it("merkleRoot equals the reference for 0-70 leaves of mixed sizes (around the slab limit, block parts)", () => {
    const r = xorshift32(5);
    const sizes = [0, 1, 32, 250, 1023, 1024, 1025, 4096, 65536];
    for (let n = 0; n <= 70; n++) {
      const items = Array.from({ length: n }, (_, i) => {
        const b = new Uint8Array(sizes[r() % sizes.length]!);
        for (let j = 0; j < b.length; j += 97) b[j] = (r() + i) & 0xff;
        return b;
      });
      assert.deepEqual(Buffer.from(merkleRoot(items)), Buffer.from(referenceRoot(items)), `${n} leaves`);
    }
  });

  it("merkleRoot of subarrays of one buffer hashes their own bytes only", () => {
    const whole = Buffer.from("0123456789abcdef");
    const items = [whole.subarray(2, 5), whole.subarray(5, 5), whole.subarray(9, 16)];
    assert.deepEqual(Buffer.from(merkleRoot(items)), Buffer.from(referenceRoot(items.map((i) => Buffer.from(i)))));
  });

  it("deterministicResults writes the protobuf ExecTxResult{code, data, gas} bytes for edge values", () => {
    const codes = [0, 1, 127, 128, 16384, 0xffffffff];
    const datas = [0, 1, 127, 128, 300].map((n) => new Uint8Array(n).fill(n & 0xff));
    const gas = [0n, 1n, 127n, 128n, 36051n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, -1n, -(2n ** 63n)];
    const all: ExecTxResult[] = [];
    for (const code of codes)
      for (const data of datas)
        for (const g of gas)
          all.push(result({ code, data, gasWanted: g, gasUsed: gas[(gas.indexOf(g) + 3) % gas.length]! }));
    const fast = deterministicResults(all);
    assert.equal(fast.length, all.length);
    for (let i = 0; i < all.length; i++)
      assert.deepEqual(Buffer.from(fast[i]!), Buffer.from(deterministicResultBytes(all[i]!)), `result ${i}`);
    assert.deepEqual(Buffer.from(resultsHash(all)), Buffer.from(referenceRoot(all.map(deterministicResultBytes))));
    assert.deepEqual(Buffer.from(resultsHash([])), sha());
  });

  it("encodeBlockResults equals the joined text's UTF-8 (ASCII, é, emoji, a lone surrogate, no txs)", () => {
    const values = ["plain", "é", "😀 x", "\uD800", 'quote " and \\ and \n'];
    const results = values.map((v, i) =>
      result({ code: i, events: [{ type: v, attributes: [{ key: v, value: v, index: true }] }] }),
    );
    for (const txs of [[], results.slice(0, 1), results]) {
      const block = {
        txResults: txs,
        events: [{ type: "begin é", attributes: [{ key: "k", value: "😀", index: false }] }],
        validatorUpdates: [{ pubKey: { ed25519: new Uint8Array(32).fill(3) }, power: 10n }],
        appHash: new Uint8Array(32).fill(9),
        consensusParamUpdates: undefined,
      };
      const jsons = txs.map(encodeTxResultJson);
      const head = JSON.stringify({
        e: [["begin é", [["k", "😀", 0]]]],
        v: [[Buffer.from(new Uint8Array(32).fill(3)).toString("base64"), "10"]],
        a: "09".repeat(32),
      });
      const reference = Buffer.from(`${head.slice(0, -1)},"t":[${jsons.join(",")}]}`);
      const bytes = encodeBlockResults(block, jsons);
      assert.deepEqual(Buffer.from(bytes), reference);
      assert.deepEqual(decodeBlockResults(bytes).txResults.map(encodeTxResultJson), jsons);
    }
  });
});
