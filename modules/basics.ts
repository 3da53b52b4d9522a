import { authBasics } from "./auth/module.js";
import { bankBasics } from "./bank/module.js";
import { emissionsBasics } from "./emissions/module.js";
import { govBasics } from "./gov/module.js";
import { jobsBasics } from "./jobs/module.js";
import { registryBasics } from "./registry/module.js";
import { reputationBasics } from "./reputation/module.js";
import type { ModuleBasics } from "./sdk/module.js";
import { slashingBasics } from "./slashing/module.js";
import { stakingBasics } from "./staking/module.js";

/**
 * The one list of tcompute's modules (the SDK's ModuleBasics). Registering a module is one entry
 * here; everything that lists modules derives from it: the genesis file's app_state defaults
 * (in this order), the clients' message registry and amino converters, the module accounts that
 * refuse user sends. The app (chain/app/tcomputeApp.ts) constructs each module's keeper and its
 * module manager checks at start that the constructed modules and every begin-block, end-block and
 * genesis order name exactly these (docs/modules.md).
 */
export const moduleBasics: readonly ModuleBasics[] = [
  authBasics,
  bankBasics,
  stakingBasics,
  slashingBasics,
  registryBasics,
  emissionsBasics,
  reputationBasics,
  jobsBasics,
  govBasics,
];

/** Every module account of every module. */
export function moduleAccountNames(): string[] {
  return moduleBasics.flatMap((b) => b.moduleAccounts);
}

/** app_state with every module's default genesis, keyed by module name in list order. */
export function defaultAppState(): Record<string, unknown> {
  return Object.fromEntries(moduleBasics.map((b) => [b.name, b.defaultGenesis()]));
}
