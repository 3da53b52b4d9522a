import { validateDenom } from "../sdk/coins.js";
import type { KVStore } from "../sdk/store.js";
import { registryErrors } from "./errors.js";
import { keys } from "./keys.js";
import { codecs, type RegistryParamsPb } from "./types.js";

export interface RegistryParams {
  minProviderBond: bigint;
  bondDenom: string;
  maxModelsPerProvider: number;
  maxGpusPerProvider: number;
  maxSlots: number;
  providerUnbondingSeconds: bigint;
  /** Blocks a jail for consecutive faults lasts (time served, then MsgUnjailProvider). */
  faultJailBlocks: bigint;
  /** Bounds of a model's comparison rule (docs/verification.md, "Bounds"). */
  minSketchSize: number;
  maxSketchSize: number;
  maxTolerance: number;
  maxTopK: number;
  maxComputeUnits: bigint;
}

export function defaultParams(): RegistryParams {
  return {
    minProviderBond: 10_000_000n,
    bondDenom: "utcu",
    maxModelsPerProvider: 64,
    maxGpusPerProvider: 64,
    maxSlots: 256,
    providerUnbondingSeconds: 21n * 24n * 3600n,
    faultJailBlocks: 1000n,
    minSketchSize: 8,
    maxSketchSize: 256,
    maxTolerance: 100_000,
    maxTopK: 100,
    maxComputeUnits: 1_000_000_000_000n,
  };
}

export function validateParams(p: RegistryParams): void {
  if (p.minProviderBond <= 0n) throw registryErrors.invalidParams.wrap("min_provider_bond must be positive");
  validateDenom(p.bondDenom);
  for (const [k, v] of [
    ["max_models_per_provider", p.maxModelsPerProvider],
    ["max_gpus_per_provider", p.maxGpusPerProvider],
    ["max_slots", p.maxSlots],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1 || v > 100_000)
      throw registryErrors.invalidParams.wrap(`${k} must be between 1 and 100000`);
  }
  if (p.providerUnbondingSeconds < 0n || p.providerUnbondingSeconds > 365n * 24n * 3600n)
    throw registryErrors.invalidParams.wrap("provider_unbonding_seconds must be 0 to 31536000 (365 days)");
  if (p.faultJailBlocks < 1n || p.faultJailBlocks > 10_000_000n)
    throw registryErrors.invalidParams.wrap("fault_jail_blocks must be 1 to 10000000");
  // A sketch of fewer than 4 components is matched by chance too often; 1024 bounds reveal size.
  if (
    !Number.isSafeInteger(p.minSketchSize) ||
    !Number.isSafeInteger(p.maxSketchSize) ||
    p.minSketchSize < 4 ||
    p.maxSketchSize > 1024 ||
    p.minSketchSize > p.maxSketchSize
  )
    throw registryErrors.invalidParams.wrap("need 4 <= min_sketch_size <= max_sketch_size <= 1024");
  // 10^6 is the spread of one component of a standard-normal output: a tolerance near it accepts anything.
  if (!Number.isSafeInteger(p.maxTolerance) || p.maxTolerance < 0 || p.maxTolerance > 500_000)
    throw registryErrors.invalidParams.wrap("max_tolerance must be 0 to 500000 (0.5 in 1e-6 units)");
  if (!Number.isSafeInteger(p.maxTopK) || p.maxTopK < 0 || p.maxTopK > 1000)
    throw registryErrors.invalidParams.wrap("max_top_k must be 0 to 1000");
  if (p.maxComputeUnits < 1n || p.maxComputeUnits > 10n ** 18n)
    throw registryErrors.invalidParams.wrap("max_compute_units must be 1 to 10^18");
}

/** Why a model's rule or cost is out of the params' bounds, or null when it is within them. */
export function ruleOutOfBounds(
  p: RegistryParams,
  rule: { sketchSize: number; tolerance: number; topK: number } | null,
  computeUnits: bigint,
): string | null {
  if (rule === null) return "a model needs a comparison rule";
  if (rule.sketchSize < p.minSketchSize || rule.sketchSize > p.maxSketchSize)
    return `rule.sketch_size must be ${p.minSketchSize} to ${p.maxSketchSize}`;
  if (rule.tolerance > p.maxTolerance) return `rule.tolerance must be at most ${p.maxTolerance} (1e-6 units)`;
  if (rule.topK > p.maxTopK) return `rule.top_k must be at most ${p.maxTopK}`;
  if (computeUnits < 1n || computeUnits > p.maxComputeUnits) return `compute_units must be 1 to ${p.maxComputeUnits}`;
  return null;
}

export function paramsToPb(p: RegistryParams): RegistryParamsPb {
  return {
    minProviderBond: p.minProviderBond.toString(),
    bondDenom: p.bondDenom,
    maxModelsPerProvider: p.maxModelsPerProvider,
    maxGpusPerProvider: p.maxGpusPerProvider,
    maxSlots: p.maxSlots,
    providerUnbondingSeconds: p.providerUnbondingSeconds.toString(),
    faultJailBlocks: p.faultJailBlocks.toString(),
    minSketchSize: p.minSketchSize,
    maxSketchSize: p.maxSketchSize,
    maxTolerance: p.maxTolerance,
    maxTopK: p.maxTopK,
    maxComputeUnits: p.maxComputeUnits.toString(),
  };
}

export function paramsFromPb(p: RegistryParamsPb): RegistryParams {
  const d = defaultParams();
  return {
    minProviderBond: BigInt(p.minProviderBond || "0"),
    bondDenom: p.bondDenom,
    maxModelsPerProvider: p.maxModelsPerProvider,
    maxGpusPerProvider: p.maxGpusPerProvider,
    maxSlots: p.maxSlots,
    providerUnbondingSeconds: BigInt(p.providerUnbondingSeconds || "0"),
    faultJailBlocks: BigInt(p.faultJailBlocks || d.faultJailBlocks.toString()),
    minSketchSize: p.minSketchSize || d.minSketchSize,
    maxSketchSize: p.maxSketchSize || d.maxSketchSize,
    maxTolerance: p.maxTolerance ?? d.maxTolerance,
    maxTopK: p.maxTopK ?? d.maxTopK,
    maxComputeUnits: BigInt(p.maxComputeUnits || d.maxComputeUnits.toString()),
  };
}

export function paramsToJson(p: RegistryParams) {
  return {
    min_provider_bond: p.minProviderBond.toString(),
    bond_denom: p.bondDenom,
    max_models_per_provider: p.maxModelsPerProvider,
    max_gpus_per_provider: p.maxGpusPerProvider,
    max_slots: p.maxSlots,
    provider_unbonding_seconds: p.providerUnbondingSeconds.toString(),
    fault_jail_blocks: p.faultJailBlocks.toString(),
    min_sketch_size: p.minSketchSize,
    max_sketch_size: p.maxSketchSize,
    max_tolerance: p.maxTolerance,
    max_top_k: p.maxTopK,
    max_compute_units: p.maxComputeUnits.toString(),
  };
}

export function readParams(store: KVStore): RegistryParams {
  const raw = store.get(keys.params);
  return raw === undefined ? defaultParams() : paramsFromPb(codecs.params.decode(raw));
}

export function writeParams(store: KVStore, p: RegistryParams): void {
  validateParams(p);
  store.set(keys.params, codecs.params.encode(paramsToPb(p)));
}
