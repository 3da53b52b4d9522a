import { AccountKeeper } from "../../modules/auth/keeper.js";
import { createAuthModule } from "../../modules/auth/module.js";
import { BankKeeper } from "../../modules/bank/keeper.js";
import { moduleAccountNames as moduleAccountsOf, moduleBasics } from "../../modules/basics.js";
import { createBankModule } from "../../modules/bank/module.js";
import { GovKeeper, createGovModule } from "../../modules/gov/index.js";
import type { MsgRoute } from "../../modules/sdk/module.js";
import { createModuleManager, type ModuleOrders } from "../../modules/sdk/moduleManager.js";
import { BranchStore } from "../store/branchStore.js";
import { moduleAddress } from "../../modules/sdk/address.js";
import { EmissionsKeeper, createEmissionsModule } from "../../modules/emissions/index.js";
import { RegistryKeeper, createRegistryModule } from "../../modules/registry/index.js";
import { JobsKeeper, createJobsModule } from "../../modules/jobs/index.js";
import { ReputationKeeper, createReputationModule } from "../../modules/reputation/index.js";
import { SlashingKeeper } from "../../modules/slashing/keeper.js";
import { createSlashingModule } from "../../modules/slashing/module.js";
import { StakingKeeper, createStakingModule, stakingForSlashing } from "../../modules/staking/index.js";
import type { Context, Logger } from "../../modules/sdk/context.js";
import type { KVStore } from "../../modules/sdk/store.js";
import { slashValidator } from "../../modules/staking/slash.js";
import type { StateStore } from "../store/stateStore.js";
import { createApplication, type TcApplication } from "./application.js";
import { createSigCache, type SigCache } from "./sigVerifier.js";

export interface TcomputeAppOptions {
  maxTxBytes: number;
  checkInvariants: boolean;
  version: string;
}

/** Module accounts (each module's, from modules/basics.ts): they hold pooled coins and cannot receive user sends. */
export const moduleAccountNames: readonly string[] = moduleAccountsOf();

/**
 * The order the module manager runs the modules' hooks in; each list names every module that has
 * the hook (genesis: every module), checked at start. Begin-block: emissions pays the last
 * commit's signers before slashing changes stake; staking records the set (HistoricalInfo) after
 * both. Slashing before staking: a jail decided at
 * begin-block leaves the set at this end-block. Gov after bank (its genesis checks the gov
 * account's balance) and, as in the SDK, its end-block before staking's, so a passed staking
 * params change applies to this block's set.
 */
const executionOrder = ["auth", "bank", "gov", "emissions", "slashing", "staking", "registry", "reputation", "jobs"];
export const moduleOrders: ModuleOrders = {
  initGenesis: executionOrder,
  exportGenesis: executionOrder,
  beginBlock: ["emissions", "slashing", "staking"],
  endBlock: ["gov", "staking", "registry", "jobs"],
};

/**
 * The tcompute application: each module's keeper wired once, and the module manager that runs
 * them in `moduleOrders` (it checks that none of modules/basics.ts is forgotten).
 */
export function createTcomputeApp(
  opts: TcomputeAppOptions,
  deps: { state: StateStore; logger: Logger; sigCache?: SigCache },
): TcApplication {
  const accounts = new AccountKeeper();
  const bank = new BankKeeper(accounts, new Set(moduleAccountNames.map((n) => moduleAddress(n))));
  const staking = new StakingKeeper(bank);
  const slashing = new SlashingKeeper(stakingForSlashing(staking));
  const registry = new RegistryKeeper(bank);
  const reputation = new ReputationKeeper(registry);
  const emissions = new EmissionsKeeper(bank, staking);
  // Jobs sees stake through its expected keeper; a skipped audit burns a little of the auditor's (issue 11).
  const stakingForJobs = {
    lastPower: (store: KVStore, valoper: string) => staking.lastPower(store, valoper),
    lastPowers: (store: KVStore) => staking.lastPowers(store),
    slashForMissedAudit(ctx: Context, valoper: string, fraction: bigint): bigint {
      const v = staking.getValidator(ctx.store, valoper);
      const power = staking.lastPower(ctx.store, valoper);
      return v === null || power === 0n ? 0n : slashValidator(ctx, staking, v, ctx.height, power, fraction).burned;
    },
  };
  const jobs = new JobsKeeper(bank, registry, reputation, emissions, stakingForJobs);
  staking.setHooks(emissions.stakingHooks());
  // A challenge recipe must fit the inline input a job may carry, or it is never drawn.
  registry.setChallengeBytesLimit((store) => jobs.params(store).maxInlineInputBytes);
  const gov = new GovKeeper(bank, staking, (parent) => new BranchStore(parent));
  const manager = createModuleManager(
    moduleBasics,
    [
      createAuthModule(accounts),
      createBankModule(bank),
      createGovModule(gov),
      createEmissionsModule(emissions),
      createSlashingModule(slashing),
      createStakingModule(staking),
      createRegistryModule(registry),
      createReputationModule(reputation),
      createJobsModule(jobs),
    ],
    moduleOrders,
  );
  // Gov runs any routed message whose signer is its account (module params, pool spends).
  const routes = new Map<string, MsgRoute<unknown>>(
    manager.modules.flatMap((m) => m.msgs.map((r) => [r.typeUrl, r] as const)),
  );
  gov.setRouter((typeUrl) => routes.get(typeUrl));
  return createApplication(
    {
      manager,
      accountKeeper: accounts,
      ante: { accounts, bank, verify: (deps.sigCache ?? createSigCache()).verify },
      maxTxBytes: opts.maxTxBytes,
      checkInvariants: opts.checkInvariants,
      version: opts.version,
    },
    deps,
  );
}
