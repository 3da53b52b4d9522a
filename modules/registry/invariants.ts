import type { Invariant } from "../sdk/module.js";
import type { RegistryKeeper } from "./keeper.js";

/** The provider_bonds account holds exactly the providers' bonds. */
export function registryInvariants(k: RegistryKeeper): Invariant[] {
  return [
    {
      name: "registry/bonds",
      check(ctx) {
        const denom = k.params(ctx.store).bondDenom;
        let sum = 0n;
        for (const p of k.providers(ctx.store)) sum += BigInt(p.bond);
        const have = k.bank.getBalance(ctx.store, k.bondPool(), denom);
        return have === sum ? [] : [`provider_bonds holds ${have}${denom}, bonds sum to ${sum}`];
      },
    },
  ];
}
