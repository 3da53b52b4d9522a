import { MsgUpdateParams, MsgUpdateParamsResponse } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { updateParamsRoute } from "../gov/authority.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import { stakingErrors } from "./errors.js";
import type { StakingKeeper } from "./keeper.js";
import { paramsFromProto, validateParams, writeParams } from "./params.js";

/** /cosmos.staking.v1beta1.MsgUpdateParams through governance; the set is recomputed after. */
export function stakingUpdateParamsRoute(k: StakingKeeper): MsgRoute<unknown> {
  return updateParamsRoute({
    typeUrl: "/cosmos.staking.v1beta1.MsgUpdateParams",
    decode: (b) => MsgUpdateParams.decode(b),
    reencode: reencodeOf(MsgUpdateParams),
    params: (m) => {
      if (m.params === undefined || m.params.unbondingTime === undefined)
        throw stakingErrors.invalidParams.wrap("params and unbonding_time must be set");
      if (!/^[0-9]{1,40}$/.test(m.params.minCommissionRate || "0"))
        throw stakingErrors.invalidParams.wrap("min_commission_rate must be a LegacyDec");
      return paramsFromProto(m.params);
    },
    validate: validateParams,
    write: (ctx, p) => {
      writeParams(ctx.store, p);
      // max_validators may have changed: end-block recomputes the bonded set.
      k.markDirty(ctx.store);
    },
    response: {
      typeUrl: "/cosmos.staking.v1beta1.MsgUpdateParamsResponse",
      value: MsgUpdateParamsResponse.encode({}).finish(),
    },
  });
}
