import { MsgUpdateParams, MsgUpdateParamsResponse } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { updateParamsRoute } from "../gov/authority.js";
import { sdkErrors } from "../sdk/errors.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import { fromUtf8 } from "../sdk/store.js";
import type { SlashingKeeper } from "./keeper.js";
import { validateParams, writeParams, type SlashingParams } from "./params.js";

/** LegacyDec in a bytes field: the ASCII of its 18-decimal atomics. */
function decBytes(b: Uint8Array, name: string): bigint {
  let s: string;
  try {
    s = fromUtf8(b);
  } catch {
    s = "";
  }
  if (!/^[0-9]{1,40}$/.test(s)) throw sdkErrors.invalidRequest.wrap(`slashing: ${name} must be a LegacyDec`);
  return BigInt(s);
}

/** /cosmos.slashing.v1beta1.MsgUpdateParams through governance. */
export function slashingUpdateParamsRoute(_k: SlashingKeeper): MsgRoute<unknown> {
  return updateParamsRoute({
    typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
    decode: (b) => MsgUpdateParams.decode(b),
    reencode: reencodeOf(MsgUpdateParams),
    params: (m): SlashingParams => {
      const p = m.params;
      if (p === undefined || p.downtimeJailDuration === undefined)
        throw sdkErrors.invalidRequest.wrap("slashing: params and downtime_jail_duration must be set");
      return {
        signedBlocksWindow: p.signedBlocksWindow,
        minSignedPerWindow: decBytes(p.minSignedPerWindow, "min_signed_per_window"),
        downtimeJailSeconds: p.downtimeJailDuration.seconds,
        slashFractionDoubleSign: decBytes(p.slashFractionDoubleSign, "slash_fraction_double_sign"),
        slashFractionDowntime: decBytes(p.slashFractionDowntime, "slash_fraction_downtime"),
      };
    },
    validate: validateParams,
    write: (ctx, p) => writeParams(ctx.store, p),
    response: {
      typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParamsResponse",
      value: MsgUpdateParamsResponse.encode({}).finish(),
    },
  });
}
