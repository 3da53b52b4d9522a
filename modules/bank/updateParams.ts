import { MsgUpdateParams, MsgUpdateParamsResponse } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { updateParamsRoute } from "../gov/authority.js";
import { sdkErrors } from "../sdk/errors.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import type { BankKeeper } from "./keeper.js";
import { validateParams, type BankParams } from "./params.js";

/**
 * /cosmos.bank.v1beta1.MsgUpdateParams through governance. As the SDK since v0.47, per-denom
 * send_enabled entries are not params any more and are refused here.
 */
export function bankUpdateParamsRoute(k: BankKeeper): MsgRoute<unknown> {
  return updateParamsRoute({
    typeUrl: "/cosmos.bank.v1beta1.MsgUpdateParams",
    decode: (b) => MsgUpdateParams.decode(b),
    reencode: reencodeOf(MsgUpdateParams),
    params: (m): BankParams => {
      if (m.params === undefined) throw sdkErrors.invalidRequest.wrap("bank: params must be set");
      if (m.params.sendEnabled.length > 0)
        throw sdkErrors.invalidRequest.wrap("use of send_enabled in params is no longer supported");
      return { defaultSendEnabled: m.params.defaultSendEnabled };
    },
    validate: validateParams,
    write: (ctx, p) => k.setParams(ctx.store, p),
    response: {
      typeUrl: "/cosmos.bank.v1beta1.MsgUpdateParamsResponse",
      value: MsgUpdateParamsResponse.encode({}).finish(),
    },
  });
}
