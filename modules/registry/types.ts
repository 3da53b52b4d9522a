import type { PageRequestPb, PageResponsePb } from "../sdk/pagination.js";
import { codec } from "../sdk/proto.js";

// The registry's messages as TypeScript sees them (mirroring proto/registry/v1/registry.proto;
// 64-bit numbers and amounts are decimal strings, see modules/sdk/proto.ts).

const file = "registry/v1/registry.proto";
const pkg = "tcompute.registry.v1";

export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
}

/**
 * The registrant's recipe for one input of a capability challenge (proto ChallengeTensor): the
 * concrete shape, and for integer or bool inputs the values drawn from.
 */
export interface ChallengeTensor {
  name: string;
  shape: number[];
  values: string[];
}

export interface ComparisonRule {
  sketchSize: number;
  tolerance: number;
  topK: number;
}

export interface Model {
  hash: string;
  name: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  computeUnits: string;
  rule: ComparisonRule | null;
  uri: string;
  owner: string;
  registeredHeight: string;
  /** Empty: the chain's default rule (modules/jobs/challenges.ts, challengeable). */
  challengeInputs: ChallengeTensor[];
}

export interface Gpu {
  vendor: string;
  model: string;
  memoryMib: number;
  count: number;
}

export const ProviderStatus = { unspecified: 0, active: 1, paused: 2, jailed: 3, unbonding: 4 } as const;
export type ProviderStatus = (typeof ProviderStatus)[keyof typeof ProviderStatus];

/** A provider: its offer (as MsgRegisterProvider / MsgUpdateProvider set it) and its state. */
export interface Provider extends ProviderOffer {
  bond: string;
  status: ProviderStatus;
  unbondingCompletion: string;
  challengesPassed: number;
  challengesFailed: number;
  registeredHeight: string;
  /** Height until which a jail for consecutive faults runs ("0": none). */
  jailedUntil: string;
  /** A failed capability challenge holds the provider jailed until it passes one. */
  challengeHold: boolean;
}

export interface RegistryParamsPb {
  minProviderBond: string;
  bondDenom: string;
  maxModelsPerProvider: number;
  maxGpusPerProvider: number;
  maxSlots: number;
  providerUnbondingSeconds: string;
  faultJailBlocks: string;
  minSketchSize: number;
  maxSketchSize: number;
  maxTolerance: number;
  maxTopK: number;
  maxComputeUnits: string;
}

export interface MsgRegisterModel {
  owner: string;
  hash: string;
  name: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  computeUnits: string;
  rule: ComparisonRule | null;
  uri: string;
  /** One per input, or none (absent and empty alike: the chain's default rule). */
  challengeInputs?: ChallengeTensor[];
}

export interface ProviderOffer {
  owner: string;
  moniker: string;
  gpus: Gpu[];
  models: string[];
  pricePerUnit: string;
  slots: number;
  x25519Pubkey: Uint8Array;
  endpoint: string;
}
export interface MsgRegisterProvider extends ProviderOffer {
  bond: string;
}
export interface MsgUpdateProvider extends ProviderOffer {
  addBond: string;
}
export interface MsgOwner {
  owner: string;
}
export interface MsgDeregisterProviderResponse {
  completionTime: string;
}

export type { PageRequestPb, PageResponsePb };

export const codecs = {
  model: codec<Model>(file, `${pkg}.Model`),
  provider: codec<Provider>(file, `${pkg}.Provider`),
  params: codec<RegistryParamsPb>(file, `${pkg}.Params`),
  msgRegisterModel: codec<MsgRegisterModel>(file, `${pkg}.MsgRegisterModel`),
  msgRegisterModelResponse: codec<Record<string, never>>(file, `${pkg}.MsgRegisterModelResponse`),
  msgRegisterProvider: codec<MsgRegisterProvider>(file, `${pkg}.MsgRegisterProvider`),
  msgRegisterProviderResponse: codec<Record<string, never>>(file, `${pkg}.MsgRegisterProviderResponse`),
  msgUpdateProvider: codec<MsgUpdateProvider>(file, `${pkg}.MsgUpdateProvider`),
  msgUpdateProviderResponse: codec<Record<string, never>>(file, `${pkg}.MsgUpdateProviderResponse`),
  msgPauseProvider: codec<MsgOwner>(file, `${pkg}.MsgPauseProvider`),
  msgPauseProviderResponse: codec<Record<string, never>>(file, `${pkg}.MsgPauseProviderResponse`),
  msgResumeProvider: codec<MsgOwner>(file, `${pkg}.MsgResumeProvider`),
  msgResumeProviderResponse: codec<Record<string, never>>(file, `${pkg}.MsgResumeProviderResponse`),
  msgUnjailProvider: codec<MsgOwner>(file, `${pkg}.MsgUnjailProvider`),
  msgUnjailProviderResponse: codec<Record<string, never>>(file, `${pkg}.MsgUnjailProviderResponse`),
  msgDeregisterProvider: codec<MsgOwner>(file, `${pkg}.MsgDeregisterProvider`),
  msgDeregisterProviderResponse: codec<MsgDeregisterProviderResponse>(file, `${pkg}.MsgDeregisterProviderResponse`),
  queryModelRequest: codec<{ hash: string }>(file, `${pkg}.QueryModelRequest`),
  queryModelByNameRequest: codec<{ name: string; owner?: string }>(file, `${pkg}.QueryModelByNameRequest`),
  queryModelResponse: codec<{ model: Model | null }>(file, `${pkg}.QueryModelResponse`),
  queryModelsRequest: codec<{ pagination: PageRequestPb | null }>(file, `${pkg}.QueryModelsRequest`),
  queryModelsResponse: codec<{ models: Model[]; pagination: PageResponsePb | null }>(
    file,
    `${pkg}.QueryModelsResponse`,
  ),
  queryProviderRequest: codec<{ owner: string }>(file, `${pkg}.QueryProviderRequest`),
  queryProviderResponse: codec<{ provider: Provider | null }>(file, `${pkg}.QueryProviderResponse`),
  queryProvidersRequest: codec<{ model: string; status: number; pagination: PageRequestPb | null }>(
    file,
    `${pkg}.QueryProvidersRequest`,
  ),
  queryProvidersResponse: codec<{ providers: Provider[]; pagination: PageResponsePb | null }>(
    file,
    `${pkg}.QueryProvidersResponse`,
  ),
  queryParamsResponse: codec<{ params: RegistryParamsPb | null }>(file, `${pkg}.QueryParamsResponse`),
};
