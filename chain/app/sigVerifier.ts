import { createRequire } from "node:module";
import type { Secp256k1Verifier } from "../../modules/auth/expectedKeepers.js";

// libsecp256k1 through the `secp256k1` addon (loaded from its shipped prebuild): about 20x the
// pure-JS verifier. Its verify rejects high-S signatures, as the SDK requires.
const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1") as typeof import("secp256k1");

export function verifySecp256k1(signature: Uint8Array, digest: Uint8Array, pubKey: Uint8Array): boolean {
  try {
    return secp256k1.ecdsaVerify(signature, digest, pubKey);
  } catch {
    return false; // unparsable signature or key
  }
}

/**
 * Remembers successful verifications: a tx verified in CheckTx (or ahead of it, by the
 * pre-verification worker) is not verified again when its block executes. Verification is a
 * pure function of (digest, signature, key), so the cache cannot change any outcome; it is
 * bounded and simply dropped when full.
 */
export interface SigCache {
  verify: Secp256k1Verifier;
  /** Records a verification done elsewhere (the worker). */
  remember(signature: Uint8Array, digest: Uint8Array, pubKey: Uint8Array): void;
}

export function createSigCache(maxEntries = 200_000): SigCache {
  let cache = new Set<string>();
  const keyOf = (signature: Uint8Array, digest: Uint8Array, pubKey: Uint8Array) =>
    Buffer.concat([digest, signature, pubKey]).toString("latin1");
  const remember = (signature: Uint8Array, digest: Uint8Array, pubKey: Uint8Array) => {
    if (cache.size >= maxEntries) cache = new Set();
    cache.add(keyOf(signature, digest, pubKey));
  };
  return {
    verify(signature, digest, pubKey) {
      if (cache.has(keyOf(signature, digest, pubKey))) return true;
      if (!verifySecp256k1(signature, digest, pubKey)) return false;
      remember(signature, digest, pubKey);
      return true;
    },
    remember,
  };
}
