import { createRequire } from "node:module";
import type { BinaryReader as Reader } from "cosmjs-types/binary";

// Fixes to cosmjs-types' protobuf runtime, the top items in the node's CPU
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
  BinaryWriter: { alloc: (size: number) => Uint8Array; prototype: object };
};

binary.BinaryWriter.alloc = (size: number) => new Uint8Array(size);

//
// 3. The reader's varint and string reads, on every field of every decode: `uint32()` binds its
//    helper to the reader at each call (a closure per tag and length), `uint64()` / `int64()` go
//    through a decimal string for every value, and `string()` builds a char-code array. The
//    overrides below do the same reads directly for the common case (a varint of at most four
//    bytes, an ASCII string) and defer to the original for anything else, so every value and
//    every error (premature EOF, invalid varint) is the original's. protoRuntime.test.ts checks
//    them against the original reader.
const Base = binary.BinaryReader;
type ReaderState = { buf: Uint8Array; pos: number; len: number };

class InPlaceReader extends Base {
  constructor(buf?: Uint8Array) {
    super();
    if (buf !== undefined) {
      const r = this as unknown as ReaderState;
      r.buf = buf;
      r.len = buf.length;
    }
  }

  // cosmjs-types' varint32read, without the bind: up to five bytes hold the value, further
  // continuation bytes (up to ten in all) are skipped, the result is unsigned.
  override uint32(): number {
    const r = this as unknown as ReaderState;
    const buf = r.buf;
    let b = buf[r.pos++]!;
    let result = b & 0x7f;
    if ((b & 0x80) === 0) {
      this.assertBounds();
      return result;
    }
    b = buf[r.pos++]!;
    result |= (b & 0x7f) << 7;
    if ((b & 0x80) === 0) {
      this.assertBounds();
      return result;
    }
    b = buf[r.pos++]!;
    result |= (b & 0x7f) << 14;
    if ((b & 0x80) === 0) {
      this.assertBounds();
      return result;
    }
    b = buf[r.pos++]!;
    result |= (b & 0x7f) << 21;
    if ((b & 0x80) === 0) {
      this.assertBounds();
      return result;
    }
    b = buf[r.pos++]!;
    result |= (b & 0x0f) << 28;
    for (let readBytes = 5; (b & 0x80) !== 0 && readBytes < 10; readBytes++) b = buf[r.pos++]!;
    if ((b & 0x80) !== 0) throw new Error("invalid varint");
    this.assertBounds();
    return result >>> 0;
  }

  /** A varint that ends within four bytes (below 2^28): its value; else -1, the position kept. */
  private shortVarint(): number {
    const r = this as unknown as ReaderState;
    const start = r.pos;
    const buf = r.buf;
    let v = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = buf[r.pos++]!;
      v |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.assertBounds();
        return v;
      }
    }
    r.pos = start;
    return -1;
  }

  override uint64(): bigint {
    const v = this.shortVarint();
    return v >= 0 ? BigInt(v) : super.uint64();
  }

  override int64(): bigint {
    const v = this.shortVarint();
    return v >= 0 ? BigInt(v) : super.int64();
  }

  override string(): string {
    const r = this as unknown as ReaderState;
    const start = r.pos;
    const bytes = this.bytes();
    const n = bytes.length;
    if (n <= 128) {
      let ascii = true;
      for (let i = 0; i < n; i++)
        if (bytes[i]! > 0x7f) {
          ascii = false;
          break;
        }
      if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    }
    r.pos = start;
    return super.string();
  }
}
if (!(Base.name === "InPlaceReader")) binary.BinaryReader = InPlaceReader;

//
// 4. A correctness fix, not a speed-up: the writer's int64 / uint64 write a value in
//    [2^31, 2^32) as a malformed varint (its decimal parser hands the low 32 bits back signed,
//    and the length and the write then treat the value as negative): 2^31 comes out as five
//    zero bytes where Go's proto.Marshal, and so CometBFT, writes 80 80 80 80 08. A gas limit
//    a client chooses (3e9, say) would then give hashes and ABCI responses no other
//    implementation reads the same way. Values in that range are written here as the five-byte
//    varint they are; every other value goes to the original, whose bytes are right.
const varint = require("cosmjs-types/varint") as {
  writeVarint64: (val: { lo: number; hi: number }, buf: Uint8Array, pos: number) => void;
};
type WriterInternals = {
  _push(
    fn: (val: { lo: number; hi: number }, buf: Uint8Array, pos: number) => void,
    len: number,
    val: unknown,
  ): unknown;
};
type Int64Writer = (this: WriterInternals, value: string | number | bigint) => unknown;
const writerProto = binary.BinaryWriter.prototype as { int64: Int64Writer };
const originalInt64 = writerProto.int64;
const TWO_31 = 2 ** 31;
const TWO_32 = 2 ** 32;

/** The value as a number when it is an integer in [2^31, 2^32), else undefined. */
function inBrokenRange(value: string | number | bigint): number | undefined {
  if (typeof value === "bigint") return value >= 2147483648n && value < 4294967296n ? Number(value) : undefined;
  if (typeof value === "number")
    return Number.isInteger(value) && value >= TWO_31 && value < TWO_32 ? value : undefined;
  const n = Number(value);
  return /^\d{1,10}$/.test(value) && n >= TWO_31 && n < TWO_32 ? n : undefined;
}

function int64(this: WriterInternals, value: string | number | bigint): unknown {
  const lo = inBrokenRange(value);
  if (lo === undefined) return originalInt64.call(this, value);
  return this._push(varint.writeVarint64, 5, { lo, hi: 0 });
}
if (originalInt64.name !== "int64Fixed") {
  Object.defineProperty(int64, "name", { value: "int64Fixed" });
  writerProto.int64 = int64;
}

export const protoRuntimePatched = true;

/** The writer's int64 before the fix, for the test that compares the two. */
export const originalWriterInt64 = originalInt64;

/** The readers before and after the patch, for the tests that compare them. */
export const protoReaders = { original: Base, patched: binary.BinaryReader };
