import { updateParamsRoute } from "../gov/authority.js";
import type { MsgRoute } from "../sdk/module.js";
import { codec } from "../sdk/proto.js";
import { registryErrors } from "./errors.js";
import { paramsFromPb, validateParams, writeParams } from "./params.js";
import type { RegistryParamsPb } from "./types.js";

const file = "registry/v1/registry.proto";
export const msgUpdateParamsCodec = codec<{ authority: string; params: RegistryParamsPb | null }>(
  file,
  "tcompute.registry.v1.MsgUpdateParams",
);
const responseCodec = codec<Record<string, never>>(file, "tcompute.registry.v1.MsgUpdateParamsResponse");

/** tcompute.registry.v1.MsgUpdateParams through governance. */
export function registryUpdateParamsRoute(): MsgRoute<unknown> {
  return updateParamsRoute({
    typeUrl: msgUpdateParamsCodec.typeUrl,
    decode: (b) => msgUpdateParamsCodec.decode(b),
    reencode: (b) => msgUpdateParamsCodec.reencode(b),
    params: (m) => {
      if (m.params === null) throw registryErrors.invalidParams.wrap("params must be set");
      for (const [k, v] of [
        ["min_provider_bond", m.params.minProviderBond],
        ["provider_unbonding_seconds", m.params.providerUnbondingSeconds],
      ] as const) {
        if (!/^[0-9]{1,30}$/.test(v || "0")) throw registryErrors.invalidParams.wrap(`${k} must be a whole number`);
      }
      return paramsFromPb(m.params);
    },
    validate: validateParams,
    write: (ctx, p) => writeParams(ctx.store, p),
    response: { typeUrl: responseCodec.typeUrl, value: responseCodec.encode({}) },
  });
}
