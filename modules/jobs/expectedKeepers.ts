import type { Coin } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import type { KVStore } from "../sdk/store.js";

export interface BankForJobs {
  transfer(ctx: Context, from: string, to: string, coins: readonly Coin[]): void;
  getBalance(store: KVStore, address: string, denom: string): bigint;
}

/** The registry as jobs sees it: models and the providers that may take a job now. */
export interface RegistryForJobs {
  getModel(store: KVStore, hash: string): { computeUnits: string } | null;
  activeProvidersOfModel(store: KVStore, hash: string): Array<{ owner: string; pricePerUnit: string; slots: number; bond: string }>;
  params(store: KVStore): { bondDenom: string };
}

export interface ReputationForJobs {
  score(store: KVStore, provider: string, height: bigint): number;
}
