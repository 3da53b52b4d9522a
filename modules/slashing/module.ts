import type { AppModule, ModuleBasics } from "../sdk/module.js";
import { handleDoubleSigns, handleLiveness } from "./beginBlock.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { slashingInvariants } from "./invariants.js";
import type { SlashingKeeper } from "./keeper.js";
import { slashingMsgRoutes } from "./msgServer.js";
import { slashingQueries } from "./queryServer.js";
import { slashingUpdateParamsRoute } from "./updateParams.js";

/** slashing's name, default genesis, message codecs and module accounts (listed in modules/basics.ts). */
export const slashingBasics: ModuleBasics = {
  name: "slashing",
  defaultGenesis,
  msgCodecs: [],
  moduleAccounts: [],
};

export function createSlashingModule(keeper: SlashingKeeper): AppModule {
  return {
    ...slashingBasics,
    msgs: [...slashingMsgRoutes(keeper), slashingUpdateParamsRoute(keeper)],
    queries: slashingQueries(keeper),
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    beginBlock(ctx, info) {
      handleDoubleSigns(ctx, keeper, info);
      handleLiveness(ctx, keeper, info);
    },
    invariants: slashingInvariants(keeper),
  };
}
