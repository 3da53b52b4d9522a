import { updateParamsRoute } from "../gov/authority.js";
import type { MsgRoute } from "../sdk/module.js";
import { codec } from "../sdk/proto.js";
import { jobsErrors } from "./errors.js";
import { paramsFromPb, validateParams, writeParams } from "./params.js";
import type { JobsParamsPb } from "./types.js";

const file = "jobs/v1/jobs.proto";
export const msgUpdateParamsCodec = codec<{ authority: string; params: JobsParamsPb | null }>(
  file,
  "tcompute.jobs.v1.MsgUpdateParams",
);
const responseCodec = codec<Record<string, never>>(file, "tcompute.jobs.v1.MsgUpdateParamsResponse");

/** tcompute.jobs.v1.MsgUpdateParams through governance: jobs opened after it use the new params. */
export function jobsUpdateParamsRoute(): MsgRoute<unknown> {
  return updateParamsRoute({
    typeUrl: msgUpdateParamsCodec.typeUrl,
    decode: (b) => msgUpdateParamsCodec.decode(b),
    reencode: (b) => msgUpdateParamsCodec.reencode(b),
    params: (m) => {
      if (m.params === null) throw jobsErrors.invalidParams.wrap("params must be set");
      return paramsFromPb(m.params);
    },
    validate: validateParams,
    write: (ctx, p) => writeParams(ctx.store, p),
    response: { typeUrl: responseCodec.typeUrl, value: responseCodec.encode({}) },
  });
}
