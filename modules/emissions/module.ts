import type { AppModule, ModuleBasics } from "../sdk/module.js";
import type { Codec } from "../sdk/proto.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { emissionsInvariants } from "./invariants.js";
import {
  type EmissionsKeeper,
  communityPoolAccount,
  distributionAccount,
  emissionsAccount,
  providerPoolAccount,
} from "./keeper.js";
import { emissionsMsgRoutes } from "./msgServer.js";
import { emissionsQueries } from "./queryServer.js";
import { emissionsGovRoutes, msgUpdateParamsCodec } from "./govMsgs.js";
import { distributionQueries } from "./distributionQueries.js";

/** emissions's name, default genesis, message codecs and module accounts (listed in modules/basics.ts). */
export const emissionsBasics: ModuleBasics = {
  name: "emissions",
  defaultGenesis,
  msgCodecs: [msgUpdateParamsCodec] as Codec<unknown>[],
  moduleAccounts: [emissionsAccount, distributionAccount, providerPoolAccount, communityPoolAccount],
};

export function createEmissionsModule(keeper: EmissionsKeeper): AppModule {
  return {
    ...emissionsBasics,
    msgs: [...emissionsMsgRoutes(keeper), ...emissionsGovRoutes(keeper)],
    queries: { ...emissionsQueries(keeper), ...distributionQueries(keeper) },
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    beginBlock: (ctx, info) => keeper.beginBlock(ctx, info),
    invariants: emissionsInvariants(keeper),
  };
}
