// Protobuf wire primitives for the few messages the state machine encodes on every tx
// (BaseAccount, SignDoc), written by hand because cosmjs-types' writer formats every uint64 as a
// decimal string and parses it back into two 32-bit halves. Only the subset where that writer
// is plain protobuf is handled here: integers 0 <= n < 2^31 and ASCII strings. (cosmjs-types'
// own writer gets a uint64 in [2^31, 2^32) wrong; protoRuntime.ts fix 4 corrects it, and such
// values, like every other case, go to the generated encoder.)

/** `v` as a number when 0 <= v < 2^31, else -1. */
export function smallUint(v: bigint): number {
  return v >= 0n && v <= 0x7fffffffn ? Number(v) : -1;
}

/** Bytes of the varint of an integer 0 <= n < 2^31. */
export function varintLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Writes the varint of an integer 0 <= n < 2^31 at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** True when every character of `s` is ASCII (so its UTF-8 bytes are its char codes). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Writes an ASCII string's bytes at `pos`; returns the position after them. */
export function writeAscii(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
  return pos;
}
