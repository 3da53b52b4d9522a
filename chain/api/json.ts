import { defaultRegistryTypes } from "@cosmjs/stargate";
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import * as authTx from "cosmjs-types/cosmos/auth/v1beta1/tx";
import * as bankTx from "cosmjs-types/cosmos/bank/v1beta1/tx";
import * as distrTx from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import * as govTx from "cosmjs-types/cosmos/gov/v1/tx";
import { TextProposal } from "cosmjs-types/cosmos/gov/v1beta1/gov";
import * as govLegacyTx from "cosmjs-types/cosmos/gov/v1beta1/tx";
import * as slashingTx from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import * as stakingTx from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { formatDec } from "../../modules/sdk/coins.js";
import { jsonCodec } from "../../modules/sdk/proto.js";

// Proto3 JSON as the Cosmos SDK's gRPC-gateway writes it, from cosmjs-types' toJSON: field names
// as in the .proto (snake_case), 64-bit integers as strings, enums by name, bytes as base64,
// every field present, and an Any unpacked as {"@type": type_url, ...fields}. Two SDK specifics
// the binary form hides are restored: LegacyDec fields (delegator_shares, rates, fractions,
// DecCoin amounts) travel as 18-decimal atomics and are written "1.000000000000000000".
// Well-known types as jsonpb writes them: a Timestamp as RFC 3339 with 0, 3, 6 or 9 fractional
// digits (read from the decoded message, since cosmjs-types' toJSON keeps milliseconds only),
// a Duration as "172800s". An Any of a Cosmos message or of tcompute's own (its .proto) is
// unpacked; one of a type neither knows stays {"@type", "value": base64}.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface JsonCodec {
  decode(b: Uint8Array): unknown;
  toJSON(m: unknown): unknown;
}

const anyTypes = new Map<string, JsonCodec>();
for (const [url, t] of defaultRegistryTypes) {
  const c = t as unknown as Partial<JsonCodec>;
  if (typeof c.decode === "function" && typeof c.toJSON === "function") anyTypes.set(url, c as JsonCodec);
}
for (const [url, c] of [
  ["/cosmos.auth.v1beta1.BaseAccount", BaseAccount],
  ["/cosmos.auth.v1beta1.ModuleAccount", ModuleAccount],
  ["/cosmos.crypto.secp256k1.PubKey", Secp256k1PubKey],
  ["/cosmos.crypto.ed25519.PubKey", Ed25519PubKey],
  ["/cosmos.crypto.multisig.LegacyAminoPubKey", LegacyAminoPubKey],
  ["/cosmos.tx.v1beta1.Tx", Tx],
  ["/cosmos.gov.v1beta1.TextProposal", TextProposal],
] as const) {
  anyTypes.set(url, c as unknown as JsonCodec);
}
for (const [pkg, mod] of [
  ["cosmos.auth.v1beta1", authTx],
  ["cosmos.bank.v1beta1", bankTx],
  ["cosmos.distribution.v1beta1", distrTx],
  ["cosmos.gov.v1", govTx],
  ["cosmos.gov.v1beta1", govLegacyTx],
  ["cosmos.slashing.v1beta1", slashingTx],
  ["cosmos.staking.v1beta1", stakingTx],
] as const) {
  for (const [name, t] of Object.entries(mod)) {
    const c = t as Partial<JsonCodec>;
    if (
      /^Msg[A-Za-z]+$/.test(name) &&
      !name.endsWith("Response") &&
      typeof c.decode === "function" &&
      typeof c.toJSON === "function"
    )
      anyTypes.set(`/${pkg}.${name}`, c as JsonCodec);
  }
}

/** tcompute's own messages, from their .proto (snake_case, as the SDK's JSON names fields). */
function tcomputeAny(url: string, raw: Uint8Array): Record<string, unknown> | null {
  const m = /^\/tcompute\.([a-z]{1,32})\.v1\.[A-Za-z]{1,64}$/.exec(url);
  if (m === null) return null;
  try {
    return jsonCodec(`${m[1]}/v1/${m[1]}.proto`, url.slice(1)).toJson(raw);
  } catch {
    return null;
  }
}

/** Fields whose string value is a LegacyDec in atomics (18 decimals). */
const decFields = new Set([
  "weight",
  "delegator_shares",
  "shares",
  "shares_dst",
  "rate",
  "max_rate",
  "max_change_rate",
  "min_commission_rate",
  "fraction",
  "community_tax",
  "base_proposer_reward",
  "bonus_proposer_reward",
]);
/** LegacyDec params the SDK encodes as bytes (slashing). */
const decBytesFields = new Set([
  "min_signed_per_window",
  "slash_fraction_double_sign",
  "slash_fraction_downtime",
  "quorum",
  "threshold",
  "veto_threshold",
]);
/** Keys under which {denom, amount} are DecCoins (distribution). */
const decCoinFields = new Set(["rewards", "total", "commission", "pool", "reward"]);

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function dec(v: Json): Json {
  return typeof v === "string" && /^-?[0-9]+$/.test(v) ? formatDec(BigInt(v)) : v;
}

/** jsonpb's fraction: none, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return "";
  const n = String(nanos).padStart(9, "0");
  return `.${n.endsWith("000000") ? n.slice(0, 3) : n.endsWith("000") ? n.slice(0, 6) : n}`;
}

/** A Timestamp as RFC 3339 in UTC, as jsonpb writes it. */
export function rfc3339(seconds: bigint, nanos: number): string {
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 19)}${fraction(nanos)}Z`;
}

function isTimestamp(raw: unknown): raw is { seconds: bigint; nanos: number } {
  if (typeof raw !== "object" || raw === null) return false;
  const o = raw as Record<string, unknown>;
  return Object.keys(o).length === 2 && typeof o["seconds"] === "bigint" && typeof o["nanos"] === "number";
}

function unpackAny(o: { typeUrl?: unknown; value?: unknown }, inDecCoins: boolean): Json {
  const url = String(o.typeUrl ?? "");
  const c = anyTypes.get(url);
  const raw = typeof o.value === "string" ? Buffer.from(o.value, "base64") : new Uint8Array();
  const opaque = { "@type": url, value: Buffer.from(raw).toString("base64") };
  let inner: Json;
  try {
    if (c !== undefined) {
      const decoded = c.decode(raw);
      inner = convert(c.toJSON(decoded), inDecCoins, decoded);
    } else {
      const t = tcomputeAny(url, raw);
      if (t === null) return opaque;
      inner = convert(t, inDecCoins);
    }
  } catch {
    return opaque;
  }
  return {
    "@type": url,
    ...(typeof inner === "object" && inner !== null && !Array.isArray(inner) ? inner : { value: inner }),
  };
}

/**
 * cosmjs-types toJSON output (camelCase) to the SDK gateway's JSON; `raw` is the decoded message
 * it came from (same keys), read where toJSON lost precision (timestamps).
 */
export function convert(v: unknown, inDecCoins = false, raw?: unknown): Json {
  if (v === undefined || v === null) return null;
  if (typeof v === "string" && isTimestamp(raw)) return rfc3339(raw.seconds, raw.nanos);
  const sub = (k: string | number): unknown =>
    typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[k] : undefined;
  if (Array.isArray(v)) return v.map((x, i) => convert(x, inDecCoins, sub(i)));
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (typeof v !== "object") return v as Json;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 2 && "typeUrl" in o && "value" in o) return unpackAny(o, inDecCoins);
  if (keys.length === 2 && typeof o["seconds"] === "string" && typeof o["nanos"] === "number")
    return `${o["seconds"]}${fraction(o["nanos"])}s`;
  const out: Record<string, Json> = {};
  for (const k of keys) {
    const name = snake(k);
    let val = convert(o[k], inDecCoins || decCoinFields.has(name), sub(k));
    if (decFields.has(name)) val = dec(val);
    else if (decBytesFields.has(name) && typeof val === "string") {
      const ascii = Buffer.from(val, "base64").toString("utf8");
      if (/^[0-9]{1,60}$/.test(ascii)) val = dec(ascii);
    } else if (inDecCoins && name === "amount" && "denom" in o) val = dec(val);
    out[name] = val;
  }
  return out;
}

/** A snake_case JSON body (a request) to the camelCase object cosmjs-types' fromJSON reads. */
export function camel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camel);
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())] = camel(x);
  return out;
}
