import {
  QueryCommunityPoolResponse,
  QueryDelegationRewardsRequest,
  QueryDelegationRewardsResponse,
  QueryDelegationTotalRewardsRequest,
  QueryDelegationTotalRewardsResponse,
  QueryDelegatorWithdrawAddressRequest,
  QueryDelegatorWithdrawAddressResponse,
  QueryParamsResponse,
  QueryValidatorCommissionRequest,
  QueryValidatorCommissionResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import { bech32Prefix, moduleAddress, validateAddress } from "../sdk/address.js";
import { decOne } from "../sdk/coins.js";
import type { QueryHandler } from "../sdk/module.js";
import { codec } from "../sdk/proto.js";
import { communityPoolAccount, providerPoolAccount, type EmissionsKeeper } from "./keeper.js";
import { paramsToPb, type ParamsPb } from "./params.js";

// cosmos.distribution.v1beta1.Query paths cosmjs's distribution extension calls (rewards as
// DecCoins: 18-decimal atomics), and tcompute.emissions.v1.Query for the schedule, totals and
// the provider pool.

const file = "emissions/v1/emissions.proto";
/** The tcompute.emissions.v1.Query responses (the server encodes them, clients decode them). */
export const emissionsQueryCodecs = {
  schedule: codec<{ params: ParamsPb | null; currentPerBlock: string; nextDecayHeight: string }>(
    file,
    "tcompute.emissions.v1.QueryScheduleResponse",
  ),
  totals: codec<{ minted: string; burnedFees: string; communityPool: string }>(
    file,
    "tcompute.emissions.v1.QueryTotalsResponse",
  ),
  providerPool: codec<{
    balance: string;
    nextPayoutHeight: string;
    work: Array<{ provider: string; units: string; eligibleFees: string }>;
  }>(file, "tcompute.emissions.v1.QueryProviderPoolResponse"),
};

export function emissionsQueries(k: EmissionsKeeper): Record<string, QueryHandler> {
  const decCoins = (denom: string, amount: bigint) =>
    amount > 0n ? [{ denom, amount: (amount * decOne).toString() }] : [];
  const d = "/cosmos.distribution.v1beta1.Query";
  const e = "/tcompute.emissions.v1.Query";
  return {
    [`${d}/DelegationRewards`]: (ctx, data) => {
      const req = QueryDelegationRewardsRequest.decode(data);
      validateAddress(req.delegatorAddress);
      validateAddress(req.validatorAddress, bech32Prefix.validator);
      return QueryDelegationRewardsResponse.encode({
        rewards: decCoins(
          k.params(ctx.store).denom,
          k.pendingRewards(ctx.store, req.delegatorAddress, req.validatorAddress),
        ),
      }).finish();
    },
    [`${d}/DelegationTotalRewards`]: (ctx, data) => {
      const req = QueryDelegationTotalRewardsRequest.decode(data);
      validateAddress(req.delegatorAddress);
      const denom = k.params(ctx.store).denom;
      let total = 0n;
      const rewards = [...k.staking.delegationsOf(ctx.store, req.delegatorAddress)].map(({ valoper }) => {
        const r = k.pendingRewards(ctx.store, req.delegatorAddress, valoper);
        total += r;
        return { validatorAddress: valoper, reward: decCoins(denom, r) };
      });
      return QueryDelegationTotalRewardsResponse.encode({ rewards, total: decCoins(denom, total) }).finish();
    },
    [`${d}/ValidatorCommission`]: (ctx, data) => {
      const req = QueryValidatorCommissionRequest.decode(data);
      validateAddress(req.validatorAddress, bech32Prefix.validator);
      return QueryValidatorCommissionResponse.encode({
        commission: { commission: decCoins(k.params(ctx.store).denom, k.commission(ctx.store, req.validatorAddress)) },
      }).finish();
    },
    [`${d}/CommunityPool`]: (ctx) => {
      const denom = k.params(ctx.store).denom;
      return QueryCommunityPoolResponse.encode({
        pool: decCoins(denom, k.bank.getBalance(ctx.store, moduleAddress(communityPoolAccount), denom)),
      }).finish();
    },
    [`${d}/DelegatorWithdrawAddress`]: (_ctx, data) => {
      const req = QueryDelegatorWithdrawAddressRequest.decode(data);
      return QueryDelegatorWithdrawAddressResponse.encode({
        withdrawAddress: validateAddress(req.delegatorAddress),
      }).finish();
    },
    [`${d}/Params`]: () =>
      QueryParamsResponse.encode({
        params: { communityTax: "0", baseProposerReward: "0", bonusProposerReward: "0", withdrawAddrEnabled: false },
      }).finish(),
    [`${e}/Schedule`]: (ctx) => {
      const p = k.params(ctx.store);
      const next = (ctx.height / p.decayEveryBlocks + 1n) * p.decayEveryBlocks;
      return emissionsQueryCodecs.schedule.encode({
        params: paramsToPb(p),
        currentPerBlock: k.scheduledAt(ctx.store).toString(),
        nextDecayHeight: next.toString(),
      });
    },
    [`${e}/Totals`]: (ctx) => {
      const denom = k.params(ctx.store).denom;
      return emissionsQueryCodecs.totals.encode({
        minted: k.minted(ctx.store).toString(),
        burnedFees: k.burned(ctx.store).toString(),
        communityPool: k.bank.getBalance(ctx.store, moduleAddress(communityPoolAccount), denom).toString(),
      });
    },
    [`${e}/ProviderPool`]: (ctx) => {
      const p = k.params(ctx.store);
      return emissionsQueryCodecs.providerPool.encode({
        balance: k.bank.getBalance(ctx.store, moduleAddress(providerPoolAccount), p.denom).toString(),
        nextPayoutHeight: ((ctx.height / p.epochBlocks + 1n) * p.epochBlocks).toString(),
        work: [...k.allWork(ctx.store)].map((w) => ({
          provider: w.provider,
          units: w.units.toString(),
          eligibleFees: w.fees.toString(),
        })),
      });
    },
  };
}
