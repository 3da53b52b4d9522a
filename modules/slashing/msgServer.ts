import { MsgUnjail, MsgUnjailResponse } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { bech32Prefix, validateAddress, operatorAccount } from "../sdk/address.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import { big } from "../sdk/coins.js";
import { timeLte } from "../sdk/time.js";
import { slashingErrors } from "./errors.js";
import type { SlashingKeeper } from "./keeper.js";

export function slashingMsgRoutes(k: SlashingKeeper): MsgRoute<unknown>[] {
  const unjail: MsgRoute<MsgUnjail> = {
    typeUrl: "/cosmos.slashing.v1beta1.MsgUnjail",
    decode: (b) => MsgUnjail.decode(b),
    reencode: reencodeOf(MsgUnjail),
    signers: (m) => [operatorAccount(m.validatorAddr)],
    validateBasic(m) {
      validateAddress(m.validatorAddr, bech32Prefix.validator);
    },
    handle(ctx, m) {
      const v = k.staking.getValidator(ctx.store, m.validatorAddr);
      if (v === null) throw slashingErrors.badValidatorAddr.wrap(m.validatorAddr);
      const self = k.staking.getDelegationShares(ctx.store, operatorAccount(m.validatorAddr), m.validatorAddr);
      if (self === 0n) throw slashingErrors.missingSelfDelegation.wrap();
      if (k.staking.tokensFromShares(v, self) < big(v.minSelfDelegation))
        throw slashingErrors.selfDelegationTooLow.wrap();
      if (!v.jailed) throw slashingErrors.validatorNotJailed.wrap();
      const consHex = k.staking.consensusAddressHex(v);
      const si = k.getSigningInfo(ctx.store, consHex);
      if (si !== null) {
        if (si.tombstoned)
          throw slashingErrors.validatorJailed.wrap("tombstoned for a double sign: it can never return");
        if (!timeLte(si.jailedUntil, ctx.block.time))
          throw slashingErrors.validatorJailed.wrap(`jailed until ${si.jailedUntil.seconds}s`);
      }
      k.staking.unjail(ctx, m.validatorAddr);
      return { typeUrl: "/cosmos.slashing.v1beta1.MsgUnjailResponse", value: MsgUnjailResponse.encode({}).finish() };
    },
  };
  return [unjail as MsgRoute<unknown>];
}
