import { createRequire } from "node:module";
import type { BinaryReader as Reader } from "cosmjs-types/binary";

// Two allocation fixes to cosmjs-types' protobuf runtime, the top items in the node's CPU
// profile (see docs/performance.md). Encodings and decodings are byte-for-byte unchanged.
//
// 1. BinaryWriter.alloc builds a new 8 KiB pool for every finish() (its `pool()` helper runs
//    per call instead of once): every encoded message cost a slab. Allocate exactly instead.
// 2. BinaryReader copies its whole input before decoding. The generated decoders look the class
//    up on the module's exports at each call, so a subclass that reads the input in place
//    replaces it everywhere. Decoded `bytes` fields become views of the input, which is fine
//    because nothing here mutates a tx's bytes or a stored value after decoding it.
const require = createRequire(import.meta.url);
const binary = require("cosmjs-types/binary") as {
  BinaryReader: new (buf?: Uint8Array) => Reader;
  BinaryWriter: { alloc: (size: number) => Uint8Array };
};

binary.BinaryWriter.alloc = (size: number) => new Uint8Array(size);

const Base = binary.BinaryReader;
class InPlaceReader extends Base {
  constructor(buf?: Uint8Array) {
    super();
    if (buf !== undefined) {
      const r = this as unknown as { buf: Uint8Array; len: number };
      r.buf = buf;
      r.len = buf.length;
    }
  }
}
if (!(Base.name === "InPlaceReader")) binary.BinaryReader = InPlaceReader;

export const protoRuntimePatched = true;
