import type { AppModule } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { emissionsInvariants } from "./invariants.js";
import type { EmissionsKeeper } from "./keeper.js";
import { emissionsMsgRoutes } from "./msgServer.js";
import { emissionsQueries } from "./queryServer.js";
import { emissionsGovRoutes } from "./govMsgs.js";
import { distributionQueries } from "./distributionQueries.js";

export function createEmissionsModule(keeper: EmissionsKeeper): AppModule {
  return {
    name: "emissions",
    msgs: [...emissionsMsgRoutes(keeper), ...emissionsGovRoutes(keeper)],
    queries: { ...emissionsQueries(keeper), ...distributionQueries(keeper) },
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    beginBlock: (ctx, info) => keeper.beginBlock(ctx, info),
    invariants: emissionsInvariants(keeper),
  };
}
