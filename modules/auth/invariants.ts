import type { Invariant } from "../sdk/module.js";
import type { AccountKeeper } from "./keeper.js";

/** Account numbers are unique and all below the next number to give (numbers are never reused). */
export function authInvariants(keeper: AccountKeeper): Invariant[] {
  return [
    {
      name: "auth/account-numbers",
      check(ctx) {
        const next = keeper.peekNextAccountNumber(ctx.store);
        const owner = new Map<bigint, string>();
        const broken: string[] = [];
        for (const a of keeper.accounts(ctx.store)) {
          const other = owner.get(a.accountNumber);
          if (other !== undefined) broken.push(`account number ${a.accountNumber} held by ${other} and ${a.address}`);
          owner.set(a.accountNumber, a.address);
          if (a.accountNumber >= next)
            broken.push(`${a.address} has account number ${a.accountNumber}, next to give is ${next}`);
        }
        return broken;
      },
    },
  ];
}
