import { createHash } from "node:crypto";
import type { Sketch } from "./sketch.js";
import type { SketchPb } from "./types.js";

// Commitments bind a result to the job and the worker (never to a slot that can be recycled):
//   commitment = sha256("tcompute/commit/v1" ‖ len ‖ job id ‖ len ‖ provider ‖ salt(32) ‖
//                       digest(32) ‖ sketch bytes)
// with len a 4-byte big-endian length and the sketch bytes canonical (below), so that any
// implementation of a worker computes the same hash. Workers and the chain share this file.

const domain = Buffer.from("tcompute/commit/v1", "utf8");

/** Canonical sketch bytes: count, components (8-byte BE two's complement), count, top-k (4-byte BE), length (8-byte BE). */
export function sketchBytes(s: Sketch): Buffer {
  const out = Buffer.alloc(4 + 8 * s.components.length + 4 + 4 * s.topK.length + 8);
  let o = out.writeUInt32BE(s.components.length, 0);
  for (const c of s.components) o = out.writeBigInt64BE(c, o);
  o = out.writeUInt32BE(s.topK.length, o);
  for (const t of s.topK) o = out.writeUInt32BE(t, o);
  out.writeBigUInt64BE(BigInt(s.length), o);
  return out;
}

function lenPrefixed(s: string): Buffer {
  const b = Buffer.from(s, "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length, 0);
  return Buffer.concat([len, b]);
}

export function commitmentOf(
  jobId: string,
  provider: string,
  salt: Uint8Array,
  digest: Uint8Array,
  sketch: Sketch,
): Uint8Array {
  return createHash("sha256")
    .update(domain)
    .update(lenPrefixed(jobId))
    .update(lenPrefixed(provider))
    .update(salt)
    .update(digest)
    .update(sketchBytes(sketch))
    .digest();
}

const unusableDomain = Buffer.from("tcompute/unusable/v1", "utf8");

/**
 * The commitment to an "unusable input" answer (revealed by MsgRevealUnusable):
 *   sha256("tcompute/unusable/v1" ‖ len ‖ job id ‖ len ‖ provider ‖ salt(32) ‖ reason(4 BE) ‖ input index(4 BE))
 * Sent with MsgCommitResult like any commitment, so that until the reveal it cannot be told from a
 * result (nor copied: it names the provider).
 */
export function unusableCommitmentOf(
  jobId: string,
  provider: string,
  salt: Uint8Array,
  reason: number,
  inputIndex: number,
): Uint8Array {
  const tail = Buffer.alloc(8);
  tail.writeUInt32BE(reason, 0);
  tail.writeUInt32BE(inputIndex, 4);
  return createHash("sha256")
    .update(unusableDomain)
    .update(lenPrefixed(jobId))
    .update(lenPrefixed(provider))
    .update(salt)
    .update(tail)
    .digest();
}

const int64Min = -(1n << 63n);
const int64Max = (1n << 63n) - 1n;

/** The wire form of a sketch. */
export function sketchToPb(s: Sketch): SketchPb {
  return { components: s.components.map((c) => c.toString()), topK: [...s.topK], length: String(s.length) };
}

/**
 * A sketch from the wire, checked: at most `maxSize` components within int64, top-k indices
 * ascending and distinct, a length that fits. Returns a reason string when it is malformed.
 */
export function sketchFromPb(pb: SketchPb, maxSize: number): Sketch | string {
  if (pb.components.length === 0 || pb.components.length > maxSize) return `a sketch has 1 to ${maxSize} components`;
  if (pb.topK.length > 1024) return "at most 1024 top-k indices";
  const components: bigint[] = [];
  for (const c of pb.components) {
    if (!/^-?[0-9]{1,19}$/.test(c)) return "sketch components must be integers";
    const v = BigInt(c);
    if (v < int64Min || v > int64Max) return "sketch components must fit in int64";
    components.push(v);
  }
  for (let i = 1; i < pb.topK.length; i++)
    if (pb.topK[i]! <= pb.topK[i - 1]!) return "top-k indices must be ascending and distinct";
  if (!/^[0-9]{1,15}$/.test(pb.length) || pb.length === "0") return "the sketch length must be a positive integer";
  return { components, topK: [...pb.topK], length: Number(pb.length) };
}
