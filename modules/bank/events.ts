// Event types of bank, as the SDK names them.
export const eventTypes = {
  transfer: "transfer",
  coinSpent: "coin_spent",
  coinReceived: "coin_received",
  coinbase: "coinbase",
  burn: "burn",
} as const;
