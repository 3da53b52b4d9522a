import {
  feeCollectorName,
  type BankForEmissions,
  type StakingForEmissions,
  type StakingHooks,
} from "./expectedKeepers.js";
import { moduleAddress, operatorAccount } from "../sdk/address.js";
import { decOne, big } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import { eventTypes } from "./events.js";
import type { BeginBlockInfo } from "../sdk/module.js";
import { fromUtf8, prefixRange, utf8, type KVStore } from "../sdk/store.js";
import { keys } from "./keys.js";
import { readParams, type EmissionsParams } from "./params.js";

// Issuance and rewards. Each block: mint the scheduled amount (decaying, capped), burn a share
// of the fees, and split the rest: validators and delegators by the power that signed the last
// commit (commission first, then a reward-per-share accumulator per validator), the provider
// pool, and the community pool, which also gets every rounding remainder, so that what is minted
// equals the schedule exactly and every minted token is somewhere. Module accounts:
// emissions (mint), distribution (undistributed rewards and commission), provider_pool,
// community_pool.

export const emissionsAccount = "emissions";
export const distributionAccount = "distribution";
export const providerPoolAccount = "provider_pool";
export const communityPoolAccount = "community_pool";
/** Scale of the reward-per-share accumulator (shares are 18-decimal, so 10^36 keeps precision). */
export const accScale = 10n ** 36n;

const readInt = (store: KVStore, key: string): bigint => {
  const raw = store.get(key);
  return raw === undefined ? 0n : BigInt(fromUtf8(raw));
};
const writeInt = (store: KVStore, key: string, v: bigint): void => {
  if (v === 0n) store.delete(key);
  else store.set(key, utf8(v.toString()));
};
const mulDec = (x: bigint, d: bigint) => (x * d) / decOne;

export class EmissionsKeeper {
  constructor(
    readonly bank: BankForEmissions,
    readonly staking: StakingForEmissions,
  ) {}

  params(store: KVStore): EmissionsParams {
    return readParams(store);
  }

  minted(store: KVStore): bigint {
    return readInt(store, keys.minted);
  }

  burned(store: KVStore): bigint {
    return readInt(store, keys.burned);
  }

  /** The per-block amount of the current period (the initial amount before the first decay). */
  rate(store: KVStore): bigint {
    const raw = store.get(keys.rate);
    return raw === undefined ? this.params(store).initialPerBlock : BigInt(fromUtf8(raw));
  }

  /** What the schedule mints at height h given the current rate and the total so far. */
  scheduledAt(store: KVStore): bigint {
    const p = this.params(store);
    let amount = this.rate(store);
    if (p.cap > 0n) {
      const room = p.cap - this.minted(store);
      if (amount > room) amount = room > 0n ? room : 0n;
    }
    return amount;
  }

  // ---- per block ----

  beginBlock(ctx: Context, info: BeginBlockInfo): void {
    const p = this.params(ctx.store);
    const amount = this.scheduledAt(ctx.store);
    if (amount > 0n) {
      this.bank.mint(ctx, emissionsAccount, [{ denom: p.denom, amount }]);
      writeInt(ctx.store, keys.minted, this.minted(ctx.store) + amount);
    }
    if (ctx.height % p.decayEveryBlocks === 0n)
      writeInt(ctx.store, keys.rate, mulDec(this.rate(ctx.store), p.decayFactor));

    // Fees of the last block: a share burned, the rest to validators and delegators.
    const fees = this.bank.getBalance(ctx.store, moduleAddress(feeCollectorName), p.denom);
    const burn = mulDec(fees, p.feeBurnShare);
    if (burn > 0n) {
      this.bank.burn(ctx, feeCollectorName, [{ denom: p.denom, amount: burn }]);
      writeInt(ctx.store, keys.burned, this.burned(ctx.store) + burn);
    }
    if (fees - burn > 0n)
      this.bank.transfer(ctx, moduleAddress(feeCollectorName), moduleAddress(emissionsAccount), [
        { denom: p.denom, amount: fees - burn },
      ]);

    const toValidators = mulDec(amount, p.validatorsShare) + (fees - burn);
    const toProviders = mulDec(amount, p.providersShare);
    const distributed = this.allocateToValidators(ctx, info, toValidators, p.denom);
    if (toProviders > 0n)
      this.bank.transfer(ctx, moduleAddress(emissionsAccount), moduleAddress(providerPoolAccount), [
        { denom: p.denom, amount: toProviders },
      ]);
    // Everything else minted this block (community share, remainders, unclaimed validator shares).
    const rest = this.bank.getBalance(ctx.store, moduleAddress(emissionsAccount), p.denom);
    if (rest > 0n)
      this.bank.transfer(ctx, moduleAddress(emissionsAccount), moduleAddress(communityPoolAccount), [
        { denom: p.denom, amount: rest },
      ]);
    if (amount > 0n || fees > 0n) {
      ctx.events.emit(
        event(eventTypes.mint, [
          ["amount", `${amount}${p.denom}`],
          ["fees_burned", `${burn}${p.denom}`],
          ["to_validators", `${distributed}${p.denom}`],
          ["to_providers", `${toProviders}${p.denom}`],
        ]),
      );
    }
    if (ctx.height % p.epochBlocks === 0n) this.payProviderPool(ctx, p);
  }

  /**
   * Splits `total` over the staking validators that signed the last commit, by power: the
   * commission to the operator, the rest to its delegators through the accumulator. Returns what
   * was assigned; the caller sends the rest to the community pool.
   */
  private allocateToValidators(ctx: Context, info: BeginBlockInfo, total: bigint, denom: string): bigint {
    if (total === 0n) return 0n;
    const signers: Array<{ valoper: string; power: bigint }> = [];
    let totalPower = 0n;
    for (const v of info.lastCommit) {
      totalPower += v.power;
      if (!v.signed) continue;
      const val = this.staking.validatorByConsAddr(ctx.store, Buffer.from(v.address).toString("hex").toUpperCase());
      if (val !== null) signers.push({ valoper: val.operatorAddress, power: v.power });
    }
    if (totalPower === 0n) return 0n;
    let assigned = 0n;
    for (const s of signers) {
      const share = (total * s.power) / totalPower;
      if (share === 0n) continue;
      const val = this.staking.getValidator(ctx.store, s.valoper)!;
      const commission = mulDec(share, big(val.commission.commissionRates.rate));
      const toDelegators = share - commission;
      const shares = big(val.delegatorShares);
      if (shares === 0n) continue;
      // The delegators' part enters the accumulator. All of it moves to the distribution
      // account: the per-block division remainders stay there and cover the rounding of the
      // pending amounts, which are floored over the sum of many blocks (floor of a sum can
      // exceed the sum of floors).
      const perShare = (toDelegators * accScale) / shares;
      writeInt(ctx.store, keys.acc(s.valoper), readInt(ctx.store, keys.acc(s.valoper)) + perShare);
      writeInt(ctx.store, keys.commission(s.valoper), readInt(ctx.store, keys.commission(s.valoper)) + commission);
      assigned += commission + toDelegators;
    }
    if (assigned > 0n)
      this.bank.transfer(ctx, moduleAddress(emissionsAccount), moduleAddress(distributionAccount), [
        { denom, amount: assigned },
      ]);
    return assigned;
  }

  // ---- delegator rewards ----

  /** Rewards a delegation has earned since it last settled (floor). */
  pendingRewards(store: KVStore, delegator: string, valoper: string): bigint {
    const shares = this.staking.getDelegationShares(store, delegator, valoper);
    if (shares === 0n) return 0n;
    const diff = readInt(store, keys.acc(valoper)) - readInt(store, keys.start(delegator, valoper));
    return (shares * diff) / accScale;
  }

  /** Pays what a delegation earned and restarts it from the current accumulator. */
  withdrawRewards(ctx: Context, delegator: string, valoper: string): bigint {
    const amount = this.pendingRewards(ctx.store, delegator, valoper);
    const denom = this.params(ctx.store).denom;
    if (amount > 0n) this.bank.transfer(ctx, moduleAddress(distributionAccount), delegator, [{ denom, amount }]);
    writeInt(ctx.store, keys.start(delegator, valoper), readInt(ctx.store, keys.acc(valoper)));
    ctx.events.emit(
      event(eventTypes.withdrawRewards, [
        ["amount", `${amount}${denom}`],
        ["validator", valoper],
        ["delegator", delegator],
      ]),
    );
    return amount;
  }

  commission(store: KVStore, valoper: string): bigint {
    return readInt(store, keys.commission(valoper));
  }

  withdrawCommission(ctx: Context, valoper: string): bigint {
    const amount = this.commission(ctx.store, valoper);
    const denom = this.params(ctx.store).denom;
    if (amount > 0n)
      this.bank.transfer(ctx, moduleAddress(distributionAccount), operatorAccount(valoper), [{ denom, amount }]);
    writeInt(ctx.store, keys.commission(valoper), 0n);
    ctx.events.emit(event(eventTypes.withdrawCommission, [["amount", `${amount}${denom}`]]));
    return amount;
  }

  /** The SDK's behaviour: a delegation's rewards are paid out whenever its shares change. */
  stakingHooks(): StakingHooks {
    return {
      beforeDelegationSharesModified: (ctx, delegator, valoper) => {
        if (this.staking.getDelegationShares(ctx.store, delegator, valoper) > 0n)
          this.withdrawRewards(ctx, delegator, valoper);
      },
      afterDelegationModified: (ctx, delegator, valoper) => {
        if (this.staking.getDelegationShares(ctx.store, delegator, valoper) === 0n)
          ctx.store.delete(keys.start(delegator, valoper));
        else writeInt(ctx.store, keys.start(delegator, valoper), readInt(ctx.store, keys.acc(valoper)));
      },
    };
  }

  // ---- provider pool ----

  /**
   * For jobs: a provider was just paid `feePaid` for an accepted result. The protocol fee,
   * job_fee_burn_share of it, is burned from that payment, and the burned amount (value that left
   * every address for good) is the provider's weight in this epoch's pool and the base of its cap
   * (docs/economics.md, "Provider pool"). The compute units are recorded but weigh nothing: they
   * are the model registrant's declaration. A self-purchase pays the fee and earns no weight.
   */
  recordVerifiedWork(ctx: Context, provider: string, units: bigint, requester: string, feePaid: bigint): void {
    const p = this.params(ctx.store);
    const fee = mulDec(feePaid, p.jobFeeBurnShare);
    if (fee > 0n) {
      const coins = [{ denom: p.denom, amount: fee }];
      this.bank.transfer(ctx, provider, moduleAddress(emissionsAccount), coins);
      this.bank.burn(ctx, emissionsAccount, coins);
      writeInt(ctx.store, keys.burned, this.burned(ctx.store) + fee);
      ctx.events.emit(
        event(eventTypes.protocolFee, [
          ["provider", provider],
          ["amount", `${fee}${p.denom}`],
        ]),
      );
    }
    if (requester === provider || fee <= 0n) return;
    const [u, f] = this.work(ctx.store, provider);
    ctx.store.set(keys.work(provider), utf8(`${u + (units > 0n ? units : 0n)}/${f + fee}`));
  }

  work(store: KVStore, provider: string): [bigint, bigint] {
    const raw = store.get(keys.work(provider));
    if (raw === undefined) return [0n, 0n];
    const [u, f] = fromUtf8(raw).split("/") as [string, string];
    return [BigInt(u), BigInt(f)];
  }

  *allWork(store: KVStore): IterableIterator<{ provider: string; units: bigint; fees: bigint }> {
    for (const [k] of prefixRange(store, keys.workPrefix)) {
      const provider = k.slice(keys.workPrefix.length);
      const [units, fees] = this.work(store, provider);
      yield { provider, units, fees };
    }
  }

  /**
   * End of an epoch: the pool is shared in proportion to the protocol fees burned from each
   * provider's payments (for other requesters), each provider capped at provider_cap_multiple
   * (< 1) × its burned fees, so that nobody gets back as much as it burned; what is not paid goes
   * to the community pool (the pool does not accumulate across epochs).
   */
  private payProviderPool(ctx: Context, p: EmissionsParams): void {
    const pool = this.bank.getBalance(ctx.store, moduleAddress(providerPoolAccount), p.denom);
    const work = [...this.allWork(ctx.store)];
    const totalBurned = work.reduce((s, w) => s + w.fees, 0n);
    let paid = 0n;
    if (totalBurned > 0n) {
      for (const w of work) {
        let amount = (pool * w.fees) / totalBurned;
        const cap = mulDec(w.fees, p.providerCapMultiple);
        if (amount > cap) amount = cap;
        if (amount === 0n) continue;
        this.bank.transfer(ctx, moduleAddress(providerPoolAccount), w.provider, [{ denom: p.denom, amount }]);
        paid += amount;
        ctx.events.emit(
          event(eventTypes.providerReward, [
            ["provider", w.provider],
            ["amount", `${amount}${p.denom}`],
            ["units", w.units.toString()],
            ["burned", w.fees.toString()],
          ]),
        );
      }
    }
    for (const w of work) ctx.store.delete(keys.work(w.provider));
    if (pool - paid > 0n)
      this.bank.transfer(ctx, moduleAddress(providerPoolAccount), moduleAddress(communityPoolAccount), [
        { denom: p.denom, amount: pool - paid },
      ]);
  }

  // ---- genesis helpers ----

  *accumulators(store: KVStore): IterableIterator<[string, bigint]> {
    for (const [k, raw] of prefixRange(store, keys.accPrefix))
      yield [k.slice(keys.accPrefix.length), BigInt(fromUtf8(raw))];
  }

  *starts(store: KVStore): IterableIterator<[string, string, bigint]> {
    for (const [k, raw] of prefixRange(store, keys.startPrefix)) {
      const [d, v] = k.slice(keys.startPrefix.length).split("/") as [string, string];
      yield [d, v, BigInt(fromUtf8(raw))];
    }
  }

  *commissions(store: KVStore): IterableIterator<[string, bigint]> {
    for (const [k, raw] of prefixRange(store, keys.commissionPrefix))
      yield [k.slice(keys.commissionPrefix.length), BigInt(fromUtf8(raw))];
  }

  setRaw(store: KVStore, key: string, v: bigint): void {
    writeInt(store, key, v);
  }
}
