import { defaultRegistryTypes } from "@cosmjs/stargate";
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { formatDec } from "../../modules/sdk/coins.js";

// Proto3 JSON as the Cosmos SDK's gRPC-gateway writes it, from cosmjs-types' toJSON: field names
// as in the .proto (snake_case), 64-bit integers as strings, enums by name, bytes as base64,
// every field present, and an Any unpacked as {"@type": type_url, ...fields}. Two SDK specifics
// the binary form hides are restored: LegacyDec fields (delegator_shares, rates, fractions,
// DecCoin amounts) travel as 18-decimal atomics and are written "1.000000000000000000".

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
] as const) {
  anyTypes.set(url, c as unknown as JsonCodec);
}

/** Fields whose string value is a LegacyDec in atomics (18 decimals). */
const decFields = new Set(["delegator_shares", "shares", "shares_dst", "rate", "max_rate", "max_change_rate", "min_commission_rate", "fraction", "community_tax", "base_proposer_reward", "bonus_proposer_reward"]);
/** LegacyDec params the SDK encodes as bytes (slashing). */
const decBytesFields = new Set(["min_signed_per_window", "slash_fraction_double_sign", "slash_fraction_downtime"]);
/** Keys under which {denom, amount} are DecCoins (distribution). */
const decCoinFields = new Set(["rewards", "total", "commission", "pool", "reward"]);

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function dec(v: Json): Json {
  return typeof v === "string" && /^-?[0-9]+$/.test(v) ? formatDec(BigInt(v)) : v;
}

function unpackAny(o: { typeUrl?: unknown; value?: unknown }, inDecCoins: boolean): Json {
  const url = String(o.typeUrl ?? "");
  const c = anyTypes.get(url);
  const raw = typeof o.value === "string" ? Buffer.from(o.value, "base64") : new Uint8Array();
  if (c === undefined) return { "@type": url, value: Buffer.from(raw).toString("base64") };
  let inner: Json;
  try {
    inner = convert(c.toJSON(c.decode(raw)), inDecCoins);
  } catch {
    return { "@type": url, value: Buffer.from(raw).toString("base64") };
  }
  return { "@type": url, ...(typeof inner === "object" && inner !== null && !Array.isArray(inner) ? inner : { value: inner }) };
}

/** cosmjs-types toJSON output (camelCase) to the SDK gateway's JSON. */
export function convert(v: unknown, inDecCoins = false): Json {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map((x) => convert(x, inDecCoins));
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (typeof v !== "object") return v as Json;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 2 && "typeUrl" in o && "value" in o) return unpackAny(o, inDecCoins);
  const out: Record<string, Json> = {};
  for (const k of keys) {
    const name = snake(k);
    let val = convert(o[k], inDecCoins || decCoinFields.has(name));
    if (decFields.has(name)) val = dec(val);
    else if (decBytesFields.has(name) && typeof val === "string") val = dec(Buffer.from(val, "base64").toString("utf8"));
    else if (inDecCoins && name === "amount" && "denom" in o) val = dec(val);
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
