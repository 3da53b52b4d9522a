export { createStakingModule } from "./module.js";
export { StakingKeeper, bondedPoolName, notBondedPoolName, powerReduction, consensusPower, consensusAddress, operatorAccount } from "./keeper.js";
export { stakingErrors } from "./errors.js";
export type { StakingParams } from "./params.js";
