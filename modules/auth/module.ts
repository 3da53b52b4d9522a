import type { AppModule, ModuleBasics } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import type { AccountKeeper } from "./keeper.js";
import { authQueries } from "./queryServer.js";
import { authInvariants } from "./invariants.js";
import { authMsgRoutes } from "./msgServer.js";

/** auth's name, default genesis, message codecs and module accounts (listed in modules/basics.ts). */
export const authBasics: ModuleBasics = {
  name: "auth",
  defaultGenesis,
  msgCodecs: [],
  moduleAccounts: [],
};

/** auth: accounts, sequences and the tx fee floor. Its only message is governance's MsgUpdateParams. */
export function createAuthModule(keeper: AccountKeeper): AppModule {
  return {
    ...authBasics,
    msgs: authMsgRoutes(keeper),
    queries: authQueries(keeper),
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    invariants: authInvariants(keeper),
  };
}
