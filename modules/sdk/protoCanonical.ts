// A proof, without re-encoding, that protobuf bytes are what cosmjs-types' encoder would write
// for the message its decoder reads from them (the tx's one-form rule, modules/auth/txForm.ts).
// Re-encoding and comparing is the reference and stays; this walk only lets the common case
// skip it. It is one-sided: `true` is a proof, `false` only means "not proven here" (an unusual
// shape, a value this walk does not vouch for, or a real defect), and the caller then re-encodes
// and compares as before, which gives the verdict and its error. So what is refused, and why,
// is exactly what re-encoding refuses.
//
// Why `true` is a proof, for a message whose every field the schema names: the fields come in
// ascending field number, a number repeats only for a repeated field (so its elements are
// contiguous, in the order the decoder appends them), each under its minimal tag with the wire
// type of its kind. A singular field appears at most once, so the decoded value holds exactly it,
// and only with a non-default value (cosmjs-types writes a singular scalar only when it differs
// from its default; a singular message whenever it is present, even empty). The generated
// encoders write fields in ascending field number (the schemas below list only messages whose
// encoders were read to check that), so the encoder writes the same fields in the same order.
// Each value is one the encoder writes back byte for byte: bytes as they are; strings only in
// ASCII (cosmjs-types' lenient UTF-8 reader and writer do not round-trip every byte string);
// integers in their minimal varint and below 2^31 (an int32 enum from 2^31 decodes negative and
// is written back in ten bytes; one bound for every integer kind keeps the walk simple), bools
// as the byte 1; a length in its minimal
// varint, and a nested message's bytes proven the same way, so that its re-encoding has the
// same length. The nesting depth is bounded (a recursive message such as ModeInfo is walked to
// a few levels, deeper ones are left to the re-encoding).

/**
 * What a field holds, as far as this walk vouches for it. "uint": an integer written as a
 * varint (uint64, uint32 or an enum), vouched for below 2^31 only.
 */
export type CanonicalKind = "bytes" | "string" | "uint" | "bool" | "message";

export interface CanonicalField {
  kind: CanonicalKind;
  repeated: boolean;
  /** The nested message's schema (kind "message"); a function, so that schemas can recurse. */
  message?: () => CanonicalSchema;
}

declare const made: unique symbol;

/**
 * A message's fields by field number (numbers 1–2047: their tags fit two bytes). Made only by
 * canonicalSchema, which checks what the walk relies on (no field 0, no repeated scalars).
 */
export interface CanonicalSchema {
  readonly fields: ReadonlyArray<CanonicalField | undefined>;
  readonly [made]: true;
}

/** A schema from `[fieldNumber, kind, repeated?, nested schema?]` rows. */
export function canonicalSchema(
  rows: ReadonlyArray<readonly [number, CanonicalKind, boolean?, (() => CanonicalSchema)?]>,
): CanonicalSchema {
  const fields: Array<CanonicalField | undefined> = [];
  for (const [num, kind, repeated, message] of rows) {
    if (!Number.isInteger(num) || num < 1 || num > 2047) throw new Error(`field number ${num} out of range`);
    if (fields[num] !== undefined) throw new Error(`field ${num} given twice`);
    if ((kind === "message") !== (message !== undefined)) throw new Error(`field ${num}: a message needs its schema`);
    // Repeated scalars would be packed; only bytes, strings and messages repeat here.
    if (repeated === true && (kind === "uint" || kind === "bool")) throw new Error(`field ${num}: repeated ${kind}`);
    fields[num] =
      message === undefined ? { kind, repeated: repeated === true } : { kind, repeated: repeated === true, message };
  }
  return { fields } as unknown as CanonicalSchema;
}

/** How deep nested messages are walked before the walk gives up (returns false). */
const maxDepth = 8;

/** True when `bytes` are provably the canonical encoding of a message of `schema` (see above). */
export function provablyCanonical(bytes: Uint8Array, schema: CanonicalSchema): boolean {
  return walk(bytes, 0, bytes.length, schema, maxDepth);
}

function walk(b: Uint8Array, p: number, end: number, schema: CanonicalSchema, depth: number): boolean {
  const fields = schema.fields;
  let last = 0;
  while (p < end) {
    // The tag, in one or two bytes, minimal (a second byte of 0 would be an overlong varint).
    let tag = b[p++]!;
    if (tag >= 0x80) {
      if (p >= end) return false;
      const hi = b[p++]!;
      if (hi === 0 || hi >= 0x80) return false;
      tag = (tag & 0x7f) | (hi << 7);
    }
    const num = tag >>> 3;
    const f = fields[num];
    if (f === undefined) return false;
    if (num < last || (num === last && !f.repeated)) return false;
    last = num;
    const kind = f.kind;
    if ((tag & 7) !== (kind === "uint" || kind === "bool" ? 0 : 2)) return false;
    if (kind === "bool") {
      // Singular (canonicalSchema allows no repeated bools): written only when true, as 1.
      if (p >= end || b[p] !== 1) return false;
      p++;
      continue;
    }
    // A varint below 2^31 in its minimal form: at most five bytes, the last one not zero
    // (unless it is the only one), a fifth byte below 8.
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      if (p >= end || shift === 35) return false;
      const x = b[p++]!;
      if (x < 0x80) {
        if ((x === 0 && shift > 0) || (shift === 28 && x > 7)) return false;
        v |= x << shift;
        break;
      }
      v |= (x & 0x7f) << shift;
    }
    if (kind === "uint") {
      if (v === 0 && !f.repeated) return false;
      continue;
    }
    // Length-delimited: v is the length.
    if (v > end - p) return false;
    const next = p + v;
    if (kind === "message") {
      if (depth === 0 || !walk(b, p, next, f.message!(), depth - 1)) return false;
    } else {
      if (v === 0 && !f.repeated) return false;
      if (kind === "string") for (let i = p; i < next; i++) if (b[i]! >= 0x80) return false;
    }
    p = next;
  }
  // Every read above is bounded by `end`, so the loop ends exactly there.
  return true;
}
