import { hash } from "node:crypto";

// CometBFT's simple Merkle tree (RFC 6962 with its split rule): leaves hashed with a 0x00
// prefix, inner nodes with 0x01, split at the largest power of two below the count.

const leafPrefix = Buffer.from([0]);

export function sha256(...parts: Uint8Array[]): Uint8Array {
  // One-shot hashing: several times cheaper than a createHash object per call (blocks hash
  // two Merkle trees over their txs).
  return hash("sha256", parts.length === 1 ? parts[0]! : Buffer.concat(parts), "buffer");
}

export const emptyHash: Uint8Array = sha256();

/** Items up to this size are copied, with their 0x00 prefix, into one slab per tree. */
const slabItemMax = 1024;

/**
 * The leaf hashes sha256(0x00 ‖ item) of items[from, to). Small items (tx hashes, results,
 * commit signatures) are laid out prefixed in one buffer and hashed in place: no Buffer.concat
 * per leaf. Larger ones (block parts) are hashed with a concat each, not copied into a slab.
 */
function leafHashes(items: readonly Uint8Array[]): Uint8Array[] {
  const n = items.length;
  let slabBytes = 0;
  for (let i = 0; i < n; i++) {
    const len = items[i]!.length;
    if (len <= slabItemMax) slabBytes += 1 + len;
  }
  const slab = Buffer.allocUnsafe(slabBytes);
  const out = new Array<Uint8Array>(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const item = items[i]!;
    if (item.length > slabItemMax) {
      out[i] = hash("sha256", Buffer.concat([leafPrefix, item]), "buffer");
      continue;
    }
    slab[o] = 0;
    slab.set(item, o + 1);
    const end = o + 1 + item.length;
    out[i] = hash("sha256", slab.subarray(o, end), "buffer");
    o = end;
  }
  return out;
}

/** 0x01 ‖ left ‖ right of an inner node: both children are 32-byte digests. */
const inner = Buffer.alloc(65);

function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  inner[0] = 1;
  inner.set(left, 1);
  inner.set(right, 33);
  return hash("sha256", inner, "buffer");
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return emptyHash;
  return rootOf(leafHashes(items), 0, items.length);
}

/** The root over leaf hashes [from, to), from ≥ 1 of them. */
function rootOf(leaves: readonly Uint8Array[], from: number, to: number): Uint8Array {
  const n = to - from;
  if (n === 1) return leaves[from]!;
  const k = splitPoint(n);
  return innerHash(rootOf(leaves, from, from + k), rootOf(leaves, from + k, to));
}
