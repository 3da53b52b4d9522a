import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Coin } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import type { MsgRoute } from "../sdk/module.js";
import type { KVStore } from "../sdk/store.js";

/** What gov needs of bank: hold deposits in the gov module account, refund or burn them. */
export interface BankForGov {
  transfer(ctx: Context, from: string, to: string, coins: readonly Coin[]): void;
  burn(ctx: Context, moduleName: string, coins: readonly Coin[]): void;
  getAllBalances(store: KVStore, address: string): Coin[];
  /** Module accounts, which cannot receive funds from outside their module. */
  blockedAddr(address: string): boolean;
}

/** What gov needs of staking for the tally: the validators and a voter's delegations. */
export interface StakingForGov {
  validators(store: KVStore): IterableIterator<Validator>;
  delegationsOf(store: KVStore, delegator: string): IterableIterator<{ valoper: string; shares: bigint }>;
}

/** The app's message router: proposals run any message the app routes. */
export type ProposalRouter = (typeUrl: string) => MsgRoute<unknown> | undefined;

/** A copy-on-write branch of a store, written to its parent only by write() (a CacheContext). */
export type Brancher = (parent: KVStore) => KVStore & { write(): void };
