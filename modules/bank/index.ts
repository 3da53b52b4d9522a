export { bankErrors } from "./errors.js";
export { BankKeeper, feeCollectorName, type BankParams } from "./keeper.js";
export { createBankModule } from "./module.js";
export { tcuMetadata, type BankGenesisJson } from "./genesis.js";
