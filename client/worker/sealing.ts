import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import nacl from "tweetnacl";

// Sealed inputs and outputs: tweetnacl box with a fresh ephemeral key per message, laid out as
// ephemeral public key (32) ‖ nonce (24) ‖ box. The worker's X25519 key lives in its own file
// (like a node key), created on first start; its public half is what the provider registers.

export interface X25519Key {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export function loadOrCreateX25519(path: string): X25519Key {
  if (existsSync(path)) {
    const o = JSON.parse(readFileSync(path, "utf8")) as { secret: string };
    const secret = Buffer.from(o.secret, "hex");
    if (secret.length !== 32) throw new Error(`${path}: not an X25519 key file`);
    return nacl.box.keyPair.fromSecretKey(new Uint8Array(secret));
  }
  const k = nacl.box.keyPair();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify({ public: Buffer.from(k.publicKey).toString("hex"), secret: Buffer.from(k.secretKey).toString("hex") }) + "\n", { mode: 0o600 });
  return k;
}

export function seal(plain: Uint8Array, recipient: Uint8Array): Uint8Array {
  const eph = nacl.box.keyPair();
  const nonce = nacl.randomBytes(24);
  const box = nacl.box(plain, nonce, recipient, eph.secretKey);
  const out = new Uint8Array(32 + 24 + box.length);
  out.set(eph.publicKey, 0);
  out.set(nonce, 32);
  out.set(box, 56);
  return out;
}

/** Opens a sealed message; null when it was not sealed to this key or was altered. */
export function open(sealed: Uint8Array, key: X25519Key): Uint8Array | null {
  if (sealed.length < 56 + nacl.box.overheadLength) return null;
  return nacl.box.open(sealed.subarray(56), sealed.subarray(32, 56), sealed.subarray(0, 32), key.secretKey);
}
