import type { AppModule } from "../sdk/module.js";
import { applyValidatorSetUpdates, completeRedelegations, completeUnbondings, completeValidatorUnbonding } from "./endBlock.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { historicalQueries, trackHistoricalInfo } from "./historical.js";
import { stakingInvariants } from "./invariants.js";
import type { StakingKeeper } from "./keeper.js";
import { stakingMsgRoutes } from "./msgServer.js";
import { stakingQueries } from "./queryServer.js";
import { stakingUpdateParamsRoute } from "./updateParams.js";

export function createStakingModule(keeper: StakingKeeper): AppModule {
  return {
    name: "staking",
    msgs: [...stakingMsgRoutes(keeper), stakingUpdateParamsRoute(keeper)],
    queries: { ...stakingQueries(keeper), ...historicalQueries(keeper) },
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    beginBlock(ctx) {
      trackHistoricalInfo(ctx, keeper);
    },
    endBlock(ctx) {
      completeUnbondings(ctx, keeper);
      completeRedelegations(ctx, keeper);
      completeValidatorUnbonding(ctx, keeper);
      return applyValidatorSetUpdates(ctx, keeper);
    },
    invariants: stakingInvariants(keeper),
  };
}
