// Event types and attribute keys slashing emits at begin-block, as the SDK's x/slashing names them.
export const eventTypes = {
  /** A validator of the last commit missed its precommit. */
  liveness: "liveness",
  /** A validator slashed (and jailed) for downtime or a double sign. */
  slash: "slash",
} as const;

export const attributeKeys = {
  address: "address",
  missedBlocks: "missed_blocks",
  height: "height",
  power: "power",
  reason: "reason",
  jailed: "jailed",
} as const;

/** Values of the slash event's `reason`. */
export const slashReasons = {
  missingSignature: "missing_signature",
  doubleSign: "double_sign",
} as const;
