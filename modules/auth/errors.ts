import { sdkErrors } from "../sdk/errors.js";

// auth's errors. As in the SDK's x/auth, they are the root codespace's ("sdk"): wallets and cosmjs
// match on them (sdk 32 is a wrong sequence to retry, sdk 13 a fee to raise), so their codes
// cannot move into an "auth" codespace. This names the ones auth's code raises; a failure only
// auth can have would get a new code registered in an "auth" codespace here.
export const authErrors = {
  /** Undecodable tx bytes or an unknown message type URL. */
  txDecode: sdkErrors.txDecode,
  /** A malformed request, genesis entry or parameter. */
  invalidRequest: sdkErrors.invalidRequest,
  /** A genesis account of a type auth does not keep. */
  invalidType: sdkErrors.invalidType,
  /** A public key that is malformed, of an unsupported type or not the signer's. */
  invalidPubKey: sdkErrors.invalidPubKey,
  /** An account asked for that does not exist (cosmjs reads the log as "not found"). */
  keyNotFound: sdkErrors.keyNotFound,
} as const;
