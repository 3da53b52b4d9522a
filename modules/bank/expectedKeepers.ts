import type { KVStore } from "../sdk/store.js";

/** What bank needs of auth: an account for every address that first receives coins. */
export interface BankAccountKeeper {
  /** Creates the account (with the next account number) if it does not exist yet. */
  ensureAccount(store: KVStore, address: string): unknown;
}
