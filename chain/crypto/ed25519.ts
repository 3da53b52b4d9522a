import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { sha256 } from "../types/merkle.js";

// ed25519 through node:crypto (OpenSSL): about 135x tweetnacl's verify rate. Raw 32-byte keys are
// wrapped in the fixed DER prefixes of PKCS#8 and SPKI.
const pkcs8Prefix = Buffer.from("302e020100300506032b657004220420", "hex");
const spkiPrefix = Buffer.from("302a300506032b6570032100", "hex");

export interface Ed25519Key {
  /** The 32-byte seed (CometBFT stores seed ‖ public key as its 64-byte private key). */
  seed: Uint8Array;
  pubKey: Uint8Array;
  privateKey: KeyObject;
}

export function ed25519FromSeed(seed: Uint8Array): Ed25519Key {
  if (seed.length !== 32) throw new Error(`ed25519 seed must be 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return { seed: new Uint8Array(seed), pubKey: new Uint8Array(spki.subarray(spkiPrefix.length)), privateKey };
}

export function generateEd25519(): Ed25519Key {
  return ed25519FromSeed(randomBytes(32));
}

export function ed25519Sign(key: Ed25519Key, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key.privateKey));
}

const publicKeyCache = new Map<string, KeyObject>();

function publicKeyObject(pubKey: Uint8Array): KeyObject {
  const id = Buffer.from(pubKey).toString("latin1");
  let k = publicKeyCache.get(id);
  if (k === undefined) {
    k = createPublicKey({ key: Buffer.concat([spkiPrefix, pubKey]), format: "der", type: "spki" });
    if (publicKeyCache.size > 10_000) publicKeyCache.clear();
    publicKeyCache.set(id, k);
  }
  return k;
}

export function ed25519Verify(pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (pubKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, message, publicKeyObject(pubKey), signature);
  } catch {
    return false;
  }
}

/** CometBFT's address of an ed25519 key: the first 20 bytes of its sha256. */
export function ed25519Address(pubKey: Uint8Array): Uint8Array {
  return sha256(pubKey).subarray(0, 20);
}
