import { Params as PbParams } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import { decOne, formatDec } from "../sdk/coins.js";
import { sdkErrors } from "../sdk/errors.js";
import { fromUtf8, utf8, type KVStore } from "../sdk/store.js";
import { keys } from "./keys.js";

export interface SlashingParams {
  signedBlocksWindow: bigint;
  /** 18-decimal fixed point. */
  minSignedPerWindow: bigint;
  downtimeJailSeconds: bigint;
  slashFractionDoubleSign: bigint;
  slashFractionDowntime: bigint;
}

export function defaultParams(): SlashingParams {
  return {
    signedBlocksWindow: 100n,
    minSignedPerWindow: decOne / 2n,
    downtimeJailSeconds: 600n,
    slashFractionDoubleSign: decOne / 20n,
    slashFractionDowntime: decOne / 100n,
  };
}

/** Longest liveness window: each validator keeps up to this many missed-block entries. */
export const maxSignedBlocksWindow = 1_000_000n;
/** Longest downtime jail. */
export const maxDowntimeJailSeconds = 365n * 24n * 3600n;

export function validateParams(p: SlashingParams): void {
  if (p.signedBlocksWindow < 1n || p.signedBlocksWindow > maxSignedBlocksWindow)
    throw sdkErrors.invalidRequest.wrap(`slashing: signed_blocks_window must be 1 to ${maxSignedBlocksWindow}`);
  for (const [k, v] of [
    ["min_signed_per_window", p.minSignedPerWindow],
    ["slash_fraction_double_sign", p.slashFractionDoubleSign],
    ["slash_fraction_downtime", p.slashFractionDowntime],
  ] as const) {
    if (v < 0n || v > decOne) throw sdkErrors.invalidRequest.wrap(`slashing: ${k} must be between 0 and 1`);
  }
  if (p.downtimeJailSeconds < 1n || p.downtimeJailSeconds > maxDowntimeJailSeconds)
    throw sdkErrors.invalidRequest.wrap(
      `slashing: downtime_jail_duration must be positive and at most ${maxDowntimeJailSeconds}s (365 days)`,
    );
}

/** LegacyDec in proto bytes fields: the ASCII of its 18-decimal integer. */
const decBytes = (d: bigint) => utf8(d.toString());

export function paramsToProto(p: SlashingParams): PbParams {
  return {
    signedBlocksWindow: p.signedBlocksWindow,
    minSignedPerWindow: decBytes(p.minSignedPerWindow),
    downtimeJailDuration: { seconds: p.downtimeJailSeconds, nanos: 0 },
    slashFractionDoubleSign: decBytes(p.slashFractionDoubleSign),
    slashFractionDowntime: decBytes(p.slashFractionDowntime),
  };
}

export function paramsToJson(p: SlashingParams) {
  return {
    signed_blocks_window: p.signedBlocksWindow.toString(),
    min_signed_per_window: formatDec(p.minSignedPerWindow),
    downtime_jail_duration: `${p.downtimeJailSeconds}s`,
    slash_fraction_double_sign: formatDec(p.slashFractionDoubleSign),
    slash_fraction_downtime: formatDec(p.slashFractionDowntime),
  };
}

export function readParams(store: KVStore): SlashingParams {
  const raw = store.get(keys.params);
  if (raw === undefined) return defaultParams();
  const p = PbParams.decode(raw);
  const dec = (b: Uint8Array) => BigInt(fromUtf8(b));
  return {
    signedBlocksWindow: p.signedBlocksWindow,
    minSignedPerWindow: dec(p.minSignedPerWindow),
    downtimeJailSeconds: p.downtimeJailDuration.seconds,
    slashFractionDoubleSign: dec(p.slashFractionDoubleSign),
    slashFractionDowntime: dec(p.slashFractionDowntime),
  };
}

export function writeParams(store: KVStore, p: SlashingParams): void {
  validateParams(p);
  store.set(keys.params, PbParams.encode(paramsToProto(p)).finish());
}
