// Store prefixes of the reputation module; only ever added, never renumbered.
export const keys = {
  /** -> Params (tcompute.reputation.v1.Params) */
  params: "reputation/params",
  /** provider address -> Record (tcompute.reputation.v1.Record) */
  record: (provider: string) => `reputation/r/${provider}`,
  recordPrefix: "reputation/r/",
} as const;
