import type { AppModule } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import type { AccountKeeper } from "./keeper.js";
import { authQueries } from "./queryServer.js";
import { authUpdateParamsRoute } from "./updateParams.js";

/** auth: accounts, sequences and the tx fee floor. Its only message is governance's MsgUpdateParams. */
export function createAuthModule(keeper: AccountKeeper): AppModule {
  return {
    name: "auth",
    msgs: [authUpdateParamsRoute(keeper)],
    queries: authQueries(keeper),
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    invariants: [],
  };
}
