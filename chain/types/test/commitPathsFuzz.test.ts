import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { emptyHash, merkleRoot } from "../merkle.js";
import { deterministicResults, resultsHash } from "../hashes.js";
import { encodeBlockResults, encodeTxResultJson } from "../../store/resultCodec.js";
import { Fifo, createPriorityLock } from "../../mempool/mempool.js";
import { xorshift32 } from "../../testkit/xorshift.js";

// Differential fuzz (adversarial review of i17-commit): each hand-written encoder against the
// code it replaced on main, copied here as the reference, and against an independent protobuf
// writer from the spec (CometBFT's deterministicExecTxResult: code, data, gas_wanted, gas_used,
// proto3 zero values omitted). Any byte difference would be an app_hash / last_results_hash split.

const sha = (...b: Uint8Array[]) => createHash("sha256").update(Buffer.concat(b)).digest();

/** main's merkle.ts: a concat and a hash per leaf and per inner node. */
function mainRoot(items: readonly Uint8Array[], from = 0, to = items.length): Uint8Array {
  const n = to - from;
  if (n === 0) return sha();
  if (n === 1) return sha(Buffer.from([0]), items[from]!);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return sha(Buffer.from([1]), mainRoot(items, from, from + k), mainRoot(items, from + k, to));
}

/** main's resultsHash leaf. */
const mainLeaf = (r: ExecTxResult) =>
  ExecTxResult.encode({
    code: r.code,
    data: r.data,
    log: "",
    info: "",
    gasWanted: r.gasWanted,
    gasUsed: r.gasUsed,
    events: [],
    codespace: "",
  }).finish();

/** An independent proto3 writer from the spec: varints in bigint, int64 as two's complement. */
function specLeaf(r: ExecTxResult): Buffer {
  const out: number[] = [];
  const varint = (v: bigint) => {
    if (v < 0n) v += 1n << 64n;
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
  };
  if (r.code !== 0) {
    out.push(0x08);
    varint(BigInt(r.code));
  }
  if (r.data.length !== 0) {
    out.push(0x12);
    varint(BigInt(r.data.length));
    out.push(...r.data);
  }
  if (r.gasWanted !== 0n) {
    out.push(0x28);
    varint(r.gasWanted);
  }
  if (r.gasUsed !== 0n) {
    out.push(0x30);
    varint(r.gasUsed);
  }
  return Buffer.from(out);
}

/**
 * cosmjs-types 0.11 BinaryWriter.int64 writes a value in [2^31, 2^32) as a malformed varint
 * (its low word is taken as signed: 2^31 becomes 00 00 00 00 00). main's leaf had that defect;
 * the hand encoder writes the canonical varint that Go's proto.Marshal (CometBFT) writes. So for
 * those gas values main's bytes are not a reference: the spec writer is.
 */
const cosmjsInt64Broken = (v: bigint) => v >= 2n ** 31n && v < 2n ** 32n;
const mainIsReference = (r: ExecTxResult) => !cosmjsInt64Broken(r.gasWanted) && !cosmjsInt64Broken(r.gasUsed);

/** main's encodeBlockResults tail: the joined text, encoded once. */
function mainBlockResults(head: string, txJsons: readonly string[]): Buffer {
  return Buffer.from(`${head.slice(0, -1)},"t":[${txJsons.join(",")}]}`);
}

const gasEdges = [
  0n,
  1n,
  127n,
  128n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 49n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 56n - 1n,
  2n ** 56n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  -1n,
  -(2n ** 31n),
  -(2n ** 63n),
];
const codeEdges = [0, 1, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];

function bytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r() & 0xff;
  return b;
}

function randomResult(r: () => number): ExecTxResult {
  const dataLens = [0, 0, 1, 127, 128, 255, 1023, 1024, 1025, 16383, 16384, 70000];
  const pick = <T>(a: readonly T[]) => a[r() % a.length]!;
  const gas = () => (r() % 3 === 0 ? BigInt(r()) * BigInt(r() % 2 ** 21) : pick(gasEdges));
  return {
    code: r() % 4 === 0 ? r() : pick(codeEdges),
    data: bytes(r, pick(dataLens)),
    log: r() % 2 ? "" : "log \u2028 \uD800",
    info: r() % 2 ? "" : "info",
    gasWanted: gas(),
    gasUsed: gas(),
    events: r() % 2 ? [] : [{ type: "t", attributes: [{ key: "k", value: "v", index: true }] }],
    codespace: r() % 2 ? "" : "sdk",
  };
}

describe("i17-commit differential fuzz: hand encoders against main's code", () => {
  it("deterministicResults / resultsHash equal the spec (and main's encoder where well-formed), over 40 seeds", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = xorshift32(seed * 7919);
      const n = [0, 1, 2, 3, 7, 8, 9, 31, 32, 33, 64, 65][seed % 12]!;
      const results = Array.from({ length: n }, () => randomResult(r));
      const fast = deterministicResults(results);
      assert.equal(fast.length, n);
      for (let i = 0; i < n; i++) {
        const spec = specLeaf(results[i]!);
        assert.deepEqual(Buffer.from(fast[i]!), spec, `spec, seed ${seed} result ${i}`);
        if (mainIsReference(results[i]!))
          assert.deepEqual(Buffer.from(fast[i]!), Buffer.from(mainLeaf(results[i]!)), `main, seed ${seed} result ${i}`);
      }
      assert.deepEqual(Buffer.from(resultsHash(results)), Buffer.from(mainRoot(results.map(specLeaf))), `seed ${seed}`);
      if (results.every(mainIsReference))
        assert.deepEqual(
          Buffer.from(resultsHash(results)),
          Buffer.from(mainRoot(results.map(mainLeaf))),
          `seed ${seed}`,
        );
    }
  });

  it("every code × gasWanted × gasUsed edge, with and without data, is the spec's bytes (and main's where main's are well-formed)", () => {
    const all: ExecTxResult[] = [];
    for (const code of codeEdges)
      for (const gasWanted of gasEdges)
        for (const gasUsed of gasEdges)
          all.push({
            code,
            data: new Uint8Array(code % 3),
            log: "x",
            info: "",
            gasWanted,
            gasUsed,
            events: [],
            codespace: "c",
          });
    const fast = deterministicResults(all);
    let mainCompared = 0;
    for (let i = 0; i < all.length; i++) {
      assert.deepEqual(Buffer.from(fast[i]!), specLeaf(all[i]!), `spec #${i}`);
      if (!mainIsReference(all[i]!)) continue;
      mainCompared++;
      assert.deepEqual(Buffer.from(fast[i]!), Buffer.from(mainLeaf(all[i]!)), `main #${i}`);
    }
    assert.ok(mainCompared > all.length / 2);
    assert.deepEqual(Buffer.from(resultsHash(all)), Buffer.from(mainRoot(all.map(specLeaf))));
  });

  it("gas in [2^31, 2^32) is the canonical varint (CometBFT's bytes), not cosmjs-types' malformed one", () => {
    const r: ExecTxResult = {
      code: 0,
      data: new Uint8Array(),
      log: "",
      info: "",
      gasWanted: 2n ** 31n,
      gasUsed: 2n ** 32n - 1n,
      events: [],
      codespace: "",
    };
    // proto.Marshal(&abci.ExecTxResult{GasWanted: 1<<31, GasUsed: 1<<32-1}) in Go:
    const go = Buffer.from("28" + "8080808008" + "30" + "ffffffff0f", "hex");
    assert.deepEqual(Buffer.from(deterministicResults([r])[0]!), go);
    assert.deepEqual(Buffer.from(resultsHash([r])), Buffer.from(mainRoot([go])));
  });

  it("hashes only code, data and gas: log, info, events and codespace do not move the hash", () => {
    const base: ExecTxResult = {
      code: 5,
      data: Uint8Array.of(1, 2),
      log: "",
      info: "",
      gasWanted: 10n,
      gasUsed: 9n,
      events: [],
      codespace: "",
    };
    const noisy: ExecTxResult = {
      ...base,
      log: "l",
      info: "i",
      codespace: "sdk",
      events: [{ type: "e", attributes: [] }],
    };
    assert.deepEqual(Buffer.from(resultsHash([noisy])), Buffer.from(resultsHash([base])));
    assert.deepEqual(Buffer.from(deterministicResults([noisy])[0]!), Buffer.from("08051202010228" + "0a3009", "hex"));
    assert.deepEqual(
      Buffer.from(deterministicResults([{ ...base, code: 0, data: new Uint8Array(), gasWanted: 0n, gasUsed: 0n }])[0]!),
      Buffer.alloc(0),
    );
  });

  it("returned leaves and roots are not overwritten by later calls (no shared scratch aliasing)", () => {
    const r = xorshift32(99);
    const a = Array.from({ length: 9 }, () => randomResult(r));
    const leavesA = deterministicResults(a);
    const copyA = leavesA.map((l) => Buffer.from(l));
    const rootA = resultsHash(a);
    const rootCopy = Buffer.from(rootA);
    const items = Array.from({ length: 5 }, () => bytes(r, 40));
    const mrA = merkleRoot(items);
    const mrCopy = Buffer.from(mrA);
    for (let k = 0; k < 5; k++) {
      deterministicResults(Array.from({ length: 9 }, () => randomResult(r)));
      resultsHash(Array.from({ length: 17 }, () => randomResult(r)));
      merkleRoot(Array.from({ length: 13 }, () => bytes(r, 32)));
    }
    leavesA.forEach((l, i) => assert.deepEqual(Buffer.from(l), copyA[i]));
    assert.deepEqual(Buffer.from(rootA), rootCopy);
    assert.deepEqual(Buffer.from(mrA), mrCopy);
    assert.deepEqual(Buffer.from(emptyHash), sha(), "emptyHash untouched");
  });

  it("merkleRoot equals main's over 0..1 leaves, 2^k±1, sizes 0, 1023, 1024, 1025, 64 KiB", () => {
    const r = xorshift32(4242);
    const counts = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257];
    const sizes = [0, 1, 31, 32, 33, 1023, 1024, 1025, 65536];
    for (const n of counts)
      for (const mode of ["same", "mixed"] as const) {
        const items = Array.from({ length: n }, (_, i) =>
          bytes(r, mode === "same" ? sizes[n % sizes.length]! : sizes[(r() + i) % sizes.length]!),
        );
        const before = items.map((b) => Buffer.from(b));
        assert.deepEqual(Buffer.from(merkleRoot(items)), Buffer.from(mainRoot(items)), `${n} ${mode}`);
        items.forEach((b, i) => assert.deepEqual(Buffer.from(b), before[i], "input not mutated"));
      }
    // Leaves that are views into one buffer at odd offsets, including the pooled allocUnsafe.
    const pool = Buffer.allocUnsafe(3000);
    pool.fill(7);
    const views = [pool.subarray(1, 1), pool.subarray(3, 1027), pool.subarray(1027, 2052), pool.subarray(5, 38)];
    assert.deepEqual(Buffer.from(merkleRoot(views)), Buffer.from(mainRoot(views.map((v) => Buffer.from(v)))));
  });

  it("encodeBlockResults equals main's bytes for hostile strings (lone surrogates, U+2028, controls, non-BMP, long)", () => {
    const r = xorshift32(2028);
    const atoms = [
      "a",
      "\u2028",
      "\u2029",
      "\u0000",
      "\u001f",
      "\u007f",
      "é",
      "€",
      "😀",
      "\uD800",
      "\uDFFF",
      "\uDBFF",
      "\uDC00",
      '"',
      "\\",
      "\n",
      "\uFEFF",
      "\uFFFF",
    ];
    const str = (len: number) => {
      let s = "";
      while (s.length < len) s += atoms[r() % atoms.length]!;
      return s;
    };
    const block: ResponseFinalizeBlock = {
      txResults: [],
      events: [{ type: "begin \u2028 😀", attributes: [{ key: "k", value: "\uD800x", index: false }] }],
      validatorUpdates: [],
      appHash: new Uint8Array(32).fill(1),
      consensusParamUpdates: undefined,
    };
    const head = JSON.stringify({ e: [["begin \u2028 😀", [["k", "\uD800x", 0]]]], v: [], a: "01".repeat(32) });
    const lens = [0, 1, 2, 3, 100, 4095, 4096, 4097, 8191, 8192, 8193, 65537, 300000];
    for (let seed = 0; seed < 30; seed++) {
      const n = [0, 1, 2, 3, 10][seed % 5]!;
      // Raw strings (not JSON) on purpose: the writer must encode whatever it is given as main did.
      const raws = Array.from({ length: n }, () => str(lens[r() % lens.length]!));
      assert.deepEqual(Buffer.from(encodeBlockResults(block, raws)), mainBlockResults(head, raws), `raw seed ${seed}`);
      // Surrogate halves at the ends of neighbouring strings: joined by ",", never paired.
      const halves = ["x\uD83D", "\uDE00y", "\uD83D", "\uDE00"];
      assert.deepEqual(Buffer.from(encodeBlockResults(block, halves)), mainBlockResults(head, halves));
      // The real path: each tx's JSON from encodeTxResultJson.
      const txs = Array.from({ length: n }, () => ({
        ...randomResult(r),
        log: str(lens[r() % 6]!),
        info: str(3),
        codespace: str(2),
        events: [{ type: str(5), attributes: [{ key: str(4), value: str(lens[r() % 5]!), index: true }] }],
      }));
      const jsons = txs.map(encodeTxResultJson);
      assert.deepEqual(
        Buffer.from(encodeBlockResults({ ...block, txResults: txs }, jsons)),
        mainBlockResults(head, jsons),
        `json seed ${seed}`,
      );
    }
  });

  it("Fifo matches an array model under interleaved push/shift across compactions", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const r = xorshift32(seed);
      const q = new Fifo<number>();
      const model: number[] = [];
      let next = 0;
      for (let step = 0; step < 6000; step++) {
        const burst = r() % 100 < 55 ? 1 + (r() % (seed % 4 === 0 ? 3000 : 4)) : 0;
        for (let b = 0; b < burst; b++) {
          q.push(next);
          model.push(next++);
        }
        const shifts = r() % (seed % 4 === 0 ? 3000 : 4);
        for (let s = 0; s < shifts; s++) assert.equal(q.shift(), model.shift(), `seed ${seed} step ${step}`);
        assert.equal(q.length, model.length);
      }
      while (model.length > 0) assert.equal(q.shift(), model.shift());
      assert.equal(q.shift(), undefined);
      assert.equal(q.length, 0);
      q.push(-1);
      assert.equal(q.shift(), -1);
    }
  });

  it("the priority lock: one holder, high waiters before low, FIFO within each, across 3000 waiters", async () => {
    const lock = createPriorityLock();
    const order: string[] = [];
    let inside = 0;
    const r = xorshift32(17);
    const runs: Promise<void>[] = [];
    const task = (name: string) => async () => {
      inside++;
      assert.equal(inside, 1, "one holder at a time");
      order.push(name);
      await Promise.resolve();
      inside--;
    };
    let gate!: () => void;
    runs.push(lock.run(() => new Promise<void>((res) => (gate = res)), false));
    const highs: string[] = [];
    const lows: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const hi = r() % 5 === 0;
      const name = `${hi ? "h" : "l"}${i}`;
      (hi ? highs : lows).push(name);
      runs.push(lock.run(task(name), hi));
    }
    gate();
    await Promise.all(runs);
    assert.deepEqual(order, [...highs, ...lows]);
    // The lock is free again: a run now proceeds immediately.
    assert.equal(await lock.run(async () => 7, false), 7);
  });
});
