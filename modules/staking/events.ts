/** Event types and attributes as x/staking emits them, so that explorers and tx_search agree. */
export const stakingEvents = {
  createValidator: "create_validator",
  editValidator: "edit_validator",
  delegate: "delegate",
  unbond: "unbond",
  redelegate: "redelegate",
  completeUnbonding: "complete_unbonding",
  completeRedelegation: "complete_redelegation",
  /** A validator slashed (slash.ts; slashing emits its own `slash` event with the reason). */
  slash: "slash",
} as const;
