import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { moduleAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import type { ValidatorUpdate } from "../sdk/module.js";
import { prefixRange } from "../sdk/store.js";
import { stakingEvents } from "./events.js";
import { addTime, timeLte } from "../sdk/time.js";
import { big } from "../sdk/coins.js";
import { bondedPoolName, consensusKey, consensusPower, notBondedPoolName, type StakingKeeper } from "./keeper.js";
import { keys, timeKey } from "./keys.js";

// End-block of staking: mature unbondings are paid out, mature redelegations and validator
// unbondings end, and, when stake changed, the bonded set is recomputed (top max_validators by
// power, not jailed) and the difference with the last set goes to consensus (effective H+2).

/** Keys of a time-ordered queue whose time is ≤ now, in order. */
function mature(ctx: Context, prefix: string): Array<{ key: string; rest: string[] }> {
  const now = timeKey(ctx.block.time);
  const out: Array<{ key: string; rest: string[] }> = [];
  for (const [k] of prefixRange(ctx.store, prefix)) {
    const parts = k.slice(prefix.length).split("/");
    if (parts[0]! > now) break;
    out.push({ key: k, rest: parts.slice(1) });
  }
  return out;
}

export function completeUnbondings(ctx: Context, k: StakingKeeper): void {
  const denom = k.params(ctx.store).bondDenom;
  for (const { key, rest } of mature(ctx, keys.unbondingQueuePrefix)) {
    ctx.store.delete(key);
    const [delegator, valoper] = rest as [string, string];
    const u = k.getUnbonding(ctx.store, delegator, valoper);
    if (u === null) continue;
    let paid = 0n;
    u.entries = u.entries.filter((e) => {
      if (!timeLte(e.completionTime, ctx.block.time)) return true;
      paid += big(e.balance);
      return false;
    });
    k.setUnbonding(ctx.store, u);
    if (paid > 0n) k.bank.transfer(ctx, moduleAddress(notBondedPoolName), delegator, [{ denom, amount: paid }]);
    ctx.events.emit(
      event(stakingEvents.completeUnbonding, [
        ["amount", `${paid}${denom}`],
        ["validator", valoper],
        ["delegator", delegator],
      ]),
    );
  }
}

export function completeRedelegations(ctx: Context, k: StakingKeeper): void {
  for (const { key, rest } of mature(ctx, keys.redelegationQueuePrefix)) {
    ctx.store.delete(key);
    const [delegator, src, dst] = rest as [string, string, string];
    const r = k.getRedelegation(ctx.store, delegator, src, dst);
    if (r === null) continue;
    r.entries = r.entries.filter((e) => !timeLte(e.completionTime, ctx.block.time));
    k.setRedelegation(ctx.store, r);
    ctx.events.emit(
      event(stakingEvents.completeRedelegation, [
        ["delegator", delegator],
        ["source_validator", src],
        ["destination_validator", dst],
      ]),
    );
  }
}

/** Validators whose unbonding period ended become unbonded; empty ones are removed. */
export function completeValidatorUnbonding(ctx: Context, k: StakingKeeper): void {
  for (const { key } of mature(ctx, keys.validatorQueuePrefix)) {
    ctx.store.delete(key);
    const valoper = key.slice(key.lastIndexOf("/") + 1);
    const v = k.getValidator(ctx.store, valoper);
    if (v === null || v.status !== BondStatus.BOND_STATUS_UNBONDING || !timeLte(v.unbondingTime, ctx.block.time))
      continue;
    v.status = BondStatus.BOND_STATUS_UNBONDED;
    if (big(v.delegatorShares) === 0n) k.removeValidator(ctx.store, v);
    else k.setValidator(ctx.store, v);
  }
}

/** Recomputes the bonded set if stake changed; returns the changes for consensus. */
export function applyValidatorSetUpdates(ctx: Context, k: StakingKeeper): ValidatorUpdate[] {
  if (ctx.store.get(keys.dirty) === undefined) return [];
  ctx.store.delete(keys.dirty);
  const params = k.params(ctx.store);
  const candidates = [...k.validators(ctx.store)]
    .filter((v) => !v.jailed && consensusPower(big(v.tokens)) > 0n)
    .map((v) => ({ v, power: consensusPower(big(v.tokens)) }))
    .sort((a, b) =>
      a.power !== b.power ? (a.power > b.power ? -1 : 1) : a.v.operatorAddress < b.v.operatorAddress ? -1 : 1,
    )
    .slice(0, params.maxValidators);
  const next = new Map(candidates.map((c) => [c.v.operatorAddress, c]));
  const updates: ValidatorUpdate[] = [];
  const bonded = moduleAddress(bondedPoolName);
  const notBonded = moduleAddress(notBondedPoolName);
  // Leaving the set: unbonding for the unbonding period; their tokens leave the bonded pool.
  for (const { valoper } of [...k.lastPowers(ctx.store)]) {
    if (next.has(valoper)) continue;
    k.setLastPower(ctx.store, valoper, 0n);
    const v = k.getValidator(ctx.store, valoper);
    if (v === null) continue;
    updates.push({ pubKey: consensusKey(v.consensusPubkey), power: 0n });
    if (v.status === BondStatus.BOND_STATUS_BONDED) {
      const tokens = big(v.tokens);
      if (tokens > 0n) k.bank.transfer(ctx, bonded, notBonded, [{ denom: params.bondDenom, amount: tokens }]);
      v.status = BondStatus.BOND_STATUS_UNBONDING;
      v.unbondingTime = addTime(ctx.block.time, params.unbondingTimeSeconds);
      v.unbondingHeight = ctx.height;
      k.setValidator(ctx.store, v);
      ctx.store.set(keys.validatorQueue(v.unbondingTime, valoper), new Uint8Array());
    }
  }
  // Joining or changing power.
  for (const { v, power } of candidates) {
    if (v.status !== BondStatus.BOND_STATUS_BONDED) {
      const tokens = big(v.tokens);
      if (tokens > 0n) k.bank.transfer(ctx, notBonded, bonded, [{ denom: params.bondDenom, amount: tokens }]);
      if (v.status === BondStatus.BOND_STATUS_UNBONDING)
        ctx.store.delete(keys.validatorQueue(v.unbondingTime, v.operatorAddress));
      v.status = BondStatus.BOND_STATUS_BONDED;
      v.unbondingHeight = 0n;
      v.unbondingTime = { seconds: 0n, nanos: 0 };
      k.setValidator(ctx.store, v);
    }
    if (k.lastPower(ctx.store, v.operatorAddress) !== power) {
      k.setLastPower(ctx.store, v.operatorAddress, power);
      updates.push({ pubKey: consensusKey(v.consensusPubkey), power });
    }
  }
  if (updates.length > 0) ctx.logger.info("validator set changes", { count: updates.length, height: ctx.height });
  return updates;
}
