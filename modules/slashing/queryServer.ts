import {
  QueryParamsResponse,
  QuerySigningInfoRequest,
  QuerySigningInfoResponse,
  QuerySigningInfosRequest,
  QuerySigningInfosResponse,
} from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { bech32Prefix, decodeAddress } from "../sdk/address.js";
import type { QueryHandler } from "../sdk/module.js";
import { ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { paginateStore } from "../sdk/pagination.js";
import { slashingErrors } from "./errors.js";
import type { SlashingKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { paramsToProto } from "./params.js";

export function slashingQueries(k: SlashingKeeper): Record<string, QueryHandler> {
  return {
    "/cosmos.slashing.v1beta1.Query/Params": (ctx) =>
      QueryParamsResponse.encode({ params: paramsToProto(k.params(ctx.store)) }).finish(),
    "/cosmos.slashing.v1beta1.Query/SigningInfo": (ctx, data) => {
      const req = QuerySigningInfoRequest.decode(data);
      const consHex = Buffer.from(decodeAddress(req.consAddress, bech32Prefix.consensus)).toString("hex").toUpperCase();
      const info = k.getSigningInfo(ctx.store, consHex);
      if (info === null) throw slashingErrors.noSigningInfoFound.wrap(req.consAddress);
      return QuerySigningInfoResponse.encode({ valSigningInfo: info }).finish();
    },
    "/cosmos.slashing.v1beta1.Query/SigningInfos": (ctx, data) => {
      const req = QuerySigningInfosRequest.decode(data);
      const { page, pagination } = paginateStore(ctx.store, keys.signingInfoPrefix, req.pagination, (_consHex, raw) =>
        ValidatorSigningInfo.decode(raw),
      );
      return QuerySigningInfosResponse.encode({ info: page, pagination }).finish();
    },
  };
}
