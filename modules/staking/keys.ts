import type { Timestamp } from "../sdk/context.js";
import { heightKey } from "../sdk/store.js";

// Store layout of the staking module (prefix "staking/"). Addresses are bech32 strings, which
// sort the same as their bytes for a fixed prefix and length; times are zero-padded so that
// the queues iterate in completion order.

const p = "staking/";

/** A time as a sortable key part: 20-digit seconds, 9-digit nanos. */
export function timeKey(t: Timestamp): string {
  return `${t.seconds.toString().padStart(20, "0")}.${t.nanos.toString().padStart(9, "0")}`;
}

export const keys = {
  params: `${p}params`,
  validator: (valoper: string) => `${p}v/${valoper}`,
  validatorPrefix: `${p}v/`,
  /** consensus address (hex) → operator: evidence and commits name validators by consensus key. */
  byConsAddr: (consHex: string) => `${p}c/${consHex}`,
  delegation: (delegator: string, valoper: string) => `${p}d/${delegator}/${valoper}`,
  delegationsOf: (delegator: string) => `${p}d/${delegator}/`,
  delegationPrefix: `${p}d/`,
  /** validator → delegators index, for ValidatorDelegations. */
  delegationByVal: (valoper: string, delegator: string) => `${p}dv/${valoper}/${delegator}`,
  delegationsByVal: (valoper: string) => `${p}dv/${valoper}/`,
  unbonding: (delegator: string, valoper: string) => `${p}u/${delegator}/${valoper}`,
  unbondingsOf: (delegator: string) => `${p}u/${delegator}/`,
  unbondingPrefix: `${p}u/`,
  unbondingByVal: (valoper: string, delegator: string) => `${p}uv/${valoper}/${delegator}`,
  unbondingsByVal: (valoper: string) => `${p}uv/${valoper}/`,
  /** Unbonding queue: completion time → (delegator, validator). */
  unbondingQueue: (t: Timestamp, delegator: string, valoper: string) => `${p}uq/${timeKey(t)}/${delegator}/${valoper}`,
  unbondingQueuePrefix: `${p}uq/`,
  redelegation: (delegator: string, src: string, dst: string) => `${p}r/${delegator}/${src}/${dst}`,
  redelegationsOf: (delegator: string) => `${p}r/${delegator}/`,
  redelegationPrefix: `${p}r/`,
  redelegationQueue: (t: Timestamp, delegator: string, src: string, dst: string) =>
    `${p}rq/${timeKey(t)}/${delegator}/${src}/${dst}`,
  redelegationQueuePrefix: `${p}rq/`,
  /** Slash history (for distribution's ValidatorSlashes): validator, height → fraction (18 decimals). */
  slashEvent: (valoper: string, height: bigint) => `${p}se/${valoper}/${heightKey(height)}`,
  slashEventsOf: (valoper: string) => `${p}se/${valoper}/`,
  /** Validators leaving the bonded set: completion time → operator. */
  validatorQueue: (t: Timestamp, valoper: string) => `${p}vq/${timeKey(t)}/${valoper}`,
  validatorQueuePrefix: `${p}vq/`,
  /** The power each validator had in the last set handed to consensus. */
  lastPower: (valoper: string) => `${p}lp/${valoper}`,
  lastPowerPrefix: `${p}lp/`,
  /** HistoricalInfo of a height (the bonded validators at its BeginBlock), pruned past historical_entries. */
  historicalInfo: (height: bigint) => `${p}hi/${heightKey(height)}`,
  /** Set when stake or status changed: end-block recomputes the set only then. */
  dirty: `${p}dirty`,
  heightKey,
};
