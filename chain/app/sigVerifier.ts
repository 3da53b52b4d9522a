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
 * A verifier that remembers successful checks: a tx verified in CheckTx is not verified again
 * when its block executes. Verification is a pure function of (digest, signature, key), so the
 * cache cannot change any outcome; it is bounded and simply dropped when full.
 */
export function createCachedVerifier(maxEntries = 200_000): Secp256k1Verifier {
  let cache = new Set<string>();
  return (signature, digest, pubKey) => {
    const key = Buffer.concat([digest, signature, pubKey]).toString("latin1");
    if (cache.has(key)) return true;
    if (!verifySecp256k1(signature, digest, pubKey)) return false;
    if (cache.size >= maxEntries) cache = new Set();
    cache.add(key);
    return true;
  };
}
