import { sdkErrors } from "./errors.js";

// Checked reading of untrusted JSON (genesis files, RPC params): every problem names its path.

export type JsonObject = { readonly [k: string]: unknown };

function fail(path: string, what: string): never {
  throw sdkErrors.invalidRequest.wrap(`${path}: ${what}`);
}

export function asObject(v: unknown, path: string): JsonObject {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "expected an object");
  return v as JsonObject;
}

export function asArray(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) fail(path, "expected an array");
  return v;
}

export function asString(v: unknown, path: string): string {
  if (typeof v !== "string") fail(path, "expected a string");
  return v;
}

export function asBool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(path, "expected true or false");
  return v;
}

/** A non-negative integer given as a decimal string (or a safe JSON number). */
export function asUint(v: unknown, path: string): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== "string" || !/^[0-9]{1,78}$/.test(v)) fail(path, "expected a non-negative integer string");
  return BigInt(v);
}

export function field(o: JsonObject, key: string, path: string): unknown {
  if (!(key in o)) fail(`${path}.${key}`, "missing");
  return o[key];
}

export function optField(o: JsonObject, key: string): unknown {
  return key in o ? o[key] : undefined;
}
