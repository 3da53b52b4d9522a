export { createEmissionsModule } from "./module.js";
export { EmissionsKeeper, emissionsAccount, distributionAccount, providerPoolAccount, communityPoolAccount } from "./keeper.js";
