import type { Context } from "../sdk/context.js";
import { event } from "../sdk/events.js";
import type { BeginBlockInfo } from "../sdk/module.js";
import { addTime } from "../sdk/time.js";
import { consBech32, farFuture, type SlashingKeeper } from "./keeper.js";

// Begin-block of slashing (the SDK's x/slashing and x/evidence): every validator of the last
// commit moves its sliding window of signed / missed blocks; too many misses slash and jail for
// downtime. Double signs reported by consensus slash harder and tombstone for good.

/** CometBFT applies validator updates two blocks later: an infraction at H used the set of H. */
const validatorUpdateDelay = 1n;

export function handleLiveness(ctx: Context, k: SlashingKeeper, info: BeginBlockInfo): void {
  const params = k.params(ctx.store);
  const maxMissed = params.signedBlocksWindow - (params.signedBlocksWindow * params.minSignedPerWindow) / 10n ** 18n;
  for (const vote of info.lastCommit) {
    const consHex = Buffer.from(vote.address).toString("hex").toUpperCase();
    const v = k.staking.validatorByConsAddr(ctx.store, consHex);
    if (v === null) continue; // a genesis validator outside staking: nothing to slash
    const si = k.getSigningInfo(ctx.store, consHex) ?? {
      address: consBech32(consHex),
      startHeight: ctx.height,
      indexOffset: 0n,
      jailedUntil: { seconds: 0n, nanos: 0 },
      tombstoned: false,
      missedBlocksCounter: 0n,
    };
    const index = si.indexOffset % params.signedBlocksWindow;
    si.indexOffset += 1n;
    const before = k.missed(ctx.store, consHex, index);
    if (!vote.signed && !before) {
      k.setMissed(ctx.store, consHex, index, true);
      si.missedBlocksCounter += 1n;
    } else if (vote.signed && before) {
      k.setMissed(ctx.store, consHex, index, false);
      si.missedBlocksCounter -= 1n;
    }
    if (!vote.signed)
      ctx.events.emit(
        event("liveness", [
          ["address", si.address],
          ["missed_blocks", si.missedBlocksCounter.toString()],
          ["height", ctx.height.toString()],
        ]),
      );
    const minHeight = si.startHeight + params.signedBlocksWindow;
    if (ctx.height > minHeight && si.missedBlocksCounter > maxMissed && !v.jailed) {
      const infraction = ctx.height - validatorUpdateDelay - 1n;
      k.staking.slash(ctx, v, infraction, vote.power, params.slashFractionDowntime);
      k.staking.jail(ctx, v.operatorAddress);
      si.jailedUntil = addTime(ctx.block.time, params.downtimeJailSeconds);
      si.missedBlocksCounter = 0n;
      si.indexOffset = 0n;
      k.clearMissed(ctx.store, consHex);
      ctx.events.emit(
        event("slash", [
          ["address", si.address],
          ["power", vote.power.toString()],
          ["reason", "missing_signature"],
          ["jailed", si.address],
        ]),
      );
      ctx.logger.info("validator jailed for downtime", { validator: v.operatorAddress, height: ctx.height });
    }
    k.setSigningInfo(ctx.store, consHex, si);
  }
}

export function handleDoubleSigns(ctx: Context, k: SlashingKeeper, info: BeginBlockInfo): void {
  const params = k.params(ctx.store);
  for (const m of info.misbehavior) {
    const consHex = Buffer.from(m.address).toString("hex").toUpperCase();
    const v = k.staking.validatorByConsAddr(ctx.store, consHex);
    if (v === null) continue;
    const si = k.getSigningInfo(ctx.store, consHex) ?? {
      address: consBech32(consHex),
      startHeight: ctx.height,
      indexOffset: 0n,
      jailedUntil: { seconds: 0n, nanos: 0 },
      tombstoned: false,
      missedBlocksCounter: 0n,
    };
    if (si.tombstoned) continue; // punished once per validator, as the SDK
    const infraction = m.height - validatorUpdateDelay;
    k.staking.slash(ctx, v, infraction < 1n ? 1n : infraction, m.power, params.slashFractionDoubleSign);
    k.staking.jail(ctx, v.operatorAddress);
    si.jailedUntil = farFuture;
    si.tombstoned = true;
    k.setSigningInfo(ctx.store, consHex, si);
    ctx.events.emit(
      event("slash", [
        ["address", si.address],
        ["power", m.power.toString()],
        ["reason", "double_sign"],
        ["jailed", si.address],
      ]),
    );
    ctx.logger.info("validator slashed and tombstoned for a double sign", {
      validator: v.operatorAddress,
      height: m.height,
    });
  }
}
