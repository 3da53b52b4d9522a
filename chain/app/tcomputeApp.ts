import { AccountKeeper } from "../../modules/auth/keeper.js";
import { createAuthModule } from "../../modules/auth/module.js";
import { BankKeeper, feeCollectorName } from "../../modules/bank/keeper.js";
import { createBankModule } from "../../modules/bank/module.js";
import { GovKeeper, createGovModule, govModuleName } from "../../modules/gov/index.js";
import type { MsgRoute } from "../../modules/sdk/module.js";
import { BranchStore } from "../store/branchStore.js";
import { moduleAddress } from "../../modules/sdk/address.js";
import { EmissionsKeeper, communityPoolAccount, createEmissionsModule, distributionAccount, emissionsAccount, providerPoolAccount } from "../../modules/emissions/index.js";
import { RegistryKeeper, createRegistryModule, providerBondsPoolName } from "../../modules/registry/index.js";
import { JobsKeeper, createJobsModule, escrowAccount } from "../../modules/jobs/index.js";
import { ReputationKeeper, createReputationModule } from "../../modules/reputation/index.js";
import { SlashingKeeper } from "../../modules/slashing/keeper.js";
import { createSlashingModule } from "../../modules/slashing/module.js";
import { StakingKeeper, bondedPoolName, createStakingModule, notBondedPoolName, stakingForSlashing } from "../../modules/staking/index.js";
import type { Logger } from "../../modules/sdk/context.js";
import type { StateStore } from "../store/stateStore.js";
import { createApplication, type TcApplication } from "./application.js";
import { createSigCache, type SigCache } from "./sigVerifier.js";

export interface TcomputeAppOptions {
  maxTxBytes: number;
  checkInvariants: boolean;
  version: string;
}

/** Module accounts: they hold pooled coins and cannot receive user sends. */
export const moduleAccountNames = [feeCollectorName, bondedPoolName, notBondedPoolName, providerBondsPoolName, emissionsAccount, distributionAccount, providerPoolAccount, communityPoolAccount, escrowAccount, govModuleName] as const;

/**
 * The tcompute application: its modules in execution order and their keepers, wired once.
 * Genesis, begin-block and end-block run modules in the order listed here.
 */
export function createTcomputeApp(opts: TcomputeAppOptions, deps: { state: StateStore; logger: Logger; sigCache?: SigCache }): TcApplication {
  const accounts = new AccountKeeper();
  const bank = new BankKeeper(accounts, new Set(moduleAccountNames.map((n) => moduleAddress(n))));
  const staking = new StakingKeeper(bank);
  const slashing = new SlashingKeeper(stakingForSlashing(staking));
  // Slashing before staking: a jail decided at begin-block leaves the set at this end-block.
  const registry = new RegistryKeeper(bank);
  const reputation = new ReputationKeeper(registry);
  const emissions = new EmissionsKeeper(bank, staking);
  const jobs = new JobsKeeper(bank, registry, reputation, emissions, staking);
  staking.setHooks(emissions.stakingHooks());
  const gov = new GovKeeper(bank, staking, (parent) => new BranchStore(parent));
  // Begin-block order: emissions pays the last commit's signers before slashing changes stake.
  // Gov after bank (its genesis checks the gov account's balance) and, as in the SDK, its
  // end-block before staking's, so a passed staking params change applies to this block's set.
  const modules = [createAuthModule(accounts), createBankModule(bank), createGovModule(gov), createEmissionsModule(emissions), createSlashingModule(slashing), createStakingModule(staking), createRegistryModule(registry), createReputationModule(reputation), createJobsModule(jobs)];
  // Gov runs any routed message whose signer is its account (module params, pool spends).
  const routes = new Map<string, MsgRoute<unknown>>(modules.flatMap((m) => m.msgs.map((r) => [r.typeUrl, r] as const)));
  gov.setRouter((typeUrl) => routes.get(typeUrl));
  return createApplication(
    {
      modules,
      accountKeeper: accounts,
      ante: { accounts, bank, verify: (deps.sigCache ?? createSigCache()).verify },
      maxTxBytes: opts.maxTxBytes,
      checkInvariants: opts.checkInvariants,
      version: opts.version,
    },
    deps,
  );
}
