export { runAnte, type AnteDeps, type AnteResult } from "./ante.js";
export type { FeeBankKeeper, Secp256k1Verifier } from "./expectedKeepers.js";
export { AccountKeeper, decodeAccount, encodeAccount, type Account, type AccountKeeperView } from "./keeper.js";
export { createAuthModule } from "./module.js";
export { defaultParams, type Params } from "./params.js";
export { decodeTx, txSigners, type DecodedTx, type MsgRouter } from "./tx.js";
