import type { AppModule, ModuleBasics } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { govInvariants } from "./invariants.js";
import { type GovKeeper, govModuleName } from "./keeper.js";
import { govMsgRoutes } from "./msgServer.js";
import { govQueries } from "./queryServer.js";

/** gov's name, default genesis, message codecs and module accounts (listed in modules/basics.ts). */
export const govBasics: ModuleBasics = {
  name: "gov",
  defaultGenesis,
  msgCodecs: [],
  moduleAccounts: [govModuleName],
};

export function createGovModule(keeper: GovKeeper): AppModule {
  return {
    ...govBasics,
    msgs: govMsgRoutes(keeper),
    queries: govQueries(keeper),
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    endBlock: (ctx) => keeper.endBlock(ctx),
    invariants: govInvariants(keeper),
  };
}
