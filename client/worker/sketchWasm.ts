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
  eqz: [0x45],
  call: (f: number) => [0x10, ...uleb(f)],
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

// SHAKE256 (FIPS 202) for the sign bits, in the same module so that they are squeezed straight
// into the memory the projections read: no hash object, no Buffer, no copy per job. The
// permutation `f(st)` is Keccak-f[1600] on the 25 lanes at st (little-endian i64, as FIPS 202
// reads bytes into lanes), its 24 rounds unrolled; `k(st, msg, blocks, out, outBlocks)` zeroes the
// state, absorbs `blocks` blocks of 136 bytes (the rate) from msg, already padded by the caller
// (0x1f after the message, 0x80 in the last byte of its last block), and writes `outBlocks`
// whole blocks of output at out. client/worker/test/sketchWasm.test.ts checks it against
// node:crypto's shake256 for message lengths around every block edge and outputs of 1 to 40 blocks.

const rate = 136;
/** Rotation of lane x + 5y (FIPS 202, rho). */
const rho = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];
const roundConstants = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
];

/** Signed LEB128 of a 64-bit constant (i64.const). */
function sleb64(v: bigint): number[] {
  v = BigInt.asIntN(64, v);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const i64 = {
  const: (v: bigint) => [0x42, ...sleb64(v)],
  load: (offset: number) => [0x29, 0x03, ...uleb(offset)],
  store: (offset: number) => [0x37, 0x03, ...uleb(offset)],
  and: [0x83],
  xor: [0x85],
  rotl: [0x89],
};

/** Keccak-f[1600] on the lanes at parameter 0: (i32) -> (). Locals: A 1..25, B 26..50, C 51..55, D 56..60. */
function emitPermutation(): { locals: number[]; body: number[] } {
  const A = (i: number) => 1 + i;
  const B = (i: number) => 26 + i;
  const C = (x: number) => 51 + x;
  const D = (x: number) => 56 + x;
  const body: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => body.push(...p));
  for (let i = 0; i < 25; i++) emit(op.get(0), i64.load(8 * i), op.set(A(i)));
  for (const rc of roundConstants) {
    // theta: C[x] = xor of column x; D[x] = C[x−1] ^ rotl(C[x+1], 1)
    for (let x = 0; x < 5; x++) {
      emit(op.get(A(x)));
      for (let y = 1; y < 5; y++) emit(op.get(A(x + 5 * y)), i64.xor);
      emit(op.set(C(x)));
    }
    for (let x = 0; x < 5; x++)
      emit(op.get(C((x + 4) % 5)), op.get(C((x + 1) % 5)), i64.const(1n), i64.rotl, i64.xor, op.set(D(x)));
    // theta's xor, rho and pi: B[y + 5((2x + 3y) mod 5)] = rotl(A[x + 5y] ^ D[x], rho)
    for (let x = 0; x < 5; x++)
      for (let y = 0; y < 5; y++) {
        emit(op.get(A(x + 5 * y)), op.get(D(x)), i64.xor);
        const r = rho[x + 5 * y]!;
        if (r !== 0) emit(i64.const(BigInt(r)), i64.rotl);
        emit(op.set(B(y + 5 * ((2 * x + 3 * y) % 5))));
      }
    // chi: A[x + 5y] = B[x + 5y] ^ (~B[x+1 + 5y] & B[x+2 + 5y]); iota on lane 0
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 5; x++) {
        emit(op.get(B(x + 5 * y)), op.get(B(((x + 1) % 5) + 5 * y)), i64.const(-1n), i64.xor);
        emit(op.get(B(((x + 2) % 5) + 5 * y)), i64.and, i64.xor);
        if (x === 0 && y === 0) emit(i64.const(rc), i64.xor);
        emit(op.set(A(x + 5 * y)));
      }
  }
  for (let i = 0; i < 25; i++) emit(op.get(0), op.get(A(i)), i64.store(8 * i));
  emit(op.end);
  return { locals: [60], body };
}

/** SHAKE256 absorb and squeeze: (st, msg, blocks, out, outBlocks) -> (), calling function `f`. */
function emitShake(f: number): number[] {
  const [ST, MSG, BLOCKS, OUT, OUTBLOCKS] = [0, 1, 2, 3, 4];
  const body: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => body.push(...p));
  for (let i = 0; i < 25; i++) emit(op.get(ST), i64.const(0n), i64.store(8 * i));
  emit(op.block, op.loop);
  {
    emit(op.get(BLOCKS), op.eqz, op.brIf(1));
    for (let l = 0; l < rate / 8; l++)
      emit(op.get(ST), op.get(ST), i64.load(8 * l), op.get(MSG), i64.load(8 * l), i64.xor, i64.store(8 * l));
    emit(op.get(ST), op.call(f));
    emit(op.get(MSG), op.i32(rate), op.i32add, op.set(MSG));
    emit(op.get(BLOCKS), op.i32(1), op.i32sub, op.set(BLOCKS), op.br(0));
  }
  emit(op.end, op.end);
  emit(op.block, op.loop);
  {
    for (let l = 0; l < rate / 8; l++) emit(op.get(OUT), op.get(ST), i64.load(8 * l), i64.store(8 * l));
    emit(op.get(OUTBLOCKS), op.i32(1), op.i32sub, op.tee(OUTBLOCKS), op.eqz, op.brIf(1));
    emit(op.get(OUT), op.i32(rate), op.i32add, op.set(OUT));
    emit(op.get(ST), op.call(f), op.br(0));
  }
  emit(op.end, op.end, op.end);
  return body;
}

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
  const I64 = 0x7e;
  const V128 = 0x7b;
  const func = [...vec([uleb(i32Locals).concat([I32]), uleb(v128Locals).concat([V128])]), ...body];
  const perm = emitPermutation();
  const permFunc = [...vec([uleb(perm.locals[0]!).concat([I64])]), ...perm.body];
  const shakeFunc = [...vec([]), ...emitShake(1)];
  const params = (k: number) => [0x60, ...vec(new Array<number[]>(k).fill([I32])), 0x00];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // types: 0 the projections (6 i32), 1 the permutation (1 i32), 2 SHAKE256 (5 i32)
    ...section(1, vec([params(6), params(1), params(5)])),
    // functions: 0 s, 1 f, 2 k
    ...section(3, vec([[0x00], [0x01], [0x02]])),
    ...section(5, vec([[0x00, 0x01]])),
    ...section(
      7,
      vec([
        [...name("s"), 0x00, 0x00],
        [...name("k"), 0x00, 0x02],
        [...name("m"), 0x02, 0x00],
      ]),
    ),
    ...section(
      10,
      vec([
        [...uleb(func.length), ...func],
        [...uleb(permFunc.length), ...permFunc],
        [...uleb(shakeFunc.length), ...shakeFunc],
      ]),
    ),
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

/** Where a job's data lies in the module's memory, in bytes. */
interface Layout {
  n: number;
  size: number;
  stride: number;
  /** The sketch size rounded up to the module's eight projections per pass. */
  size8: number;
  bitsAt: number;
  /** Sign bytes of the job: size · stride. */
  bitsLen: number;
  /** Blocks of 136 bytes that SHAKE256 squeezes at bitsAt (bitsLen rounded up). */
  outBlocks: number;
  outAt: number;
  /** The Keccak state (200 bytes), then the padded SHAKE256 message. */
  stAt: number;
  msgAt: number;
}

/**
 * Memory: x (n float64) at 0, then the sign bytes (size8 + 1 blocks of stride bytes, or the
 * squeezed blocks if longer), then the sums, the Keccak state and the message.
 */
function layout(n: number, size: number): Layout {
  const stride = Math.ceil(n / 8);
  const size8 = Math.ceil(size / 8) * 8;
  const bitsAt = n * 8;
  const bitsLen = size * stride;
  const outBlocks = Math.ceil(bitsLen / rate);
  const bitsRoom = Math.max((size8 + 1) * stride, outBlocks * rate);
  const outAt = Math.ceil((bitsAt + bitsRoom) / 16) * 16;
  const stAt = outAt + size8 * 8;
  return { n, size, stride, size8, bitsAt, bitsLen, outBlocks, outAt, stAt, msgAt: stAt + 200 };
}

/** Bytes of the message area for a job id of idLen UTF-16 units and a key (upper bound). */
const msgRoom = (idLen: number, keyLen: number): number =>
  (Math.floor((prefixV3.length + keyLen + 1 + 3 * idLen) / rate) + 1) * rate;

/** Bytes a job needs in the module's memory (the largest job id, 3 UTF-8 bytes per unit). */
const totalBytes = (at: Layout, jobId: string, key: Uint8Array | undefined): number =>
  at.msgAt + msgRoom(jobId.length, key?.length ?? 0);

const prefixV2 = Buffer.from("tcompute/sketch/v2/");
const prefixV3 = Buffer.from("tcompute/sketch/v3/");

/** Views over an instance's memory, made again only when the memory grew. */
interface Views {
  buffer: ArrayBuffer;
  f64: Float64Array;
  u8: Buffer;
}
const viewsOf = (m: WasmMemory): Views => ({
  buffer: m.buffer,
  f64: new Float64Array(m.buffer),
  u8: Buffer.from(m.buffer),
});

let lastLayout = layout(1, 1);
let sharedViews: Views | null = null;

/** computeSketch (modules/jobs/sketch.ts) with the projections in WebAssembly: the same result. */
export function computeSketchFast(
  jobId: string,
  output: ArrayLike<number>,
  rule: ComparisonRule,
  key?: Uint8Array,
): Sketch {
  const n = output.length;
  if (n === 0) throw new Error("empty output");
  const size = rule.sketchSize;
  if (size < 1) return computeSketch(jobId, output, rule, key);
  let at = lastLayout;
  if (at.n !== n || at.size !== size) lastLayout = at = layout(n, size);
  const total = totalBytes(at, jobId, key);
  // Addresses are i32 (and `>> 3` below): beyond 2 GiB, the reference (the same result).
  if (total > maxWasmBytes) return computeSketch(jobId, output, rule, key);
  // Beyond keptBytes, a throwaway instance, so that one huge output does not pin its memory.
  if (total > keptBytes) return sketchWith(new wasm.Instance(sketchModule), null, at, total, jobId, output, rule, key);
  return sketchWith(instance, sharedViews, at, total, jobId, output, rule, key);
}

/** Memory the shared instance keeps after a job (larger jobs get their own instance). */
export const keptBytes = 64 << 20;
const maxWasmBytes = 2 ** 31 - 65536;

function sketchWith(
  inst: { exports: Record<string, unknown> },
  cached: Views | null,
  at: Layout,
  total: number,
  jobId: string,
  output: ArrayLike<number>,
  rule: ComparisonRule,
  key: Uint8Array | undefined,
): Sketch {
  const memory = inst.exports.m as WasmMemory;
  if (total > memory.buffer.byteLength) memory.grow(Math.ceil((total - memory.buffer.byteLength) / 65536));
  let v = cached;
  if (v === null || v.buffer !== memory.buffer) {
    v = viewsOf(memory);
    if (inst === instance) sharedViews = v;
  }
  const { f64, u8 } = v;
  // The SHAKE256 message of modules/jobs/sketch.ts's signBits, padded (0x1f … 0x80).
  let len: number;
  const m = at.msgAt;
  if (at.outBlocks > wasmShakeBlocks) {
    u8.set(signBits(jobId, at.size, at.n, key), at.bitsAt);
    return project(inst, f64, at, output, rule, key);
  }
  if (key === undefined) {
    u8.set(prefixV2, m);
    len = prefixV2.length;
  } else {
    u8.set(prefixV3, m);
    u8.set(key, m + prefixV3.length);
    u8[m + prefixV3.length + key.length] = 0x2f; // "/"
    len = prefixV3.length + key.length + 1;
  }
  len += u8.write(jobId, m + len, "utf8");
  const blocks = Math.floor(len / rate) + 1;
  u8.fill(0, m + len, m + blocks * rate);
  u8[m + len] = 0x1f;
  u8[m + blocks * rate - 1]! |= 0x80;
  (inst.exports.k as Shake)(at.stAt, m, blocks, at.bitsAt, at.outBlocks);
  return project(inst, f64, at, output, rule, key);
}

function project(
  inst: { exports: Record<string, unknown> },
  f64: Float64Array,
  at: Layout,
  output: ArrayLike<number>,
  rule: ComparisonRule,
  key: Uint8Array | undefined,
): Sketch {
  f64.set(output, 0);
  (inst.exports.s as typeof projectShared)(0, at.bitsAt, at.outAt, at.n, at.size8, at.stride);
  const o = at.outAt >> 3;
  return sketchFromSums(f64.subarray(o, o + at.size), output, rule, key);
}

/**
 * Longest sign-bit output squeezed here: beyond it node:crypto's SHAKE256 (OpenSSL's assembly,
 * ~0.35 µs a block against ~0.8 µs here) wins over the object set-up it costs (~2 µs).
 */
const wasmShakeBlocks = 4;

type Shake = (st: number, msg: number, blocks: number, out: number, outBlocks: number) => void;

/** SHAKE256 of msg, `length` bytes (tests: checked against node:crypto). */
export function shake256(msg: Uint8Array, length: number): Uint8Array {
  const blocks = Math.floor(msg.length / rate) + 1;
  const outBlocks = Math.max(1, Math.ceil(length / rate));
  const inst = new wasm.Instance(sketchModule);
  const memory = inst.exports.m as WasmMemory;
  const need = 200 + (blocks + outBlocks) * rate;
  memory.grow(Math.ceil(need / 65536));
  const u8 = new Uint8Array(memory.buffer);
  const msgAt = 200;
  const outAt = msgAt + blocks * rate;
  u8.set(msg, msgAt);
  u8[msgAt + msg.length] = 0x1f;
  u8[msgAt + blocks * rate - 1]! |= 0x80;
  (inst.exports.k as Shake)(0, msgAt, blocks, outAt, outBlocks);
  return u8.slice(outAt, outAt + length);
}
