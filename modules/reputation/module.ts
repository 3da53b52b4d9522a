import type { AppModule } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import type { ReputationKeeper } from "./keeper.js";
import { reputationQueries } from "./queryServer.js";
import { reputationUpdateParamsRoute } from "./updateParams.js";

/** Outcomes come from the jobs module through the keeper; the only message is governance's MsgUpdateParams. */
export function createReputationModule(keeper: ReputationKeeper): AppModule {
  return {
    name: "reputation",
    msgs: [reputationUpdateParamsRoute(keeper)],
    queries: reputationQueries(keeper),
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    invariants: [],
  };
}
