import type { AppModule } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { registryInvariants } from "./invariants.js";
import type { RegistryKeeper } from "./keeper.js";
import { registryMsgRoutes } from "./msgServer.js";
import { registryQueries } from "./queryServer.js";
import { registryUpdateParamsRoute } from "./updateParams.js";

export function createRegistryModule(keeper: RegistryKeeper): AppModule {
  return {
    name: "registry",
    msgs: [...registryMsgRoutes(keeper), registryUpdateParamsRoute()],
    queries: registryQueries(keeper),
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    // Bounded: only the unbonding entries due by this block's time.
    endBlock(ctx) {
      keeper.completeUnbondings(ctx);
    },
    invariants: registryInvariants(keeper),
  };
}
