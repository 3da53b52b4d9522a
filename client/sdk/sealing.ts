import nacl from "tweetnacl";

// Sealed inputs and outputs: tweetnacl box with a fresh ephemeral key per message, laid out as
// ephemeral public key (32) ‖ nonce (24) ‖ box. Shared by the SDK (requesters seal inputs to
// providers and open outputs) and the worker (which opens inputs and seals outputs); the worker
// keeps its key file handling in client/worker/sealing.ts.

export interface X25519Key {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** Bytes a sealed message adds to its plaintext: ephemeral key, nonce and the box's MAC. */
export const sealOverheadBytes = 32 + 24 + nacl.box.overheadLength;

export function seal(plain: Uint8Array, recipient: Uint8Array): Uint8Array {
  if (recipient.length !== 32) throw new Error("an X25519 public key is 32 bytes");
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
  if (sealed.length < sealOverheadBytes) return null;
  return nacl.box.open(sealed.subarray(56), sealed.subarray(32, 56), sealed.subarray(0, 32), key.secretKey);
}
