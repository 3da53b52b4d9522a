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
  ];
}
