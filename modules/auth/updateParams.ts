import { MsgUpdateParams, MsgUpdateParamsResponse } from "cosmjs-types/cosmos/auth/v1beta1/tx";
import { updateParamsRoute } from "../gov/authority.js";
import { sdkErrors } from "../sdk/errors.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import type { AccountKeeper } from "./keeper.js";
import { defaultParams, validateParams, type Params } from "./params.js";

/**
 * /cosmos.auth.v1beta1.MsgUpdateParams through governance. The SDK's auth params only: the fee
 * floor (min_gas_price, fee_denom), which tcompute adds to auth's genesis, keeps its value.
 */
export function authUpdateParamsRoute(k: AccountKeeper): MsgRoute<unknown> {
  const std = (m: MsgUpdateParams): Omit<Params, "minGasPrice" | "feeDenom"> => {
    if (m.params === undefined) throw sdkErrors.invalidRequest.wrap("auth: params must be set");
    const { maxMemoCharacters, txSigLimit, txSizeCostPerByte, sigVerifyCostEd25519, sigVerifyCostSecp256k1 } = m.params;
    return { maxMemoCharacters, txSigLimit, txSizeCostPerByte, sigVerifyCostEd25519, sigVerifyCostSecp256k1 };
  };
  return updateParamsRoute({
    typeUrl: "/cosmos.auth.v1beta1.MsgUpdateParams",
    decode: (b) => MsgUpdateParams.decode(b),
    reencode: reencodeOf(MsgUpdateParams),
    params: std,
    validate: (p) => validateParams({ ...defaultParams(), ...p }),
    write: (ctx, p) => {
      const next = { ...k.getParams(ctx.store), ...p };
      validateParams(next);
      k.setParams(ctx.store, next);
    },
    response: {
      typeUrl: "/cosmos.auth.v1beta1.MsgUpdateParamsResponse",
      value: MsgUpdateParamsResponse.encode({}).finish(),
    },
  });
}
