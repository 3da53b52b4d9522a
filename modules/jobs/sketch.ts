import { createHash } from "node:crypto";

// Result sketches: how results of the same job from different workers are compared in consensus
// (docs/verification.md). A worker turns its output tensor into `size` fixed-point numbers: random
// ±1 projections of the output, with signs derived from the job id (unknown before assignment),
// normalised by √n and scaled by 10^6. The chain compares two sketches component by component in
// integer arithmetic against the model's tolerance (in the same 10^-6 units), plus the top-k
// class indices for classifiers. Computing a sketch (floats, off-chain) and comparing sketches
// (integers, in the state machine) are separate functions; only the second runs in consensus.

export const sketchScale = 1_000_000;
/** Components are clamped to ±2^53 so that they stay exact as JS numbers and as int64. */
const maxComponent = Number.MAX_SAFE_INTEGER;

export interface ComparisonRule {
  sketchSize: number;
  /** Largest allowed |a − b| per component, in 10^-6 units. */
  tolerance: number;
  /** For classifiers: this many top indices must be the same set (0: not a classifier). */
  topK: number;
}

export interface Sketch {
  /** Fixed-point projections (10^-6 units). */
  components: bigint[];
  /** Indices of the topK largest outputs, ascending (empty unless the rule has topK). */
  topK: number[];
  /** Number of output elements (results of different shapes never agree). */
  length: number;
}

/**
 * The sign bits of every projection: SHAKE256("tcompute/sketch/v2/<job id>") read as `size`
 * consecutive blocks of ceil(n / 8) bytes, block j holding one bit per output element (bit i & 7
 * of byte i >> 3) for projection j. One extendable-output hash instead of one hash per 32 bytes.
 */
export function signBits(jobId: string, size: number, n: number, key?: Uint8Array): Uint8Array {
  const h = createHash("shake256", { outputLength: size * Math.ceil(n / 8) });
  // Keyed (private sealed jobs): SHAKE256("tcompute/sketch/v3/" ‖ key(32) ‖ "/" ‖ job id).
  if (key !== undefined) return h.update("tcompute/sketch/v3/").update(key).update(`/${jobId}`).digest();
  return h.update(`tcompute/sketch/v2/${jobId}`).digest();
}

/**
 * A private sealed job's top-k "index": the first 4 bytes (big-endian) of
 * sha256("tcompute/topk/v1" ‖ key ‖ index (4 BE)), so that equal sets still compare equal while
 * the chain carries no class index.
 */
export function keyedTopK(index: number, key: Uint8Array): number {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(index, 0);
  return createHash("sha256").update("tcompute/topk/v1").update(key).update(b).digest().readUInt32BE(0);
}

/** signTable[(byte << 3) | i] = +1 if bit i of byte is set, else −1. */
const signTable = (() => {
  const t = new Float64Array(256 * 8);
  for (let b = 0; b < 256; b++) for (let i = 0; i < 8; i++) t[(b << 3) | i] = ((b >> i) & 1) * 2 - 1;
  return t;
})();

/**
 * Computes the sketch of an output (off-chain: workers and auditing validators). Throws on NaN
 * or infinite outputs: such a result is reported as a failure, not sketched. This is the hot loop
 * of a worker after inference: one tight float64 sum per projection. The summation order is not
 * part of the protocol: float64 rounding differences (~n·2^-53 relative) are many orders of
 * magnitude below any tolerance.
 */
export function computeSketch(
  jobId: string,
  output: ArrayLike<number>,
  rule: ComparisonRule,
  key?: Uint8Array,
): Sketch {
  const n = output.length;
  if (n === 0) throw new Error("empty output");
  const size = rule.sketchSize;
  const stride = Math.ceil(n / 8);
  const bits = signBits(jobId, size, n, key);
  const sum = new Float64Array(size);
  const x = output;
  const t = signTable;
  const whole = n & ~7;
  for (let j = 0; j < size; j++) {
    const base = j * stride;
    let s = 0;
    // Branch-free (signs are random, so a branch would mispredict half the time): eight elements
    // per sign byte, each times its ±1 from the table.
    let i = 0;
    for (let k = base; i < whole; k++, i += 8) {
      const o = bits[k]! << 3;
      s +=
        x[i]! * t[o]! +
        x[i + 1]! * t[o + 1]! +
        x[i + 2]! * t[o + 2]! +
        x[i + 3]! * t[o + 3]! +
        x[i + 4]! * t[o + 4]! +
        x[i + 5]! * t[o + 5]! +
        x[i + 6]! * t[o + 6]! +
        x[i + 7]! * t[o + 7]!;
    }
    for (; i < n; i++) s += x[i]! * t[(bits[base + (i >> 3)]! << 3) | (i & 7)]!;
    sum[j] = s;
  }
  return sketchFromSums(sum, output, rule, key);
}

/**
 * The sketch from its projections' raw sums (`sums[j]`, j < rule.sketchSize, over `output` with
 * the job's signs): the rounding to components and the top-k, shared by computeSketch and the
 * worker's WebAssembly projections. Throws if a sum is not finite.
 */
export function sketchFromSums(
  sums: ArrayLike<number>,
  output: ArrayLike<number>,
  rule: ComparisonRule,
  key: Uint8Array | undefined,
): Sketch {
  const n = output.length;
  const size = rule.sketchSize;
  for (let j = 0; j < size; j++) {
    // NaN or ±Infinity anywhere makes some projection non-finite (+∞ − ∞ is NaN).
    if (!Number.isFinite(sums[j]!)) throw new Error("an output element is not finite (or the output overflows)");
  }
  const norm = 1 / Math.sqrt(n);
  const components: bigint[] = [];
  for (let j = 0; j < size; j++) {
    const fixed = Math.round(sums[j]! * norm * sketchScale);
    components.push(BigInt(Math.max(-maxComponent, Math.min(maxComponent, fixed))));
  }
  let topK: number[] = [];
  if (rule.topK > 0) {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => output[b]! - output[a]! || a - b);
    topK = idx.slice(0, Math.min(rule.topK, n)).sort((a, b) => a - b);
    if (key !== undefined) topK = topK.map((i) => keyedTopK(i, key)).sort((a, b) => a - b);
  }
  return { components, topK, length: n };
}

/** Whether two sketches agree under the rule: integer arithmetic only (runs in consensus). */
export function sketchesAgree(a: Sketch, b: Sketch, rule: ComparisonRule): boolean {
  if (a.length !== b.length || a.components.length !== rule.sketchSize || b.components.length !== rule.sketchSize)
    return false;
  const tol = BigInt(rule.tolerance);
  for (let j = 0; j < rule.sketchSize; j++) {
    const d = a.components[j]! - b.components[j]!;
    if (d > tol || d < -tol) return false;
  }
  if (rule.topK > 0) {
    if (a.topK.length !== b.topK.length) return false;
    for (let i = 0; i < a.topK.length; i++) if (a.topK[i] !== b.topK[i]) return false;
  }
  return true;
}

/**
 * The accepted group among k results: for each result, those that agree with it; the largest
 * such set wins (ties: the lowest index), and it is accepted only as a strict majority of k.
 * Returns the indices of the winners, or null when there is no majority.
 */
export function majorityGroup(
  sketches: ReadonlyArray<Sketch | null>,
  k: number,
  rule: ComparisonRule,
): number[] | null {
  let best: number[] = [];
  for (let i = 0; i < sketches.length; i++) {
    const si = sketches[i];
    if (si === null || si === undefined) continue;
    const group: number[] = [];
    for (let j = 0; j < sketches.length; j++) {
      const sj = sketches[j];
      if (sj !== null && sj !== undefined && sketchesAgree(si, sj, rule)) group.push(j);
    }
    if (group.length > best.length) best = group;
  }
  return best.length * 2 > k ? best : null;
}
