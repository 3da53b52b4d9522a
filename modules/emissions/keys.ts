const p = "emissions/";

/** Store layout of emissions (amounts as decimal strings). */
export const keys = {
  params: `${p}params`,
  // -> total minted so far
  minted: `${p}minted`,
  // -> total fees burned so far
  burned: `${p}burned`,
  // -> the per-block amount of the current period
  rate: `${p}rate`,
  // valoper -> reward per share accumulated (scaled by accScale)
  acc: (valoper: string) => `${p}acc/${valoper}`,
  accPrefix: `${p}acc/`,
  // (delegator, valoper) -> the accumulator when this delegation last settled
  start: (delegator: string, valoper: string) => `${p}ds/${delegator}/${valoper}`,
  startPrefix: `${p}ds/`,
  // valoper -> commission not yet withdrawn
  commission: (valoper: string) => `${p}c/${valoper}`,
  commissionPrefix: `${p}c/`,
  // provider -> "units/eligibleFees" of the current epoch
  work: (provider: string) => `${p}w/${provider}`,
  workPrefix: `${p}w/`,
};
