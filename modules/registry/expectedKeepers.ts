import type { Coin } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";

/** What the registry needs of bank: move bonds to and from its module account, burn slashes. */
export interface BankForRegistry {
  transfer(ctx: Context, from: string, to: string, coins: readonly Coin[]): void;
  burn(ctx: Context, moduleName: string, coins: readonly Coin[]): void;
  getBalance(store: Context["store"], address: string, denom: string): bigint;
}
