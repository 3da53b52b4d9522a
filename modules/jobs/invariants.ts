import type { Invariant } from "../sdk/module.js";
import { prefixRange } from "../sdk/store.js";
import type { JobsKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { AuditStatus } from "./types.js";

/**
 * The escrow account holds exactly the remaining escrow of the open jobs; the open-audit index
 * lists exactly the jobs whose audit is open (auditors find audits only through it).
 */
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
    {
      name: "jobs/open-audits",
      check(ctx) {
        const listed = [...prefixRange(ctx.store, keys.openAuditPrefix)].map(([key]) =>
          BigInt(key.slice(keys.openAuditPrefix.length)),
        );
        const open = [...k.jobs(ctx.store)].filter((j) => j.audit === AuditStatus.open).map((j) => j.id);
        if (listed.join(",") === open.join(",")) return [];
        return [
          `the open-audit index lists [${listed.join(",")}], the jobs with an open audit are [${open.join(",")}]`,
        ];
      },
    },
  ];
}
