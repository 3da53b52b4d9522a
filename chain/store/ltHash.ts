import { createHash } from "node:crypto";
import { endianness } from "node:os";

// A lattice-based incremental multiset hash (LtHash, Bellare–Micciancio; as Solana's accounts
// hash and Meta's LtHash16): the state's hash is the lane-wise sum, mod 2^16, of a 2048-byte
// expansion of every key/value pair. Changing a key subtracts its old element and adds the new
// one, so a block costs O(writes), independent of the state's size. See docs/state.md.

export const ltHashLanes = 1024;
const elementBytes = ltHashLanes * 2;

if (endianness() !== "LE") {
  // The lanes are read as little-endian u16 through a typed array; a big-endian host would
  // compute another hash. Refuse rather than fork.
  throw new Error("tcompute state hashing requires a little-endian host");
}

const lenPrefix = Buffer.alloc(8);

/** The expansion of one key/value pair: shake256(len(key) ‖ len(value) ‖ key ‖ value). */
export function ltHashElement(key: string, value: Uint8Array): Uint16Array {
  lenPrefix.writeUInt32BE(key.length, 0);
  lenPrefix.writeUInt32BE(value.length, 4);
  const digest = createHash("shake256", { outputLength: elementBytes })
    .update(lenPrefix)
    .update(key, "latin1")
    .update(value)
    .digest();
  return new Uint16Array(digest.buffer, digest.byteOffset, ltHashLanes);
}

export class LtHash {
  readonly lanes: Uint16Array;

  constructor(lanes?: Uint8Array) {
    this.lanes = new Uint16Array(ltHashLanes);
    if (lanes !== undefined) {
      if (lanes.length !== elementBytes)
        throw new Error(`LtHash state must be ${elementBytes} bytes, got ${lanes.length}`);
      this.lanes.set(new Uint16Array(lanes.buffer.slice(lanes.byteOffset, lanes.byteOffset + elementBytes)));
    }
  }

  add(key: string, value: Uint8Array): void {
    const e = ltHashElement(key, value);
    const l = this.lanes;
    for (let i = 0; i < ltHashLanes; i++) l[i] = (l[i]! + e[i]!) & 0xffff;
  }

  remove(key: string, value: Uint8Array): void {
    const e = ltHashElement(key, value);
    const l = this.lanes;
    for (let i = 0; i < ltHashLanes; i++) l[i] = (l[i]! - e[i]!) & 0xffff;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.lanes.buffer.slice(0));
  }

  /** The 32-byte commitment: sha256 of the lanes. */
  digest(): Uint8Array {
    return createHash("sha256").update(new Uint8Array(this.lanes.buffer)).digest();
  }
}
