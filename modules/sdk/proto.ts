import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sdkErrors } from "./errors.js";

// tcompute's own messages are defined in proto/<module>/v1/*.proto and compiled at start-up with
// protobufjs (reflection, no generated code). A Codec<T> is typed by a hand-written interface that
// mirrors the .proto, with these conventions: 64-bit integers are decimal strings (as Cosmos
// amounts), bytes are Uint8Array, enums are numbers, repeated fields are arrays, absent scalars
// are their defaults. Encoding is protobuf's canonical field order, so hashes of encoded
// messages are deterministic.

const require = createRequire(import.meta.url);
type Pb = typeof import("protobufjs");
const protobuf = require("protobufjs") as Pb;

export const protoDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "proto");

export interface Codec<T> {
  readonly typeUrl: string;
  encode(message: T): Uint8Array;
  /** Throws sdk 2 (tx parse error) on malformed bytes. */
  decode(bytes: Uint8Array): T;
}

const roots = new Map<string, InstanceType<Pb["Root"]>>();

/** Parses proto/<path> (relative to the repo's proto/ directory) once. */
export function loadProto(path: string): InstanceType<Pb["Root"]> {
  let root = roots.get(path);
  if (root === undefined) {
    root = protobuf.parse(readFileSync(join(protoDir, path), "utf8"), { keepCase: false }).root;
    roots.set(path, root);
  }
  return root;
}

const toObjectOptions = { longs: String, enums: Number, bytes: Uint8Array, defaults: true, arrays: true, objects: false, oneofs: false } as const;

/** A codec for the message `fullName` (e.g. "tcompute.registry.v1.Model"). */
export function codec<T>(protoPath: string, fullName: string): Codec<T> {
  const type = loadProto(protoPath).lookupType(fullName);
  return {
    typeUrl: `/${fullName}`,
    encode(message: T): Uint8Array {
      // fromObject converts the conventions above (decimal strings for 64-bit numbers).
      return type.encode(type.fromObject(message as unknown as Record<string, unknown>)).finish();
    },
    decode(bytes: Uint8Array): T {
      try {
        // The interface T mirrors the .proto; toObject fills every field with the conventions above.
        return type.toObject(type.decode(bytes), toObjectOptions) as unknown as T;
      } catch (e) {
        throw sdkErrors.txDecode.wrap(`${fullName}: ${(e as Error).message}`);
      }
    },
  };
}

const jsonRoots = new Map<string, InstanceType<Pb["Root"]>>();

/**
 * Genesis JSON of a message, in proto field names (snake_case), 64-bit numbers as strings,
 * bytes as base64 and enums by name, as Cosmos genesis files show messages.
 */
export function jsonCodec(protoPath: string, fullName: string) {
  let root = jsonRoots.get(protoPath);
  if (root === undefined) {
    root = protobuf.parse(readFileSync(join(protoDir, protoPath), "utf8"), { keepCase: true }).root;
    jsonRoots.set(protoPath, root);
  }
  const type = root.lookupType(fullName);
  return {
    toJson(bytes: Uint8Array): Record<string, unknown> {
      return type.toObject(type.decode(bytes), { longs: String, enums: String, bytes: String, defaults: true, arrays: true });
    },
    /** Throws sdk 18 (invalid request) saying what is wrong. */
    fromJson(json: unknown, path: string): Uint8Array {
      if (typeof json !== "object" || json === null || Array.isArray(json)) throw sdkErrors.invalidRequest.wrap(`${path} must be an object`);
      try {
        const msg = type.fromObject(json as Record<string, unknown>);
        const err = type.verify(msg);
        if (err !== null) throw new Error(err);
        return type.encode(msg).finish();
      } catch (e) {
        throw sdkErrors.invalidRequest.wrap(`${path}: ${(e as Error).message}`);
      }
    },
  };
}
