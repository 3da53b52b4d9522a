import { makeSignDoc, serializeSignDoc, type AminoMsg, type StdFee } from "@cosmjs/amino";
import { AminoTypes, createDefaultAminoConverters, defaultRegistryTypes, type AminoConverter, type AminoConverters } from "@cosmjs/stargate";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { sdkErrors } from "./errors.js";
import { loadProto } from "./proto.js";

// SIGN_MODE_LEGACY_AMINO_JSON, as Keplr's Ledger path and @cosmjs/amino signers sign: a
// StdSignDoc of the messages in amino JSON, sorted and escaped (cosmjs's serializeSignDoc), hashed
// with sha256. Cosmos messages use the SDK's amino names through cosmjs's own converters;
// tcompute's use `tcompute/<module>/<Msg>` with one generic rule over the module protos: the
// proto3-canonical message (defaults left out) with snake_case field names, 64-bit integers as
// strings, bytes as base64 and enums as numbers. The chain and the SDK client use these same
// converters, so what a wallet signs is what the ante handler rebuilds.

/** cosmos.slashing MsgUnjail, which cosmjs lacks (its amino field is `address`, as in the SDK). */
const unjail: AminoConverter = {
  aminoType: "cosmos-sdk/MsgUnjail",
  toAmino: ({ validatorAddr }: { validatorAddr: string }) => ({ address: validatorAddr }),
  fromAmino: ({ address }: { address: string }) => ({ validatorAddr: address }),
};

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function mapKeys(v: unknown, f: (k: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => mapKeys(x, f));
  if (typeof v !== "object" || v === null || v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[f(k)] = mapKeys(x, f);
  return out;
}

const tcomputeType = /^\/tcompute\.([a-z]+)\.v1\.(Msg[A-Za-z]+)$/;
const longTypes = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

type PbType = ReturnType<ReturnType<typeof loadProto>["lookupType"]>;

function typeOf(typeUrl: string): { mod: string; name: string; type: PbType } | null {
  const m = tcomputeType.exec(typeUrl);
  if (m === null) return null;
  const [, mod, name] = m as unknown as [string, string, string];
  try {
    return { mod, name, type: loadProto(`${mod}/v1/${mod}.proto`).lookupType(typeUrl.slice(1)) };
  } catch {
    return null;
  }
}

/**
 * The proto3-canonical amino JSON of a message object (protobufjs toObject with defaults): every
 * field at its proto3 default is left out, whatever the wire carried, so that the signer's and
 * the chain's forms agree; a set sub-message stays even when empty.
 */
function canonical(type: PbType, obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    f.resolve();
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    const sub = f.resolvedType !== null && "fieldsArray" in f.resolvedType ? (f.resolvedType as PbType) : null;
    if (f.repeated) {
      if (!Array.isArray(v) || v.length === 0) continue;
      out[snake(f.name)] = sub === null ? v : v.map((x) => canonical(sub, x as Record<string, unknown>));
      continue;
    }
    if (sub !== null) {
      out[snake(f.name)] = canonical(sub, v as Record<string, unknown>);
      continue;
    }
    if (v === "" || v === 0 || v === false || (v === "0" && longTypes.has(f.type))) continue;
    out[snake(f.name)] = v;
  }
  return out;
}

const jsonOptions = { longs: String, enums: Number, bytes: String, defaults: true, arrays: true } as const;

/** The converter of one tcompute message type URL, or null if it names no known message. */
export function tcomputeAminoConverter(typeUrl: string): AminoConverter | null {
  const t = typeOf(typeUrl);
  if (t === null) return null;
  const { type } = t;
  return {
    aminoType: `tcompute/${t.mod}/${t.name}`,
    toAmino: (value: Record<string, unknown>) => canonical(type, type.toObject(type.fromObject(value), jsonOptions)),
    fromAmino: (value: Record<string, unknown>) => type.toObject(type.fromObject(mapKeys(value, camel) as Record<string, unknown>), { longs: String, enums: Number, bytes: Uint8Array, defaults: true, arrays: true }),
  };
}

/** Amino converters for these tcompute message type URLs (for cosmjs's AminoTypes). */
export function tcomputeAminoConverters(typeUrls: readonly string[]): AminoConverters {
  const out: AminoConverters = {};
  for (const url of typeUrls) {
    const c = tcomputeAminoConverter(url);
    if (c === null) throw new Error(`no amino converter for ${url}`);
    out[url] = c;
  }
  return out;
}

/** The Cosmos messages' converters: cosmjs's defaults and MsgUnjail. */
export function cosmosAminoConverters(): AminoConverters {
  return { ...createDefaultAminoConverters(), "/cosmos.slashing.v1beta1.MsgUnjail": unjail };
}

const cosmosTypes = new Map<string, { decode(b: Uint8Array): unknown }>([...defaultRegistryTypes, ["/cosmos.slashing.v1beta1.MsgUnjail", MsgUnjail]] as Array<[string, { decode(b: Uint8Array): unknown }]>);
let cosmosAmino: AminoTypes | null = null;

/** A message (as it is in the tx body) in amino JSON; sdk 2 when it has no amino form. */
export function aminoMsgOf(any: Any): AminoMsg {
  const t = typeOf(any.typeUrl);
  if (t !== null) {
    let value: Record<string, unknown>;
    try {
      value = canonical(t.type, t.type.toObject(t.type.decode(any.value), jsonOptions));
    } catch (e) {
      throw sdkErrors.txDecode.wrap(`malformed ${any.typeUrl}: ${(e as Error).message}`);
    }
    return { type: `tcompute/${t.mod}/${t.name}`, value };
  }
  const codec = cosmosTypes.get(any.typeUrl);
  cosmosAmino ??= new AminoTypes(cosmosAminoConverters());
  let decoded: unknown;
  try {
    decoded = codec?.decode(any.value);
  } catch (e) {
    throw sdkErrors.txDecode.wrap(`malformed ${any.typeUrl}: ${(e as Error).message}`);
  }
  if (codec === undefined) throw sdkErrors.notSupported.wrap(`${any.typeUrl} has no amino JSON form; sign it with SIGN_MODE_DIRECT`);
  try {
    return cosmosAmino.toAmino({ typeUrl: any.typeUrl, value: decoded });
  } catch (e) {
    throw sdkErrors.notSupported.wrap(`${any.typeUrl} has no amino JSON form (${(e as Error).message}); sign it with SIGN_MODE_DIRECT`);
  }
}

/** The bytes a SIGN_MODE_LEGACY_AMINO_JSON signer signs (before sha256), as cosmjs makes them. */
export function aminoSignBytes(doc: { msgs: readonly Any[]; fee: StdFee; chainId: string; memo: string; accountNumber: bigint; sequence: bigint; timeoutHeight: bigint }): Uint8Array {
  const msgs = doc.msgs.map(aminoMsgOf);
  return serializeSignDoc(makeSignDoc(msgs, doc.fee, doc.chainId, doc.memo, doc.accountNumber, doc.sequence.toString(), doc.timeoutHeight === 0n ? undefined : doc.timeoutHeight));
}
