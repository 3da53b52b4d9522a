import { merkleRoot } from "./merkle.js";

/** CometBFT's block part size: blocks are gossiped in 64 KiB parts. */
export const blockPartSize = 65536;

export interface PartSet {
  total: number;
  hash: Uint8Array;
  parts: Uint8Array[];
}

/** Splits encoded block bytes into parts; the part-set hash is the Merkle root of the parts. */
export function makePartSet(blockBytes: Uint8Array): PartSet {
  const parts: Uint8Array[] = [];
  for (let off = 0; off < blockBytes.length; off += blockPartSize) {
    parts.push(blockBytes.subarray(off, Math.min(off + blockPartSize, blockBytes.length)));
  }
  if (parts.length === 0) parts.push(new Uint8Array());
  return { total: parts.length, hash: merkleRoot(parts), parts };
}
