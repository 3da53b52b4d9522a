import type { AppModule, ModuleBasics } from "../sdk/module.js";
import {
  applyValidatorSetUpdates,
  completeRedelegations,
  completeUnbondings,
  completeValidatorUnbonding,
} from "./endBlock.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { historicalQueries, trackHistoricalInfo } from "./historical.js";
import { stakingInvariants } from "./invariants.js";
import { type StakingKeeper, bondedPoolName, notBondedPoolName } from "./keeper.js";
import { stakingMsgRoutes } from "./msgServer.js";
import { stakingQueries } from "./queryServer.js";
import { stakingUpdateParamsRoute } from "./updateParams.js";

/** staking's name, default genesis, message codecs and module accounts (listed in modules/basics.ts). */
export const stakingBasics: ModuleBasics = {
  name: "staking",
  defaultGenesis,
  msgCodecs: [],
  moduleAccounts: [bondedPoolName, notBondedPoolName],
};

export function createStakingModule(keeper: StakingKeeper): AppModule {
  return {
    ...stakingBasics,
    msgs: [...stakingMsgRoutes(keeper), stakingUpdateParamsRoute(keeper)],
    queries: { ...stakingQueries(keeper), ...historicalQueries(keeper) },
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
