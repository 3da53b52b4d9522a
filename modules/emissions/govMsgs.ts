import {
  MsgCommunityPoolSpend,
  MsgCommunityPoolSpendResponse,
  MsgUpdateParams as MsgUpdateDistrParams,
  MsgUpdateParamsResponse as MsgUpdateDistrParamsResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { requireGovAuthority, updateParamsRoute } from "../gov/authority.js";
import { moduleAddress, validateAddress } from "../sdk/address.js";
import { coinsFromProto, decOne, formatCoins } from "../sdk/coins.js";
import { emissionsErrors } from "./errors.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import { codec } from "../sdk/proto.js";
import { communityPoolAccount, type EmissionsKeeper } from "./keeper.js";
import { paramsFromJson, validateParams, writeParams, type ParamsPb } from "./params.js";

// Governance messages of the emissions module (which is also tcompute's distribution module):
// its own MsgUpdateParams, the SDK's MsgCommunityPoolSpend paying out of the community pool, and
// the SDK's distribution MsgUpdateParams.

/** x/distribution's ErrBadDistribution. */
export const errBadDistribution = emissionsErrors.badDistribution;

const file = "emissions/v1/emissions.proto";
export const msgUpdateParamsCodec = codec<{ authority: string; params: ParamsPb | null }>(
  file,
  "tcompute.emissions.v1.MsgUpdateParams",
);
const responseCodec = codec<Record<string, never>>(file, "tcompute.emissions.v1.MsgUpdateParamsResponse");

export function emissionsGovRoutes(k: EmissionsKeeper): MsgRoute<unknown>[] {
  const updateParams = updateParamsRoute({
    typeUrl: msgUpdateParamsCodec.typeUrl,
    decode: (b) => msgUpdateParamsCodec.decode(b),
    reencode: (b) => msgUpdateParamsCodec.reencode(b),
    params: (m) => {
      const b = m.params;
      if (b === null) throw emissionsErrors.invalidRequest.wrap("emissions: params must be set");
      // The genesis parser, so that a proposal is checked exactly as genesis is.
      return paramsFromJson(
        {
          initial_per_block: b.initialPerBlock,
          decay_every_blocks: b.decayEveryBlocks,
          decay_factor: b.decayFactor,
          cap: b.cap,
          validators_share: b.validatorsShare,
          providers_share: b.providersShare,
          fee_burn_share: b.feeBurnShare,
          epoch_blocks: b.epochBlocks,
          provider_cap_multiple: b.providerCapMultiple,
          denom: b.denom,
        },
        "emissions.params",
      );
    },
    validate: validateParams,
    write: (ctx, p) => writeParams(ctx.store, p),
    response: { typeUrl: responseCodec.typeUrl, value: responseCodec.encode({}) },
  });

  const spend: MsgRoute<MsgCommunityPoolSpend> = {
    typeUrl: "/cosmos.distribution.v1beta1.MsgCommunityPoolSpend",
    decode: (b) => MsgCommunityPoolSpend.decode(b),
    reencode: reencodeOf(MsgCommunityPoolSpend),
    signers: (m) => [m.authority],
    validateBasic(m) {
      validateAddress(m.authority);
      validateAddress(m.recipient);
      if (coinsFromProto(m.amount).length === 0) throw emissionsErrors.invalidCoins.wrap("amount must be positive");
    },
    handle(ctx, m) {
      requireGovAuthority(m.authority);
      const amount = coinsFromProto(m.amount);
      if (k.bank.blockedAddr(m.recipient))
        throw emissionsErrors.unauthorized.wrap(`${m.recipient} is not allowed to receive external funds`);
      const pool = moduleAddress(communityPoolAccount);
      for (const c of amount) {
        if (k.bank.getBalance(ctx.store, pool, c.denom) < c.amount)
          throw errBadDistribution.wrap(`asked for ${formatCoins(amount)}`);
      }
      k.bank.transfer(ctx, pool, m.recipient, amount);
      ctx.logger.info("transferred from the community pool", { amount: formatCoins(amount), recipient: m.recipient });
      return {
        typeUrl: "/cosmos.distribution.v1beta1.MsgCommunityPoolSpendResponse",
        value: MsgCommunityPoolSpendResponse.encode({}).finish(),
      };
    },
  };

  // tcompute's distribution params are fixed (rewards are split by the emissions params, and
  // withdraw addresses are not supported): an update is validated as the SDK does and accepted
  // only if it leaves them as they are, so no proposal can claim a change that does nothing.
  const updateDistrParams = updateParamsRoute({
    typeUrl: "/cosmos.distribution.v1beta1.MsgUpdateParams",
    decode: (b) => MsgUpdateDistrParams.decode(b),
    reencode: reencodeOf(MsgUpdateDistrParams),
    params: (m) => {
      if (m.params === undefined) throw emissionsErrors.invalidRequest.wrap("distribution: params must be set");
      const dec = (s: string, name: string) => {
        if (!/^[0-9]{1,40}$/.test(s || "0"))
          throw emissionsErrors.invalidRequest.wrap(`distribution: ${name} must be a LegacyDec`);
        return BigInt(s || "0");
      };
      return {
        communityTax: dec(m.params.communityTax, "community_tax"),
        withdrawAddrEnabled: m.params.withdrawAddrEnabled,
      };
    },
    validate: (p) => {
      if (p.communityTax < 0n || p.communityTax > decOne)
        throw emissionsErrors.invalidRequest.wrap("distribution: community_tax must be between 0 and 1");
    },
    write: (_ctx, p) => {
      if (p.communityTax !== 0n || p.withdrawAddrEnabled) {
        throw emissionsErrors.notSupported.wrap(
          "distribution params are fixed here: the reward split is the emissions params (/tcompute.emissions.v1.MsgUpdateParams)",
        );
      }
    },
    response: {
      typeUrl: "/cosmos.distribution.v1beta1.MsgUpdateParamsResponse",
      value: MsgUpdateDistrParamsResponse.encode({}).finish(),
    },
  });
  return [updateParams, spend as MsgRoute<unknown>, updateDistrParams];
}
