import type { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { encodeTxResultJson } from "../resultCodec.js";
import { encodeTxRecords } from "../txIndex.js";
import { heightKey } from "../../../modules/sdk/store.js";
import type { AsyncKV } from "../asyncKV.js";

// The tx index writer as it was before the binary `r/` record (TxIndex.indexBlock at 5168026,
// copied verbatim but for the class): `t/<HASH>` -> JSON text with the tx as base64, postings as
// now. Tests write stores with it to check that a node upgraded in place reads them.

function valueKey(v: string): string {
  // eslint-disable-next-line no-control-regex -- ASCII starts at NUL
  return /^[\x00-\x7f]*$/.test(v) ? v : Buffer.from(v, "utf8").toString("latin1");
}

export async function legacyIndexBlock(
  kv: AsyncKV,
  height: bigint,
  txs: readonly Uint8Array[],
  hashes: readonly string[],
  results: readonly ExecTxResult[],
  resultJsons?: readonly string[],
  /**
   * "t": the JSON `t/` values above (before 9f64d5e); "r": binary `r/` records beside the same
   * postings of hashes, as the writer from 9f64d5e to 860a268 wrote them (most stores in use).
   */
  records: "t" | "r" = "t",
): Promise<void> {
  const ops: Array<[string, Uint8Array]> = [];
  const binary = records === "r" ? encodeTxRecords(height, txs, resultJsons ?? results.map(encodeTxResultJson)) : null;
  const hk = heightKey(height);
  const postings = new Map<string, { last: number; hashes: string[] }>();
  const post = (key: string, i: number, hash: string) => {
    const p = postings.get(key);
    if (p === undefined) postings.set(key, { last: i, hashes: [hash] });
    else if (p.last !== i) {
      p.last = i;
      p.hashes.push(hash);
    }
  };
  for (let i = 0; i < txs.length; i++) {
    const hash = hashes[i]!;
    const result = results[i]!;
    const json = resultJsons?.[i] ?? encodeTxResultJson(result);
    if (binary !== null) ops.push([`r/${hash}`, binary[i]!]);
    else
      ops.push([
        `t/${hash}`,
        Buffer.from(`{"h":"${height}","x":${i},"t":"${Buffer.from(txs[i]!).toString("base64")}","r":${json}}`),
      ]);
    post(`tx.height\0${hk}`, i, hash);
    for (const e of result.events) {
      for (const a of e.attributes) {
        if (!a.index || a.key === "") continue;
        post(`${valueKey(`${e.type}.${a.key}`)}\0${valueKey(a.value)}`, i, hash);
      }
    }
  }
  for (const [key, p] of postings) ops.push([`e/${key}\0${hk}`, Buffer.from(p.hashes.join(""), "latin1")]);
  ops.push(["s/height", Buffer.from(height.toString())]);
  await kv.write(ops);
}

/**
 * Every `e/` entry of an index with its txs as hash text (HASH HASH …), whatever the posting's
 * layout: a posting of positions is read through the `i/` entries. So postings written as
 * positions can be compared entry for entry with the hashes the writers above wrote.
 */
export async function postingsAsHashes(kv: AsyncKV): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const [k, v] of kv.scan("e/")) {
    if (v[0] !== 0) {
      out.push([k, Buffer.from(v).toString("latin1")]);
      continue;
    }
    const b = Buffer.from(v);
    let text = "";
    for (let o = 1; o < b.length; o += 4) {
      const h = await kv.get(`i/${k.slice(-16)}${b.readUInt32BE(o).toString(16).padStart(8, "0")}`);
      if (h === undefined) throw new Error(`posting ${JSON.stringify(k)} names a tx without an i/ entry`);
      text += Buffer.from(h).toString("hex").toUpperCase();
    }
    out.push([k, text]);
  }
  return out;
}
