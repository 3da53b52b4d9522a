// Event types and attribute keys reputation emits.
export const eventTypes = {
  /** One verified outcome of a provider's result and the score it leaves. */
  reputation: "reputation",
} as const;

export const attributeKeys = {
  provider: "provider",
  /** agree, disagree, noShow, auditPass, auditFail or decline. */
  outcome: "outcome",
  /** The new score, fixed point (10^6 = 1.0). */
  score: "score",
} as const;
