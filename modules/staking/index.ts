export { createStakingModule } from "./module.js";
export {
  StakingKeeper,
  bondedPoolName,
  notBondedPoolName,
  powerReduction,
  consensusPower,
  consensusAddress,
} from "./keeper.js";
export { stakingErrors } from "./errors.js";
export { stakingForSlashing } from "./slash.js";
export type { StakingParams } from "./params.js";
