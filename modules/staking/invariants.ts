import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { moduleAddress } from "../sdk/address.js";
import type { Invariant } from "../sdk/module.js";
import { big } from "../sdk/coins.js";
import { bondedPoolName, notBondedPoolName, type StakingKeeper } from "./keeper.js";

/** The SDK's staking invariants: pools hold exactly the stake, shares add up. */
export function stakingInvariants(k: StakingKeeper): Invariant[] {
  return [
    {
      name: "staking/module-accounts",
      check(ctx) {
        const denom = k.params(ctx.store).bondDenom;
        let bonded = 0n;
        let notBonded = 0n;
        for (const v of k.validators(ctx.store)) {
          if (v.status === BondStatus.BOND_STATUS_BONDED) bonded += big(v.tokens);
          else notBonded += big(v.tokens);
        }
        for (const u of k.allUnbondings(ctx.store)) for (const e of u.entries) notBonded += big(e.balance);
        const out: string[] = [];
        const haveBonded = k.bank.getBalance(ctx.store, moduleAddress(bondedPoolName), denom);
        const haveNotBonded = k.bank.getBalance(ctx.store, moduleAddress(notBondedPoolName), denom);
        if (haveBonded !== bonded)
          out.push(`bonded pool holds ${haveBonded}${denom}, bonded validators have ${bonded}`);
        if (haveNotBonded !== notBonded)
          out.push(`not-bonded pool holds ${haveNotBonded}${denom}, expected ${notBonded}`);
        return out;
      },
    },
    {
      name: "staking/delegator-shares",
      check(ctx) {
        const sums = new Map<string, bigint>();
        for (const d of k.allDelegations(ctx.store)) sums.set(d.valoper, (sums.get(d.valoper) ?? 0n) + d.shares);
        const out: string[] = [];
        for (const v of k.validators(ctx.store)) {
          if (big(v.delegatorShares) !== (sums.get(v.operatorAddress) ?? 0n))
            out.push(
              `${v.operatorAddress}: delegator_shares ${v.delegatorShares}, delegations sum to ${sums.get(v.operatorAddress) ?? 0n}`,
            );
          if (big(v.tokens) < 0n) out.push(`${v.operatorAddress}: negative tokens`);
        }
        return out;
      },
    },
  ];
}
