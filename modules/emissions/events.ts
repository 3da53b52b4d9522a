// Event types emissions emits (begin-block minting, fee shares, reward withdrawals).
export const eventTypes = {
  /** Per block: minted amount, fees burned, shares to validators and to providers. */
  mint: "mint",
  /** A delegator's rewards paid out (the SDK's distribution event name). */
  withdrawRewards: "withdraw_rewards",
  /** A validator's commission paid out (the SDK's distribution event name). */
  withdrawCommission: "withdraw_commission",
  /** The protocol's cut of a provider's job fee. */
  protocolFee: "protocol_fee",
  /** A provider's share of the provider pool for its work in an epoch. */
  providerReward: "provider_reward",
} as const;
