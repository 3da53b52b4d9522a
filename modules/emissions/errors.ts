import { registerError, sdkErrors } from "../sdk/errors.js";

// emissions' errors. emissions is also tcompute's x/distribution, so the errors of distribution
// messages keep the SDK's distribution codespace and codes (clients match on them); the rest are
// the root codespace's, as the SDK's distribution module reports malformed requests.
export const emissionsErrors = {
  /** x/distribution's ErrBadDistribution: a community pool spend larger than the pool. */
  badDistribution: registerError("distribution", 9, "community pool does not have sufficient coins to distribute"),
  /** A malformed request, genesis entry or parameter. */
  invalidRequest: sdkErrors.invalidRequest,
  /** A spend of no coins. */
  invalidCoins: sdkErrors.invalidCoins,
  /** A spend to a module account. */
  unauthorized: sdkErrors.unauthorized,
  /** A distribution param tcompute keeps fixed. */
  notSupported: sdkErrors.notSupported,
  /** A query about a validator that does not exist. */
  keyNotFound: sdkErrors.keyNotFound,
} as const;
