export { createRegistryModule } from "./module.js";
export { RegistryKeeper, providerBondsPoolName } from "./keeper.js";
export { registryErrors } from "./errors.js";
export { codecs as registryCodecs, ProviderStatus } from "./types.js";
export type { Model, Provider, Gpu, TensorSpec, ComparisonRule, ChallengeTensor } from "./types.js";
