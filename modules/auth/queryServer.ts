import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import {
  QueryAccountInfoRequest,
  QueryAccountInfoResponse,
  QueryAccountRequest,
  QueryAccountResponse,
  QueryParamsResponse,
} from "cosmjs-types/cosmos/auth/v1beta1/query";
import { validateAddress } from "../sdk/address.js";
import { authErrors } from "./errors.js";
import type { QueryHandler } from "../sdk/module.js";
import { baseAccountTypeUrl, encodeAccount, type AccountKeeper } from "./keeper.js";

/** gRPC-style query handlers on the paths cosmjs's auth extension calls. */
export function authQueries(keeper: AccountKeeper): Record<string, QueryHandler> {
  const lookup = (ctx: Parameters<QueryHandler>[0], address: string) => {
    validateAddress(address);
    const account = keeper.getAccount(ctx.store, address);
    // cosmjs maps exactly this log ("rpc error: code = NotFound") to a null account.
    if (account === null)
      throw authErrors.keyNotFound.wrap(`rpc error: code = NotFound desc = account ${address} not found`);
    return account;
  };
  return {
    "/cosmos.auth.v1beta1.Query/Account": (ctx, data) => {
      const req = QueryAccountRequest.decode(data);
      const account = lookup(ctx, req.address);
      return QueryAccountResponse.encode({
        account: { typeUrl: baseAccountTypeUrl, value: encodeAccount(account) },
      }).finish();
    },
    "/cosmos.auth.v1beta1.Query/AccountInfo": (ctx, data) => {
      const req = QueryAccountInfoRequest.decode(data);
      const account = lookup(ctx, req.address);
      return QueryAccountInfoResponse.encode({ info: BaseAccount.decode(encodeAccount(account)) }).finish();
    },
    "/cosmos.auth.v1beta1.Query/Params": (ctx) => {
      const p = keeper.getParams(ctx.store);
      return QueryParamsResponse.encode({ params: p }).finish();
    },
  };
}
