import type { AppModule } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { bankInvariants } from "./invariants.js";
import type { BankKeeper } from "./keeper.js";
import { bankMsgRoutes } from "./msgServer.js";
import { bankQueries } from "./queryServer.js";
import { bankUpdateParamsRoute } from "./updateParams.js";

export function createBankModule(keeper: BankKeeper): AppModule {
  return {
    name: "bank",
    msgs: [...bankMsgRoutes(keeper), bankUpdateParamsRoute(keeper)],
    queries: bankQueries(keeper),
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    invariants: bankInvariants(keeper),
  };
}
