import { updateParamsRoute } from "../gov/authority.js";
import { reputationErrors } from "./errors.js";
import type { MsgRoute } from "../sdk/module.js";
import { codec } from "../sdk/proto.js";
import type { ReputationKeeper } from "./keeper.js";
import { validateParams } from "./params.js";
import type { ReputationParams } from "./types.js";

const file = "reputation/v1/reputation.proto";
export const msgUpdateParamsCodec = codec<{ authority: string; params: ReputationParams | null }>(
  file,
  "tcompute.reputation.v1.MsgUpdateParams",
);
const responseCodec = codec<Record<string, never>>(file, "tcompute.reputation.v1.MsgUpdateParamsResponse");

/** tcompute.reputation.v1.MsgUpdateParams through governance. */
export function reputationUpdateParamsRoute(k: ReputationKeeper): MsgRoute<unknown> {
  return updateParamsRoute({
    typeUrl: msgUpdateParamsCodec.typeUrl,
    decode: (b) => msgUpdateParamsCodec.decode(b),
    reencode: (b) => msgUpdateParamsCodec.reencode(b),
    params: (m) => {
      if (m.params === null) throw reputationErrors.invalidRequest.wrap("reputation: params must be set");
      return m.params;
    },
    validate: validateParams,
    write: (ctx, p) => k.setParams(ctx.store, p),
    response: { typeUrl: responseCodec.typeUrl, value: responseCodec.encode({}) },
  });
}
