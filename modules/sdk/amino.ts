import { makeSignDoc, serializeSignDoc, type AminoMsg, type StdFee } from "@cosmjs/amino";
import {
  AminoTypes,
  createDefaultAminoConverters,
  defaultRegistryTypes,
  type AminoConverter,
  type AminoConverters,
} from "@cosmjs/stargate";
import { MsgUpdateParams as MsgUpdateAuthParams } from "cosmjs-types/cosmos/auth/v1beta1/tx";
import { MsgUpdateParams as MsgUpdateBankParams } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import {
  MsgCommunityPoolSpend,
  MsgUpdateParams as MsgUpdateDistrParams,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import {
  MsgCancelProposal,
  MsgDeposit,
  MsgSubmitProposal,
  MsgUpdateParams as MsgUpdateGovParams,
  MsgVote,
  MsgVoteWeighted,
} from "cosmjs-types/cosmos/gov/v1/tx";
import { MsgUnjail, MsgUpdateParams as MsgUpdateSlashingParams } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgUpdateParams as MsgUpdateStakingParams } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { formatDec, parseDec } from "./coins.js";
import { CodedError, sdkErrors } from "./errors.js";
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
    fromAmino: (value: Record<string, unknown>) =>
      type.toObject(type.fromObject(mapKeys(value, camel) as Record<string, unknown>), {
        longs: String,
        enums: Number,
        bytes: Uint8Array,
        defaults: true,
        arrays: true,
      }),
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

// ---- Cosmos messages cosmjs has no converter for: gov v1, every module's MsgUpdateParams,
// MsgCommunityPoolSpend. Their amino JSON follows the SDK's x/tx aminojson rules: proto field
// names, fields at their proto3 default left out unless the .proto marks them
// amino.dont_omitempty, 64-bit integers as strings, enums as numbers, bytes base64, a LegacyDec
// as a decimal ("0.050000000000000000"), a Duration as its nanoseconds in a string (as legacy
// amino wrote time.Duration), and an Any as the nested message's own amino JSON {type, value}:
// a proposal's messages are signed as what they are.

interface CosmjsType {
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  fromPartial(o: unknown): unknown;
  fromJSON(o: unknown): unknown;
}

/** Fields that are google.protobuf.Duration in these messages. */
const durationKeys = new Set([
  "max_deposit_period",
  "voting_period",
  "expedited_voting_period",
  "unbonding_time",
  "downtime_jail_duration",
]);
/** LegacyDec fields carried as bytes (slashing params): ASCII of the 18-decimal atomics. */
const decBytesKeys = new Set(["min_signed_per_window", "slash_fraction_double_sign", "slash_fraction_downtime"]);
/**
 * A LegacyDec's atomics, only in the one form the SDK and cosmjs write ("0", or digits without a
 * leading zero). Rendered into amino JSON, "", "0", "00" and "0x0" would all read 0.000…, so a
 * relay could change them under the same signature and give the tx another hash; the ante
 * refuses the tx instead (sdk 2).
 */
function canonicalAtomics(name: string, v: string): bigint {
  if (!/^(0|[1-9][0-9]{0,79})$/.test(v))
    throw sdkErrors.txDecode.wrap(
      `amino JSON: ${name} must be a LegacyDec's atomics without a leading zero, got ${JSON.stringify(v.slice(0, 90))}`,
    );
  return BigInt(v);
}

/** LegacyDec fields carried as atomics strings (customtype without a scalar decimal). */
const decAtomicsKeys = new Set([
  "min_commission_rate",
  "community_tax",
  "base_proposer_reward",
  "bonus_proposer_reward",
]);

/** Amino name, codec and dont_omitempty fields of each. */
const govAminoTypes: ReadonlyArray<[string, string, CosmjsType, readonly string[]]> = [
  ["/cosmos.gov.v1.MsgSubmitProposal", "cosmos-sdk/v1/MsgSubmitProposal", MsgSubmitProposal, ["initial_deposit"]],
  ["/cosmos.gov.v1.MsgDeposit", "cosmos-sdk/v1/MsgDeposit", MsgDeposit, ["proposal_id", "amount"]],
  ["/cosmos.gov.v1.MsgVote", "cosmos-sdk/v1/MsgVote", MsgVote, ["proposal_id"]],
  ["/cosmos.gov.v1.MsgVoteWeighted", "cosmos-sdk/v1/MsgVoteWeighted", MsgVoteWeighted, ["proposal_id"]],
  ["/cosmos.gov.v1.MsgCancelProposal", "cosmos-sdk/v1/MsgCancelProposal", MsgCancelProposal, []],
  ["/cosmos.gov.v1.MsgUpdateParams", "cosmos-sdk/x/gov/v1/MsgUpdateParams", MsgUpdateGovParams, ["params"]],
  ["/cosmos.auth.v1beta1.MsgUpdateParams", "cosmos-sdk/x/auth/MsgUpdateParams", MsgUpdateAuthParams, ["params"]],
  ["/cosmos.bank.v1beta1.MsgUpdateParams", "cosmos-sdk/x/bank/MsgUpdateParams", MsgUpdateBankParams, ["params"]],
  [
    "/cosmos.staking.v1beta1.MsgUpdateParams",
    "cosmos-sdk/x/staking/MsgUpdateParams",
    MsgUpdateStakingParams,
    ["params"],
  ],
  [
    "/cosmos.slashing.v1beta1.MsgUpdateParams",
    "cosmos-sdk/x/slashing/MsgUpdateParams",
    MsgUpdateSlashingParams,
    ["params"],
  ],
  [
    "/cosmos.distribution.v1beta1.MsgUpdateParams",
    "cosmos-sdk/distribution/MsgUpdateParams",
    MsgUpdateDistrParams,
    ["params"],
  ],
  [
    "/cosmos.distribution.v1beta1.MsgCommunityPoolSpend",
    "cosmos-sdk/distr/MsgCommunityPoolSpend",
    MsgCommunityPoolSpend,
    ["amount"],
  ],
];

function isDuration(v: unknown): v is { seconds: bigint; nanos: number } {
  return (
    typeof v === "object" &&
    v !== null &&
    Object.keys(v).length === 2 &&
    typeof (v as { seconds?: unknown }).seconds === "bigint" &&
    typeof (v as { nanos?: unknown }).nanos === "number"
  );
}

/** A cosmjs-types message object (fromPartial-normalized) in amino JSON. */
function toAminoValue(o: Record<string, unknown>, keep: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const name = snake(k);
    const kept = keep.includes(name);
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      if (v.length === 0 && !kept) continue;
      out[name] = v.map((x) =>
        isAny(x)
          ? aminoMsgOf(x)
          : typeof x === "object" && x !== null
            ? toAminoValue(x as Record<string, unknown>, [])
            : x,
      );
    } else if (typeof v === "bigint") {
      if (v !== 0n || kept) out[name] = v.toString();
    } else if (v instanceof Uint8Array) {
      if (decBytesKeys.has(name)) out[name] = formatDec(canonicalAtomics(name, new TextDecoder().decode(v)));
      else if (v.length > 0 || kept) out[name] = Buffer.from(v).toString("base64");
    } else if (typeof v === "string") {
      if (decAtomicsKeys.has(name)) out[name] = formatDec(canonicalAtomics(name, v));
      else if (v !== "" || kept) out[name] = v;
    } else if (typeof v === "number" || typeof v === "boolean") {
      if ((v !== 0 && v !== false) || kept) out[name] = v;
    } else if (isDuration(v)) {
      out[name] = (v.seconds * 1_000_000_000n + BigInt(v.nanos)).toString();
    } else if (isAny(v)) {
      out[name] = aminoMsgOf(v);
    } else {
      out[name] = toAminoValue(v as Record<string, unknown>, []);
    }
  }
  return out;
}

function isAny(v: unknown): v is Any {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Any).typeUrl === "string" &&
    (v as Any).value instanceof Uint8Array
  );
}

/** Amino JSON back to the camelCase JSON cosmjs-types' fromJSON reads. */
function fromAminoValue(v: unknown, key: string): unknown {
  if (Array.isArray(v)) return v.map((x) => fromAminoValue(x, key));
  if (typeof v === "string") {
    if (durationKeys.has(key)) {
      const n = BigInt(v);
      return { seconds: (n / 1_000_000_000n).toString(), nanos: Number(n % 1_000_000_000n) };
    }
    if (decBytesKeys.has(key)) return Buffer.from(parseDec(v).toString()).toString("base64");
    if (decAtomicsKeys.has(key)) return parseDec(v).toString();
    return v;
  }
  if (typeof v !== "object" || v === null) return v;
  const o = v as Record<string, unknown>;
  if (Object.keys(o).length === 2 && typeof o["type"] === "string" && "value" in o && key === "messages") {
    const any = anyFromAmino({ type: o["type"], value: o["value"] as Record<string, unknown> });
    return { typeUrl: any.typeUrl, value: Buffer.from(any.value).toString("base64") };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[camel(k)] = fromAminoValue(x, k);
  return out;
}

function govConverter(aminoType: string, t: CosmjsType, keep: readonly string[]): AminoConverter {
  return {
    aminoType,
    toAmino: (value: unknown) => toAminoValue(t.fromPartial(value) as Record<string, unknown>, keep),
    fromAmino: (value: Record<string, unknown>) => t.fromJSON(fromAminoValue(value, "")),
  };
}

/** The Cosmos messages' converters: cosmjs's defaults, MsgUnjail, gov v1 and the MsgUpdateParams. */
export function cosmosAminoConverters(): AminoConverters {
  const out: AminoConverters = { ...createDefaultAminoConverters(), "/cosmos.slashing.v1beta1.MsgUnjail": unjail };
  for (const [url, name, t, keep] of govAminoTypes) out[url] = govConverter(name, t, keep);
  return out;
}

/** A message in amino JSON {type, value} back to its Any (a proposal's messages); sdk 18 if unknown. */
export function anyFromAmino(msg: AminoMsg): Any {
  const m = /^tcompute\/([a-z]+)\/(Msg[A-Za-z]+)$/.exec(msg.type);
  if (m !== null) {
    const url = `/tcompute.${m[1]}.v1.${m[2]}`;
    const c = tcomputeAminoConverter(url);
    const t = typeOf(url);
    if (c === null || t === null) throw sdkErrors.invalidRequest.wrap(`unknown amino type ${msg.type}`);
    return {
      typeUrl: url,
      value: t.type.encode(t.type.fromObject(c.fromAmino(msg.value) as Record<string, unknown>)).finish(),
    };
  }
  cosmosAmino ??= new AminoTypes(cosmosAminoConverters());
  let decoded: { typeUrl: string; value: unknown };
  try {
    decoded = cosmosAmino.fromAmino(msg);
  } catch (e) {
    throw sdkErrors.invalidRequest.wrap(`amino message ${msg.type}: ${(e as Error).message}`);
  }
  const codec = cosmosTypes.get(decoded.typeUrl);
  if (codec === undefined) throw sdkErrors.invalidRequest.wrap(`unknown amino type ${msg.type}`);
  return { typeUrl: decoded.typeUrl, value: codec.encode(codec.fromPartial(decoded.value)).finish() };
}

const cosmosTypes = new Map<string, Pick<CosmjsType, "decode" | "encode" | "fromPartial">>([
  ...(defaultRegistryTypes as unknown as Array<[string, CosmjsType]>),
  ["/cosmos.slashing.v1beta1.MsgUnjail", MsgUnjail as unknown as CosmjsType],
  ...govAminoTypes.map(([url, , t]) => [url, t] as [string, CosmjsType]),
]);
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
  if (codec === undefined)
    throw sdkErrors.notSupported.wrap(`${any.typeUrl} has no amino JSON form; sign it with SIGN_MODE_DIRECT`);
  try {
    return cosmosAmino.toAmino({ typeUrl: any.typeUrl, value: decoded });
  } catch (e) {
    // A value our converters refuse (canonicalAtomics) keeps its own error.
    if (e instanceof CodedError) throw e;
    throw sdkErrors.notSupported.wrap(
      `${any.typeUrl} has no amino JSON form (${(e as Error).message}); sign it with SIGN_MODE_DIRECT`,
    );
  }
}

/** The bytes a SIGN_MODE_LEGACY_AMINO_JSON signer signs (before sha256), as cosmjs makes them. */
export function aminoSignBytes(doc: {
  msgs: readonly Any[];
  fee: StdFee;
  chainId: string;
  memo: string;
  accountNumber: bigint;
  sequence: bigint;
  timeoutHeight: bigint;
}): Uint8Array {
  const msgs = doc.msgs.map(aminoMsgOf);
  return serializeSignDoc(
    makeSignDoc(
      msgs,
      doc.fee,
      doc.chainId,
      doc.memo,
      doc.accountNumber,
      doc.sequence.toString(),
      doc.timeoutHeight === 0n ? undefined : doc.timeoutHeight,
    ),
  );
}
