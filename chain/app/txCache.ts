import { hash } from "node:crypto";
import { decodeTx, type DecodedTx, type MsgRouter } from "../../modules/auth/tx.js";

/**
 * Decoded txs by hash, so that a node decodes each tx once: at pre-check, CheckTx, re-check
 * and FinalizeBlock (also for a proposal's or a synced block's txs it has seen). Decoding is a
 * pure function of the bytes (and of the message router, fixed for the app's life), so a hit
 * cannot change an outcome; what depends on state (sequence, balances, signatures against the
 * account's key) is still checked every time by the ante handler. Bounded: the oldest entry goes
 * first, and a tx leaves once its block executed. Bytes that do not decode are not kept.
 */
export interface DecodedTxCache {
  /**
   * The decoded tx, or throws decodeTx's error (code 2) for bytes that do not decode. `last`:
   * this is the tx's block execution, after which it is not expected again, so it is not kept.
   */
  decode(bytes: Uint8Array, last?: boolean): DecodedTx;
  readonly size: number;
}

export const defaultDecodedTxCacheSize = 20_000;

function keyOf(bytes: Uint8Array): string {
  return hash("sha256", bytes, "binary");
}

export function createDecodedTxCache(router: MsgRouter, maxEntries = defaultDecodedTxCacheSize): DecodedTxCache {
  const entries = new Map<string, DecodedTx>();
  return {
    decode(bytes, last = false) {
      const key = keyOf(bytes);
      const hit = entries.get(key);
      if (hit !== undefined) {
        if (last) entries.delete(key);
        return hit;
      }
      const tx = decodeTx(bytes, router);
      if (maxEntries <= 0 || last) return tx;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, tx);
      return tx;
    },
    get size() {
      return entries.size;
    },
  };
}
