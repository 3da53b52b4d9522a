import type { AppModule } from "../sdk/module.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { jobsInvariants } from "./invariants.js";
import type { JobsKeeper } from "./keeper.js";
import { jobsMsgRoutes } from "./msgServer.js";
import { jobsQueries } from "./queryServer.js";

export function createJobsModule(keeper: JobsKeeper): AppModule {
  return {
    name: "jobs",
    msgs: jobsMsgRoutes(keeper),
    queries: jobsQueries(keeper),
    defaultGenesis,
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    // Bounded: jobs due this height, and at most max_matches_per_block pending jobs.
    endBlock(ctx) {
      keeper.expire(ctx);
      keeper.match(ctx);
    },
    invariants: jobsInvariants(keeper),
  };
}
