import type { AppModule } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { govInvariants } from "./invariants.js";
import type { GovKeeper } from "./keeper.js";
import { govMsgRoutes } from "./msgServer.js";
import { govQueries } from "./queryServer.js";

export function createGovModule(keeper: GovKeeper): AppModule {
  return {
    name: "gov",
    msgs: govMsgRoutes(keeper),
    queries: govQueries(keeper),
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    endBlock: (ctx) => keeper.endBlock(ctx),
    invariants: govInvariants(keeper),
  };
}
