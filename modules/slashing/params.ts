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
  return { signedBlocksWindow: 100n, minSignedPerWindow: decOne / 2n, downtimeJailSeconds: 600n, slashFractionDoubleSign: decOne / 20n, slashFractionDowntime: decOne / 100n };
}

export function validateParams(p: SlashingParams): void {
  if (p.signedBlocksWindow < 1n) throw sdkErrors.invalidRequest.wrap("slashing: signed_blocks_window must be positive");
  for (const [k, v] of [["min_signed_per_window", p.minSignedPerWindow], ["slash_fraction_double_sign", p.slashFractionDoubleSign], ["slash_fraction_downtime", p.slashFractionDowntime]] as const) {
    if (v < 0n || v > decOne) throw sdkErrors.invalidRequest.wrap(`slashing: ${k} must be between 0 and 1`);
  }
  if (p.downtimeJailSeconds < 1n) throw sdkErrors.invalidRequest.wrap("slashing: downtime_jail_duration must be positive");
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
  return { signedBlocksWindow: p.signedBlocksWindow, minSignedPerWindow: dec(p.minSignedPerWindow), downtimeJailSeconds: p.downtimeJailDuration.seconds, slashFractionDoubleSign: dec(p.slashFractionDoubleSign), slashFractionDowntime: dec(p.slashFractionDowntime) };
}

export function writeParams(store: KVStore, p: SlashingParams): void {
  validateParams(p);
  store.set(keys.params, PbParams.encode(paramsToProto(p)).finish());
}
