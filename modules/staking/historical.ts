import { QueryHistoricalInfoRequest, QueryHistoricalInfoResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { HistoricalInfo, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import type { QueryHandler } from "../sdk/module.js";
import { keys } from "./keys.js";
import type { StakingKeeper } from "./keeper.js";

// HistoricalInfo as the SDK keeps it (x/staking TrackHistoricalInfo): at every BeginBlock the
// bonded validators' staking records, as they are then, are stored under the block's height,
// and entries older than `historical_entries` blocks are pruned (all of them when it is 0). So
// HistoricalInfo answers with the validators as they were at that height, not as they are now.
// The entry holds the header fields the state machine knows (chain id, height, time); the node
// answers the query with the block store's full header of that height (chain/rpc/nodeQueries.ts).

/** The SDK's ValidatorsByVotingPower: power descending, then operator address. */
function byPower(a: { v: Validator; power: bigint }, b: { v: Validator; power: bigint }): number {
  if (a.power !== b.power) return a.power > b.power ? -1 : 1;
  return a.v.operatorAddress < b.v.operatorAddress ? -1 : a.v.operatorAddress > b.v.operatorAddress ? 1 : 0;
}

export function trackHistoricalInfo(ctx: Context, k: StakingKeeper): void {
  const entries = BigInt(k.params(ctx.store).historicalEntries);
  const h = ctx.height;
  for (let i = h - entries; i >= 0n; i--) {
    if (ctx.store.get(keys.historicalInfo(i)) === undefined) break;
    ctx.store.delete(keys.historicalInfo(i));
  }
  if (entries === 0n) return;
  const bonded: Array<{ v: Validator; power: bigint }> = [];
  for (const { valoper, power } of k.lastPowers(ctx.store)) {
    const v = k.getValidator(ctx.store, valoper);
    if (v !== null) bonded.push({ v, power });
  }
  bonded.sort(byPower);
  const header = { chainId: ctx.block.chainId, height: h, time: ctx.block.time };
  ctx.store.set(
    keys.historicalInfo(h),
    HistoricalInfo.encode(HistoricalInfo.fromPartial({ header, valset: bonded.map((b) => b.v) })).finish(),
  );
}

export function historicalQueries(_k: StakingKeeper): Record<string, QueryHandler> {
  return {
    "/cosmos.staking.v1beta1.Query/HistoricalInfo": (ctx, data) => {
      let req: QueryHistoricalInfoRequest;
      try {
        req = QueryHistoricalInfoRequest.decode(data);
      } catch (e) {
        throw sdkErrors.invalidRequest.wrap(
          `rpc error: code = InvalidArgument desc = malformed QueryHistoricalInfoRequest: ${(e as Error).message}`,
        );
      }
      if (req.height <= 0n)
        throw sdkErrors.invalidRequest.wrap(
          "rpc error: code = InvalidArgument desc = height cannot be negative or zero",
        );
      const raw = ctx.store.get(keys.historicalInfo(req.height));
      if (raw === undefined)
        throw sdkErrors.keyNotFound.wrap(
          `rpc error: code = NotFound desc = historical info for height ${req.height} not found`,
        );
      return QueryHistoricalInfoResponse.encode({ hist: HistoricalInfo.decode(raw) }).finish();
    },
  };
}
