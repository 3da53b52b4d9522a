import type { Invariant } from "../sdk/module.js";
import type { BankKeeper } from "./keeper.js";

/** Total supply of each denom equals the sum of all balances of it. */
export function bankInvariants(keeper: BankKeeper): Invariant[] {
  return [
    {
      name: "bank/total-supply",
      check(ctx) {
        const sums = new Map<string, bigint>();
        for (const { coin } of keeper.balances(ctx.store))
          sums.set(coin.denom, (sums.get(coin.denom) ?? 0n) + coin.amount);
        const broken: string[] = [];
        const supply = keeper.totalSupply(ctx.store);
        const denoms = new Set([...sums.keys(), ...supply.map((c) => c.denom)]);
        for (const denom of [...denoms].sort()) {
          const s = keeper.getSupply(ctx.store, denom);
          const b = sums.get(denom) ?? 0n;
          if (s !== b) broken.push(`${denom}: supply ${s} != sum of balances ${b}`);
        }
        return broken;
      },
    },
  ];
}
