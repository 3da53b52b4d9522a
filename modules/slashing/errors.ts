import { registerError } from "../sdk/errors.js";

/** Codes as cosmos-sdk x/slashing/types/errors.go. */
export const slashingErrors = {
  noValidatorForAddress: registerError("slashing", 2, "address is not associated with any known validator"),
  badValidatorAddr: registerError("slashing", 3, "validator does not exist for that address"),
  validatorJailed: registerError("slashing", 4, "validator still jailed; cannot be unjailed"),
  validatorNotJailed: registerError("slashing", 5, "validator not jailed; cannot be unjailed"),
  missingSelfDelegation: registerError("slashing", 6, "validator has no self-delegation; cannot be unjailed"),
  selfDelegationTooLow: registerError(
    "slashing",
    7,
    "validator's self delegation less than minimum; cannot be unjailed",
  ),
  noSigningInfoFound: registerError("slashing", 8, "no validator signing info found"),
  validatorTombstoned: registerError("slashing", 9, "validator already tombstoned"),
} as const;
