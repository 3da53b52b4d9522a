import type { Coin } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";

/** What the ante handler needs from bank: moving the fee to the fee collector. */
export interface FeeBankKeeper {
  /** Throws sdk insufficientFunds when the payer cannot pay. */
  deductFee(ctx: Context, payer: string, fee: readonly Coin[]): void;
}

/** Verifies a 64-byte compact secp256k1 signature (low-S only) over a 32-byte digest. */
export type Secp256k1Verifier = (signature: Uint8Array, digest: Uint8Array, pubKey: Uint8Array) => boolean;
