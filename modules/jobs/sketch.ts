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
 * The sign bits of projection j: sha256(jobId ‖ "tcompute/sketch" ‖ j ‖ block) expanded in
 * counter mode, one bit per output element.
 */
function signBits(jobId: string, j: number, n: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(n / 8));
  for (let block = 0, off = 0; off < bytes.length; block++, off += 32) {
    const h = createHash("sha256").update(`tcompute/sketch/${jobId}/${j}/${block}`).digest();
    bytes.set(h.subarray(0, Math.min(32, bytes.length - off)), off);
  }
  return bytes;
}

/**
 * Computes the sketch of an output (off-chain: workers and auditing validators). Throws on NaN
 * or infinite outputs: such a result is reported as a failure, not sketched.
 */
export function computeSketch(jobId: string, output: ArrayLike<number>, rule: ComparisonRule): Sketch {
  const n = output.length;
  if (n === 0) throw new Error("empty output");
  for (let i = 0; i < n; i++) if (!Number.isFinite(output[i]!)) throw new Error(`output element ${i} is not finite`);
  const norm = 1 / Math.sqrt(n);
  const components: bigint[] = [];
  for (let j = 0; j < rule.sketchSize; j++) {
    const bits = signBits(jobId, j, n);
    // Kahan summation: the order is fixed, and compensation keeps float error far below tolerance.
    let sum = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const v = (bits[i >> 3]! >> (i & 7)) & 1 ? output[i]! : -output[i]!;
      const y = v - c;
      const t = sum + y;
      c = t - sum - y;
      sum = t;
    }
    const fixed = Math.round(sum * norm * sketchScale);
    components.push(BigInt(Math.max(-maxComponent, Math.min(maxComponent, fixed))));
  }
  let topK: number[] = [];
  if (rule.topK > 0) {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => output[b]! - output[a]! || a - b);
    topK = idx.slice(0, Math.min(rule.topK, n)).sort((a, b) => a - b);
  }
  return { components, topK, length: n };
}

/** Whether two sketches agree under the rule: integer arithmetic only (runs in consensus). */
export function sketchesAgree(a: Sketch, b: Sketch, rule: ComparisonRule): boolean {
  if (a.length !== b.length || a.components.length !== rule.sketchSize || b.components.length !== rule.sketchSize) return false;
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
export function majorityGroup(sketches: ReadonlyArray<Sketch | null>, k: number, rule: ComparisonRule): number[] | null {
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
