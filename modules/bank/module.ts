import type { AppModule, ModuleBasics } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { bankInvariants } from "./invariants.js";
import { type BankKeeper, feeCollectorName } from "./keeper.js";
import { bankMsgRoutes } from "./msgServer.js";
import { bankQueries } from "./queryServer.js";
import { bankUpdateParamsRoute } from "./updateParams.js";

/** bank's name, default genesis, message codecs and module accounts (listed in modules/basics.ts). */
export const bankBasics: ModuleBasics = {
  name: "bank",
  defaultGenesis,
  msgCodecs: [],
  moduleAccounts: [feeCollectorName],
};

export function createBankModule(keeper: BankKeeper): AppModule {
  return {
    ...bankBasics,
    msgs: [...bankMsgRoutes(keeper), bankUpdateParamsRoute(keeper)],
    queries: bankQueries(keeper),
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    invariants: bankInvariants(keeper),
  };
}
