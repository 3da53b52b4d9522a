import { BondStatus, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { decOne, big } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import type { KVStore } from "../sdk/store.js";
import {
  bondedPoolName,
  consensusAddress,
  consensusKey,
  notBondedPoolName,
  powerReduction,
  tokensFromShares,
  type StakingKeeper,
} from "./keeper.js";

// Slashing of stake (the SDK's x/staking Slash): the amount is fixed by the validator's power
// at the infraction, so stake that arrived later is not punished, while stake that left after
// it is: unbonding and redelegation entries created at or after the infraction height lose
// their share first, then the validator's tokens (all its delegators, through the exchange rate).

export interface SlashResult {
  /** Tokens burned in total. */
  burned: bigint;
}

/** floor(x × fraction), fraction in 18-decimal fixed point. */
const mulFrac = (x: bigint, fraction: bigint) => (x * fraction) / decOne;

export function slashValidator(
  ctx: Context,
  k: StakingKeeper,
  v: Validator,
  infractionHeight: bigint,
  powerAtInfraction: bigint,
  fraction: bigint,
): SlashResult {
  const denom = k.params(ctx.store).bondDenom;
  const slashAmount = mulFrac(powerAtInfraction * powerReduction, fraction);
  let remaining = slashAmount;
  let burned = 0n;
  if (infractionHeight < ctx.height) {
    // Unbonding entries from this validator that began at or after the infraction.
    for (const u of [...k.unbondingsFrom(ctx.store, v.operatorAddress)]) {
      let changed = false;
      for (const e of u.entries) {
        if (e.creationHeight < infractionHeight) continue;
        const cut = mulFrac(big(e.initialBalance), fraction);
        const take = cut > big(e.balance) ? big(e.balance) : cut;
        if (take === 0n) continue;
        e.balance = (big(e.balance) - take).toString();
        remaining -= take;
        burned += take;
        changed = true;
        k.bank.burn(ctx, notBondedPoolName, [{ denom, amount: take }]);
      }
      if (changed) k.setUnbonding(ctx.store, u);
    }
    // Redelegations away from this validator since the infraction: their new shares are cut.
    for (const r of [...k.allRedelegations(ctx.store)].filter((x) => x.validatorSrcAddress === v.operatorAddress)) {
      const dst = k.getValidator(ctx.store, r.validatorDstAddress);
      if (dst === null) continue;
      for (const e of r.entries) {
        if (e.creationHeight < infractionHeight) continue;
        remaining -= mulFrac(big(e.initialBalance), fraction);
        const have = k.getDelegationShares(ctx.store, r.delegatorAddress, dst.operatorAddress);
        let shares = mulFrac(big(e.sharesDst), fraction);
        if (shares > have) shares = have;
        if (shares === 0n) continue;
        const pool = dst.status === BondStatus.BOND_STATUS_BONDED ? bondedPoolName : notBondedPoolName;
        const tokens = k.unbond(ctx, r.delegatorAddress, dst, shares);
        if (tokens > 0n) k.bank.burn(ctx, pool, [{ denom, amount: tokens }]);
        burned += tokens;
      }
    }
  }
  if (remaining < 0n) remaining = 0n;
  const fromValidator = remaining > big(v.tokens) ? big(v.tokens) : remaining;
  if (fromValidator > 0n) {
    const fresh = k.mustGetValidator(ctx.store, v.operatorAddress);
    fresh.tokens = (big(fresh.tokens) - fromValidator).toString();
    k.setValidator(ctx.store, fresh);
    k.bank.burn(ctx, fresh.status === BondStatus.BOND_STATUS_BONDED ? bondedPoolName : notBondedPoolName, [
      { denom, amount: fromValidator },
    ]);
    burned += fromValidator;
  }
  k.markDirty(ctx.store);
  k.recordSlash(ctx.store, v.operatorAddress, ctx.height, fraction);
  ctx.events.emit(
    event("slash", [
      ["address", v.operatorAddress],
      ["power", powerAtInfraction.toString()],
      ["burned_coins", burned.toString()],
    ]),
  );
  return { burned };
}

export function jailValidator(ctx: Context, k: StakingKeeper, valoper: string): void {
  const v = k.mustGetValidator(ctx.store, valoper);
  if (v.jailed) return;
  v.jailed = true;
  k.setValidator(ctx.store, v);
  k.markDirty(ctx.store);
}

export function unjailValidator(ctx: Context, k: StakingKeeper, valoper: string): void {
  const v = k.mustGetValidator(ctx.store, valoper);
  v.jailed = false;
  k.setValidator(ctx.store, v);
  k.markDirty(ctx.store);
}

/** Staking as slashing sees it (StakingForSlashing in modules/slashing/expectedKeepers.ts). */
export function stakingForSlashing(k: StakingKeeper) {
  return {
    validatorByConsAddr: (store: KVStore, consHex: string) => k.validatorByConsAddr(store, consHex),
    getValidator: (store: KVStore, valoper: string) => k.getValidator(store, valoper),
    getDelegationShares: (store: KVStore, delegator: string, valoper: string) =>
      k.getDelegationShares(store, delegator, valoper),
    tokensFromShares: (v: Validator, shares: bigint) => tokensFromShares(v, shares),
    consensusAddressHex: (v: Validator) =>
      Buffer.from(consensusAddress(consensusKey(v.consensusPubkey)))
        .toString("hex")
        .toUpperCase(),
    slash: (ctx: Context, v: Validator, infractionHeight: bigint, powerAtInfraction: bigint, fraction: bigint) => {
      slashValidator(ctx, k, v, infractionHeight, powerAtInfraction, fraction);
    },
    jail: (ctx: Context, valoper: string) => jailValidator(ctx, k, valoper),
    unjail: (ctx: Context, valoper: string) => unjailValidator(ctx, k, valoper),
  };
}
