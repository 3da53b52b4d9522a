import type { MsgRoute } from "../sdk/module.js";
import type { ReputationKeeper } from "./keeper.js";
import { reputationUpdateParamsRoute } from "./updateParams.js";

/**
 * reputation's messages: only governance's MsgUpdateParams (updateParams.ts). Outcomes are not
 * messages: the jobs module records them through the keeper (recordOutcome) when it settles.
 */
export function reputationMsgRoutes(keeper: ReputationKeeper): MsgRoute<unknown>[] {
  return [reputationUpdateParamsRoute(keeper)];
}
