import assert from "node:assert/strict";
import { xorshift32 } from "../../../chain/testkit/xorshift.js";
import { protoReaders } from "../protoRuntime.js";

// The patched reader's uint32 / uint64 / int64 / string must read exactly what cosmjs-types'
// reader reads, value and position, and fail where it fails with the same error, for every
// input: canonical varints at each length, over-long and truncated ones, ASCII and non-ASCII
// strings, strings that run past the end.

type Read = "uint32" | "uint64" | "int64" | "string";
const reads: Read[] = ["uint32", "uint64", "int64", "string"];

function readAll(Reader: typeof protoReaders.original, bytes: Uint8Array, read: Read): string {
  const r = new Reader(bytes);
  const out: string[] = [];
  try {
    while (r.pos < r.len) out.push(`${String(r[read]())}@${r.pos}`);
  } catch (e) {
    out.push(`${(e as Error).name}: ${(e as Error).message}@${r.pos}`);
  }
  return out.join(" ");
}

function check(bytes: Uint8Array, what: string): void {
  for (const read of reads) {
    assert.equal(
      readAll(protoReaders.patched, bytes, read),
      readAll(protoReaders.original, bytes, read),
      `${read} of ${what} (${Buffer.from(bytes).toString("hex")})`,
    );
  }
}

function varint(n: bigint): number[] {
  const out: number[] = [];
  while (n > 0x7fn) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

describe("sdk: the patched protobuf reader", () => {
  it("is installed", () => {
    assert.notEqual(protoReaders.patched, protoReaders.original);
  });

  it("reads varints of every length as the original reader", () => {
    for (let bits = 0; bits <= 64; bits++) {
      for (const n of [(1n << BigInt(bits)) - 1n, 1n << BigInt(bits), (1n << BigInt(bits)) + 1n]) {
        if (n >= 1n << 64n) continue;
        check(new Uint8Array(varint(n)), `varint ${n}`);
      }
    }
  });

  it("fails as the original reader on truncated, over-long and empty input", () => {
    const cases = [
      [],
      [0x80],
      [0xff, 0xff],
      [0xff, 0xff, 0xff],
      [0xff, 0xff, 0xff, 0xff],
      [0xff, 0xff, 0xff, 0xff, 0xff],
      Array(10).fill(0xff),
      [...Array(9).fill(0xff), 0x01],
      [...Array(11).fill(0x80), 0x00],
      [0x80, 0x80, 0x80, 0x80, 0x00],
      [0x05, 0x61, 0x62],
      [0x85, 0x00],
    ];
    for (const c of cases) check(new Uint8Array(c), JSON.stringify(c));
  });

  it("reads ASCII, UTF-8 and malformed UTF-8 strings as the original reader", () => {
    const enc = new TextEncoder();
    const strings = ["", "a", "utcu", "tc1" + "q".repeat(40), "x".repeat(128), "x".repeat(129), "é", "a€b🧪", "\u007f"];
    for (const s of strings) {
      const b = enc.encode(s);
      check(new Uint8Array([...varint(BigInt(b.length)), ...b]), JSON.stringify(s));
    }
    check(new Uint8Array([0x03, 0x61, 0xc3, 0x62]), "a lone lead byte");
    check(new Uint8Array([0x02, 0x80, 0xff]), "continuation bytes only");
  });

  it("reads random bytes as the original reader (seed 17)", () => {
    const rnd = xorshift32(17);
    for (let i = 0; i < 3000; i++) {
      const bytes = new Uint8Array(1 + (rnd() % 40)).map(() => {
        const r = rnd();
        // Mostly small bytes and continuation bytes, so that varints of every length occur.
        return r % 3 === 0 ? 0x80 | ((r >>> 8) % 128) : (r >>> 8) % 128;
      });
      check(bytes, `case ${i}`);
    }
  });
});
