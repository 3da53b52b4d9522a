import type { ChallengeTensor, TensorSpec } from "./types.js";

// A model's challenge inputs (proto ChallengeTensor): the registrant's recipe for the input the
// chain draws for a capability challenge (modules/jobs/challenges.ts). Only the registrant knows
// which lengths, sample rates or token ids its model accepts; the chain's default rule can only
// challenge float and byte inputs of fixed shape, so without a recipe models such as Silero VAD
// (an int64 sample rate) or PP-OCR (dynamic image sides) cannot be challenged at all.

/** The dtypes a challenge can carry: those every worker decodes (client/models/tensors.ts). */
export const challengeDtypes: Readonly<Record<string, { bytes: number; min: bigint; max: bigint } | undefined>> = {
  float32: { bytes: 4, min: 0n, max: 0n },
  float64: { bytes: 8, min: 0n, max: 0n },
  uint8: { bytes: 1, min: 0n, max: 255n },
  int8: { bytes: 1, min: -128n, max: 127n },
  int32: { bytes: 4, min: -(2n ** 31n), max: 2n ** 31n - 1n },
  int64: { bytes: 8, min: -(2n ** 63n), max: 2n ** 63n - 1n },
  bool: { bytes: 1, min: 0n, max: 1n },
};

/** At most this many values per input, and elements per input (the inline-input limit binds first). */
export const maxChallengeValues = 64;
export const maxChallengeElements = 1 << 24;
const valuePattern = /^(0|-?[1-9][0-9]{0,19})$/;

const isFloat = (dtype: string) => dtype === "float32" || dtype === "float64";

/**
 * Why `challenge` is not a valid recipe for a model with `inputs`, or null. Empty is valid (the
 * default rule applies). Otherwise: one entry per input by name; the input's rank, its fixed
 * dimensions as registered and every dynamic one from 1 to 65,536; no values for float inputs;
 * for int32, int64 values are required (which lengths or ids are valid only the model knows);
 * uint8, int8 and bool may leave them out (any byte; 0 or 1).
 */
export function challengeInputsProblem(
  inputs: ReadonlyArray<TensorSpec>,
  challenge: ReadonlyArray<ChallengeTensor>,
): string | null {
  if (challenge.length === 0) return null;
  if (challenge.length !== inputs.length)
    return `challenge_inputs: ${challenge.length} entries for ${inputs.length} inputs (one per input)`;
  const byName = new Map(inputs.map((t) => [t.name, t]));
  const seen = new Set<string>();
  for (const c of challenge) {
    const spec = byName.get(c.name);
    const at = `challenge_inputs ${JSON.stringify(c.name)}`;
    if (spec === undefined) return `${at}: no input of that name`;
    if (seen.has(c.name)) return `${at}: twice`;
    seen.add(c.name);
    const dt = challengeDtypes[spec.dtype];
    if (dt === undefined) return `${at}: a ${spec.dtype} input cannot be challenged`;
    if (c.shape.length !== spec.shape.length)
      return `${at}: ${c.shape.length} dimensions, the input has ${spec.shape.length}`;
    let n = 1;
    for (const [i, d] of c.shape.entries()) {
      const want = spec.shape[i]!;
      if (want > 0 ? d !== want : d < 1 || d > 65536)
        return `${at}: dimension ${i} is ${d}, ${want > 0 ? `the input's is ${want}` : "a dynamic one must be 1 to 65536"}`;
      n *= d;
      if (n > maxChallengeElements) return `${at}: more than ${maxChallengeElements} elements`;
    }
    if (isFloat(spec.dtype)) {
      if (c.values.length > 0) return `${at}: float elements are drawn by the chain, no values`;
      continue;
    }
    if (c.values.length === 0 && (spec.dtype === "int32" || spec.dtype === "int64"))
      return `${at}: an ${spec.dtype} input needs the values it accepts`;
    if (c.values.length > maxChallengeValues) return `${at}: at most ${maxChallengeValues} values`;
    for (const v of c.values) {
      if (!valuePattern.test(v)) return `${at}: value ${JSON.stringify(v)} is not a decimal integer`;
      const x = BigInt(v);
      if (x < dt.min || x > dt.max) return `${at}: value ${v} is outside ${spec.dtype}`;
    }
  }
  return null;
}

/** The bytes of tensor data a valid recipe draws (the chain sends at most max_inline_input_bytes). */
export function challengeRecipeBytes(
  inputs: ReadonlyArray<TensorSpec>,
  challenge: ReadonlyArray<ChallengeTensor>,
): number {
  const dtypeOf = new Map(inputs.map((t) => [t.name, t.dtype]));
  let total = 0;
  for (const c of challenge)
    total += c.shape.reduce((a, b) => a * b, 1) * (challengeDtypes[dtypeOf.get(c.name) ?? ""]?.bytes ?? 0);
  return total;
}
