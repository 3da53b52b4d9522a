import {
  MsgWithdrawDelegatorReward,
  MsgWithdrawDelegatorRewardResponse,
  MsgWithdrawValidatorCommission,
  MsgWithdrawValidatorCommissionResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { bech32Prefix, validateAddress, operatorAccount } from "../sdk/address.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import { stakingErrors } from "./expectedKeepers.js";
import type { EmissionsKeeper } from "./keeper.js";

// The Cosmos-standard reward messages (cosmos.distribution.v1beta1.Msg), so that cosmjs's
// withdrawRewards and wallets work unchanged.

export function emissionsMsgRoutes(k: EmissionsKeeper): MsgRoute<unknown>[] {
  const withdrawReward: MsgRoute<MsgWithdrawDelegatorReward> = {
    typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
    decode: (b) => MsgWithdrawDelegatorReward.decode(b),
    reencode: reencodeOf(MsgWithdrawDelegatorReward),
    signers: (m) => [m.delegatorAddress],
    validateBasic(m) {
      validateAddress(m.delegatorAddress);
      validateAddress(m.validatorAddress, bech32Prefix.validator);
    },
    handle(ctx, m) {
      if (k.staking.getValidator(ctx.store, m.validatorAddress) === null)
        throw stakingErrors.noValidatorFound.wrap(m.validatorAddress);
      if (k.staking.getDelegationShares(ctx.store, m.delegatorAddress, m.validatorAddress) === 0n)
        throw stakingErrors.noDelegation.wrap();
      const amount = k.withdrawRewards(ctx, m.delegatorAddress, m.validatorAddress);
      const denom = k.params(ctx.store).denom;
      return {
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorRewardResponse",
        value: MsgWithdrawDelegatorRewardResponse.encode({
          amount: amount > 0n ? [{ denom, amount: amount.toString() }] : [],
        }).finish(),
      };
    },
  };
  const withdrawCommission: MsgRoute<MsgWithdrawValidatorCommission> = {
    typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
    decode: (b) => MsgWithdrawValidatorCommission.decode(b),
    reencode: reencodeOf(MsgWithdrawValidatorCommission),
    signers: (m) => [operatorAccount(m.validatorAddress)],
    validateBasic(m) {
      validateAddress(m.validatorAddress, bech32Prefix.validator);
    },
    handle(ctx, m) {
      if (k.staking.getValidator(ctx.store, m.validatorAddress) === null)
        throw stakingErrors.noValidatorFound.wrap(m.validatorAddress);
      const amount = k.withdrawCommission(ctx, m.validatorAddress);
      const denom = k.params(ctx.store).denom;
      return {
        typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommissionResponse",
        value: MsgWithdrawValidatorCommissionResponse.encode({
          amount: amount > 0n ? [{ denom, amount: amount.toString() }] : [],
        }).finish(),
      };
    },
  };
  return [withdrawReward, withdrawCommission] as MsgRoute<unknown>[];
}
