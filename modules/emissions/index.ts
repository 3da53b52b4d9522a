export { createEmissionsModule } from "./module.js";
export {
  EmissionsKeeper,
  emissionsAccount,
  distributionAccount,
  providerPoolAccount,
  communityPoolAccount,
} from "./keeper.js";
export { emissionsQueryCodecs } from "./queryServer.js";
