import type { Invariant } from "../sdk/module.js";
import type { JobsKeeper } from "./keeper.js";

/** The escrow account holds exactly the remaining escrow of the open jobs. */
export function jobsInvariants(k: JobsKeeper): Invariant[] {
  return [
    {
      name: "jobs/escrow",
      check(ctx) {
        const denom = k.registry.params(ctx.store).bondDenom;
        const have = k.bank.getBalance(ctx.store, k.escrowAddress(), denom);
        const owed = k.escrowTotal(ctx.store);
        return have === owed ? [] : [`jobs_escrow holds ${have}${denom}, open jobs' escrow is ${owed}`];
      },
    },
  ];
}
