// Worker thread of the signature pre-verifier (sigPrecheck.ts). Plain JavaScript so that it
// loads without the TypeScript loader. Receives { id, items: [{ sig, digest, pubKey }] } and
// answers { id, ok: boolean[] }.
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1");

parentPort.on("message", ({ id, items }) => {
  const ok = items.map(({ sig, digest, pubKey }) => {
    try {
      return secp256k1.ecdsaVerify(sig, digest, pubKey);
    } catch {
      return false;
    }
  });
  parentPort.postMessage({ id, ok });
});
