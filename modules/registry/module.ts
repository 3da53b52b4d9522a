import type { AppModule, ModuleBasics } from "../sdk/module.js";
import type { Codec } from "../sdk/proto.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { registryInvariants } from "./invariants.js";
import { type RegistryKeeper, providerBondsPoolName } from "./keeper.js";
import { registryMsgRoutes } from "./msgServer.js";
import { registryQueries } from "./queryServer.js";
import { registryUpdateParamsRoute, msgUpdateParamsCodec } from "./updateParams.js";
import { codecs } from "./types.js";

/** registry's name, default genesis, message codecs and module accounts (listed in modules/basics.ts). */
export const registryBasics: ModuleBasics = {
  name: "registry",
  defaultGenesis,
  msgCodecs: [
    codecs.msgRegisterModel,
    codecs.msgRegisterProvider,
    codecs.msgUpdateProvider,
    codecs.msgPauseProvider,
    codecs.msgResumeProvider,
    codecs.msgUnjailProvider,
    codecs.msgDeregisterProvider,
    msgUpdateParamsCodec,
  ] as Codec<unknown>[],
  moduleAccounts: [providerBondsPoolName],
};

export function createRegistryModule(keeper: RegistryKeeper): AppModule {
  return {
    ...registryBasics,
    msgs: [...registryMsgRoutes(keeper), registryUpdateParamsRoute()],
    queries: registryQueries(keeper),
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
