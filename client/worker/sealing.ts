import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import nacl from "tweetnacl";
import type { X25519Key } from "../sdk/sealing.js";

// Sealing primitives live in client/sdk/sealing.ts (shared with requesters). The worker's X25519
// key lives in its own file (like a node key), created on first start; its public half is what the
// provider registers.

export { open, seal, sealOverheadBytes, type X25519Key } from "../sdk/sealing.js";

export function loadOrCreateX25519(path: string): X25519Key {
  if (existsSync(path)) {
    const o = JSON.parse(readFileSync(path, "utf8")) as { secret: string };
    const secret = Buffer.from(o.secret, "hex");
    if (secret.length !== 32) throw new Error(`${path}: not an X25519 key file`);
    return nacl.box.keyPair.fromSecretKey(new Uint8Array(secret));
  }
  const k = nacl.box.keyPair();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(
    path,
    JSON.stringify({
      public: Buffer.from(k.publicKey).toString("hex"),
      secret: Buffer.from(k.secretKey).toString("hex"),
    }) + "\n",
    { mode: 0o600 },
  );
  return k;
}
