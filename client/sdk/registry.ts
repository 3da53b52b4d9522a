import { Registry, type GeneratedType } from "@cosmjs/proto-signing";
import { AminoTypes, defaultRegistryTypes, type AminoConverters } from "@cosmjs/stargate";
import { cosmosAminoConverters, tcomputeAminoConverters as convertersFor } from "../../modules/sdk/amino.js";
import { MsgCommunityPoolSpend } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { MsgCancelProposal } from "cosmjs-types/cosmos/gov/v1/tx";
import { MsgUnjail, MsgUpdateParams as MsgUpdateSlashingParams } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgUpdateParams as MsgUpdateAuthParams } from "cosmjs-types/cosmos/auth/v1beta1/tx";
import { MsgUpdateParams as MsgUpdateBankParams } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { MsgUpdateParams as MsgUpdateDistributionParams } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { MsgUpdateParams as MsgUpdateStakingParams } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { moduleBasics } from "../../modules/basics.js";
import type { Codec } from "../../modules/sdk/proto.js";

// Every message tcompute accepts, for @cosmjs/proto-signing's Registry: the Cosmos ones cosmjs
// ships (bank, staking, distribution, slashing, ...) plus tcompute's own, whose codecs come from
// the module protos (modules/sdk/proto.ts).

/** A protobufjs codec in the shape cosmjs expects of generated types. */
export function generatedType<T>(c: Codec<T>): GeneratedType {
  return {
    encode: (message: T) => ({ finish: () => c.encode(message) }),
    decode: (input: Uint8Array) => c.decode(input),
    fromPartial: (object: T) => object,
  } as unknown as GeneratedType;
}

/** Each module's own messages, from the module list (modules/basics.ts). */
export const tcomputeMessageTypes: ReadonlyArray<[string, GeneratedType]> = moduleBasics
  .flatMap((b) => b.msgCodecs)
  .map((c) => [c.typeUrl, generatedType(c)] as [string, GeneratedType]);

/** Cosmos messages tcompute accepts that cosmjs's default registry lacks. */
const extraCosmosTypes: ReadonlyArray<[string, GeneratedType]> = [
  ["/cosmos.slashing.v1beta1.MsgUnjail", MsgUnjail],
  // Governance: cancel, and the messages proposals carry (signed by the gov account).
  ["/cosmos.gov.v1.MsgCancelProposal", MsgCancelProposal],
  ["/cosmos.distribution.v1beta1.MsgCommunityPoolSpend", MsgCommunityPoolSpend],
  ["/cosmos.auth.v1beta1.MsgUpdateParams", MsgUpdateAuthParams],
  ["/cosmos.bank.v1beta1.MsgUpdateParams", MsgUpdateBankParams],
  ["/cosmos.staking.v1beta1.MsgUpdateParams", MsgUpdateStakingParams],
  ["/cosmos.slashing.v1beta1.MsgUpdateParams", MsgUpdateSlashingParams],
  ["/cosmos.distribution.v1beta1.MsgUpdateParams", MsgUpdateDistributionParams],
];

export function tcomputeRegistry(): Registry {
  return new Registry([...defaultRegistryTypes, ...extraCosmosTypes, ...tcomputeMessageTypes]);
}

/**
 * Amino converters of every tcompute message (`tcompute/<module>/<Msg>`), for cosmjs's AminoTypes:
 * what SIGN_MODE_LEGACY_AMINO_JSON signers (Keplr with a Ledger, @cosmjs/amino wallets) sign.
 */
export function tcomputeAminoConverters(): AminoConverters {
  return convertersFor(tcomputeMessageTypes.map(([url]) => url));
}

/** AminoTypes for SigningStargateClient: cosmjs's Cosmos converters, MsgUnjail and tcompute's. */
export function tcomputeAminoTypes(): AminoTypes {
  return new AminoTypes({ ...cosmosAminoConverters(), ...tcomputeAminoConverters() });
}
