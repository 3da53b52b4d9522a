// The data_hash of the blocks this node built itself, so that validating its own proposal does
// not hash every tx a second time. A block from a peer is never here: it is decoded into new
// objects, and the memo is keyed by the identity of the bytes makeBlock encoded.
//
// Why it is exact: the entry keeps copies of the part-set hash of the bytes and of the data_hash
// of the txs, both computed when makeBlock encoded those txs into those bytes. validateBlock takes
// the memo only after it has checked that the block re-encodes to `bytes` and hashed `bytes` into
// their part set; if that part-set hash is the one remembered, the bytes are the ones built
// (sha256), so the txs are the ones built, and their data_hash is the one remembered. Bytes
// changed in place since give another part-set hash, and the txs are hashed again.

import { bytesEqual } from "../types/bytes.js";

interface Built {
  partSetHash: Uint8Array;
  dataHash: Uint8Array;
}

const built = new WeakMap<Uint8Array, Built>();

/** Remembers what makeBlock computed for the block it encoded into `bytes` (copies, not the header's arrays). */
export function rememberBuilt(bytes: Uint8Array, partSetHash: Uint8Array, dataHash: Uint8Array): void {
  built.set(bytes, { partSetHash: Uint8Array.from(partSetHash), dataHash: Uint8Array.from(dataHash) });
}

/**
 * The data_hash makeBlock computed for these bytes, if `partSetHash` (just computed from the
 * bytes as they are now) is the one they had when built; null otherwise (hash the txs).
 */
export function builtDataHash(bytes: Uint8Array, partSetHash: Uint8Array): Uint8Array | null {
  const b = built.get(bytes);
  if (b === undefined || !bytesEqual(b.partSetHash, partSetHash)) return null;
  return b.dataHash;
}
