import { scoreOne } from "./types.js";

// Store prefixes of the reputation module; only ever added, never renumbered.
export const keys = {
  /** -> Params (tcompute.reputation.v1.Params) */
  params: "reputation/params",
  /** provider address -> Record (tcompute.reputation.v1.Record) */
  record: (provider: string) => `reputation/r/${provider}`,
  recordPrefix: "reputation/r/",
  /**
   * score rank, provider -> empty: every record indexed best stored score first (the key holds
   * 1.0 - score, zero-padded), ties by address, so that Ranked reads the top of the index only.
   */
  rank: (score: number, provider: string) => `reputation/s/${String(scoreOne - score).padStart(7, "0")}/${provider}`,
  rankPrefix: "reputation/s/",
} as const;
