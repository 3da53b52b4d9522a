import { formatCoins } from "../sdk/coins.js";
import type { Invariant } from "../sdk/module.js";
import type { GovKeeper } from "./keeper.js";

/** The SDK's gov ModuleAccountInvariant: the gov account holds exactly the open deposits. */
export function govInvariants(k: GovKeeper): Invariant[] {
  return [
    {
      name: "gov/module-account",
      check(ctx) {
        const { held, deposits } = k.depositTotals(ctx.store);
        return formatCoins(held) === formatCoins(deposits)
          ? []
          : [`gov account holds ${formatCoins(held) || "0"}, open deposits sum to ${formatCoins(deposits) || "0"}`];
      },
    },
  ];
}
