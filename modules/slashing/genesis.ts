import { parseDec } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import { asArray, asBool, asObject, asString, asUint, field, optField } from "../sdk/json.js";
import { formatTime, parseTime } from "../sdk/time.js";
import { bech32Prefix, decodeAddress } from "../sdk/address.js";
import { consBech32, type SlashingKeeper } from "./keeper.js";
import { defaultParams, paramsToJson, validateParams, writeParams, type SlashingParams } from "./params.js";

export function defaultGenesis() {
  return { params: paramsToJson(defaultParams()), signing_infos: [], missed_blocks: [] };
}

interface Parsed {
  params: SlashingParams;
  infos: Array<{
    consHex: string;
    startHeight: bigint;
    indexOffset: bigint;
    jailedUntil: { seconds: bigint; nanos: number };
    tombstoned: boolean;
    missedBlocksCounter: bigint;
    missed: bigint[];
  }>;
}

export function parseGenesis(json: unknown): Parsed {
  const o = asObject(json, "slashing");
  const p = asObject(field(o, "params", "slashing"), "slashing.params");
  const dur = asString(field(p, "downtime_jail_duration", "slashing.params"), "slashing.params.downtime_jail_duration");
  const m = /^([0-9]{1,12})s$/.exec(dur);
  if (m === null)
    throw sdkErrors.invalidRequest.wrap('slashing.params.downtime_jail_duration must be whole seconds like "600s"');
  const params: SlashingParams = {
    signedBlocksWindow: asUint(
      field(p, "signed_blocks_window", "slashing.params"),
      "slashing.params.signed_blocks_window",
    ),
    minSignedPerWindow: parseDec(
      asString(field(p, "min_signed_per_window", "slashing.params"), "slashing.params.min_signed_per_window"),
    ),
    downtimeJailSeconds: BigInt(m[1]!),
    slashFractionDoubleSign: parseDec(
      asString(field(p, "slash_fraction_double_sign", "slashing.params"), "slashing.params.slash_fraction_double_sign"),
    ),
    slashFractionDowntime: parseDec(
      asString(field(p, "slash_fraction_downtime", "slashing.params"), "slashing.params.slash_fraction_downtime"),
    ),
  };
  validateParams(params);
  const missedBy = new Map<string, bigint[]>();
  for (const [i, mb] of asArray(optField(o, "missed_blocks") ?? [], "slashing.missed_blocks").entries()) {
    const x = asObject(mb, `slashing.missed_blocks[${i}]`);
    const consHex = Buffer.from(
      decodeAddress(asString(field(x, "address", "missed"), "address"), bech32Prefix.consensus),
    )
      .toString("hex")
      .toUpperCase();
    missedBy.set(
      consHex,
      asArray(field(x, "missed_blocks", "missed"), "missed_blocks").map((b) =>
        asUint(field(asObject(b, "missed"), "index", "missed"), "index"),
      ),
    );
  }
  const infos = asArray(optField(o, "signing_infos") ?? [], "slashing.signing_infos").map((s, i) => {
    const x = asObject(s, `slashing.signing_infos[${i}]`);
    const path = `slashing.signing_infos[${i}]`;
    const consHex = Buffer.from(
      decodeAddress(asString(field(x, "address", path), `${path}.address`), bech32Prefix.consensus),
    )
      .toString("hex")
      .toUpperCase();
    const si = asObject(field(x, "validator_signing_info", path), path);
    let jailedUntil;
    try {
      jailedUntil = parseTime(asString(field(si, "jailed_until", path), `${path}.jailed_until`));
    } catch (e) {
      throw sdkErrors.invalidRequest.wrap(`${path}.jailed_until: ${(e as Error).message}`);
    }
    return {
      consHex,
      startHeight: asUint(field(si, "start_height", path), path),
      indexOffset: asUint(field(si, "index_offset", path), path),
      jailedUntil,
      tombstoned: asBool(field(si, "tombstoned", path), path),
      missedBlocksCounter: asUint(field(si, "missed_blocks_counter", path), path),
      missed: missedBy.get(consHex) ?? [],
    };
  });
  return { params, infos };
}

export function initGenesis(ctx: Context, k: SlashingKeeper, g: Parsed): void {
  writeParams(ctx.store, g.params);
  for (const s of g.infos) {
    k.setSigningInfo(ctx.store, s.consHex, {
      address: consBech32(s.consHex),
      startHeight: s.startHeight,
      indexOffset: s.indexOffset,
      jailedUntil: s.jailedUntil,
      tombstoned: s.tombstoned,
      missedBlocksCounter: s.missedBlocksCounter,
    });
    for (const i of s.missed) k.setMissed(ctx.store, s.consHex, i, true);
  }
}

export function exportGenesis(ctx: Context, k: SlashingKeeper) {
  const infos = [...k.signingInfos(ctx.store)];
  return {
    params: paramsToJson(k.params(ctx.store)),
    signing_infos: infos.map(({ info }) => ({
      address: info.address,
      validator_signing_info: {
        address: info.address,
        start_height: info.startHeight.toString(),
        index_offset: info.indexOffset.toString(),
        jailed_until: formatTime(info.jailedUntil),
        tombstoned: info.tombstoned,
        missed_blocks_counter: info.missedBlocksCounter.toString(),
      },
    })),
    missed_blocks: infos.map(({ consHex, info }) => ({
      address: info.address,
      missed_blocks: k.missedIndices(ctx.store, consHex).map((index) => ({ index: index.toString(), missed: true })),
    })),
  };
}
