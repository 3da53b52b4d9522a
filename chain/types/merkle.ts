import { hash } from "node:crypto";

// CometBFT's simple Merkle tree (RFC 6962 with its split rule): leaves hashed with a 0x00
// prefix, inner nodes with 0x01, split at the largest power of two below the count.

const leafPrefix = Buffer.from([0]);
const innerPrefix = Buffer.from([1]);

export function sha256(...parts: Uint8Array[]): Uint8Array {
  // One-shot hashing: several times cheaper than a createHash object per call (blocks hash
  // two Merkle trees over their txs).
  return hash("sha256", parts.length === 1 ? parts[0]! : Buffer.concat(parts), "buffer");
}

export const emptyHash: Uint8Array = sha256();

function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256(leafPrefix, leaf);
}

function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(innerPrefix, left, right);
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  return rootOf(items, 0, items.length);
}

function rootOf(items: readonly Uint8Array[], from: number, to: number): Uint8Array {
  const n = to - from;
  if (n === 0) return emptyHash;
  if (n === 1) return leafHash(items[from]!);
  const k = splitPoint(n);
  return innerHash(rootOf(items, from, from + k), rootOf(items, from + k, to));
}
