import type { MsgRoute } from "../sdk/module.js";
import type { AccountKeeper } from "./keeper.js";
import { authUpdateParamsRoute } from "./updateParams.js";

/**
 * auth's messages: only governance's MsgUpdateParams (updateParams.ts). Accounts are created by
 * bank on first receipt and their sequences bumped by the ante handler (ante.ts), not by messages.
 */
export function authMsgRoutes(keeper: AccountKeeper): MsgRoute<unknown>[] {
  return [authUpdateParamsRoute(keeper)];
}
