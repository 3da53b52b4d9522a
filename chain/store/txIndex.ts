import type { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { decodeTxResultJson, encodeTxResultJson } from "./resultCodec.js";
import { heightKey } from "../../modules/sdk/store.js";
import { registerError } from "../../modules/sdk/errors.js";
import type { AsyncKV } from "./asyncKV.js";
import { flattenEvents, queryMatches, type EventQuery } from "./eventQuery.js";

// The tx indexer (CometBFT's kv indexer): each tx by hash, and by every indexed event
// attribute plus tx.height, so that tx_search answers `message.sender='…'`, `tx.height=5`
// and any indexed `type.attr` condition. Keys:
//   r/<HASH>                                  -> binary record (see encodeTxRecords):
//                                                version 1, height, index, tx bytes, result
//                                                (resultCodec JSON as UTF-8)
//   i/<height><index>                         -> the tx's hash (32 bytes): height as 16 hex
//                                                digits, index in the block as 8
//   e/<type.attr>\0<value>\0<height>          -> 0x00 ‖ index ‖ index … (one posting per
//                                                attribute value and block: the positions in
//                                                the block of its txs with it, in block order,
//                                                u32 BE each; see encodePosting)
// Older layouts are read, never written: a posting whose first byte is not 0 holds the hashes
// themselves (HASH HASH …, 64 hex digits each); indexes written before postings hold one key
// per tx (`…\0<height>/<index>` -> one HASH); stores written before the binary record hold
// `t/<HASH>` -> JSON text `{"h":"<height>","x":<index>,"t":"<tx base64>","r":<result JSON>}`
// (read after `r/`).
//
// Why positions: the attribute values every tx of a block shares (the fee collector as
// recipient, the message action, the fee amount, tx.height) each listed every hash of the block,
// 64 bytes a tx: about 1.2 KB a tx of postings for a bank send, 9 MB a block of 7,500. As
// positions they are 4 bytes a tx; the one `i/` entry a tx turns a position back into its hash.

const indexedHeightKey = "s/height";
/** Length of a tx hash in a posting of the older layout (uppercase hex sha256). */
const hashChars = 64;
/** First byte of a posting of positions (a posting of hashes starts with a hex digit). */
const positionsTag = 0;
/** The `i/` key of a tx: its height (16 hex digits) and its index in the block (8). */
const positionKey = (hk: string, index: number) => `i/${hk}${index.toString(16).padStart(8, "0")}`;

/** Key text of a UTF-8 string: ASCII (the usual case) is kept as it is. */
function valueKey(v: string): string {
  // eslint-disable-next-line no-control-regex -- ASCII starts at NUL
  return /^[\x00-\x7f]*$/.test(v) ? v : Buffer.from(v, "utf8").toString("latin1");
}

export interface IndexedTx {
  hash: string; // uppercase hex
  height: bigint;
  index: number;
  tx: Uint8Array;
  result: ExecTxResult;
}

interface Posting {
  /** The positions (indexes in the block) of the txs with the value, ascending. */
  at: number[];
}

/** A posting's value: the positions tag, then each position as a u32 BE. */
function encodePosting(at: readonly number[]): Uint8Array {
  const b = Buffer.allocUnsafe(1 + 4 * at.length);
  b[0] = positionsTag;
  for (let i = 0; i < at.length; i++) b.writeUInt32BE(at[i]!, 1 + 4 * i);
  return b;
}

export interface SearchResult {
  txs: IndexedTx[];
  total: number;
}

/** The most candidate txs one search examines unless the caller sets fewer: a guard against unbounded scans. */
export const maxSearchCandidates = 100_000;

export const txIndexErrors = {
  tooBroad: registerError("txindex", 2, "query reads too many index entries"),
  corrupt: registerError("txindex", 3, "corrupt tx index record"),
};

/** Record version byte; a new layout takes a new number under the same key prefix. */
const recordVersion = 1;
/** Version (1) ‖ height (u64 BE) ‖ index (u32 BE) ‖ tx length (u32 BE). */
const recordHead = 17;

/**
 * A block's `r/` records, in one allocation: per tx `version ‖ height ‖ index ‖ tx length ‖ tx
 * ‖ result JSON (UTF-8)`. The result text is the one resultCodec encoded for the block store;
 * the tx is copied as bytes (no base64, no string building).
 */
export function encodeTxRecords(
  height: bigint,
  txs: readonly Uint8Array[],
  resultJsons: readonly string[],
): Uint8Array[] {
  if (height < 0n || height >= 1n << 64n) throw new Error(`height ${height} out of range`);
  const n = txs.length;
  const lens = new Array<number>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    lens[i] = Buffer.byteLength(resultJsons[i]!, "utf8");
    total += recordHead + txs[i]!.length + lens[i]!;
  }
  const slab = Buffer.allocUnsafe(total);
  const hi = Number(height >> 32n);
  const lo = Number(height & 0xffffffffn);
  const out = new Array<Uint8Array>(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const start = o;
    const tx = txs[i]!;
    slab[o] = recordVersion;
    slab.writeUInt32BE(hi, o + 1);
    slab.writeUInt32BE(lo, o + 5);
    slab.writeUInt32BE(i, o + 9);
    slab.writeUInt32BE(tx.length, o + 13);
    slab.set(tx, o + recordHead);
    o += recordHead + tx.length;
    const w = slab.write(resultJsons[i]!, o, lens[i]!, "utf8");
    if (w !== lens[i]) throw new Error(`result ${i} encoded to ${w} bytes, expected ${lens[i]}`);
    o += w;
    out[i] = slab.subarray(start, o);
  }
  return out;
}

const corrupt = (hash: string, detail: string) => txIndexErrors.corrupt.wrap(`tx ${hash}: ${detail}`, { hash });

/** Decodes a result, any failure (bad JSON, wrong shape) reported as txindex 3. */
function decodeResult(hash: string, json: string): ExecTxResult {
  try {
    return decodeTxResultJson(json);
  } catch (e) {
    throw corrupt(hash, `result: ${(e as Error).message}`);
  }
}

/** An `r/` record (encodeTxRecords); a short, unknown or inconsistent one is txindex 3. */
export function decodeTxRecord(hash: string, raw: Uint8Array): IndexedTx {
  if (raw.length < recordHead) throw corrupt(hash, `record of ${raw.length} bytes is shorter than its header`);
  if (raw[0] !== recordVersion) throw corrupt(hash, `unknown record version ${raw[0]}`);
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const height = (BigInt(b.readUInt32BE(1)) << 32n) | BigInt(b.readUInt32BE(5));
  const index = b.readUInt32BE(9);
  const txLen = b.readUInt32BE(13);
  if (txLen > raw.length - recordHead)
    throw corrupt(hash, `tx of ${txLen} bytes overruns the ${raw.length}-byte record`);
  const end = recordHead + txLen;
  return {
    hash,
    height,
    index,
    tx: Buffer.from(b.subarray(recordHead, end)),
    result: decodeResult(hash, b.toString("utf8", end)),
  };
}

/** A `t/` value written before the binary record (read only). */
export function decodeLegacyTxRecord(hash: string, raw: Uint8Array): IndexedTx {
  const text = Buffer.from(raw).toString("utf8");
  const cut = text.indexOf(',"r":');
  if (cut < 0 || !text.endsWith("}")) throw corrupt(hash, "legacy record without a result");
  let head: unknown;
  try {
    head = JSON.parse(text.slice(0, cut) + "}");
  } catch (e) {
    throw corrupt(hash, `legacy record: ${(e as Error).message}`);
  }
  const { h, x, t } = (head ?? {}) as { h?: unknown; x?: unknown; t?: unknown };
  if (typeof h !== "string" || !/^[0-9]{1,20}$/.test(h) || !Number.isSafeInteger(x) || typeof t !== "string")
    throw corrupt(hash, "legacy record with a bad height, index or tx");
  return {
    hash,
    height: BigInt(h),
    index: x as number,
    tx: Buffer.from(t, "base64"),
    result: decodeResult(hash, text.slice(cut + 5, -1)),
  };
}

/** The largest height heightKey encodes (16 hex digits). */
const maxHeightKey = 2n ** 64n - 1n;

export class TxIndex {
  constructor(private readonly kv: AsyncKV) {}

  /** Indexes a block's txs in one batch: one entry per tx, one posting per attribute value. */
  async indexBlock(
    height: bigint,
    txs: readonly Uint8Array[],
    hashes: readonly string[],
    results: readonly ExecTxResult[],
    resultJsons?: readonly string[],
  ): Promise<void> {
    const ops: Array<[string, Uint8Array]> = [];
    const hk = heightKey(height);
    // Posting: [index of the last tx added, its hashes]; a value seen twice in one tx is one
    // entry. Grouped by attribute key text (`type.attr`, built once per distinct type and
    // attribute) and then by value key text, so that no key string is built per attribute.
    const postings = new Map<string, Map<string, Posting>>();
    // null: the key text has a NUL, so its entries are grouped per value (see below).
    const attrKeys = new Map<string, Map<string, Map<string, Posting> | null>>();
    const group = (k: string): Map<string, Posting> => {
      let values = postings.get(k);
      if (values === undefined) postings.set(k, (values = new Map()));
      return values;
    };
    const byHeight: Posting = { at: [] };
    postings.set("tx.height", new Map([[hk, byHeight]]));
    const records = encodeTxRecords(height, txs, resultJsons ?? results.map((r) => encodeTxResultJson(r)));
    for (let i = 0; i < txs.length; i++) {
      const hash = hashes[i]!;
      ops.push([`r/${hash}`, records[i]!]);
      const raw = Buffer.from(hash, "hex");
      if (raw.length !== 32) throw new Error(`tx ${i} of height ${height}: hash ${hash} is not 64 hex digits`);
      ops.push([positionKey(hk, i), raw]);
      byHeight.at.push(i);
      for (const e of results[i]!.events) {
        let ofType = attrKeys.get(e.type);
        if (ofType === undefined) attrKeys.set(e.type, (ofType = new Map()));
        for (const a of e.attributes) {
          if (!a.index || a.key === "") continue;
          let values = ofType.get(a.key);
          if (values === undefined) {
            // Distinct (type, attr) pairs with one key text ("a.b"+"c", "a"+"b.c") share a map.
            const k = valueKey(`${e.type}.${a.key}`);
            values = k.includes("\0") ? null : group(k);
            ofType.set(a.key, values);
          }
          let v = valueKey(a.value);
          if (values === null) {
            // A key text with a NUL: `k\0v` is one entry key whatever the split ("b\0c"+"d" and
            // "b"+"c\0d" are one), so it is grouped by its text before the first NUL, as one
            // map keyed by the whole text did; else two postings of one key would overwrite.
            const full = `${valueKey(`${e.type}.${a.key}`)}\0${v}`;
            const cut = full.indexOf("\0");
            values = group(full.slice(0, cut));
            v = full.slice(cut + 1);
          }
          const p = values.get(v);
          if (p === undefined) values.set(v, { at: [i] });
          else if (p.at[p.at.length - 1] !== i) p.at.push(i);
        }
      }
    }
    for (const [k, values] of postings)
      for (const [v, p] of values) if (p.at.length > 0) ops.push([`e/${k}\0${v}\0${hk}`, encodePosting(p.at)]);
    ops.push([indexedHeightKey, Buffer.from(height.toString())]);
    await this.kv.write(ops);
  }

  /** The last height indexed (0 if none): the node re-indexes from the block store after it. */
  async indexedHeight(): Promise<bigint> {
    const raw = await this.kv.get(indexedHeightKey);
    return raw === undefined ? 0n : BigInt(Buffer.from(raw).toString());
  }

  /** The tx with this hash (either case), from its `r/` record or a `t/` one of an older store. */
  async get(hash: string): Promise<IndexedTx | null> {
    const h = hash.toUpperCase();
    const raw = await this.kv.get(`r/${h}`);
    if (raw !== undefined) return decodeTxRecord(h, raw);
    const legacy = await this.kv.get(`t/${h}`);
    return legacy === undefined ? null : decodeLegacyTxRecord(h, legacy);
  }

  /**
   * The txs matching q, a page of them in height order. A query whose index condition selects
   * more than maxEntries entries is refused (txindex 2) rather than answered from a truncated
   * scan, whose total would be wrong: narrow it, e.g. with a tx.height range.
   */
  async search(
    q: EventQuery,
    page: number,
    perPage: number,
    order: "asc" | "desc",
    maxEntries = maxSearchCandidates,
  ): Promise<SearchResult> {
    const hashCond = q.find((c) => c.key === "tx.hash" && c.op === "=" && c.operand?.kind === "string");
    let candidates: string[];
    if (hashCond !== undefined) {
      candidates = [hashCond.operand!.value.toUpperCase()];
    } else {
      candidates = await this.candidates(q, maxEntries);
    }
    const matched: IndexedTx[] = [];
    for (const hash of candidates) {
      const t = await this.get(hash);
      if (t === null) continue;
      const events = flattenEvents(t.result.events);
      events.set("tx.height", [t.height.toString()]);
      events.set("tx.hash", [t.hash]);
      if (queryMatches(q, events)) matched.push(t);
    }
    matched.sort((a, b) => (a.height !== b.height ? (a.height < b.height ? -1 : 1) : a.index - b.index));
    if (order === "desc") matched.reverse();
    const start = (page - 1) * perPage;
    return { txs: matched.slice(start, start + perPage), total: matched.length };
  }

  /** Hashes of txs that may match: from the most selective condition the index can serve. */
  private async candidates(q: EventQuery, maxEntries: number): Promise<string[]> {
    const eq =
      q.find((c) => c.op === "=" && c.operand !== null && c.key !== "tx.height") ??
      q.find((c) => c.key === "tx.height" && c.op === "=");
    let prefix: string;
    // Whether the keys under the prefix end with the height (`…\0<height>`), so that tx.height
    // bounds narrow the scan itself: an attribute's posting (`e/<key>\0<value>\0<height>`) and
    // the tx.height posting both do. Without that, a bounded query on a busy attribute (a
    // provider's claims "in the last 50 blocks") read its whole history and was refused.
    let byHeight: boolean;
    if (eq !== undefined) {
      const value =
        eq.key === "tx.height" ? heightKey(BigInt(eq.operand!.value.split(".")[0]!)) : valueKey(eq.operand!.value);
      prefix = `e/${valueKey(eq.key)}\0${value}\0`;
      byHeight = eq.key !== "tx.height";
    } else {
      const c = q.find((x) => x.key === "tx.height") ?? q[0]!;
      prefix = `e/${valueKey(c.key)}\0`;
      byHeight = c.key === "tx.height";
    }
    let range: { gte?: string; lt?: string } = {};
    // Every tx.height bound narrows the scan (a range like tx.height>=5 AND tx.height<=9); the
    // conditions are still checked on each candidate below.
    // Bounds outside the key's range are clamped, which only widens the scan.
    const at = (h: bigint) => `${prefix}${heightKey(h < 0n ? 0n : h > maxHeightKey ? maxHeightKey : h)}`;
    for (const b of byHeight ? q : []) {
      if (b.key !== "tx.height" || b.operand?.kind !== "number") continue;
      const h = BigInt(b.operand.value.split(".")[0]!);
      if (b.op === ">" || b.op === ">=") {
        const gte = at(b.op === ">" ? h + 1n : h);
        if (range.gte === undefined || gte > range.gte) range = { ...range, gte };
      }
      const end = b.op === "<" ? h : b.op === "<=" ? h + 1n : null;
      if (end !== null && end <= maxHeightKey) {
        const lt = at(end);
        if (range.lt === undefined || lt < range.lt) range = { ...range, lt };
      }
    }
    const seen = new Set<string>();
    const positions: string[] = [];
    let read = 0;
    // Each tx in a posting counts as one entry, as when each had its own key.
    for await (const [key, v] of this.kv.scan(prefix, { ...range, limit: maxEntries + 1 })) {
      const b = Buffer.from(v.buffer, v.byteOffset, v.length);
      const positional = b.length > 0 && b[0] === positionsTag;
      // Checked before it is counted or read: a damaged posting of either layout is txindex 3,
      // never a smaller answer.
      const damaged = () =>
        txIndexErrors.corrupt.wrap(`posting ${JSON.stringify(key)} of ${b.length} bytes is damaged`);
      const hk = key.slice(-16);
      if (positional) {
        // Positions: at least one, each a u32; the key ends with the block's height key.
        if (b.length < 5 || (b.length - 1) % 4 !== 0 || key[key.length - 17] !== "\0" || !/^[0-9a-f]{16}$/.test(hk))
          throw damaged();
      } else if (b.length === 0 || b.length % hashChars !== 0 || !/^[0-9A-Fa-f]+$/.test(b.toString("latin1")))
        throw damaged();
      read += positional ? (b.length - 1) / 4 : b.length / hashChars;
      if (read > maxEntries)
        throw txIndexErrors.tooBroad.wrap(
          `the query selects more than ${maxEntries} index entries; narrow it (e.g. add tx.height>=H AND tx.height<=H2 or an exact attribute)`,
        );
      if (!positional) {
        const text = b.toString("latin1").toUpperCase();
        for (let o = 0; o < text.length; o += hashChars) seen.add(text.slice(o, o + hashChars));
        continue;
      }
      for (let o = 1; o < b.length; o += 4) positions.push(positionKey(hk, b.readUInt32BE(o)));
    }
    // Looked up a chunk at a time: LevelDB serves concurrent gets on its thread pool.
    for (let c = 0; c < positions.length; c += 256) {
      const chunk = positions.slice(c, c + 256);
      const got = await Promise.all(chunk.map((k) => this.kv.get(k)));
      for (let j = 0; j < chunk.length; j++) {
        const h = got[j];
        if (h === undefined || h.length !== 32)
          throw txIndexErrors.corrupt.wrap(`posting names tx ${chunk[j]!.slice(2)}, which has no hash entry`);
        seen.add(Buffer.from(h.buffer, h.byteOffset, h.length).toString("hex").toUpperCase());
      }
    }
    return [...seen];
  }
}
