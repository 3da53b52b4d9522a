import {
  QueryDelegatorValidatorsRequest,
  QueryDelegatorValidatorsResponse,
  QueryValidatorOutstandingRewardsRequest,
  QueryValidatorOutstandingRewardsResponse,
  QueryValidatorSlashesRequest,
  QueryValidatorSlashesResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import { bech32Prefix, validateAddress } from "../sdk/address.js";
import { decOne } from "../sdk/coins.js";
import { emissionsErrors } from "./errors.js";
import type { QueryHandler } from "../sdk/module.js";
import type { EmissionsKeeper } from "./keeper.js";

// The cosmos.distribution.v1beta1.Query paths cosmjs's distribution extension calls besides
// those in queryServer.ts: the validators a delegator has delegated to, a validator's rewards
// not yet withdrawn (its commission plus its delegators' pending rewards), and its slashes.

export function distributionQueries(k: EmissionsKeeper): Record<string, QueryHandler> {
  const d = "/cosmos.distribution.v1beta1.Query";
  const decCoins = (denom: string, amount: bigint) =>
    amount > 0n ? [{ denom, amount: (amount * decOne).toString() }] : [];
  const validator = (ctx: Parameters<QueryHandler>[0], addr: string) => {
    const valoper = validateAddress(addr, bech32Prefix.validator);
    if (k.staking.getValidator(ctx.store, valoper) === null)
      throw emissionsErrors.keyNotFound.wrap(`rpc error: code = NotFound desc = validator ${valoper} does not exist`);
    return valoper;
  };
  return {
    [`${d}/DelegatorValidators`]: (ctx, data) => {
      const req = QueryDelegatorValidatorsRequest.decode(data);
      const validators = [...k.staking.delegationsOf(ctx.store, validateAddress(req.delegatorAddress))]
        .map((x) => x.valoper)
        .sort();
      return QueryDelegatorValidatorsResponse.encode({ validators }).finish();
    },
    [`${d}/ValidatorOutstandingRewards`]: (ctx, data) => {
      const req = QueryValidatorOutstandingRewardsRequest.decode(data);
      const valoper = validator(ctx, req.validatorAddress);
      let total = k.commission(ctx.store, valoper);
      for (const { delegator } of k.staking.delegatorsOf(ctx.store, valoper))
        total += k.pendingRewards(ctx.store, delegator, valoper);
      return QueryValidatorOutstandingRewardsResponse.encode({
        rewards: { rewards: decCoins(k.params(ctx.store).denom, total) },
      }).finish();
    },
    /** Slashes at heights in [starting_height, ending_height]; validator_period is the height (tcompute has no reward periods). */
    [`${d}/ValidatorSlashes`]: (ctx, data) => {
      const req = QueryValidatorSlashesRequest.decode(data);
      if (req.endingHeight < req.startingHeight)
        throw emissionsErrors.invalidRequest.wrap(
          "rpc error: code = InvalidArgument desc = starting height greater than ending height",
        );
      const valoper = validator(ctx, req.validatorAddress);
      const end = req.endingHeight === 0n ? ctx.height : req.endingHeight;
      const { page, pagination } = k.staking.slashEventsPage(
        ctx.store,
        valoper,
        req.startingHeight,
        end,
        req.pagination,
      );
      return QueryValidatorSlashesResponse.encode({
        slashes: page.map((e) => ({ validatorPeriod: e.height, fraction: e.fraction.toString() })),
        pagination,
      }).finish();
    },
  };
}
