import { validateAddress } from "../sdk/address.js";
import type { QueryHandler } from "../sdk/module.js";
import type { ReputationKeeper } from "./keeper.js";
import { codecs } from "./types.js";

export function reputationQueries(k: ReputationKeeper): Record<string, QueryHandler> {
  const base = "/tcompute.reputation.v1.Query";
  return {
    [`${base}/Reputation`]: (ctx, data) => {
      const { provider } = codecs.queryReputationRequest.decode(data);
      validateAddress(provider);
      return codecs.queryReputationResponse.encode({ record: k.record(ctx.store, provider, ctx.height) });
    },
    [`${base}/Ranked`]: (ctx, data) => {
      const { limit } = codecs.queryRankedRequest.decode(data);
      return codecs.queryRankedResponse.encode({
        records: k.ranked(ctx.store, ctx.height, limit === 0 ? 100 : Math.min(limit, 1000)),
      });
    },
    [`${base}/Params`]: (ctx) => codecs.queryParamsResponse.encode({ params: k.params(ctx.store) }),
  };
}
