import { sdkErrors } from "../sdk/errors.js";

// reputation's errors. It has no messages of its own beyond governance's MsgUpdateParams, and
// its bad inputs (params, genesis records) have always been reported as the root codespace's
// invalid request; a code once released keeps its meaning, so they stay that. A failure only
// reputation can have would get a code registered in a "reputation" codespace here.
export const reputationErrors = {
  /** Params out of range, a malformed genesis record, or MsgUpdateParams without params. */
  invalidRequest: sdkErrors.invalidRequest,
} as const;
