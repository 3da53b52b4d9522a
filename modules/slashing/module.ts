import type { AppModule } from "../sdk/module.js";
import { handleDoubleSigns, handleLiveness } from "./beginBlock.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import type { SlashingKeeper } from "./keeper.js";
import { slashingMsgRoutes } from "./msgServer.js";
import { slashingQueries } from "./queryServer.js";
import { slashingUpdateParamsRoute } from "./updateParams.js";

export function createSlashingModule(keeper: SlashingKeeper): AppModule {
  return {
    name: "slashing",
    msgs: [...slashingMsgRoutes(keeper), slashingUpdateParamsRoute(keeper)],
    queries: slashingQueries(keeper),
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    beginBlock(ctx, info) {
      handleDoubleSigns(ctx, keeper, info);
      handleLiveness(ctx, keeper, info);
    },
    invariants: [],
  };
}
