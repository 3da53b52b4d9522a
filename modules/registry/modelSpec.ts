import { registryErrors } from "./errors.js";
import { challengeInputsProblem } from "./challengeInputs.js";
import type { ChallengeTensor, ComparisonRule, TensorSpec } from "./types.js";

// What a model entry must be, wherever it comes from: a MsgRegisterModel (validateBasic) or a
// genesis file (import). One check, so that genesis cannot hold a model a registration would be
// refused (a duplicate input name, a 0 dimension), which the jobs module would then trust.

export const hashPattern = /^[0-9a-f]{64}$/;
export const namePattern = /^[A-Za-z0-9._\-/]{1,64}$/;
export const amountPattern = /^[0-9]{1,30}$/;
const dtypes = new Set([
  "float32",
  "float16",
  "float64",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "bool",
  "string",
]);

/** The fields of a model its registrant chooses (Model and MsgRegisterModel share them). */
export interface ModelSpec {
  hash: string;
  name: string;
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
  computeUnits: string;
  rule: ComparisonRule | null | undefined;
  uri: string;
  challengeInputs?: readonly ChallengeTensor[];
}

function tensorsProblem(list: readonly TensorSpec[], what: string): string | null {
  if (list.length === 0 || list.length > 16) return `${what}: 1 to 16 tensors`;
  const names = new Set<string>();
  for (const t of list) {
    if (!namePattern.test(t.name)) return `${what}: tensor name ${JSON.stringify(t.name)}`;
    if (names.has(t.name)) return `${what}: duplicate tensor ${t.name}`;
    names.add(t.name);
    if (!dtypes.has(t.dtype)) return `${what}: dtype ${JSON.stringify(t.dtype)}`;
    if (t.shape.length > 8) return `${what}: at most 8 dimensions`;
    for (const d of t.shape) if (d === 0 || d < -1) return `${what}: dimension ${d} (use -1 for a dynamic axis)`;
  }
  return null;
}

/** Why `m` is not a valid model entry, or null (stateless: the params' bounds are checked apart). */
export function modelSpecProblem(m: ModelSpec): string | null {
  if (!hashPattern.test(m.hash)) return "hash must be the lowercase hex sha256 of the ONNX bytes";
  if (!namePattern.test(m.name)) return "name must be 1-64 characters of [A-Za-z0-9._-/]";
  const tensors = tensorsProblem(m.inputs, "inputs") ?? tensorsProblem(m.outputs, "outputs");
  if (tensors !== null) return tensors;
  if (!amountPattern.test(m.computeUnits) || BigInt(m.computeUnits) === 0n)
    return "compute_units must be a positive integer";
  if (m.rule === null || m.rule === undefined) return "a model needs a comparison rule";
  if (m.uri.length > 512) return "uri is at most 512 characters";
  return challengeInputsProblem(m.inputs, m.challengeInputs ?? []);
}

/** Throws registry code for an invalid model (`where` prefixes the message, e.g. the genesis entry). */
export function checkModelSpec(m: ModelSpec, where = ""): void {
  const bad = modelSpecProblem(m);
  if (bad !== null) throw registryErrors.invalidModel.wrap(`${where}${bad}`);
}
