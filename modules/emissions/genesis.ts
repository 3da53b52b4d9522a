import { bech32Prefix, validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import { emissionsErrors } from "./errors.js";
import { asArray, asObject, asString, field, optField } from "../sdk/json.js";
import type { EmissionsKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { defaultParams, paramsFromJson, paramsToJson, writeParams, type EmissionsParams } from "./params.js";

export function defaultGenesis() {
  return {
    params: paramsToJson(defaultParams()),
    minted: "0",
    burned_fees: "0",
    current_per_block: "",
    accumulators: [],
    delegation_starts: [],
    commissions: [],
    provider_work: [],
  };
}

interface Parsed {
  params: EmissionsParams;
  minted: bigint;
  burned: bigint;
  rate: bigint | null;
  acc: Array<[string, bigint]>;
  starts: Array<[string, string, bigint]>;
  commissions: Array<[string, bigint]>;
  work: Array<[string, bigint, bigint]>;
}

const int = (v: unknown, path: string): bigint => {
  const s = asString(v, path);
  if (!/^[0-9]{1,80}$/.test(s)) throw emissionsErrors.invalidRequest.wrap(`${path} must be a whole number`);
  return BigInt(s);
};

export function parseGenesis(json: unknown): Parsed {
  const o = asObject(json, "emissions");
  const rateRaw = asString(optField(o, "current_per_block") ?? "", "emissions.current_per_block");
  const list = (k: string) =>
    asArray(optField(o, k) ?? [], `emissions.${k}`).map((x, i) => asObject(x, `emissions.${k}[${i}]`));
  return {
    params: paramsFromJson(field(o, "params", "emissions"), "emissions.params"),
    minted: int(optField(o, "minted") ?? "0", "emissions.minted"),
    burned: int(optField(o, "burned_fees") ?? "0", "emissions.burned_fees"),
    rate: rateRaw === "" ? null : int(rateRaw, "emissions.current_per_block"),
    acc: list("accumulators").map((x) => [
      validateAddress(asString(field(x, "validator", "acc"), "validator"), bech32Prefix.validator),
      int(field(x, "reward_per_share", "acc"), "reward_per_share"),
    ]),
    starts: list("delegation_starts").map((x) => [
      validateAddress(asString(field(x, "delegator", "start"), "delegator")),
      validateAddress(asString(field(x, "validator", "start"), "validator"), bech32Prefix.validator),
      int(field(x, "reward_per_share", "start"), "reward_per_share"),
    ]),
    commissions: list("commissions").map((x) => [
      validateAddress(asString(field(x, "validator", "commission"), "validator"), bech32Prefix.validator),
      int(field(x, "amount", "commission"), "amount"),
    ]),
    work: list("provider_work").map((x) => [
      validateAddress(asString(field(x, "provider", "work"), "provider")),
      int(field(x, "units", "work"), "units"),
      int(field(x, "eligible_fees", "work"), "eligible_fees"),
    ]),
  };
}

/** Balances of the module accounts (distribution, pools) come with bank's genesis. */
export function initGenesis(ctx: Context, k: EmissionsKeeper, g: Parsed): void {
  writeParams(ctx.store, g.params);
  k.setRaw(ctx.store, keys.minted, g.minted);
  k.setRaw(ctx.store, keys.burned, g.burned);
  if (g.rate !== null) ctx.store.set(keys.rate, Buffer.from(g.rate.toString()));
  for (const [v, a] of g.acc) k.setRaw(ctx.store, keys.acc(v), a);
  for (const [d, v, a] of g.starts) k.setRaw(ctx.store, keys.start(d, v), a);
  for (const [v, a] of g.commissions) k.setRaw(ctx.store, keys.commission(v), a);
  for (const [p, u, f] of g.work) ctx.store.set(keys.work(p), Buffer.from(`${u}/${f}`));
}

export function exportGenesis(ctx: Context, k: EmissionsKeeper) {
  return {
    params: paramsToJson(k.params(ctx.store)),
    minted: k.minted(ctx.store).toString(),
    burned_fees: k.burned(ctx.store).toString(),
    // Empty until the first decay: the period's rate is then the initial amount.
    current_per_block: ctx.store.get(keys.rate) === undefined ? "" : k.rate(ctx.store).toString(),
    accumulators: [...k.accumulators(ctx.store)].map(([validator, a]) => ({
      validator,
      reward_per_share: a.toString(),
    })),
    delegation_starts: [...k.starts(ctx.store)].map(([delegator, validator, a]) => ({
      delegator,
      validator,
      reward_per_share: a.toString(),
    })),
    commissions: [...k.commissions(ctx.store)].map(([validator, a]) => ({ validator, amount: a.toString() })),
    provider_work: [...k.allWork(ctx.store)].map((w) => ({
      provider: w.provider,
      units: w.units.toString(),
      eligible_fees: w.fees.toString(),
    })),
  };
}
