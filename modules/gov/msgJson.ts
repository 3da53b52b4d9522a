import * as authTx from "cosmjs-types/cosmos/auth/v1beta1/tx";
import * as bankTx from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import * as distrTx from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import * as govTx from "cosmjs-types/cosmos/gov/v1/tx";
import * as govLegacyTx from "cosmjs-types/cosmos/gov/v1beta1/tx";
import { TextProposal } from "cosmjs-types/cosmos/gov/v1beta1/gov";
import * as slashingTx from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import * as stakingTx from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { formatDec, parseDec } from "../sdk/coins.js";
import { sdkErrors } from "../sdk/errors.js";
import { asObject, asString, field } from "../sdk/json.js";
import { jsonCodec } from "../sdk/proto.js";
import { fromUtf8 } from "../sdk/store.js";

// A proposal's messages as the SDK's JSON shows them (genesis, `tx gov submit-proposal`):
// {"@type": "/cosmos.bank.v1beta1.MsgSend", "from_address": ..., ...}, proto field names,
// durations as "172800s", LegacyDecs as decimals. Cosmos messages go through cosmjs-types'
// generated fromJSON / toJSON (camelCase keys, durations as objects), tcompute's through their
// .proto (modules/sdk/proto.ts). A type neither knows travels as {"@type", "value": base64}.

interface JsonType {
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  fromJSON(o: unknown): unknown;
  toJSON(m: unknown): unknown;
}

const cosmosTypes = new Map<string, JsonType>();
function add(pkg: string, mod: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v !== "object" || v === null || !("fromJSON" in v) || !("encode" in v)) continue;
    if (!/^Msg[A-Za-z]+$/.test(name) || name.endsWith("Response") || name.endsWith("ClientImpl")) continue;
    cosmosTypes.set(`/${pkg}.${name}`, v as JsonType);
  }
}
add("cosmos.auth.v1beta1", authTx);
add("cosmos.bank.v1beta1", bankTx);
add("cosmos.distribution.v1beta1", distrTx);
add("cosmos.gov.v1", govTx);
add("cosmos.gov.v1beta1", govLegacyTx);
add("cosmos.slashing.v1beta1", slashingTx);
add("cosmos.staking.v1beta1", stakingTx);
cosmosTypes.set("/cosmos.crypto.ed25519.PubKey", Ed25519PubKey as unknown as JsonType);
cosmosTypes.set("/cosmos.crypto.secp256k1.PubKey", Secp256k1PubKey as unknown as JsonType);
cosmosTypes.set("/cosmos.gov.v1beta1.TextProposal", TextProposal as unknown as JsonType);

/** Fields that are google.protobuf.Duration in the Cosmos params messages. */
const durationKeys = new Set([
  "max_deposit_period",
  "voting_period",
  "expedited_voting_period",
  "unbonding_time",
  "downtime_jail_duration",
]);
/** LegacyDec fields carried as bytes (slashing params): ASCII of the 18-decimal atomics. */
const decBytesKeys = new Set(["min_signed_per_window", "slash_fraction_double_sign", "slash_fraction_downtime"]);
/** LegacyDec fields carried as atomics strings (customtype without scalar). */
const decAtomicsKeys = new Set([
  "min_commission_rate",
  "community_tax",
  "base_proposer_reward",
  "bonus_proposer_reward",
]);

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function tcomputeCodec(typeUrl: string) {
  const m = /^\/tcompute\.([a-z]+)\.v1\.[A-Za-z]+$/.exec(typeUrl);
  if (m === null) return null;
  try {
    const c = jsonCodec(`${m[1]}/v1/${m[1]}.proto`, typeUrl.slice(1));
    return c;
  } catch {
    return null;
  }
}

/** SDK JSON (snake_case) to the camelCase JSON that cosmjs-types' fromJSON reads. */
function toCosmjsJson(v: unknown, key: string, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => toCosmjsJson(x, key, `${path}[${i}]`));
  if (typeof v === "string") {
    if (durationKeys.has(key)) {
      const m = /^([0-9]{1,15})(?:\.([0-9]{1,9}))?s$/.exec(v);
      if (m === null) throw sdkErrors.invalidRequest.wrap(`${path}: expected a duration like "172800s"`);
      return { seconds: m[1], nanos: Number((m[2] ?? "").padEnd(9, "0")) };
    }
    if (decBytesKeys.has(key)) return Buffer.from(parseDec(v).toString()).toString("base64");
    if (decAtomicsKeys.has(key)) return parseDec(v).toString();
    return v;
  }
  if (typeof v !== "object" || v === null) return v;
  const o = v as Record<string, unknown>;
  if ("@type" in o) {
    const any = anyFromJson(o, path);
    return { typeUrl: any.typeUrl, value: Buffer.from(any.value).toString("base64") };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[camel(k)] = toCosmjsJson(x, k, `${path}.${k}`);
  return out;
}

function fromCosmjsJson(v: unknown, key: string): unknown {
  if (Array.isArray(v)) return v.map((x) => fromCosmjsJson(x, key));
  if (typeof v === "string") {
    if (decBytesKeys.has(key)) return formatDec(BigInt(fromUtf8(new Uint8Array(Buffer.from(v, "base64"))) || "0"));
    if (decAtomicsKeys.has(key)) return formatDec(BigInt(v || "0"));
    return v;
  }
  if (typeof v !== "object" || v === null) return v;
  const o = v as Record<string, unknown>;
  if (durationKeys.has(key) && "seconds" in o) {
    const nanos = Number(o["nanos"] ?? 0);
    return nanos === 0 ? `${String(o["seconds"])}s` : `${String(o["seconds"])}.${String(nanos).padStart(9, "0")}s`;
  }
  const keysOf = Object.keys(o);
  if (keysOf.length === 2 && "typeUrl" in o && "value" in o && typeof o["value"] === "string") {
    return anyToJson({ typeUrl: String(o["typeUrl"]), value: new Uint8Array(Buffer.from(o["value"], "base64")) });
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[snake(k)] = fromCosmjsJson(x, snake(k));
  return out;
}

function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [snake(k), snakeKeys(x)]));
}

/** An Any as SDK JSON. */
export function anyToJson(any: Any): Record<string, unknown> {
  const t = cosmosTypes.get(any.typeUrl);
  if (t !== undefined) {
    const json = fromCosmjsJson(t.toJSON(t.decode(any.value)), "") as Record<string, unknown>;
    return { "@type": any.typeUrl, ...json };
  }
  const c = tcomputeCodec(any.typeUrl);
  if (c !== null) return { "@type": any.typeUrl, ...c.toJson(any.value) };
  return { "@type": any.typeUrl, value: Buffer.from(any.value).toString("base64") };
}

/** SDK JSON to an Any; throws sdk 18 naming the path. */
export function anyFromJson(json: unknown, path: string): Any {
  const o = asObject(json, path);
  const typeUrl = asString(field(o, "@type", path), `${path}.@type`);
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k !== "@type") rest[k] = v;
  const t = cosmosTypes.get(typeUrl);
  if (t !== undefined) {
    for (const k of Object.keys(rest))
      if (k !== k.toLowerCase()) throw sdkErrors.invalidRequest.wrap(`${path}.${k}: field names are snake_case`);
    let value: Uint8Array;
    try {
      value = t.encode(t.fromJSON(toCosmjsJson(rest, "", path))).finish();
    } catch (e) {
      throw sdkErrors.invalidRequest.wrap(`${path} (${typeUrl}): ${(e as Error).message}`);
    }
    return { typeUrl, value };
  }
  const c = tcomputeCodec(typeUrl);
  // tcompute's own messages: proto field names; camelCase (as `tcd q ... -o json` prints) too.
  if (c !== null) return { typeUrl, value: c.fromJson(snakeKeys(rest), path) };
  if (Object.keys(rest).length === 1 && typeof rest["value"] === "string")
    return { typeUrl, value: new Uint8Array(Buffer.from(rest["value"], "base64")) };
  throw sdkErrors.invalidRequest.wrap(`${path}: unknown message type ${typeUrl}`);
}
