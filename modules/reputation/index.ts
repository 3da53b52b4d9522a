export { createReputationModule } from "./module.js";
export { ReputationKeeper, decayed, type Outcome } from "./keeper.js";
export { scoreOne, codecs as reputationCodecs, type ReputationRecord, type ReputationParams } from "./types.js";
