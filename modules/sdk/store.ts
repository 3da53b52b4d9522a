// The key/value store interface that modules see. Keys are strings whose characters are all
// in 0..255 (one byte each, "latin1"), so that JavaScript's string order is the byte order of
// the persisted key: iteration over a prefix is sorted and deterministic.

export interface KVStore {
  get(key: string): Uint8Array | undefined;
  has(key: string): boolean;
  set(key: string, value: Uint8Array): void;
  delete(key: string): void;
  /** Entries with start <= key < end in ascending key order; `end` undefined means no bound. */
  range(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]>;
  /** The same entries in descending key order (the SDK's ReverseIterator). */
  reverseRange(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]>;
}

/** The smallest string greater than every string that starts with `prefix`. */
export function prefixEnd(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return undefined;
}

export function prefixRange(store: KVStore, prefix: string): IterableIterator<[string, Uint8Array]> {
  return store.range(prefix, prefixEnd(prefix));
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(s: string): Uint8Array {
  // Short ASCII (amounts, counters: most store values written per tx) is copied directly, about
  // twice as fast as TextEncoder for such strings; the bytes are the same.
  const n = s.length;
  if (n > 32) return textEncoder.encode(s);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return textEncoder.encode(s);
    out[i] = c;
  }
  return out;
}

export function fromUtf8(b: Uint8Array): string {
  return textDecoder.decode(b);
}

/** Big-endian fixed-width hex of a non-negative integer, so that numeric order is key order. */
export function heightKey(n: bigint | number): string {
  const s = BigInt(n).toString(16);
  if (s.length > 16) throw new Error(`key integer out of range: ${n}`);
  return s.padStart(16, "0");
}

/** Asserts that a key component cannot be confused with a separator or escape the byte range. */
export function keyPart(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || c === 0x00) throw new Error(`invalid key component ${JSON.stringify(s)}`);
  }
  return s;
}
