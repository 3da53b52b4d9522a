import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import {
  BondStatus,
  bondStatusFromJSON,
  bondStatusToJSON,
  type Redelegation,
  type UnbondingDelegation,
  type Validator,
} from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { bech32Prefix, validateAddress } from "../sdk/address.js";
import { formatDec, parseDec, big } from "../sdk/coins.js";
import type { Context, Timestamp } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import { asArray, asBool, asObject, asString, asUint, field, optField, type JsonObject } from "../sdk/json.js";
import { formatTime, parseTime } from "../sdk/time.js";
import { stakingErrors } from "./errors.js";
import { consensusKey, ed25519PubKeyTypeUrl, type StakingKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { defaultParams, paramsToJson, validateParams, writeParams, type StakingParams } from "./params.js";

// Genesis of staking in the SDK's JSON shape (snake_case, decimals for shares and rates,
// RFC 3339 times, the consensus key as {"@type", "key"}), so that exported state reads as a
// Cosmos chain's does. Validators created by gentxs arrive as MsgCreateValidator at InitChain.

export interface StakingGenesis {
  params: StakingParams;
  validators: Validator[];
  delegations: Array<{ delegator: string; valoper: string; shares: bigint }>;
  unbondings: UnbondingDelegation[];
  redelegations: Redelegation[];
  lastPowers: Array<{ valoper: string; power: bigint }>;
  /** Slash history for distribution's ValidatorSlashes (the SDK's validator_slash_events). */
  slashEvents: Array<{ valoper: string; height: bigint; fraction: bigint }>;
}

export function defaultGenesis() {
  return {
    params: paramsToJson(defaultParams()),
    last_total_power: "0",
    last_validator_powers: [],
    validators: [],
    delegations: [],
    unbonding_delegations: [],
    redelegations: [],
    exported: false,
  };
}

function parseDuration(s: string, path: string): bigint {
  const m = /^([0-9]{1,12})s$/.exec(s);
  if (m === null) throw stakingErrors.invalidParams.wrap(`${path} must be whole seconds like "1814400s"`);
  return BigInt(m[1]!);
}

function time(v: unknown, path: string): Timestamp {
  try {
    return parseTime(asString(v, path));
  } catch (e) {
    throw sdkErrors.invalidRequest.wrap(`${path}: ${(e as Error).message}`);
  }
}

function validatorFromJson(o: JsonObject, path: string): Validator {
  const pk = asObject(field(o, "consensus_pubkey", path), `${path}.consensus_pubkey`);
  if (asString(field(pk, "@type", path), `${path}.consensus_pubkey.@type`) !== ed25519PubKeyTypeUrl)
    throw stakingErrors.validatorPubKeyTypeNotSupported.wrap(path);
  const key = Buffer.from(asString(field(pk, "key", path), `${path}.consensus_pubkey.key`), "base64");
  const consensusPubkey = { typeUrl: ed25519PubKeyTypeUrl, value: Ed25519PubKey.encode({ key }).finish() };
  consensusKey(consensusPubkey);
  const d = asObject(field(o, "description", path), `${path}.description`);
  const c = asObject(field(o, "commission", path), `${path}.commission`);
  const r = asObject(field(c, "commission_rates", path), `${path}.commission.commission_rates`);
  const status = bondStatusFromJSON(asString(field(o, "status", path), `${path}.status`));
  if (status === BondStatus.UNRECOGNIZED || status === BondStatus.BOND_STATUS_UNSPECIFIED)
    throw sdkErrors.invalidRequest.wrap(`${path}.status is not a bond status`);
  const str = (x: JsonObject, k: string, p: string) => asString(optField(x, k) ?? "", `${p}.${k}`);
  return {
    operatorAddress: validateAddress(
      asString(field(o, "operator_address", path), `${path}.operator_address`),
      bech32Prefix.validator,
    ),
    consensusPubkey,
    jailed: asBool(field(o, "jailed", path), `${path}.jailed`),
    status,
    tokens: asUint(field(o, "tokens", path), `${path}.tokens`).toString(),
    delegatorShares: parseDec(asString(field(o, "delegator_shares", path), `${path}.delegator_shares`)).toString(),
    description: {
      moniker: str(d, "moniker", path),
      identity: str(d, "identity", path),
      website: str(d, "website", path),
      securityContact: str(d, "security_contact", path),
      details: str(d, "details", path),
    },
    unbondingHeight: asUint(optField(o, "unbonding_height") ?? "0", `${path}.unbonding_height`),
    unbondingTime:
      optField(o, "unbonding_time") === undefined
        ? { seconds: 0n, nanos: 0 }
        : time(optField(o, "unbonding_time"), `${path}.unbonding_time`),
    commission: {
      commissionRates: {
        rate: parseDec(asString(field(r, "rate", path), `${path}.rate`)).toString(),
        maxRate: parseDec(asString(field(r, "max_rate", path), `${path}.max_rate`)).toString(),
        maxChangeRate: parseDec(asString(field(r, "max_change_rate", path), `${path}.max_change_rate`)).toString(),
      },
      updateTime: time(field(c, "update_time", path), `${path}.commission.update_time`),
    },
    minSelfDelegation: asUint(field(o, "min_self_delegation", path), `${path}.min_self_delegation`).toString(),
    unbondingOnHoldRefCount: 0n,
    unbondingIds: [],
  };
}

function validatorToJson(v: Validator) {
  return {
    operator_address: v.operatorAddress,
    consensus_pubkey: {
      "@type": ed25519PubKeyTypeUrl,
      key: Buffer.from(consensusKey(v.consensusPubkey)).toString("base64"),
    },
    jailed: v.jailed,
    status: bondStatusToJSON(v.status),
    tokens: v.tokens,
    delegator_shares: formatDec(big(v.delegatorShares)),
    description: {
      moniker: v.description.moniker,
      identity: v.description.identity,
      website: v.description.website,
      security_contact: v.description.securityContact,
      details: v.description.details,
    },
    unbonding_height: v.unbondingHeight.toString(),
    unbonding_time: formatTime(v.unbondingTime),
    commission: {
      commission_rates: {
        rate: formatDec(big(v.commission.commissionRates.rate)),
        max_rate: formatDec(big(v.commission.commissionRates.maxRate)),
        max_change_rate: formatDec(big(v.commission.commissionRates.maxChangeRate)),
      },
      update_time: formatTime(v.commission.updateTime),
    },
    min_self_delegation: v.minSelfDelegation,
  };
}

export function parseGenesis(json: unknown): StakingGenesis {
  const o = asObject(json, "staking");
  const p = asObject(field(o, "params", "staking"), "staking.params");
  const params: StakingParams = {
    unbondingTimeSeconds: parseDuration(
      asString(field(p, "unbonding_time", "staking.params"), "staking.params.unbonding_time"),
      "staking.params.unbonding_time",
    ),
    maxValidators: Number(asUint(field(p, "max_validators", "staking.params"), "staking.params.max_validators")),
    maxEntries: Number(asUint(field(p, "max_entries", "staking.params"), "staking.params.max_entries")),
    historicalEntries: Number(
      asUint(
        optField(p, "historical_entries") ?? defaultParams().historicalEntries,
        "staking.params.historical_entries",
      ),
    ),
    bondDenom: asString(field(p, "bond_denom", "staking.params"), "staking.params.bond_denom"),
    minCommissionRate: parseDec(
      asString(optField(p, "min_commission_rate") ?? "0", "staking.params.min_commission_rate"),
    ),
  };
  validateParams(params);
  const validators = asArray(optField(o, "validators") ?? [], "staking.validators").map((v, i) =>
    validatorFromJson(asObject(v, `staking.validators[${i}]`), `staking.validators[${i}]`),
  );
  const seen = new Set<string>();
  for (const v of validators) {
    if (seen.has(v.operatorAddress)) throw stakingErrors.validatorOwnerExists.wrap(v.operatorAddress);
    seen.add(v.operatorAddress);
  }
  const delegations = asArray(optField(o, "delegations") ?? [], "staking.delegations").map((d, i) => {
    const x = asObject(d, `staking.delegations[${i}]`);
    const path = `staking.delegations[${i}]`;
    const valoper = validateAddress(
      asString(field(x, "validator_address", path), `${path}.validator_address`),
      bech32Prefix.validator,
    );
    if (!seen.has(valoper)) throw stakingErrors.noValidatorFound.wrap(`${path}: ${valoper}`);
    return {
      delegator: validateAddress(asString(field(x, "delegator_address", path), `${path}.delegator_address`)),
      valoper,
      shares: parseDec(asString(field(x, "shares", path), `${path}.shares`)),
    };
  });
  const entryTime = (e: JsonObject, path: string) => time(field(e, "completion_time", path), `${path}.completion_time`);
  const unbondings = asArray(optField(o, "unbonding_delegations") ?? [], "staking.unbonding_delegations").map(
    (u, i): UnbondingDelegation => {
      const x = asObject(u, `staking.unbonding_delegations[${i}]`);
      const path = `staking.unbonding_delegations[${i}]`;
      return {
        delegatorAddress: validateAddress(asString(field(x, "delegator_address", path), path)),
        validatorAddress: validateAddress(asString(field(x, "validator_address", path), path), bech32Prefix.validator),
        entries: asArray(field(x, "entries", path), `${path}.entries`).map((e, j) => {
          const y = asObject(e, `${path}.entries[${j}]`);
          const q = `${path}.entries[${j}]`;
          return {
            creationHeight: asUint(field(y, "creation_height", q), q),
            completionTime: entryTime(y, q),
            initialBalance: asUint(field(y, "initial_balance", q), q).toString(),
            balance: asUint(field(y, "balance", q), q).toString(),
            unbondingId: 0n,
            unbondingOnHoldRefCount: 0n,
          };
        }),
      };
    },
  );
  const redelegations = asArray(optField(o, "redelegations") ?? [], "staking.redelegations").map(
    (r, i): Redelegation => {
      const x = asObject(r, `staking.redelegations[${i}]`);
      const path = `staking.redelegations[${i}]`;
      return {
        delegatorAddress: validateAddress(asString(field(x, "delegator_address", path), path)),
        validatorSrcAddress: validateAddress(
          asString(field(x, "validator_src_address", path), path),
          bech32Prefix.validator,
        ),
        validatorDstAddress: validateAddress(
          asString(field(x, "validator_dst_address", path), path),
          bech32Prefix.validator,
        ),
        entries: asArray(field(x, "entries", path), `${path}.entries`).map((e, j) => {
          const y = asObject(e, `${path}.entries[${j}]`);
          const q = `${path}.entries[${j}]`;
          return {
            creationHeight: asUint(field(y, "creation_height", q), q),
            completionTime: entryTime(y, q),
            initialBalance: asUint(field(y, "initial_balance", q), q).toString(),
            sharesDst: parseDec(asString(field(y, "shares_dst", q), q)).toString(),
            unbondingId: 0n,
            unbondingOnHoldRefCount: 0n,
          };
        }),
      };
    },
  );
  const lastPowers = asArray(optField(o, "last_validator_powers") ?? [], "staking.last_validator_powers").map(
    (l, i) => {
      const x = asObject(l, `staking.last_validator_powers[${i}]`);
      return {
        valoper: validateAddress(asString(field(x, "address", "power"), "address"), bech32Prefix.validator),
        power: asUint(field(x, "power", "power"), "power"),
      };
    },
  );
  const slashEvents = asArray(optField(o, "validator_slash_events") ?? [], "staking.validator_slash_events").map(
    (e, i) => {
      const path = `staking.validator_slash_events[${i}]`;
      const x = asObject(e, path);
      return {
        valoper: validateAddress(
          asString(field(x, "validator_address", path), `${path}.validator_address`),
          bech32Prefix.validator,
        ),
        height: asUint(field(x, "height", path), `${path}.height`),
        fraction: parseDec(asString(field(x, "fraction", path), `${path}.fraction`)),
      };
    },
  );
  return { params, validators, delegations, unbondings, redelegations, lastPowers, slashEvents };
}

/**
 * Writes the state; the pools must already hold the stake (bank genesis balances of the pool
 * accounts), which the staking invariants check on every block in tests.
 */
export function initGenesis(ctx: Context, k: StakingKeeper, g: StakingGenesis): void {
  writeParams(ctx.store, g.params);
  for (const v of g.validators) k.createValidator(ctx.store, v);
  for (const d of g.delegations) {
    ctx.store.set(keys.delegation(d.delegator, d.valoper), Buffer.from(d.shares.toString()));
    ctx.store.set(keys.delegationByVal(d.valoper, d.delegator), new Uint8Array());
  }
  for (const u of g.unbondings) {
    k.setUnbonding(ctx.store, u);
    for (const e of u.entries)
      ctx.store.set(keys.unbondingQueue(e.completionTime, u.delegatorAddress, u.validatorAddress), new Uint8Array());
  }
  for (const r of g.redelegations) {
    k.setRedelegation(ctx.store, r);
    for (const e of r.entries)
      ctx.store.set(
        keys.redelegationQueue(e.completionTime, r.delegatorAddress, r.validatorSrcAddress, r.validatorDstAddress),
        new Uint8Array(),
      );
  }
  for (const v of g.validators)
    if (v.status === BondStatus.BOND_STATUS_UNBONDING)
      ctx.store.set(keys.validatorQueue(v.unbondingTime, v.operatorAddress), new Uint8Array());
  for (const l of g.lastPowers) k.setLastPower(ctx.store, l.valoper, l.power);
  for (const e of g.slashEvents) k.recordSlash(ctx.store, e.valoper, e.height, e.fraction);
  // Exported state already has its set; a fresh genesis computes it at the first end-block.
  ctx.store.delete(keys.dirty);
  if (g.lastPowers.length === 0 && g.validators.length > 0) k.markDirty(ctx.store);
}

export function exportGenesis(ctx: Context, k: StakingKeeper) {
  const lastPowers = [...k.lastPowers(ctx.store)];
  return {
    params: paramsToJson(k.params(ctx.store)),
    last_total_power: lastPowers.reduce((s, l) => s + l.power, 0n).toString(),
    last_validator_powers: lastPowers.map((l) => ({ address: l.valoper, power: l.power.toString() })),
    validators: [...k.validators(ctx.store)].map(validatorToJson),
    delegations: [...k.allDelegations(ctx.store)].map((d) => ({
      delegator_address: d.delegator,
      validator_address: d.valoper,
      shares: formatDec(d.shares),
    })),
    unbonding_delegations: [...k.allUnbondings(ctx.store)].map((u) => ({
      delegator_address: u.delegatorAddress,
      validator_address: u.validatorAddress,
      entries: u.entries.map((e) => ({
        creation_height: e.creationHeight.toString(),
        completion_time: formatTime(e.completionTime),
        initial_balance: e.initialBalance,
        balance: e.balance,
      })),
    })),
    redelegations: [...k.allRedelegations(ctx.store)].map((r) => ({
      delegator_address: r.delegatorAddress,
      validator_src_address: r.validatorSrcAddress,
      validator_dst_address: r.validatorDstAddress,
      entries: r.entries.map((e) => ({
        creation_height: e.creationHeight.toString(),
        completion_time: formatTime(e.completionTime),
        initial_balance: e.initialBalance,
        shares_dst: formatDec(big(e.sharesDst)),
      })),
    })),
    validator_slash_events: [...k.validators(ctx.store)].flatMap((v) =>
      [...k.slashEvents(ctx.store, v.operatorAddress)].map((e) => ({
        validator_address: v.operatorAddress,
        height: e.height.toString(),
        fraction: formatDec(e.fraction),
      })),
    ),
    exported: true,
  };
}
