import type { AppModule, ModuleBasics } from "../sdk/module.js";
import type { Codec } from "../sdk/proto.js";
import { defaultGenesis, exportGenesis, initGenesis, parseGenesis } from "./genesis.js";
import { jobsInvariants } from "./invariants.js";
import { escrowAccount, type JobsKeeper } from "./keeper.js";
import { advancePhases, expireDue, pruneDue } from "./lifecycle.js";
import { matchPending } from "./matching.js";
import { jobsMsgRoutes, verdictMsgRoutes } from "./msgServer.js";
import { jobsQueries } from "./queryServer.js";
import { jobsUpdateParamsRoute, msgUpdateParamsCodec } from "./updateParams.js";
import { codecs } from "./types.js";
import { challengeQueries, checkChallenges, issueChallenges } from "./challenges.js";
import { auditKeyMsgRoutes, auditKeyQueries } from "./auditKeys.js";
import { claimMsgRoutes, claimQueries, claimsAccount, claimsInvariant, closeDueClaims } from "./claims.js";

/** jobs's name, default genesis, message codecs and module accounts (listed in modules/basics.ts). */
export const jobsBasics: ModuleBasics = {
  name: "jobs",
  defaultGenesis,
  msgCodecs: [
    codecs.msgSubmitJob,
    codecs.msgCancelJob,
    codecs.msgCommitResult,
    codecs.msgRevealResult,
    codecs.msgRevealUnusable,
    codecs.msgAuditVerdict,
    codecs.msgCommitVerdict,
    codecs.msgRevealVerdict,
    codecs.msgClaimNonDelivery,
    codecs.msgAnswerClaim,
    codecs.msgDisputeAnswer,
    codecs.msgRegisterAuditKey,
    msgUpdateParamsCodec,
  ] as Codec<unknown>[],
  moduleAccounts: [escrowAccount, claimsAccount],
};

export function createJobsModule(keeper: JobsKeeper): AppModule {
  return {
    ...jobsBasics,
    msgs: [
      ...jobsMsgRoutes(keeper),
      ...verdictMsgRoutes(keeper),
      ...claimMsgRoutes(keeper),
      ...auditKeyMsgRoutes(keeper),
      jobsUpdateParamsRoute(),
    ],
    queries: {
      ...jobsQueries(keeper),
      ...challengeQueries(keeper),
      ...claimQueries(keeper),
      ...auditKeyQueries(keeper),
    },
    validateGenesis: (g) => void parseGenesis(g),
    initGenesis: (ctx, g) => initGenesis(ctx, keeper, parseGenesis(g)),
    exportGenesis: (ctx) => exportGenesis(ctx, keeper),
    // Bounded by what is due: windows ending this height (settlements free slots first), pending
    // jobs whose deadline passed, at most max_match_scans_per_block jobs examined, receipts due.
    endBlock(ctx) {
      // Not at genesis (the app runs every end-blocker there for the first validator set): an
      // imported state must be the exported one, not one block of matching further.
      if (ctx.mode === "genesis") return;
      advancePhases(ctx, keeper);
      expireDue(ctx, keeper);
      checkChallenges(ctx, keeper);
      closeDueClaims(ctx, keeper);
      issueChallenges(ctx, keeper);
      matchPending(ctx, keeper);
      pruneDue(ctx, keeper);
    },
    invariants: [...jobsInvariants(keeper), claimsInvariant(keeper)],
  };
}
