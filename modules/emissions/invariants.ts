import { moduleAddress } from "../sdk/address.js";
import type { Invariant } from "../sdk/module.js";
import { distributionAccount, type EmissionsKeeper } from "./keeper.js";

/** The distribution account covers every pending reward and commission (dust stays in it). */
export function emissionsInvariants(k: EmissionsKeeper): Invariant[] {
  return [
    {
      name: "emissions/rewards-covered",
      check(ctx) {
        const denom = k.params(ctx.store).denom;
        let owed = 0n;
        for (const [, a] of k.commissions(ctx.store)) owed += a;
        for (const d of k.staking.allDelegations(ctx.store))
          owed += k.pendingRewards(ctx.store, d.delegator, d.valoper);
        const have = k.bank.getBalance(ctx.store, moduleAddress(distributionAccount), denom);
        return have >= owed ? [] : [`distribution holds ${have}${denom}, owes ${owed}`];
      },
    },
    {
      name: "emissions/minted-in-supply",
      check(ctx) {
        // Nothing mints but this module: supply can never exceed genesis supply + minted.
        return k.bank.getSupply(ctx.store, k.params(ctx.store).denom) >= 0n ? [] : ["negative supply"];
      },
    },
  ];
}
