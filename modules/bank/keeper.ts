import { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import { moduleAddress } from "../sdk/address.js";
import { formatCoins, type Coin } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import { event } from "../sdk/events.js";
import { fromUtf8, prefixRange, utf8, type KVStore } from "../sdk/store.js";
import { bankErrors } from "./errors.js";
import { eventTypes } from "./events.js";
import type { BankAccountKeeper } from "./expectedKeepers.js";
import { keys } from "./keys.js";
import { decodeParams, encodeParams, validateParams, type BankParams } from "./params.js";

export const feeCollectorName = "fee_collector";

export type { BankParams } from "./params.js";

/**
 * A stored amount (decimal digits, as setBalance writes them). Up to 15 digits, which every
 * balance and fee fits, are read directly; anything else goes through BigInt(string), which
 * gives the same value for digits and keeps its errors for anything that is not.
 */
export function readAmount(raw: Uint8Array | undefined): bigint {
  if (raw === undefined) return 0n;
  const n = raw.length;
  if (n > 0 && n <= 15) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const d = raw[i]! - 0x30;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === n) return BigInt(v);
  }
  return BigInt(fromUtf8(raw));
}

/** Writes an amount as setBalance and setSupply store it: zero deletes the entry. */
function setAmount(store: KVStore, key: string, amount: bigint): void {
  if (amount === 0n) store.delete(key);
  else store.set(key, utf8(amount.toString()));
}

/**
 * The only code that touches the bank store prefixes: balances, supply, metadata. Every
 * movement of coins goes through subCoins / addCoins, which keep balances non-negative and
 * emit the SDK's coin_spent / coin_received events.
 */
export class BankKeeper {
  private readonly decodedParams = new WeakMap<Uint8Array, BankParams>();

  constructor(
    private readonly accounts: BankAccountKeeper,
    /** Module accounts, which cannot receive funds from users (the SDK's blocked addresses). */
    private readonly blocked: ReadonlySet<string>,
  ) {}

  /** Module accounts cannot receive external funds (the SDK's BlockedAddr). */
  blockedAddr(address: string): boolean {
    return this.blocked.has(address);
  }

  getBalance(store: KVStore, address: string, denom: string): bigint {
    return readAmount(store.get(keys.balance(address, denom)));
  }

  getAllBalances(store: KVStore, address: string): Coin[] {
    const prefix = keys.balancesOf(address);
    const out: Coin[] = [];
    for (const [k, v] of prefixRange(store, prefix)) out.push({ denom: k.slice(prefix.length), amount: readAmount(v) });
    return out;
  }

  /** Every (address, coin) balance, sorted by address then denom. */
  *balances(store: KVStore): IterableIterator<{ address: string; coin: Coin }> {
    for (const [k, v] of prefixRange(store, keys.balancePrefix)) {
      const rest = k.slice(keys.balancePrefix.length);
      const slash = rest.indexOf("/");
      yield { address: rest.slice(0, slash), coin: { denom: rest.slice(slash + 1), amount: readAmount(v) } };
    }
  }

  private setBalance(store: KVStore, address: string, denom: string, amount: bigint): void {
    setAmount(store, keys.balance(address, denom), amount);
  }

  subCoins(ctx: Context, address: string, coins: readonly Coin[]): void {
    this.spend(ctx, address, coins, formatCoins(coins));
  }

  addCoins(ctx: Context, address: string, coins: readonly Coin[]): void {
    this.receive(ctx, address, coins, formatCoins(coins));
  }

  /** subCoins with its event's amount text given: `amount` is formatCoins(coins). */
  private spend(ctx: Context, address: string, coins: readonly Coin[], amount: string): void {
    for (const c of coins) {
      const key = keys.balance(address, c.denom);
      const have = readAmount(ctx.store.get(key));
      if (have < c.amount) {
        throw sdkErrors.insufficientFunds.wrap(
          `spendable balance ${have}${c.denom} is smaller than ${c.amount}${c.denom}`,
        );
      }
      setAmount(ctx.store, key, have - c.amount);
    }
    ctx.events.emit(
      event(eventTypes.coinSpent, [
        ["spender", address],
        ["amount", amount],
      ]),
    );
  }

  /** addCoins with its event's amount text given: `amount` is formatCoins(coins). */
  private receive(ctx: Context, address: string, coins: readonly Coin[], amount: string): void {
    for (const c of coins) {
      const key = keys.balance(address, c.denom);
      setAmount(ctx.store, key, readAmount(ctx.store.get(key)) + c.amount);
    }
    this.accounts.ensureAccount(ctx.store, address);
    ctx.events.emit(
      event(eventTypes.coinReceived, [
        ["receiver", address],
        ["amount", amount],
      ]),
    );
  }

  /** A user-level transfer: send must be enabled for each denom and the recipient not blocked. */
  send(ctx: Context, from: string, to: string, coins: readonly Coin[]): void {
    if (this.blocked.has(to)) throw sdkErrors.unauthorized.wrap(`${to} is not allowed to receive funds`);
    const params = this.getParams(ctx.store);
    if (!params.defaultSendEnabled) throw bankErrors.sendDisabled.wrap(formatCoins(coins));
    this.transfer(ctx, from, to, coins);
  }

  /** A transfer between any accounts, module accounts included (no send-enabled check). */
  transfer(ctx: Context, from: string, to: string, coins: readonly Coin[]): void {
    // The three events carry the same amount text: formatted once (the fee transfer of every tx).
    const amount = formatCoins(coins);
    this.spend(ctx, from, coins, amount);
    this.receive(ctx, to, coins, amount);
    ctx.events.emit(
      event(eventTypes.transfer, [
        ["recipient", to],
        ["sender", from],
        ["amount", amount],
      ]),
    );
  }

  deductFee(ctx: Context, payer: string, fee: readonly Coin[]): void {
    this.transfer(ctx, payer, moduleAddress(feeCollectorName), fee);
  }

  mint(ctx: Context, moduleName: string, coins: readonly Coin[]): void {
    const addr = moduleAddress(moduleName);
    for (const c of coins) this.setSupply(ctx.store, c.denom, this.getSupply(ctx.store, c.denom) + c.amount);
    this.addCoins(ctx, addr, coins);
    ctx.events.emit(
      event(eventTypes.coinbase, [
        ["minter", addr],
        ["amount", formatCoins(coins)],
      ]),
    );
  }

  burn(ctx: Context, moduleName: string, coins: readonly Coin[]): void {
    const addr = moduleAddress(moduleName);
    this.subCoins(ctx, addr, coins);
    for (const c of coins) this.setSupply(ctx.store, c.denom, this.getSupply(ctx.store, c.denom) - c.amount);
    ctx.events.emit(
      event(eventTypes.burn, [
        ["burner", addr],
        ["amount", formatCoins(coins)],
      ]),
    );
  }

  getSupply(store: KVStore, denom: string): bigint {
    return readAmount(store.get(keys.supply(denom)));
  }

  setSupply(store: KVStore, denom: string, amount: bigint): void {
    setAmount(store, keys.supply(denom), amount);
  }

  /** Sets a balance directly: genesis only. */
  initBalance(store: KVStore, address: string, coin: Coin): void {
    this.setBalance(store, address, coin.denom, coin.amount);
    this.accounts.ensureAccount(store, address);
  }

  totalSupply(store: KVStore): Coin[] {
    const out: Coin[] = [];
    for (const [k, v] of prefixRange(store, keys.supplyPrefix))
      out.push({ denom: k.slice(keys.supplyPrefix.length), amount: readAmount(v) });
    return out;
  }

  getMetadata(store: KVStore, denom: string): Metadata | null {
    const raw = store.get(keys.metadata(denom));
    return raw === undefined ? null : Metadata.decode(raw);
  }

  setMetadata(store: KVStore, m: Metadata): void {
    store.set(keys.metadata(m.base), Metadata.encode(m).finish());
  }

  allMetadata(store: KVStore): Metadata[] {
    return [...prefixRange(store, keys.metadataPrefix)].map(([, v]) => Metadata.decode(v));
  }

  getParams(store: KVStore): BankParams {
    const raw = store.get(keys.params);
    if (raw === undefined) throw new Error("bank params missing from state");
    // Decoded once per stored value (store values are never mutated): every MsgSend reads them.
    let p = this.decodedParams.get(raw);
    if (p === undefined) {
      p = decodeParams(raw);
      this.decodedParams.set(raw, p);
    }
    return { ...p };
  }

  setParams(store: KVStore, p: BankParams): void {
    validateParams(p);
    store.set(keys.params, encodeParams(p));
  }
}
