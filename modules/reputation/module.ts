import type { AppModule, ModuleBasics } from "../sdk/module.js";
import type { Codec } from "../sdk/proto.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import type { ReputationKeeper } from "./keeper.js";
import { reputationQueries } from "./queryServer.js";
import { reputationInvariants } from "./invariants.js";
import { reputationMsgRoutes } from "./msgServer.js";
import { msgUpdateParamsCodec } from "./updateParams.js";

/** reputation's name, default genesis, message codecs and module accounts (listed in modules/basics.ts). */
export const reputationBasics: ModuleBasics = {
  name: "reputation",
  defaultGenesis,
  msgCodecs: [msgUpdateParamsCodec] as Codec<unknown>[],
  moduleAccounts: [],
};

/** Outcomes come from the jobs module through the keeper; the only message is governance's MsgUpdateParams. */
export function createReputationModule(keeper: ReputationKeeper): AppModule {
  return {
    ...reputationBasics,
    msgs: reputationMsgRoutes(keeper),
    queries: reputationQueries(keeper),
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    invariants: reputationInvariants(keeper),
  };
}
