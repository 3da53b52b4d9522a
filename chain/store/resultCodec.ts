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

export function decodeTxResultJson(s: string): ExecTxResult {
  return txResultFromJson(JSON.parse(s) as TxResultJson);
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
  return Buffer.from(`${head.slice(0, -1)},"t":[${txJsons.join(",")}]}`);
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
