import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sdkErrors } from "./errors.js";
import * as generated from "./generated/protos.js";

// tcompute's own messages are defined in proto/<module>/v1/*.proto. Their binary codecs are
// generated (`npm run proto:gen`: protobufjs's static module in ./generated/protos.js, types in
// ./generated/protos.d.ts, checked against the .proto files by modules/sdk/test/protoGen.test.ts).
// A Codec<T> is typed by the module's interface, which protoTypes.ts checks against the generated
// types, with these conventions: 64-bit integers are decimal strings (as Cosmos amounts), bytes
// are Uint8Array, enums are numbers, repeated fields are arrays, absent scalars are their
// defaults. Encoding is protobuf's canonical field order (the same code protobufjs's reflection
// generates at run time, so the bytes and hashes are unchanged), so hashes of encoded messages
// are deterministic. JSON (genesis) and amino read the .proto by reflection (loadProto), which
// needs the proto field names the static module does not keep.

const require = createRequire(import.meta.url);
type Pb = typeof import("protobufjs");
const protobuf = require("protobufjs") as Pb;

export const protoDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "proto");

export interface Codec<T> {
  readonly typeUrl: string;
  encode(message: T): Uint8Array;
  /** Throws sdk 2 (tx parse error) on malformed bytes. */
  decode(bytes: Uint8Array): T;
  /**
   * What this codec writes for the message decoded from `bytes`: the fields with non-default
   * values (protobufjs's decode drops a default written explicitly, its encode skips it),
   * unknown ones dropped, in field order, minimal varints. Equal to `bytes` exactly when they
   * are in that canonical form, the one the SDK's client writes (modules/auth/txForm.ts).
   */
  reencode(bytes: Uint8Array): Uint8Array;
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

const toObjectOptions = {
  longs: String,
  enums: Number,
  bytes: Uint8Array,
  defaults: true,
  arrays: true,
  objects: false,
  oneofs: false,
} as const;

/** What the generated static module offers of each message type. */
interface GeneratedMessage {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(object: Record<string, unknown>): object;
  toObject(message: object, options: typeof toObjectOptions): Record<string, unknown>;
}

/** The generated codec of `fullName`; throws (a programmer error) if proto:gen was not run. */
function generatedType(fullName: string): GeneratedMessage {
  let at: unknown = generated;
  for (const part of fullName.split("."))
    at = typeof at === "object" || typeof at === "function" ? (at as Record<string, unknown>)[part] : undefined;
  if (typeof at !== "function") throw new Error(`no generated codec for ${fullName}: run npm run proto:gen`);
  return at as unknown as GeneratedMessage;
}

/**
 * A codec for the message `fullName` (e.g. "tcompute.registry.v1.Model") of proto/<protoPath>;
 * the path is checked to define it, so a codec names its file.
 */
export function codec<T>(protoPath: string, fullName: string): Codec<T> {
  loadProto(protoPath).lookupType(fullName);
  const type = generatedType(fullName);
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
    reencode(bytes: Uint8Array): Uint8Array {
      // The decoded message itself, not toObject's: it holds only the fields the wire had.
      try {
        return type.encode(type.decode(bytes)).finish();
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
      return type.toObject(type.decode(bytes), {
        longs: String,
        enums: String,
        bytes: String,
        defaults: true,
        arrays: true,
      });
    },
    /** Throws sdk 18 (invalid request) saying what is wrong. */
    fromJson(json: unknown, path: string): Uint8Array {
      if (typeof json !== "object" || json === null || Array.isArray(json))
        throw sdkErrors.invalidRequest.wrap(`${path} must be an object`);
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
