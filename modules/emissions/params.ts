import { decOne, formatDec, parseDec } from "../sdk/coins.js";
import { emissionsErrors } from "./errors.js";
import { asObject, asString, field, optField, type JsonObject } from "../sdk/json.js";
import { codec } from "../sdk/proto.js";
import type { KVStore } from "../sdk/store.js";
import { keys } from "./keys.js";

/** Decimals are 18-decimal fixed point; amounts in base units of the bond denom. */
export interface EmissionsParams {
  initialPerBlock: bigint;
  decayEveryBlocks: bigint;
  decayFactor: bigint;
  cap: bigint;
  validatorsShare: bigint;
  providersShare: bigint;
  feeBurnShare: bigint;
  epochBlocks: bigint;
  /** Fraction (< 1) of the protocol fees burned from a provider's payments that the pool may pay it. */
  providerCapMultiple: bigint;
  denom: string;
  /** Share of each accepted job payment burned (the protocol fee), 18-decimal. */
  jobFeeBurnShare: bigint;
}

export function defaultParams(): EmissionsParams {
  return {
    initialPerBlock: 10_000_000n, // 10 TCU per block
    decayEveryBlocks: 1_000_000n,
    decayFactor: (decOne * 9n) / 10n,
    cap: 0n,
    validatorsShare: (decOne * 6n) / 10n,
    providersShare: (decOne * 3n) / 10n,
    feeBurnShare: decOne / 10n,
    epochBlocks: 100n,
    providerCapMultiple: (decOne * 8n) / 10n,
    denom: "utcu",
    jobFeeBurnShare: decOne / 20n,
  };
}

export function validateParams(p: EmissionsParams): void {
  const bad = (m: string) => emissionsErrors.invalidRequest.wrap(`emissions: ${m}`);
  if (p.initialPerBlock < 0n) throw bad("initial_per_block must not be negative");
  if (p.decayEveryBlocks < 1n || p.epochBlocks < 1n) throw bad("decay_every_blocks and epoch_blocks must be positive");
  if (p.epochBlocks > 1_000_000n) throw bad("epoch_blocks must be at most 1000000 (rewards are paid once an epoch)");
  if (p.decayFactor < 0n || p.decayFactor > decOne) throw bad("decay_factor must be between 0 and 1");
  if (p.cap < 0n) throw bad("cap must not be negative");
  for (const [k, v] of [
    ["validators_share", p.validatorsShare],
    ["providers_share", p.providersShare],
    ["fee_burn_share", p.feeBurnShare],
  ] as const) {
    if (v < 0n || v > decOne) throw bad(`${k} must be between 0 and 1`);
  }
  if (p.validatorsShare + p.providersShare > decOne) throw bad("validators_share + providers_share must not exceed 1");
  // Below 1: a provider paying itself through any number of addresses burns more than the pool
  // can return to it (docs/economics.md, "Provider pool").
  if (p.providerCapMultiple < 0n || p.providerCapMultiple >= decOne)
    throw bad("provider_cap_multiple must be at least 0 and below 1");
  if (p.jobFeeBurnShare < 0n || p.jobFeeBurnShare > decOne) throw bad("job_fee_burn_share must be between 0 and 1");
}

export function paramsToJson(p: EmissionsParams) {
  return {
    initial_per_block: p.initialPerBlock.toString(),
    decay_every_blocks: p.decayEveryBlocks.toString(),
    decay_factor: formatDec(p.decayFactor),
    cap: p.cap.toString(),
    validators_share: formatDec(p.validatorsShare),
    providers_share: formatDec(p.providersShare),
    fee_burn_share: formatDec(p.feeBurnShare),
    epoch_blocks: p.epochBlocks.toString(),
    provider_cap_multiple: formatDec(p.providerCapMultiple),
    denom: p.denom,
    job_fee_burn_share: formatDec(p.jobFeeBurnShare),
  };
}

export function paramsFromJson(json: unknown, path: string): EmissionsParams {
  const o: JsonObject = asObject(json, path);
  const s = (k: string) => asString(field(o, k, path), `${path}.${k}`);
  const int = (k: string) => {
    const v = s(k);
    if (!/^[0-9]{1,40}$/.test(v)) throw emissionsErrors.invalidRequest.wrap(`${path}.${k} must be a whole number`);
    return BigInt(v);
  };
  const p: EmissionsParams = {
    initialPerBlock: int("initial_per_block"),
    decayEveryBlocks: int("decay_every_blocks"),
    decayFactor: parseDec(s("decay_factor")),
    cap: int("cap"),
    validatorsShare: parseDec(s("validators_share")),
    providersShare: parseDec(s("providers_share")),
    feeBurnShare: parseDec(s("fee_burn_share")),
    epochBlocks: int("epoch_blocks"),
    providerCapMultiple: parseDec(s("provider_cap_multiple")),
    denom: s("denom"),
    // Added later: absent (or empty) means the default.
    jobFeeBurnShare:
      optField(o, "job_fee_burn_share") === undefined || s("job_fee_burn_share") === ""
        ? defaultParams().jobFeeBurnShare
        : parseDec(s("job_fee_burn_share")),
  };
  validateParams(p);
  return p;
}

/** Params as stored and queried: tcompute.emissions.v1.Params (all fields strings). */
export interface ParamsPb {
  initialPerBlock: string;
  decayEveryBlocks: string;
  decayFactor: string;
  cap: string;
  validatorsShare: string;
  providersShare: string;
  feeBurnShare: string;
  epochBlocks: string;
  providerCapMultiple: string;
  denom: string;
  jobFeeBurnShare: string;
}

export const paramsCodec = codec<ParamsPb>("emissions/v1/emissions.proto", "tcompute.emissions.v1.Params");

export function paramsToPb(p: EmissionsParams): ParamsPb {
  const j = paramsToJson(p);
  return {
    initialPerBlock: j.initial_per_block,
    decayEveryBlocks: j.decay_every_blocks,
    decayFactor: j.decay_factor,
    cap: j.cap,
    validatorsShare: j.validators_share,
    providersShare: j.providers_share,
    feeBurnShare: j.fee_burn_share,
    epochBlocks: j.epoch_blocks,
    providerCapMultiple: j.provider_cap_multiple,
    denom: j.denom,
    jobFeeBurnShare: j.job_fee_burn_share,
  };
}

const cache = new WeakMap<Uint8Array, EmissionsParams>();

export function readParams(store: KVStore): EmissionsParams {
  const raw = store.get(keys.params);
  if (raw === undefined) return defaultParams();
  let p = cache.get(raw);
  if (p === undefined) {
    const b = paramsCodec.decode(raw);
    p = paramsFromJson(
      {
        initial_per_block: b.initialPerBlock,
        decay_every_blocks: b.decayEveryBlocks,
        decay_factor: b.decayFactor,
        cap: b.cap,
        validators_share: b.validatorsShare,
        providers_share: b.providersShare,
        fee_burn_share: b.feeBurnShare,
        epoch_blocks: b.epochBlocks,
        provider_cap_multiple: b.providerCapMultiple,
        denom: b.denom,
        job_fee_burn_share: b.jobFeeBurnShare,
      },
      "emissions.params",
    );
    cache.set(raw, p);
  }
  return p;
}

export function writeParams(store: KVStore, p: EmissionsParams): void {
  validateParams(p);
  store.set(keys.params, paramsCodec.encode(paramsToPb(p)));
}
