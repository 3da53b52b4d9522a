import type { Job } from "./domain.js";

// How many output elements a job's result can have, from the model's registered output shapes and
// the job's inputs (docs/jobs.md, "Revealing"). The worker's sketch covers every output tensor of
// every input, flattened (client/models/tensors.ts sketchInput), so its `length` is, per input,
// Σ over output tensors of the product of their dimensions. Static dimensions give that exactly;
// a dynamic one (-1) is at least 0 and at most the input's size in bytes (no dtype is smaller than
// a byte, and a dynamic output axis follows the input's): a URI input of undeclared size leaves it
// unbounded above. A reveal whose sketch length falls outside is refused, so a worker cannot make
// its result unclaimable by revealing a longer output than the model can produce (claims.ts sizes
// the claim by this length).

export interface OutputSpec {
  shape: readonly number[];
}

/** What the revealed sketch length must satisfy: ≥ min, ≤ max (null: unbounded), min + a multiple of step. */
export interface LengthBounds {
  min: bigint;
  max: bigint | null;
  /** 0: exactly min. */
  step: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
/** Caps the bound (bigint, so no overflow; a sketch length has at most 15 digits). */
const cap = 1n << 60n;

/** Input i's size in bytes, an upper bound on any of its dimensions (null: undeclared). */
function inputBytes(j: Job, i: number): bigint | null {
  if (j.sealed.length > 0)
    return BigInt(j.sealed.reduce((m, s) => (s.ciphertext.length > m ? s.ciphertext.length : m), 0));
  const inp = j.inputs[i]!;
  if (inp.inline.length > 0) return BigInt(inp.inline.length);
  return inp.size > 0n ? inp.size : null;
}

export function outputLengthBounds(j: Job, outputs: readonly OutputSpec[]): LengthBounds {
  let min = 0n;
  let max: bigint | null = 0n;
  let step = 0n;
  // A sealed job carries one input (its sealed copies).
  const n = j.sealed.length > 0 ? 1 : j.inputs.length;
  for (let i = 0; i < n; i++) {
    const bytes = inputBytes(j, i);
    for (const t of outputs) {
      let fixed = 1n;
      let dynamic = 0;
      for (const d of t.shape) {
        if (d === -1) dynamic++;
        else fixed *= BigInt(d);
      }
      if (dynamic === 0) {
        min += fixed;
        if (max !== null) max += fixed;
        continue;
      }
      step = gcd(step, fixed);
      if (max === null || bytes === null) {
        max = null;
        continue;
      }
      let most = fixed;
      for (let d = 0; d < dynamic && most < cap; d++) most *= bytes;
      max += most < cap ? most : cap;
    }
  }
  return { min, max, step };
}

/** Why `length` cannot be the output element count of this job (null: it can). */
export function outputLengthProblem(j: Job, outputs: readonly OutputSpec[], length: number): string | null {
  if (outputs.length === 0) return null;
  const b = outputLengthBounds(j, outputs);
  const n = BigInt(length);
  if (b.step === 0n)
    return n === b.min ? null : `the model's outputs have ${b.min} elements for this job's inputs, not ${length}`;
  if (n < b.min || (b.max !== null && n > b.max))
    return `the model's outputs have ${b.min} to ${b.max ?? "any number of"} elements for this job's inputs, not ${length}`;
  if ((n - b.min) % b.step !== 0n)
    return `the model's outputs have ${b.min} plus a multiple of ${b.step} elements for this job's inputs, not ${length}`;
  return null;
}
