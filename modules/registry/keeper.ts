import { moduleAddress } from "../sdk/address.js";
import { decOne } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import { fromUtf8, prefixRange, utf8, type KVStore } from "../sdk/store.js";
import { registryErrors } from "./errors.js";
import { registryEvents } from "./events.js";
import type { BankForRegistry } from "./expectedKeepers.js";
import { keys } from "./keys.js";
import { readParams, type RegistryParams } from "./params.js";
import { codecs, ProviderStatus, type Model, type Provider } from "./types.js";

// The registry keeper: models by hash (and name), providers by owner (and by served model), and
// provider bonds, held by the provider_bonds module account. The jobs module reaches providers
// only through the methods marked "for jobs" below.

export const providerBondsPoolName = "provider_bonds";

/**
 * What still holds a provider in jail, each lifted only by its own rule: the bond restored to
 * the minimum, the fault jail's time served, a capability challenge passed. Empty: free to go.
 */
export function jailHolds(p: Provider, height: bigint, minBond: bigint): string[] {
  const holds: string[] = [];
  if (BigInt(p.bond) < minBond) holds.push(`bond ${p.bond} below the minimum ${minBond}`);
  const until = BigInt(p.jailedUntil || "0");
  if (until > height) holds.push(`jailed for faults until height ${until}`);
  if (p.challengeHold) holds.push("a failed capability challenge (pass one to clear it)");
  return holds;
}

export class RegistryKeeper {
  constructor(readonly bank: BankForRegistry) {}

  /**
   * The most tensor bytes a challenge may carry (the jobs module's max_inline_input_bytes, set by
   * the app): a registration whose recipe draws more is refused. Unset (a registry alone): no bound.
   */
  challengeBytesLimit: (store: KVStore) => number | null = () => null;

  setChallengeBytesLimit(limit: (store: KVStore) => number): void {
    this.challengeBytesLimit = limit;
  }

  params(store: KVStore): RegistryParams {
    return readParams(store);
  }

  // ---- models ----

  getModel(store: KVStore, hash: string): Model | null {
    const raw = store.get(keys.model(hash));
    return raw === undefined ? null : codecs.model.decode(raw);
  }

  /** The model an owner registered under a name (names are per owner, so none can be squatted). */
  modelHashByName(store: KVStore, owner: string, name: string): string | null {
    const raw = store.get(keys.modelByName(name, owner));
    return raw === undefined ? null : fromUtf8(raw);
  }

  /** Up to `limit` models registered under a name, by owner address. */
  modelsNamed(store: KVStore, name: string, limit: number): Array<{ owner: string; hash: string }> {
    const prefix = keys.modelOwnersOfName(name);
    const out: Array<{ owner: string; hash: string }> = [];
    for (const [k, raw] of prefixRange(store, prefix)) {
      if (out.length >= limit) break;
      out.push({ owner: k.slice(prefix.length), hash: fromUtf8(raw) });
    }
    return out;
  }

  setModel(store: KVStore, m: Model): void {
    store.set(keys.model(m.hash), codecs.model.encode(m));
    store.set(keys.modelByName(m.name, m.owner), utf8(m.hash));
  }

  *models(store: KVStore): IterableIterator<Model> {
    for (const [, raw] of prefixRange(store, keys.modelPrefix)) yield codecs.model.decode(raw);
  }

  // ---- providers ----

  getProvider(store: KVStore, owner: string): Provider | null {
    const raw = store.get(keys.provider(owner));
    return raw === undefined ? null : codecs.provider.decode(raw);
  }

  mustGetProvider(store: KVStore, owner: string): Provider {
    const p = this.getProvider(store, owner);
    if (p === null) throw registryErrors.providerNotFound.wrap(owner);
    return p;
  }

  /** Saves a provider and keeps the by-model index in step with its model list. */
  setProvider(store: KVStore, p: Provider, previousModels: readonly string[] = []): void {
    for (const h of previousModels) if (!p.models.includes(h)) store.delete(keys.providerByModel(h, p.owner));
    for (const h of p.models) store.set(keys.providerByModel(h, p.owner), new Uint8Array());
    store.set(keys.provider(p.owner), codecs.provider.encode(p));
  }

  *providers(store: KVStore): IterableIterator<Provider> {
    for (const [, raw] of prefixRange(store, keys.providerPrefix)) yield codecs.provider.decode(raw);
  }

  /** Providers serving a model, by owner address. */
  *providersOfModel(store: KVStore, hash: string): IterableIterator<Provider> {
    const prefix = keys.providersByModel(hash);
    for (const [k] of prefixRange(store, prefix)) {
      const p = this.getProvider(store, k.slice(prefix.length));
      if (p !== null) yield p;
    }
  }

  bondPool(): string {
    return moduleAddress(providerBondsPoolName);
  }

  setStatus(ctx: Context, p: Provider, status: ProviderStatus, reason: string): void {
    p.status = status;
    this.setProvider(ctx.store, p, p.models);
    ctx.events.emit(
      event(registryEvents.providerStatus, [
        ["provider", p.owner],
        ["status", String(status)],
        ["reason", reason],
      ]),
    );
  }

  // ---- penalties (docs/jobs.md, "Provider status") ----

  /**
   * Moves an active or paused provider to jailed (a leaving one keeps unbonding: its bond stays
   * slashable and it takes no jobs anyway); saves the provider either way.
   */
  private jail(ctx: Context, p: Provider, reason: string): void {
    if (p.status === ProviderStatus.active || p.status === ProviderStatus.paused)
      this.setStatus(ctx, p, ProviderStatus.jailed, reason);
    else this.setProvider(ctx.store, p, p.models);
  }

  /** Ends a jail whose last hold just cleared by its own rule (bond restored, challenge passed). */
  liftIfClear(ctx: Context, p: Provider, reason: string): boolean {
    if (
      p.status !== ProviderStatus.jailed ||
      jailHolds(p, ctx.height, this.params(ctx.store).minProviderBond).length > 0
    )
      return false;
    this.setStatus(ctx, p, ProviderStatus.active, reason);
    return true;
  }

  // ---- for jobs ----

  /**
   * Burns `fraction` (18-decimal) of a provider's bond, also while it unbonds; a provider left
   * below the minimum bond is jailed (no new jobs) until the bond is restored.
   */
  slashProviderBond(
    ctx: Context,
    owner: string,
    fraction: bigint,
    reason: string,
    beneficiary?: { address: string; cap: bigint },
  ): bigint {
    const p = this.getProvider(ctx.store, owner);
    if (p === null || fraction <= 0n) return 0n;
    const bond = BigInt(p.bond);
    const cut = (bond * (fraction > decOne ? decOne : fraction)) / decOne;
    if (cut === 0n) return 0n;
    const params = this.params(ctx.store);
    // A fraud slash compensates the requester first (up to what it lost); the rest is burned.
    const paidOut =
      beneficiary === undefined ? 0n : cut < beneficiary.cap ? cut : beneficiary.cap > 0n ? beneficiary.cap : 0n;
    if (paidOut > 0n)
      this.bank.transfer(ctx, this.bondPool(), beneficiary!.address, [{ denom: params.bondDenom, amount: paidOut }]);
    if (cut > paidOut) this.bank.burn(ctx, providerBondsPoolName, [{ denom: params.bondDenom, amount: cut - paidOut }]);
    p.bond = (bond - cut).toString();
    ctx.events.emit(
      event(registryEvents.providerSlashed, [
        ["provider", owner],
        ["amount", `${cut}${params.bondDenom}`],
        ["reason", reason],
      ]),
    );
    if (bond - cut < params.minProviderBond) this.jail(ctx, p, "bond below minimum");
    else this.setProvider(ctx.store, p, p.models);
    return cut;
  }

  /**
   * For reputation: a provider with too many faults in a row is jailed for fault_jail_blocks
   * (also when it paused itself just before, so that pausing cannot dodge the jail; a second
   * jail extends the first). Only time ends it: MsgUnjailProvider once the height is reached.
   */
  jailProvider(ctx: Context, owner: string, reason: string): void {
    const p = this.getProvider(ctx.store, owner);
    if (p === null || p.status === ProviderStatus.unbonding) return;
    const until = ctx.height + this.params(ctx.store).faultJailBlocks;
    if (until > BigInt(p.jailedUntil || "0")) p.jailedUntil = until.toString();
    this.jail(ctx, p, reason);
  }

  /**
   * A capability challenge's outcome: a failed one jails the provider and holds it until it
   * passes one (MsgResumeProvider and MsgUpdateProvider cannot lift it); a passed one clears the
   * hold and ends the jail when nothing else holds it.
   */
  recordChallenge(ctx: Context, owner: string, passed: boolean): void {
    const p = this.getProvider(ctx.store, owner);
    if (p === null) return;
    if (passed) p.challengesPassed += 1;
    else p.challengesFailed += 1;
    ctx.events.emit(
      event(registryEvents.challenge, [
        ["provider", owner],
        ["passed", String(passed)],
      ]),
    );
    if (!passed) {
      p.challengeHold = true;
      this.jail(ctx, p, "failed a capability challenge");
      return;
    }
    p.challengeHold = false;
    if (!this.liftIfClear(ctx, p, "passed a capability challenge")) this.setProvider(ctx.store, p, p.models);
  }

  /** Providers that may take a job of this model now (jobs applies price, slots and reputation). */
  activeProvidersOfModel(store: KVStore, hash: string): Provider[] {
    const min = this.params(store).minProviderBond;
    return [...this.providersOfModel(store, hash)].filter(
      (p) => p.status === ProviderStatus.active && BigInt(p.bond) >= min,
    );
  }

  // ---- unbonding queue ----

  queueUnbonding(store: KVStore, completion: bigint, owner: string): void {
    store.set(keys.unbondingQueue(completion, owner), new Uint8Array());
  }

  /** Returns the bonds of providers whose unbonding ended; removes them. */
  completeUnbondings(ctx: Context): void {
    const now = ctx.block.time.seconds;
    const params = this.params(ctx.store);
    const due: string[] = [];
    for (const [k] of prefixRange(ctx.store, keys.unbondingQueuePrefix)) {
      const [secs, owner] = k.slice(keys.unbondingQueuePrefix.length).split("/") as [string, string];
      if (BigInt(secs) > now) break;
      due.push(k);
      const p = this.getProvider(ctx.store, owner);
      if (p === null || p.status !== ProviderStatus.unbonding) continue;
      const bond = BigInt(p.bond);
      if (bond > 0n) this.bank.transfer(ctx, this.bondPool(), owner, [{ denom: params.bondDenom, amount: bond }]);
      for (const h of p.models) ctx.store.delete(keys.providerByModel(h, owner));
      ctx.store.delete(keys.provider(owner));
      ctx.events.emit(
        event(registryEvents.providerBondReturned, [
          ["provider", owner],
          ["amount", `${bond}${params.bondDenom}`],
        ]),
      );
    }
    for (const k of due) ctx.store.delete(k);
  }
}
