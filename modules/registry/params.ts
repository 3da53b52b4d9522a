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
}

export function defaultParams(): RegistryParams {
  return { minProviderBond: 10_000_000n, bondDenom: "utcu", maxModelsPerProvider: 64, maxGpusPerProvider: 64, maxSlots: 256, providerUnbondingSeconds: 21n * 24n * 3600n, faultJailBlocks: 1000n };
}

export function validateParams(p: RegistryParams): void {
  if (p.minProviderBond <= 0n) throw registryErrors.invalidParams.wrap("min_provider_bond must be positive");
  validateDenom(p.bondDenom);
  for (const [k, v] of [["max_models_per_provider", p.maxModelsPerProvider], ["max_gpus_per_provider", p.maxGpusPerProvider], ["max_slots", p.maxSlots]] as const) {
    if (!Number.isSafeInteger(v) || v < 1 || v > 100_000) throw registryErrors.invalidParams.wrap(`${k} must be between 1 and 100000`);
  }
  if (p.providerUnbondingSeconds < 0n) throw registryErrors.invalidParams.wrap("provider_unbonding_seconds must not be negative");
  if (p.faultJailBlocks < 1n || p.faultJailBlocks > 10_000_000n) throw registryErrors.invalidParams.wrap("fault_jail_blocks must be 1 to 10000000");
}

export function paramsToPb(p: RegistryParams): RegistryParamsPb {
  return { minProviderBond: p.minProviderBond.toString(), bondDenom: p.bondDenom, maxModelsPerProvider: p.maxModelsPerProvider, maxGpusPerProvider: p.maxGpusPerProvider, maxSlots: p.maxSlots, providerUnbondingSeconds: p.providerUnbondingSeconds.toString(), faultJailBlocks: p.faultJailBlocks.toString() };
}

export function paramsFromPb(p: RegistryParamsPb): RegistryParams {
  return { minProviderBond: BigInt(p.minProviderBond || "0"), bondDenom: p.bondDenom, maxModelsPerProvider: p.maxModelsPerProvider, maxGpusPerProvider: p.maxGpusPerProvider, maxSlots: p.maxSlots, providerUnbondingSeconds: BigInt(p.providerUnbondingSeconds || "0"), faultJailBlocks: BigInt(p.faultJailBlocks || defaultParams().faultJailBlocks.toString()) };
}

export function paramsToJson(p: RegistryParams) {
  return { min_provider_bond: p.minProviderBond.toString(), bond_denom: p.bondDenom, max_models_per_provider: p.maxModelsPerProvider, max_gpus_per_provider: p.maxGpusPerProvider, max_slots: p.maxSlots, provider_unbonding_seconds: p.providerUnbondingSeconds.toString(), fault_jail_blocks: p.faultJailBlocks.toString() };
}

export function readParams(store: KVStore): RegistryParams {
  const raw = store.get(keys.params);
  return raw === undefined ? defaultParams() : paramsFromPb(codecs.params.decode(raw));
}

export function writeParams(store: KVStore, p: RegistryParams): void {
  validateParams(p);
  store.set(keys.params, codecs.params.encode(paramsToPb(p)));
}
