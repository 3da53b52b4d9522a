// Reading JSON-RPC params, which arrive as a named JSON object (POST) or as URI query strings
// (GET, where strings may be quoted and bytes given as 0x-hex). Bad params are -32602.

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: string,
  ) {
    super(message);
  }
}

export const invalidParams = (data: string) => new RpcError(-32602, "Invalid params", data);
export const internalError = (data: string) => new RpcError(-32603, "Internal error", data);

export type Params = Record<string, unknown>;

function unquote(v: unknown): unknown {
  if (typeof v === "string" && v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
  return v;
}

export function optString(p: Params, name: string): string | undefined {
  const v = unquote(p[name]);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidParams(`${name} must be a string`);
  return v;
}

export function reqString(p: Params, name: string): string {
  const v = optString(p, name);
  if (v === undefined) throw invalidParams(`missing param ${name}`);
  return v;
}

/** An integer param given as a number or a decimal string; undefined when absent or 0-able empty. */
export function optInt(p: Params, name: string, min: bigint, max: bigint): bigint | undefined {
  const v = unquote(p[name]);
  if (v === undefined || v === null || v === "") return undefined;
  let n: bigint;
  if (typeof v === "number" && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === "string" && /^-?[0-9]{1,19}$/.test(v)) n = BigInt(v);
  else throw invalidParams(`${name} must be an integer`);
  if (n < min || n > max) throw invalidParams(`${name} must be between ${min} and ${max}`);
  return n;
}

export function optBool(p: Params, name: string): boolean {
  const v = unquote(p[name]);
  if (v === undefined || v === null || v === "") return false;
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  throw invalidParams(`${name} must be true or false`);
}

/** Bytes: base64 in JSON bodies, 0x-prefixed hex in URIs (CometBFT's conventions). */
export function reqBytes(p: Params, name: string, maxBytes: number): Uint8Array {
  const v = reqString(p, name);
  let out: Buffer;
  if (/^0x[0-9a-fA-F]*$/.test(v)) {
    if (v.length % 2 !== 0) throw invalidParams(`${name}: odd-length hex`);
    out = Buffer.from(v.slice(2), "hex");
  } else if (/^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0) {
    out = Buffer.from(v, "base64");
  } else throw invalidParams(`${name} must be base64 (or 0x-prefixed hex)`);
  if (out.length > maxBytes) throw invalidParams(`${name} is larger than ${maxBytes} bytes`);
  return out;
}

/** Plain hex (abci_query data), optionally 0x-prefixed. */
export function optHex(p: Params, name: string, maxBytes: number): Uint8Array {
  const v = optString(p, name) ?? "";
  const h = v.startsWith("0x") ? v.slice(2) : v;
  if (!/^[0-9a-fA-F]*$/.test(h) || h.length % 2 !== 0) throw invalidParams(`${name} must be hex`);
  if (h.length / 2 > maxBytes) throw invalidParams(`${name} is larger than ${maxBytes} bytes`);
  return Buffer.from(h, "hex");
}

/** A 32-byte hash given as base64 (JSON body) or hex (with or without 0x). */
export function reqHash(p: Params, name: string): Uint8Array {
  const v = reqString(p, name);
  const h = v.startsWith("0x") ? v.slice(2) : v;
  if (/^[0-9a-fA-F]{64}$/.test(h)) return Buffer.from(h, "hex");
  const b = /^[A-Za-z0-9+/]{43}=$/.test(v) ? Buffer.from(v, "base64") : null;
  if (b === null || b.length !== 32) throw invalidParams(`${name} must be a 32-byte hash in hex or base64`);
  return b;
}
