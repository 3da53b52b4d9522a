import {
  computeSketch,
  signBits,
  sketchFromSums,
  type ComparisonRule,
  type Sketch,
} from "../../modules/jobs/sketch.js";

// The worker's sketch: modules/jobs/sketch.ts's computeSketch with its projection loop in
// WebAssembly SIMD, giving the same components bit for bit (client/worker/test/sketchWasm.test.ts
// compares them). The module's bytes are emitted below, at load, by a few lines of TypeScript
// (no .wasm file, nothing fetched).
//
// Why it is the same: computeSketch sums, per projection j, the products x[i] · (±1) of each
// group of eight elements left to right, adds the group's sum to its running sum s, then adds the
// products of the last n mod 8 elements one by one. A product by ±1 is exact: x, or x with its
// sign flipped (including ±0, denormals, ±∞; a NaN stays a NaN, and a sum with a NaN or ∞ in it
// throws either way). The WebAssembly loop does exactly those float64 additions in exactly that
// order for every projection; it only runs eight projections at once, two per f64x2 lane pair in
// four independent pairs, and flips signs with an XOR of the sign bit (the sign bit of bit i of
// the sign byte, moved to bit 63 by a shift, inverted: a set bit is +1). WebAssembly float64
// arithmetic is IEEE 754 with denormals (no flush to zero) and round-to-nearest, as JavaScript's.

/** Unsigned LEB128. */
function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (i32.const). */
function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, "latin1")];

// Opcodes used (core and the 0xfd SIMD prefix).
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  tee: (l: number) => [0x22, ...uleb(l)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i64load8u: [0x31, 0x00, 0x00],
  i32geu: [0x4f],
  i32add: [0x6a],
  i32sub: [0x6b],
  i32mul: [0x6c],
  i32and: [0x71],
  simd: (o: number, ...imm: number[]) => [0xfd, ...uleb(o), ...imm],
};
const v128load64splat = (offset: number) => op.simd(0x0a, 3, ...uleb(offset));
const v128store = (offset: number) => op.simd(0x0b, 4, ...uleb(offset));
const v128const = (bytes: number[]) => op.simd(0x0c, ...bytes);
const i64x2splat = op.simd(0x12);
const i64x2replaceLane1 = op.simd(0x1e, 1);
const v128andnot = op.simd(0x4f);
const v128xor = op.simd(0x51);
const i64x2shl = op.simd(0xcb);
const f64x2add = op.simd(0xf0);

/**
 * The module: memory "m" and `s(x, bits, out, n, size8, stride)`, which writes the running sums
 * of projections 0..size8−1 (size8 a multiple of 8) as float64 at `out`. x: n float64; bits:
 * size8 blocks of `stride` = ceil(n / 8) sign bytes, then `stride` more bytes (read, unused,
 * when n is a multiple of 8).
 */
function emitModule(): Uint8Array {
  // Parameters 0..5, then locals.
  const [X, BITS, OUT, N, SIZE8, STRIDE] = [0, 1, 2, 3, 4, 5];
  let next = 6;
  const J = next++; // projection (multiple of 8)
  const P = next++; // address of the current sign byte of projection j
  const XP = next++; // address of the current element
  const I = next++; // element index
  const WHOLE = next++; // n & ~7
  const E = next++; // tail: 63 − (i mod 8)
  const S = Array.from({ length: 8 }, () => next++); // c · stride, c = 0..7
  const i32Locals = next - 6;
  const v0 = next;
  const SIGN = next++;
  const XS = next++;
  const B = Array.from({ length: 4 }, () => next++);
  const G = Array.from({ length: 4 }, () => next++);
  const ACC = Array.from({ length: 4 }, () => next++);
  const v128Locals = next - v0;

  const body: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => body.push(...p));
  const signBit = [0, 0, 0, 0, 0, 0, 0, 0x80];
  emit(v128const([...signBit, ...signBit]), op.set(SIGN));
  for (let c = 0; c < 8; c++) emit(op.get(STRIDE), op.i32(c), op.i32mul, op.set(S[c]!));
  emit(op.get(N), op.i32(~7), op.i32and, op.set(WHOLE));
  // B[q] = (byte of projection j+2q, byte of projection j+2q+1) at the sign-byte address P.
  const loadBytes = () => {
    for (let q = 0; q < 4; q++) {
      emit(op.get(P), op.get(S[2 * q]!), op.i32add, op.i64load8u, i64x2splat);
      emit(op.get(P), op.get(S[2 * q + 1]!), op.i32add, op.i64load8u, i64x2replaceLane1, op.set(B[q]!));
    }
  };
  // The product x · (±1) of pair q for the element whose splat is in XS, sign bit shifted by `shift`.
  const product = (q: number, shift: () => void) => {
    emit(op.get(XS), op.get(SIGN), op.get(B[q]!));
    shift();
    emit(i64x2shl, v128andnot, v128xor);
  };
  emit(op.i32(0), op.set(J));
  emit(op.block, op.loop);
  {
    emit(op.get(J), op.get(SIZE8), op.i32geu, op.brIf(1));
    emit(op.get(BITS), op.get(J), op.get(STRIDE), op.i32mul, op.i32add, op.set(P));
    emit(op.get(X), op.set(XP), op.i32(0), op.set(I));
    for (let q = 0; q < 4; q++) emit(v128const(new Array<number>(16).fill(0)), op.set(ACC[q]!));
    // Groups of eight: G[q] = ((p0 + p1) + …) + p7, then ACC[q] += G[q].
    emit(op.block, op.loop);
    {
      emit(op.get(I), op.get(WHOLE), op.i32geu, op.brIf(1));
      loadBytes();
      for (let e = 0; e < 8; e++) {
        emit(op.get(XP), v128load64splat(8 * e), op.set(XS));
        for (let q = 0; q < 4; q++) {
          product(q, () => emit(op.i32(63 - e)));
          if (e === 0) emit(op.set(G[q]!));
          else emit(op.get(G[q]!), f64x2add, op.set(G[q]!));
        }
      }
      for (let q = 0; q < 4; q++) emit(op.get(ACC[q]!), op.get(G[q]!), f64x2add, op.set(ACC[q]!));
      emit(op.get(XP), op.i32(64), op.i32add, op.set(XP));
      emit(op.get(P), op.i32(1), op.i32add, op.set(P));
      emit(op.get(I), op.i32(8), op.i32add, op.set(I));
      emit(op.br(0));
    }
    emit(op.end, op.end);
    // The last n mod 8 elements, one by one: ACC[q] += p.
    emit(op.block);
    {
      emit(op.get(I), op.get(N), op.i32geu, op.brIf(0));
      loadBytes();
      emit(op.i32(63), op.set(E));
      emit(op.loop);
      {
        emit(op.get(XP), v128load64splat(0), op.set(XS));
        for (let q = 0; q < 4; q++) {
          product(q, () => emit(op.get(E)));
          emit(op.get(ACC[q]!), f64x2add, op.set(ACC[q]!));
        }
        emit(op.get(XP), op.i32(8), op.i32add, op.set(XP));
        emit(op.get(E), op.i32(1), op.i32sub, op.set(E));
        emit(op.get(I), op.i32(1), op.i32add, op.tee(I), op.get(N), op.i32geu, op.brIf(1), op.br(0));
      }
      emit(op.end);
    }
    emit(op.end);
    // out[j .. j+7]
    for (let q = 0; q < 4; q++)
      emit(op.get(OUT), op.get(J), op.i32(8), op.i32mul, op.i32add, op.get(ACC[q]!), v128store(16 * q));
    emit(op.get(J), op.i32(8), op.i32add, op.set(J), op.br(0));
  }
  emit(op.end, op.end, op.end);

  const I32 = 0x7f;
  const V128 = 0x7b;
  const func = [...vec([uleb(i32Locals).concat([I32]), uleb(v128Locals).concat([V128])]), ...body];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec(new Array<number[]>(6).fill([I32])), 0x00]])),
    ...section(3, vec([[0x00]])),
    ...section(5, vec([[0x00, 0x01]])),
    ...section(
      7,
      vec([
        [...name("s"), 0x00, 0x00],
        [...name("m"), 0x02, 0x00],
      ]),
    ),
    ...section(10, vec([[...uleb(func.length), ...func]])),
  ]);
}

/** The module's bytes (tests: their shape is fixed by emitModule, so a test can decode them). */
export const sketchModuleBytes = emitModule();

/** The part of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
export const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

const sketchModule = new wasm.Module(sketchModuleBytes);
const instance = new wasm.Instance(sketchModule);
const projectShared = instance.exports.s as (
  x: number,
  bits: number,
  out: number,
  n: number,
  size8: number,
  stride: number,
) => void;

/** computeSketch (modules/jobs/sketch.ts) with the projections in WebAssembly: the same result. */
export function computeSketchFast(
  jobId: string,
  output: ArrayLike<number>,
  rule: ComparisonRule,
  key?: Uint8Array,
): Sketch {
  if (output.length === 0) throw new Error("empty output");
  const at = layout(output.length, rule.sketchSize);
  // Addresses are i32 (and `>> 3` below): beyond 2 GiB, the reference (the same result).
  if (at.total > maxWasmBytes) return computeSketch(jobId, output, rule, key);
  // Beyond keptBytes, a throwaway instance, so that one huge output does not pin its memory.
  const inst = at.total > keptBytes ? new wasm.Instance(sketchModule) : instance;
  return sketchWith(inst, at, jobId, output, rule, key);
}

/** Memory the shared instance keeps after a job (larger jobs get their own instance). */
export const keptBytes = 64 << 20;
const maxWasmBytes = 2 ** 31 - 65536;

/** Where a job's data lies in the module's memory, in bytes. */
interface Layout {
  stride: number;
  /** The sketch size rounded up to the module's eight projections per pass. */
  size8: number;
  bitsAt: number;
  bitsLen: number;
  outAt: number;
  total: number;
}

/** Memory: x (n float64) at 0, then the sign bytes (size8 + 1 blocks), then the sums. */
function layout(n: number, size: number): Layout {
  const stride = Math.ceil(n / 8);
  const size8 = Math.ceil(size / 8) * 8;
  const bitsAt = n * 8;
  const bitsLen = (size8 + 1) * stride;
  const outAt = Math.ceil((bitsAt + bitsLen) / 16) * 16;
  return { stride, size8, bitsAt, bitsLen, outAt, total: outAt + size8 * 8 };
}

function sketchWith(
  inst: { exports: Record<string, unknown> },
  at: Layout,
  jobId: string,
  output: ArrayLike<number>,
  rule: ComparisonRule,
  key: Uint8Array | undefined,
): Sketch {
  const n = output.length;
  const size = rule.sketchSize;
  const bits = signBits(jobId, size, n, key);
  const project = inst.exports.s as typeof projectShared;
  const memory = inst.exports.m as WasmMemory;
  let f64 = new Float64Array(memory.buffer);
  let u8 = new Uint8Array(memory.buffer);
  if (at.total > memory.buffer.byteLength) {
    memory.grow(Math.ceil((at.total - memory.buffer.byteLength) / 65536));
    f64 = new Float64Array(memory.buffer);
    u8 = new Uint8Array(memory.buffer);
  }
  f64.set(output, 0);
  u8.set(bits, at.bitsAt);
  u8.fill(0, at.bitsAt + bits.length, at.bitsAt + at.bitsLen);
  project(0, at.bitsAt, at.outAt, n, at.size8, at.stride);
  const o = at.outAt >> 3;
  return sketchFromSums(f64.subarray(o, o + size), output, rule, key);
}
