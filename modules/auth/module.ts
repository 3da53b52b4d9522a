import type { AppModule } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import type { AccountKeeper } from "./keeper.js";
import { authQueries } from "./queryServer.js";

/** auth: accounts, sequences and the tx fee floor. It has no messages of its own. */
export function createAuthModule(keeper: AccountKeeper): AppModule {
  return {
    name: "auth",
    msgs: [],
    queries: authQueries(keeper),
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    invariants: [],
  };
}
