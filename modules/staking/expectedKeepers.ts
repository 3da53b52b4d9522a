import type { Coin } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import type { KVStore } from "../sdk/store.js";

/** What staking needs of bank: move stake between accounts and pools, burn slashes, read pools. */
export interface BankForStaking {
  transfer(ctx: Context, from: string, to: string, coins: readonly Coin[]): void;
  burn(ctx: Context, moduleName: string, coins: readonly Coin[]): void;
  getBalance(store: KVStore, address: string, denom: string): bigint;
}
