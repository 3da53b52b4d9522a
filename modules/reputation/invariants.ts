import type { Invariant } from "../sdk/module.js";
import type { ReputationKeeper } from "./keeper.js";
import { scoreOne } from "./types.js";

/** Every stored score is an integer in [0, 1.0] (outcomes clamp, decay moves toward neutral). */
export function reputationInvariants(keeper: ReputationKeeper): Invariant[] {
  return [
    {
      name: "reputation/score-bounds",
      check(ctx) {
        const broken: string[] = [];
        for (const r of keeper.records(ctx.store)) {
          if (!Number.isSafeInteger(r.score) || r.score < 0 || r.score > scoreOne)
            broken.push(`${r.provider}: score ${r.score} outside [0, ${scoreOne}]`);
        }
        return broken;
      },
    },
    {
      name: "reputation/rank-index",
      check(ctx) {
        const want = new Set<string>();
        for (const r of keeper.records(ctx.store)) want.add(`${r.score} ${r.provider}`);
        const broken: string[] = [];
        let n = 0;
        for (const e of keeper.rankEntries(ctx.store)) {
          n++;
          if (!want.has(`${e.score} ${e.provider}`))
            broken.push(`rank entry ${e.provider} at ${e.score} has no such record`);
        }
        if (n !== want.size) broken.push(`${n} rank entries for ${want.size} records`);
        return broken;
      },
    },
  ];
}
