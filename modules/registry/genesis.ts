import { validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import { asArray, asObject, asString, asUint, field, optField } from "../sdk/json.js";
import { jsonCodec } from "../sdk/proto.js";
import { checkModelSpec } from "./modelSpec.js";
import { registryErrors } from "./errors.js";
import type { RegistryKeeper } from "./keeper.js";
import {
  defaultParams,
  paramsToJson,
  ruleOutOfBounds,
  validateParams,
  writeParams,
  type RegistryParams,
} from "./params.js";
import { codecs, ProviderStatus, type Model, type Provider } from "./types.js";

const file = "registry/v1/registry.proto";
const modelJson = jsonCodec(file, "tcompute.registry.v1.Model");
const providerJson = jsonCodec(file, "tcompute.registry.v1.Provider");

export function defaultGenesis() {
  return { params: paramsToJson(defaultParams()), models: [], providers: [] };
}

export interface RegistryGenesis {
  params: RegistryParams;
  models: Model[];
  providers: Provider[];
}

export function parseGenesis(json: unknown): RegistryGenesis {
  const o = asObject(json, "registry");
  const p = asObject(field(o, "params", "registry"), "registry.params");
  const d = defaultParams();
  // Params added after the first genesis files: absent means the default.
  const opt = (key: string, dflt: bigint) =>
    optField(p, key) === undefined ? dflt : asUint(field(p, key, "registry.params"), `registry.params.${key}`);
  const params: RegistryParams = {
    minProviderBond: asUint(field(p, "min_provider_bond", "registry.params"), "registry.params.min_provider_bond"),
    bondDenom: asString(field(p, "bond_denom", "registry.params"), "registry.params.bond_denom"),
    maxModelsPerProvider: Number(
      asUint(field(p, "max_models_per_provider", "registry.params"), "registry.params.max_models_per_provider"),
    ),
    maxGpusPerProvider: Number(
      asUint(field(p, "max_gpus_per_provider", "registry.params"), "registry.params.max_gpus_per_provider"),
    ),
    maxSlots: Number(asUint(field(p, "max_slots", "registry.params"), "registry.params.max_slots")),
    providerUnbondingSeconds: asUint(
      field(p, "provider_unbonding_seconds", "registry.params"),
      "registry.params.provider_unbonding_seconds",
    ),
    faultJailBlocks: opt("fault_jail_blocks", d.faultJailBlocks),
    minSketchSize: Number(opt("min_sketch_size", BigInt(d.minSketchSize))),
    maxSketchSize: Number(opt("max_sketch_size", BigInt(d.maxSketchSize))),
    maxTolerance: Number(opt("max_tolerance", BigInt(d.maxTolerance))),
    maxTopK: Number(opt("max_top_k", BigInt(d.maxTopK))),
    maxComputeUnits: opt("max_compute_units", d.maxComputeUnits),
  };
  validateParams(params);
  const models = asArray(optField(o, "models") ?? [], "registry.models").map((m, i) =>
    codecs.model.decode(modelJson.fromJson(m, `registry.models[${i}]`)),
  );
  const hashes = new Set<string>();
  const names = new Set<string>();
  for (const m of models) {
    validateAddress(m.owner);
    // The same checks as a registration (a duplicate input name, a 0 dimension, a bad recipe).
    checkModelSpec(m, `genesis model ${m.owner}/${m.name} (${m.hash}): `);
    // Names are per owner: the same name under two owners is two models.
    const scoped = `${m.owner}/${m.name}`;
    if (hashes.has(m.hash) || names.has(scoped))
      throw registryErrors.modelExists.wrap(`${scoped} (${m.hash}) twice in genesis`);
    hashes.add(m.hash);
    names.add(scoped);
    // A model's rule is held to the params as a registration is (genesis validates as MsgRegisterModel does).
    const bad = ruleOutOfBounds(params, m.rule, BigInt(m.computeUnits));
    if (bad !== null) throw registryErrors.invalidModel.wrap(`genesis model ${scoped}: ${bad}`);
  }
  const providers = asArray(optField(o, "providers") ?? [], "registry.providers").map((x, i) =>
    codecs.provider.decode(providerJson.fromJson(x, `registry.providers[${i}]`)),
  );
  const owners = new Set<string>();
  for (const pr of providers) {
    validateAddress(pr.owner);
    if (owners.has(pr.owner)) throw registryErrors.providerExists.wrap(`${pr.owner} twice in genesis`);
    owners.add(pr.owner);
    for (const h of pr.models)
      if (!hashes.has(h)) throw registryErrors.modelNotFound.wrap(`provider ${pr.owner} serves unknown model ${h}`);
    if (pr.status === ProviderStatus.unspecified)
      throw registryErrors.invalidProvider.wrap(`provider ${pr.owner} has no status`);
  }
  return { params, models, providers };
}

/** The provider_bonds account must hold the bonds (bank genesis); the invariant checks it. */
export function initGenesis(ctx: Context, k: RegistryKeeper, g: RegistryGenesis): void {
  writeParams(ctx.store, g.params);
  for (const m of g.models) k.setModel(ctx.store, m);
  for (const p of g.providers) {
    k.setProvider(ctx.store, p);
    if (p.status === ProviderStatus.unbonding) k.queueUnbonding(ctx.store, BigInt(p.unbondingCompletion), p.owner);
  }
}

export function exportGenesis(ctx: Context, k: RegistryKeeper) {
  return {
    params: paramsToJson(k.params(ctx.store)),
    models: [...k.models(ctx.store)].map((m) => modelJson.toJson(codecs.model.encode(m))),
    providers: [...k.providers(ctx.store)].map((p) => providerJson.toJson(codecs.provider.encode(p))),
  };
}
