export { createGovModule } from "./module.js";
export { GovKeeper, govAddress, govModuleName } from "./keeper.js";
export { anyFromJson, anyToJson } from "./msgJson.js";
export { govErrors } from "./errors.js";
export { requireGovAuthority, updateParamsRoute } from "./authority.js";
export { depositToJson, proposalToJson, voteToJson } from "./genesis.js";
