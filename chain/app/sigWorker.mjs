// Worker thread of the signature pre-verifier (sigPrecheck.ts). Plain JavaScript so that it
// loads without the TypeScript loader. Receives { id, packed }, records of 129 bytes (signature
// 64, digest 32, compressed key 33), and answers { id, ok: boolean[] }, one per record.
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1");

const recordBytes = 64 + 32 + 33;

parentPort.on("message", ({ id, packed }) => {
  const ok = [];
  for (let o = 0; o + recordBytes <= packed.length; o += recordBytes) {
    try {
      ok.push(
        secp256k1.ecdsaVerify(
          packed.subarray(o, o + 64),
          packed.subarray(o + 64, o + 96),
          packed.subarray(o + 96, o + 129),
        ),
      );
    } catch {
      ok.push(false);
    }
  }
  parentPort.postMessage({ id, ok });
});
