import {
  BondStatus,
  bondStatusFromJSON,
  UnbondingDelegation,
  Validator,
  Redelegation,
  type DelegationResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/staking";
import {
  QueryDelegationRequest,
  QueryDelegationResponse,
  QueryDelegatorDelegationsRequest,
  QueryDelegatorDelegationsResponse,
  QueryDelegatorUnbondingDelegationsRequest,
  QueryDelegatorUnbondingDelegationsResponse,
  QueryDelegatorValidatorRequest,
  QueryDelegatorValidatorResponse,
  QueryDelegatorValidatorsRequest,
  QueryDelegatorValidatorsResponse,
  QueryParamsResponse,
  QueryPoolResponse,
  QueryRedelegationsRequest,
  QueryRedelegationsResponse,
  QueryUnbondingDelegationRequest,
  QueryUnbondingDelegationResponse,
  QueryValidatorDelegationsRequest,
  QueryValidatorDelegationsResponse,
  QueryValidatorRequest,
  QueryValidatorResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
  QueryValidatorUnbondingDelegationsRequest,
  QueryValidatorUnbondingDelegationsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import { bech32Prefix, moduleAddress, validateAddress } from "../sdk/address.js";
import { fromUtf8, prefixEnd, type KVStore } from "../sdk/store.js";
import { sdkErrors } from "../sdk/errors.js";
import type { QueryHandler } from "../sdk/module.js";
import { paginate, paginateStore } from "../sdk/pagination.js";
import { stakingErrors } from "./errors.js";
import { bondedPoolName, notBondedPoolName, tokensFromShares, type StakingKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { paramsToProto } from "./params.js";

// The query paths of cosmos.staking.v1beta1.Query that cosmjs's staking extension calls.

export function stakingQueries(k: StakingKeeper): Record<string, QueryHandler> {
  const denom = (store: KVStore) => k.params(store).bondDenom;

  function delegationResponse(store: KVStore, delegator: string, valoper: string, shares: bigint): DelegationResponse {
    const v = k.getValidator(store, valoper);
    const balance = v === null ? 0n : tokensFromShares(v, shares);
    return {
      delegation: { delegatorAddress: delegator, validatorAddress: valoper, shares: shares.toString() },
      balance: { denom: denom(store), amount: balance.toString() },
    };
  }

  function validatorParam(addr: string): string {
    if (addr === "") throw stakingErrors.emptyValidatorAddr.wrap();
    return validateAddress(addr, bech32Prefix.validator);
  }

  function delegatorParam(addr: string): string {
    if (addr === "") throw stakingErrors.emptyDelegatorAddr.wrap();
    return validateAddress(addr);
  }

  function redelegationResponse(r: Redelegation) {
    return { redelegation: r, entries: r.entries.map((e) => ({ redelegationEntry: e, balance: e.initialBalance })) };
  }

  return {
    "/cosmos.staking.v1beta1.Query/Validators": (ctx, data) => {
      const req = QueryValidatorsRequest.decode(data);
      let status: BondStatus | null = null;
      if (req.status !== "") {
        status = bondStatusFromJSON(req.status);
        if (status === BondStatus.UNRECOGNIZED || status === BondStatus.BOND_STATUS_UNSPECIFIED)
          throw sdkErrors.invalidRequest.wrap(`invalid validator status ${req.status}`);
      }
      const { page, pagination } = paginateStore(
        ctx.store,
        keys.validatorPrefix,
        req.pagination,
        (_valoper, raw) => {
          const v = Validator.decode(raw);
          return status === null || v.status === status ? v : null;
        },
        status !== null,
      );
      return QueryValidatorsResponse.encode({ validators: page, pagination }).finish();
    },
    "/cosmos.staking.v1beta1.Query/Validator": (ctx, data) => {
      const req = QueryValidatorRequest.decode(data);
      const validator = k.mustGetValidator(ctx.store, validatorParam(req.validatorAddr));
      return QueryValidatorResponse.encode({ validator }).finish();
    },
    "/cosmos.staking.v1beta1.Query/ValidatorDelegations": (ctx, data) => {
      const req = QueryValidatorDelegationsRequest.decode(data);
      const valoper = validatorParam(req.validatorAddr);
      const { page, pagination } = paginateStore(
        ctx.store,
        keys.delegationsByVal(valoper),
        req.pagination,
        (delegator) => ({ delegator, shares: k.getDelegationShares(ctx.store, delegator, valoper) }),
      );
      return QueryValidatorDelegationsResponse.encode({
        delegationResponses: page.map((d) => delegationResponse(ctx.store, d.delegator, valoper, d.shares)),
        pagination,
      }).finish();
    },
    "/cosmos.staking.v1beta1.Query/ValidatorUnbondingDelegations": (ctx, data) => {
      const req = QueryValidatorUnbondingDelegationsRequest.decode(data);
      const valoper = validatorParam(req.validatorAddr);
      const { page, pagination } = paginateStore(
        ctx.store,
        keys.unbondingsByVal(valoper),
        req.pagination,
        (delegator) => k.getUnbonding(ctx.store, delegator, valoper),
      );
      return QueryValidatorUnbondingDelegationsResponse.encode({ unbondingResponses: page, pagination }).finish();
    },
    "/cosmos.staking.v1beta1.Query/Delegation": (ctx, data) => {
      const req = QueryDelegationRequest.decode(data);
      const delegator = delegatorParam(req.delegatorAddr);
      const valoper = validatorParam(req.validatorAddr);
      const shares = k.getDelegationShares(ctx.store, delegator, valoper);
      if (shares === 0n)
        throw stakingErrors.noDelegation.wrap(
          `delegation with delegator ${delegator} not found for validator ${valoper}`,
        );
      return QueryDelegationResponse.encode({
        delegationResponse: delegationResponse(ctx.store, delegator, valoper, shares),
      }).finish();
    },
    "/cosmos.staking.v1beta1.Query/UnbondingDelegation": (ctx, data) => {
      const req = QueryUnbondingDelegationRequest.decode(data);
      const u = k.getUnbonding(ctx.store, delegatorParam(req.delegatorAddr), validatorParam(req.validatorAddr));
      if (u === null) throw stakingErrors.noUnbondingDelegation.wrap();
      return QueryUnbondingDelegationResponse.encode({ unbond: u }).finish();
    },
    "/cosmos.staking.v1beta1.Query/DelegatorDelegations": (ctx, data) => {
      const req = QueryDelegatorDelegationsRequest.decode(data);
      const delegator = delegatorParam(req.delegatorAddr);
      const { page, pagination } = paginateStore(
        ctx.store,
        keys.delegationsOf(delegator),
        req.pagination,
        (valoper, raw) => ({ valoper, shares: BigInt(fromUtf8(raw)) }),
      );
      return QueryDelegatorDelegationsResponse.encode({
        delegationResponses: page.map((d) => delegationResponse(ctx.store, delegator, d.valoper, d.shares)),
        pagination,
      }).finish();
    },
    "/cosmos.staking.v1beta1.Query/DelegatorUnbondingDelegations": (ctx, data) => {
      const req = QueryDelegatorUnbondingDelegationsRequest.decode(data);
      const { page, pagination } = paginateStore(
        ctx.store,
        keys.unbondingsOf(delegatorParam(req.delegatorAddr)),
        req.pagination,
        (_valoper, raw) => UnbondingDelegation.decode(raw),
      );
      return QueryDelegatorUnbondingDelegationsResponse.encode({ unbondingResponses: page, pagination }).finish();
    },
    "/cosmos.staking.v1beta1.Query/Redelegations": (ctx, data) => {
      const req = QueryRedelegationsRequest.decode(data);
      const src = req.srcValidatorAddr === "" ? null : validatorParam(req.srcValidatorAddr);
      const dst = req.dstValidatorAddr === "" ? null : validatorParam(req.dstValidatorAddr);
      const delegator = req.delegatorAddr === "" ? null : delegatorParam(req.delegatorAddr);
      const sortKey = (r: Redelegation) => `${r.delegatorAddress}/${r.validatorSrcAddress}/${r.validatorDstAddress}`;
      if (delegator !== null && src !== null && dst !== null) {
        // As the SDK: one named redelegation that does not exist is NotFound (a list may be empty).
        const one = k.getRedelegation(ctx.store, delegator, src, dst);
        if (one === null)
          throw sdkErrors.keyNotFound.wrap(
            `rpc error: code = NotFound desc = redelegation not found for delegator address ${req.delegatorAddr} from validator address ${src}`,
          );
        const { page, pagination } = paginate([one], sortKey, req.pagination);
        return QueryRedelegationsResponse.encode({
          redelegationResponses: page.map(redelegationResponse),
          pagination,
        }).finish();
      }
      // Paged in the store, keyed delegator/src/dst under the redelegation prefix (next_key is that
      // suffix): a delegator's (from one source) is a key range; a filter drops what it does not name.
      const within = delegator === null ? "" : src === null ? `${delegator}/` : `${delegator}/${src}/`;
      const bounds = within === "" ? {} : { start: within, end: prefixEnd(within) };
      const wants = (r: Redelegation) =>
        (src === null || r.validatorSrcAddress === src) && (dst === null || r.validatorDstAddress === dst);
      const filtered = dst !== null || (delegator === null && src !== null);
      const { page, pagination } = paginateStore(
        ctx.store,
        keys.redelegationPrefix,
        req.pagination,
        (_key, raw) => {
          const r = Redelegation.decode(raw);
          return wants(r) ? r : null;
        },
        filtered,
        bounds,
      );
      return QueryRedelegationsResponse.encode({
        redelegationResponses: page.map(redelegationResponse),
        pagination,
      }).finish();
    },
    "/cosmos.staking.v1beta1.Query/DelegatorValidators": (ctx, data) => {
      const req = QueryDelegatorValidatorsRequest.decode(data);
      const { page, pagination } = paginateStore(
        ctx.store,
        keys.delegationsOf(delegatorParam(req.delegatorAddr)),
        req.pagination,
        (valoper) => k.getValidator(ctx.store, valoper),
        true,
      );
      return QueryDelegatorValidatorsResponse.encode({ validators: page, pagination }).finish();
    },
    "/cosmos.staking.v1beta1.Query/DelegatorValidator": (ctx, data) => {
      const req = QueryDelegatorValidatorRequest.decode(data);
      const delegator = delegatorParam(req.delegatorAddr);
      const valoper = validatorParam(req.validatorAddr);
      if (k.getDelegationShares(ctx.store, delegator, valoper) === 0n) throw stakingErrors.noDelegation.wrap();
      return QueryDelegatorValidatorResponse.encode({ validator: k.mustGetValidator(ctx.store, valoper) }).finish();
    },
    "/cosmos.staking.v1beta1.Query/Pool": (ctx) => {
      const d = denom(ctx.store);
      const pool = {
        bondedTokens: k.bank.getBalance(ctx.store, moduleAddress(bondedPoolName), d).toString(),
        notBondedTokens: k.bank.getBalance(ctx.store, moduleAddress(notBondedPoolName), d).toString(),
      };
      return QueryPoolResponse.encode({ pool }).finish();
    },
    "/cosmos.staking.v1beta1.Query/Params": (ctx) =>
      QueryParamsResponse.encode({ params: paramsToProto(k.params(ctx.store)) }).finish(),
  };
}
