import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
  QueryDenomMetadataRequest,
  QueryDenomMetadataResponse,
  QueryDenomsMetadataResponse,
  QueryParamsResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { validateAddress } from "../sdk/address.js";
import { coinsToProto, validateDenom } from "../sdk/coins.js";
import type { QueryHandler } from "../sdk/module.js";
import { sdkErrors } from "../sdk/errors.js";
import type { BankKeeper } from "./keeper.js";

/** The bank query paths cosmjs's bank extension calls; all balances come on one page. */
export function bankQueries(keeper: BankKeeper): Record<string, QueryHandler> {
  return {
    "/cosmos.bank.v1beta1.Query/Balance": (ctx, data) => {
      const req = QueryBalanceRequest.decode(data);
      validateAddress(req.address);
      validateDenom(req.denom);
      const amount = keeper.getBalance(ctx.store, req.address, req.denom);
      return QueryBalanceResponse.encode({ balance: { denom: req.denom, amount: amount.toString() } }).finish();
    },
    "/cosmos.bank.v1beta1.Query/AllBalances": (ctx, data) => {
      const req = QueryAllBalancesRequest.decode(data);
      validateAddress(req.address);
      const balances = coinsToProto(keeper.getAllBalances(ctx.store, req.address));
      return QueryAllBalancesResponse.encode({
        balances,
        pagination: { nextKey: new Uint8Array(), total: BigInt(balances.length) },
      }).finish();
    },
    "/cosmos.bank.v1beta1.Query/TotalSupply": (ctx) => {
      const supply = coinsToProto(keeper.totalSupply(ctx.store));
      return QueryTotalSupplyResponse.encode({
        supply,
        pagination: { nextKey: new Uint8Array(), total: BigInt(supply.length) },
      }).finish();
    },
    "/cosmos.bank.v1beta1.Query/SupplyOf": (ctx, data) => {
      const req = QuerySupplyOfRequest.decode(data);
      validateDenom(req.denom);
      return QuerySupplyOfResponse.encode({
        amount: { denom: req.denom, amount: keeper.getSupply(ctx.store, req.denom).toString() },
      }).finish();
    },
    "/cosmos.bank.v1beta1.Query/DenomMetadata": (ctx, data) => {
      const req = QueryDenomMetadataRequest.decode(data);
      const m = keeper.getMetadata(ctx.store, req.denom);
      // As the SDK's gRPC NotFound through ABCI: code 22 (key not found), "rpc error: code = NotFound ...".
      if (m === null)
        throw sdkErrors.keyNotFound.wrap(`rpc error: code = NotFound desc = client metadata for denom ${req.denom}`);
      return QueryDenomMetadataResponse.encode({ metadata: m }).finish();
    },
    "/cosmos.bank.v1beta1.Query/DenomsMetadata": (ctx) => {
      const metadatas = keeper.allMetadata(ctx.store);
      return QueryDenomsMetadataResponse.encode({
        metadatas,
        pagination: { nextKey: new Uint8Array(), total: BigInt(metadatas.length) },
      }).finish();
    },
    "/cosmos.bank.v1beta1.Query/Params": (ctx) => {
      const p = keeper.getParams(ctx.store);
      return QueryParamsResponse.encode({
        params: { sendEnabled: [], defaultSendEnabled: p.defaultSendEnabled },
      }).finish();
    },
  };
}
