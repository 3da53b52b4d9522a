// Event types and attribute keys auth's ante handler emits, as the SDK's x/auth names them
// (cosmjs and indexers search `tx.acc_seq`, `tx.fee_payer`).
export const eventTypes = {
  /** One per signer (acc_seq, then signature), then one with the fee and its payer. */
  tx: "tx",
} as const;

export const attributeKeys = {
  /** `<address>/<sequence>` of a signer before the bump. */
  accSeq: "acc_seq",
  /** A signer's signature, base64 (not indexed). */
  signature: "signature",
  fee: "fee",
  feePayer: "fee_payer",
} as const;
