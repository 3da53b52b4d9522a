export { createSlashingModule, slashingBasics } from "./module.js";
export { SlashingKeeper, consBech32 } from "./keeper.js";
export { slashingErrors } from "./errors.js";
export type { StakingForSlashing } from "./expectedKeepers.js";
export type { SlashingParams } from "./params.js";
