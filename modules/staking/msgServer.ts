import {
  BondStatus,
  type CommissionRates,
  type Description,
  type Validator,
} from "cosmjs-types/cosmos/staking/v1beta1/staking";
import {
  MsgBeginRedelegate,
  MsgBeginRedelegateResponse,
  MsgCreateValidator,
  MsgCreateValidatorResponse,
  MsgDelegate,
  MsgDelegateResponse,
  MsgEditValidator,
  MsgEditValidatorResponse,
  MsgUndelegate,
  MsgUndelegateResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { bech32Prefix, decodeAddress, validateAddress, operatorAccount } from "../sdk/address.js";
import { coinFromProto, decOne, big } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import { event } from "../sdk/events.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import { stakingErrors } from "./errors.js";
import { stakingEvents } from "./events.js";
import { addTime, timeLte } from "../sdk/time.js";
import { canonicalConsensusKey, consensusAddress, consensusKey, type StakingKeeper } from "./keeper.js";
import { keys } from "./keys.js";

// The Cosmos-standard staking messages (cosmos.staking.v1beta1.Msg), so that cosmjs's
// delegateTokens / undelegateTokens and wallets work unchanged.

const descriptionLimits: Record<keyof Description, number> = {
  moniker: 70,
  identity: 3000,
  website: 140,
  securityContact: 140,
  details: 280,
};

function checkDescription(d: Description | undefined, requireMoniker: boolean): void {
  if (d === undefined) throw sdkErrors.invalidRequest.wrap("description is required");
  if (requireMoniker && d.moniker.trim() === "") throw sdkErrors.invalidRequest.wrap("moniker must not be empty");
  for (const [k, max] of Object.entries(descriptionLimits) as Array<[keyof Description, number]>) {
    if (d[k].length > max) throw stakingErrors.descriptionTooLong.wrap(`${k} is longer than ${max} characters`);
  }
}

function parseDecAtomics(s: string, what: string): bigint {
  // No leading zeros: amino JSON renders "0100…" and "100…" alike, so two encodings would sign
  // the same (modules/auth/txForm.ts).
  if (!/^(0|[1-9][0-9]{0,39})$/.test(s))
    throw sdkErrors.invalidRequest.wrap(
      `${what} must be an 18-decimal fixed-point integer string without leading zeros, got ${JSON.stringify(s)}`,
    );
  return BigInt(s);
}

function checkCommission(c: CommissionRates | undefined): { rate: bigint; maxRate: bigint; maxChangeRate: bigint } {
  if (c === undefined) throw sdkErrors.invalidRequest.wrap("commission is required");
  const rate = parseDecAtomics(c.rate, "commission rate");
  const maxRate = parseDecAtomics(c.maxRate, "commission max rate");
  const maxChangeRate = parseDecAtomics(c.maxChangeRate, "commission max change rate");
  if (maxRate > decOne) throw stakingErrors.commissionHuge.wrap();
  if (rate > maxRate) throw stakingErrors.commissionGTMaxRate.wrap();
  if (maxChangeRate > maxRate) throw stakingErrors.commissionChangeRateGTMaxRate.wrap();
  return { rate, maxRate, maxChangeRate };
}

function validatorAddressOk(valoper: string): void {
  if (valoper === "") throw stakingErrors.emptyValidatorAddr.wrap();
  validateAddress(valoper, bech32Prefix.validator);
}

function positiveBondCoin(c: { denom: string; amount: string } | undefined, what: string) {
  if (c === undefined) throw sdkErrors.invalidRequest.wrap(`${what} is required`);
  const coin = coinFromProto(c);
  if (coin.amount <= 0n) throw sdkErrors.invalidRequest.wrap(`${what} must be positive`);
  return coin;
}

export function stakingMsgRoutes(k: StakingKeeper): MsgRoute<unknown>[] {
  function bondAmount(ctx: Context, c: { denom: string; amount: string }): bigint {
    const denom = k.params(ctx.store).bondDenom;
    if (c.denom !== denom) throw stakingErrors.badDenom.wrap(`got ${c.denom}, expected ${denom}`);
    return BigInt(c.amount);
  }

  const createValidator: MsgRoute<MsgCreateValidator> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
    decode: (b) => MsgCreateValidator.decode(b),
    reencode: reencodeOf(MsgCreateValidator),
    // SDK 0.50: the operator signs (delegator_address is deprecated and may be empty).
    signers: (m) => [operatorAccount(m.validatorAddress)],
    validateBasic(m) {
      validatorAddressOk(m.validatorAddress);
      if (m.delegatorAddress !== "") {
        validateAddress(m.delegatorAddress);
        if (
          Buffer.compare(
            Buffer.from(decodeAddress(m.delegatorAddress)),
            Buffer.from(decodeAddress(m.validatorAddress, bech32Prefix.validator)),
          ) !== 0
        ) {
          throw sdkErrors.invalidRequest.wrap("delegator address and validator address must be the same account");
        }
      }
      canonicalConsensusKey(m.pubkey);
      positiveBondCoin(m.value, "self delegation");
      checkDescription(m.description, true);
      checkCommission(m.commission);
      const minSelf = big(m.minSelfDelegation);
      if (!/^[0-9]+$/.test(m.minSelfDelegation) || minSelf <= 0n)
        throw sdkErrors.invalidRequest.wrap("minimum self delegation must be a positive integer");
      if (BigInt(m.value.amount) < minSelf) throw stakingErrors.selfDelegationBelowMinimum.wrap();
    },
    handle(ctx, m) {
      const params = k.params(ctx.store);
      const amount = bondAmount(ctx, m.value);
      if (k.getValidator(ctx.store, m.validatorAddress) !== null) throw stakingErrors.validatorOwnerExists.wrap();
      const pk = consensusKey(m.pubkey);
      if (k.validatorByConsAddr(ctx.store, Buffer.from(consensusAddress(pk)).toString("hex")) !== null)
        throw stakingErrors.validatorPubKeyExists.wrap();
      const rates = checkCommission(m.commission);
      if (rates.rate < params.minCommissionRate) throw stakingErrors.commissionLTMinRate.wrap();
      const v: Validator = {
        operatorAddress: m.validatorAddress,
        consensusPubkey: m.pubkey!,
        jailed: false,
        status: BondStatus.BOND_STATUS_UNBONDED,
        tokens: "0",
        delegatorShares: "0",
        description: m.description,
        unbondingHeight: 0n,
        unbondingTime: { seconds: 0n, nanos: 0 },
        commission: { commissionRates: m.commission, updateTime: ctx.block.time },
        minSelfDelegation: m.minSelfDelegation,
        unbondingOnHoldRefCount: 0n,
        unbondingIds: [],
      };
      k.createValidator(ctx.store, v);
      k.delegate(ctx, operatorAccount(m.validatorAddress), v, amount, true);
      ctx.events.emit(
        event(stakingEvents.createValidator, [
          ["validator", m.validatorAddress],
          ["amount", `${amount}${params.bondDenom}`],
        ]),
      );
      return {
        typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidatorResponse",
        value: MsgCreateValidatorResponse.encode({}).finish(),
      };
    },
  };

  const editValidator: MsgRoute<MsgEditValidator> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgEditValidator",
    decode: (b) => MsgEditValidator.decode(b),
    reencode: reencodeOf(MsgEditValidator),
    signers: (m) => [operatorAccount(m.validatorAddress)],
    validateBasic(m) {
      validatorAddressOk(m.validatorAddress);
      checkDescription(m.description, false);
      if (m.commissionRate !== "") parseDecAtomics(m.commissionRate, "commission rate");
      if (m.minSelfDelegation !== "" && (!/^[0-9]+$/.test(m.minSelfDelegation) || BigInt(m.minSelfDelegation) <= 0n))
        throw sdkErrors.invalidRequest.wrap("minimum self delegation must be a positive integer");
    },
    handle(ctx, m) {
      const v = k.mustGetValidator(ctx.store, m.validatorAddress);
      // "[do-not-modify]" keeps a field, as the SDK's CLI sends it.
      const keep = "[do-not-modify]";
      const d = m.description;
      v.description = {
        moniker: d.moniker === keep || d.moniker === "" ? v.description.moniker : d.moniker,
        identity: d.identity === keep ? v.description.identity : d.identity,
        website: d.website === keep ? v.description.website : d.website,
        securityContact: d.securityContact === keep ? v.description.securityContact : d.securityContact,
        details: d.details === keep ? v.description.details : d.details,
      };
      if (m.commissionRate !== "") {
        const rate = BigInt(m.commissionRate);
        const cur = v.commission.commissionRates;
        if (rate > big(cur.maxRate)) throw stakingErrors.commissionGTMaxRate.wrap();
        const change = rate > big(cur.rate) ? rate - big(cur.rate) : big(cur.rate) - rate;
        if (change > big(cur.maxChangeRate)) throw stakingErrors.commissionGTMaxChangeRate.wrap();
        if (!timeLte(addTime(v.commission.updateTime, 24n * 3600n), ctx.block.time))
          throw stakingErrors.commissionUpdateTime.wrap();
        if (rate < k.params(ctx.store).minCommissionRate) throw stakingErrors.commissionLTMinRate.wrap();
        v.commission = { commissionRates: { ...cur, rate: rate.toString() }, updateTime: ctx.block.time };
      }
      if (m.minSelfDelegation !== "") {
        const min = BigInt(m.minSelfDelegation);
        if (min <= big(v.minSelfDelegation)) throw stakingErrors.minSelfDelegationDecreased.wrap();
        if (min > big(v.tokens)) throw stakingErrors.selfDelegationBelowMinimum.wrap();
        v.minSelfDelegation = min.toString();
      }
      k.setValidator(ctx.store, v);
      ctx.events.emit(
        event(stakingEvents.editValidator, [
          ["commission_rate", v.commission.commissionRates.rate],
          ["min_self_delegation", v.minSelfDelegation],
        ]),
      );
      return {
        typeUrl: "/cosmos.staking.v1beta1.MsgEditValidatorResponse",
        value: MsgEditValidatorResponse.encode({}).finish(),
      };
    },
  };

  const delegate: MsgRoute<MsgDelegate> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
    decode: (b) => MsgDelegate.decode(b),
    reencode: reencodeOf(MsgDelegate),
    signers: (m) => [m.delegatorAddress],
    validateBasic(m) {
      if (m.delegatorAddress === "") throw stakingErrors.emptyDelegatorAddr.wrap();
      validateAddress(m.delegatorAddress);
      validatorAddressOk(m.validatorAddress);
      positiveBondCoin(m.amount, "delegation amount");
    },
    handle(ctx, m) {
      const amount = bondAmount(ctx, m.amount);
      const v = k.mustGetValidator(ctx.store, m.validatorAddress);
      const shares = k.delegate(ctx, m.delegatorAddress, v, amount, true);
      ctx.events.emit(
        event(stakingEvents.delegate, [
          ["validator", m.validatorAddress],
          ["delegator", m.delegatorAddress],
          ["amount", `${amount}${m.amount.denom}`],
          ["new_shares", shares.toString()],
        ]),
      );
      return { typeUrl: "/cosmos.staking.v1beta1.MsgDelegateResponse", value: MsgDelegateResponse.encode({}).finish() };
    },
  };

  const undelegate: MsgRoute<MsgUndelegate> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate",
    decode: (b) => MsgUndelegate.decode(b),
    reencode: reencodeOf(MsgUndelegate),
    signers: (m) => [m.delegatorAddress],
    validateBasic(m) {
      if (m.delegatorAddress === "") throw stakingErrors.emptyDelegatorAddr.wrap();
      validateAddress(m.delegatorAddress);
      validatorAddressOk(m.validatorAddress);
      positiveBondCoin(m.amount, "undelegation amount");
    },
    handle(ctx, m) {
      const params = k.params(ctx.store);
      const asked = bondAmount(ctx, m.amount);
      const v = k.mustGetValidator(ctx.store, m.validatorAddress);
      const shares = k.sharesForAmount(ctx.store, m.delegatorAddress, v, asked);
      const fromPool = k.poolOf(v);
      const amount = k.unbond(ctx, m.delegatorAddress, v, shares);
      const completion = addTime(ctx.block.time, params.unbondingTimeSeconds);
      // Stake of a bonded validator leaves the bonded pool now; it is paid out at completion.
      const notBonded = k.poolOf({ ...v, status: BondStatus.BOND_STATUS_UNBONDED });
      if (amount > 0n && fromPool !== notBonded)
        k.bank.transfer(ctx, fromPool, notBonded, [{ denom: params.bondDenom, amount }]);
      if (amount > 0n) k.addUnbondingEntry(ctx, m.delegatorAddress, m.validatorAddress, amount, completion);
      if (big(v.delegatorShares) === 0n && v.status === BondStatus.BOND_STATUS_UNBONDED)
        k.removeValidator(ctx.store, v);
      ctx.events.emit(
        event(stakingEvents.unbond, [
          ["validator", m.validatorAddress],
          ["delegator", m.delegatorAddress],
          ["amount", `${amount}${params.bondDenom}`],
          ["completion_time", `${completion.seconds}`],
        ]),
      );
      return {
        typeUrl: "/cosmos.staking.v1beta1.MsgUndelegateResponse",
        value: MsgUndelegateResponse.encode({
          completionTime: completion,
          amount: { denom: params.bondDenom, amount: amount.toString() },
        }).finish(),
      };
    },
  };

  const redelegate: MsgRoute<MsgBeginRedelegate> = {
    typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate",
    decode: (b) => MsgBeginRedelegate.decode(b),
    reencode: reencodeOf(MsgBeginRedelegate),
    signers: (m) => [m.delegatorAddress],
    validateBasic(m) {
      if (m.delegatorAddress === "") throw stakingErrors.emptyDelegatorAddr.wrap();
      validateAddress(m.delegatorAddress);
      validatorAddressOk(m.validatorSrcAddress);
      validatorAddressOk(m.validatorDstAddress);
      if (m.validatorSrcAddress === m.validatorDstAddress) throw stakingErrors.selfRedelegation.wrap();
      positiveBondCoin(m.amount, "redelegation amount");
    },
    handle(ctx, m) {
      const params = k.params(ctx.store);
      const asked = bondAmount(ctx, m.amount);
      const src = k.mustGetValidator(ctx.store, m.validatorSrcAddress);
      const dst = k.getValidator(ctx.store, m.validatorDstAddress);
      if (dst === null) throw stakingErrors.badRedelegationDst.wrap();
      // No hopping: stake that arrived by redelegation must mature before it moves again.
      if (k.hasReceivingRedelegation(ctx.store, m.delegatorAddress, m.validatorSrcAddress))
        throw stakingErrors.transitiveRedelegation.wrap();
      const existing = k.getRedelegation(ctx.store, m.delegatorAddress, m.validatorSrcAddress, m.validatorDstAddress);
      if (existing !== null && existing.entries.length >= params.maxEntries)
        throw stakingErrors.maxRedelegationEntries.wrap();
      const shares = k.sharesForAmount(ctx.store, m.delegatorAddress, src, asked);
      const fromPool = k.poolOf(src);
      const srcStatus = src.status;
      const srcUnbondingTime = src.unbondingTime;
      const amount = k.unbond(ctx, m.delegatorAddress, src, shares);
      if (amount === 0n) throw stakingErrors.tinyRedelegationAmount.wrap();
      const sharesDst = k.delegate(ctx, m.delegatorAddress, dst, amount, false, fromPool);
      if (big(src.delegatorShares) === 0n && src.status === BondStatus.BOND_STATUS_UNBONDED)
        k.removeValidator(ctx.store, src);
      // As the SDK's getBeginInfo: from a bonded validator the entry lasts the unbonding period,
      // from an unbonding one until it is unbonded, from an unbonded one it completes now.
      let completion = ctx.block.time;
      if (srcStatus === BondStatus.BOND_STATUS_BONDED)
        completion = addTime(ctx.block.time, params.unbondingTimeSeconds);
      else if (srcStatus === BondStatus.BOND_STATUS_UNBONDING) completion = srcUnbondingTime;
      if (!timeLte(completion, ctx.block.time)) {
        const r = existing ?? {
          delegatorAddress: m.delegatorAddress,
          validatorSrcAddress: m.validatorSrcAddress,
          validatorDstAddress: m.validatorDstAddress,
          entries: [],
        };
        r.entries.push({
          creationHeight: ctx.height,
          completionTime: completion,
          initialBalance: amount.toString(),
          sharesDst: sharesDst.toString(),
          unbondingId: 0n,
          unbondingOnHoldRefCount: 0n,
        });
        k.setRedelegation(ctx.store, r);
        ctx.store.set(
          keys.redelegationQueue(completion, m.delegatorAddress, m.validatorSrcAddress, m.validatorDstAddress),
          new Uint8Array(),
        );
      }
      ctx.events.emit(
        event(stakingEvents.redelegate, [
          ["source_validator", m.validatorSrcAddress],
          ["destination_validator", m.validatorDstAddress],
          ["amount", `${amount}${params.bondDenom}`],
          ["completion_time", `${completion.seconds}`],
        ]),
      );
      return {
        typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegateResponse",
        value: MsgBeginRedelegateResponse.encode({ completionTime: completion }).finish(),
      };
    },
  };

  return [createValidator, editValidator, delegate, undelegate, redelegate] as MsgRoute<unknown>[];
}
