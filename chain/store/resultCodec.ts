import type { Event, ExecTxResult, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";

// Storage encoding of execution results (block store and tx index). These bytes are local,
// never hashed or sent to peers, so they use compact JSON: the native serializer is several
// times faster than a JS protobuf encoder on thousands of small event objects, and each tx's
// result is encoded once and shared by the block store and the tx index.

type EventJson = [string, Array<[string, string, 0 | 1]>];

interface TxResultJson {
  c: number;
  d: string;
  l: string;
  i: string;
  w: string;
  u: string;
  e: EventJson[];
  s: string;
}

function eventsToJson(events: readonly Event[]): EventJson[] {
  return events.map((e) => [
    e.type,
    e.attributes.map((a) => [a.key, a.value, a.index ? 1 : 0] as [string, string, 0 | 1]),
  ]);
}

function eventsFromJson(e: EventJson[]): Event[] {
  return e.map(([type, attrs]) => ({
    type,
    attributes: attrs.map(([key, value, index]) => ({ key, value, index: index === 1 })),
  }));
}

export function encodeTxResultJson(r: ExecTxResult): string {
  const j: TxResultJson = {
    c: r.code,
    d: Buffer.from(r.data).toString("base64"),
    l: r.log,
    i: r.info,
    w: r.gasWanted.toString(),
    u: r.gasUsed.toString(),
    e: eventsToJson(r.events),
    s: r.codespace,
  };
  return JSON.stringify(j);
}

function txResultFromJson(j: TxResultJson): ExecTxResult {
  return {
    code: j.c,
    data: Buffer.from(j.d, "base64"),
    log: j.l,
    info: j.i,
    gasWanted: BigInt(j.w),
    gasUsed: BigInt(j.u),
    events: eventsFromJson(j.e),
    codespace: j.s,
  };
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isInt = (v: unknown): boolean => isStr(v) && /^-?[0-9]{1,20}$/.test(v);

/** Whether parsed JSON has the shape encodeTxResultJson writes (a stored value may be damaged). */
function isTxResultJson(j: unknown): j is TxResultJson {
  if (typeof j !== "object" || j === null) return false;
  const r = j as Record<string, unknown>;
  if (!Number.isInteger(r.c) || (r.c as number) < 0 || (r.c as number) > 0xffffffff) return false;
  if (!isStr(r.d) || !isStr(r.l) || !isStr(r.i) || !isStr(r.s) || !isInt(r.w) || !isInt(r.u)) return false;
  if (!Array.isArray(r.e)) return false;
  for (const e of r.e as unknown[]) {
    if (!Array.isArray(e) || e.length !== 2 || !isStr(e[0]) || !Array.isArray(e[1])) return false;
    for (const a of e[1] as unknown[])
      if (!Array.isArray(a) || a.length !== 3 || !isStr(a[0]) || !isStr(a[1]) || (a[2] !== 0 && a[2] !== 1))
        return false;
  }
  return true;
}

/** One tx's result; throws on text that is not JSON or not of the encoded shape. */
export function decodeTxResultJson(s: string): ExecTxResult {
  const j: unknown = JSON.parse(s);
  if (!isTxResultJson(j)) throw new Error("tx result JSON of an unexpected shape");
  return txResultFromJson(j);
}

/** A block's results, with each tx's result given already encoded. */
export function encodeBlockResults(r: ResponseFinalizeBlock, txJsons: readonly string[]): Uint8Array {
  const head = JSON.stringify({
    e: eventsToJson(r.events),
    v: r.validatorUpdates.map((v) => [
      Buffer.from(v.pubKey?.ed25519 ?? new Uint8Array()).toString("base64"),
      v.power.toString(),
    ]),
    a: Buffer.from(r.appHash).toString("hex"),
  });
  // Written piece by piece into one allocation: joining thousands of results into one string
  // and encoding that costs about three times as much (the join is flattened, then encoded).
  const prefix = `${head.slice(0, -1)},"t":[`;
  let size = Buffer.byteLength(prefix, "utf8") + 2 + Math.max(0, txJsons.length - 1);
  const lens = new Array<number>(txJsons.length);
  for (let i = 0; i < txJsons.length; i++) size += lens[i] = Buffer.byteLength(txJsons[i]!, "utf8");
  const out = Buffer.allocUnsafe(size);
  let o = out.write(prefix, 0, "utf8");
  for (let i = 0; i < txJsons.length; i++) {
    if (i > 0) out[o++] = 0x2c; // ,
    o += out.write(txJsons[i]!, o, lens[i]!, "utf8");
  }
  out[o++] = 0x5d; // ]
  out[o++] = 0x7d; // }
  if (o !== size) throw new Error(`block results encoded to ${o} bytes, expected ${size}`);
  return out;
}

export function decodeBlockResults(b: Uint8Array): ResponseFinalizeBlock {
  const j = JSON.parse(Buffer.from(b).toString("utf8")) as {
    e: EventJson[];
    v: Array<[string, string]>;
    a: string;
    t: TxResultJson[];
  };
  return {
    events: eventsFromJson(j.e),
    txResults: j.t.map(txResultFromJson),
    validatorUpdates: j.v.map(([pk, power]) => ({
      pubKey: { ed25519: Buffer.from(pk, "base64") },
      power: BigInt(power),
    })),
    appHash: Buffer.from(j.a, "hex"),
  };
}
