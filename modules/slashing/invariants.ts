import type { Invariant } from "../sdk/module.js";
import type { SlashingKeeper } from "./keeper.js";

/** Each validator's missed-blocks counter equals the misses recorded in its window. */
export function slashingInvariants(keeper: SlashingKeeper): Invariant[] {
  return [
    {
      name: "slashing/missed-blocks-counter",
      check(ctx) {
        const broken: string[] = [];
        for (const { consHex, info } of keeper.signingInfos(ctx.store)) {
          const recorded = BigInt(keeper.missedIndices(ctx.store, consHex).length);
          if (recorded !== info.missedBlocksCounter)
            broken.push(`${info.address}: counter ${info.missedBlocksCounter}, ${recorded} misses recorded`);
        }
        return broken;
      },
    },
  ];
}
