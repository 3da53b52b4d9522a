// npm run bench:votes — the vote-verification hot path against raw ed25519 verification
// (node:crypto) in the same run: decode a peer's vote, rebuild its canonical sign bytes, verify;
// and the same vote again from another peer (cache hit). Prints figures; never fails.
import { Vote } from "cosmjs-types/tendermint/types/types";
import { ed25519FromSeed, ed25519Sign, ed25519Verify } from "../chain/crypto/ed25519.js";
import { createPrivValidator } from "../chain/consensus/privValidator.js";
import { createSignatureCache, decodeVote, signVote, verifyVote } from "../chain/consensus/signedMessages.js";
import { VoteType } from "../chain/consensus/types.js";
import "../modules/sdk/protoRuntime.js";

const n = 20_000;
const key = ed25519FromSeed(new Uint8Array(32).fill(1));
const msg = new Uint8Array(120).fill(3);
const sig = ed25519Sign(key, msg);
let t = performance.now();
for (let i = 0; i < n; i++) ed25519Verify(key.pubKey, msg, sig);
const raw = n / ((performance.now() - t) / 1000);

const pv = createPrivValidator(key, null);
const time = { seconds: 1_767_225_600n, nanos: 0 };
const encoded: Uint8Array[] = [];
for (let h = 1; h <= n; h++) {
  const bid = { hash: new Uint8Array(32).fill(h % 251), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(7) } };
  encoded.push(Vote.encode(signVote(pv, "bench", VoteType.prevote, BigInt(h), 0, bid, time, 0)).finish());
}
const cache = createSignatureCache(2 * n);
t = performance.now();
for (const e of encoded) verifyVote("bench", decodeVote(e), key.pubKey, cache);
const fresh = n / ((performance.now() - t) / 1000);
t = performance.now();
for (const e of encoded) verifyVote("bench", decodeVote(e), key.pubKey, cache);
const cached = n / ((performance.now() - t) / 1000);

process.stdout.write(
  [
    "",
    "bench:votes  (one core)",
    `  raw ed25519 verify (node:crypto)         ${raw.toFixed(0)} /s`,
    `  decode + sign bytes + verify, new votes  ${fresh.toFixed(0)} /s   ratio to raw ${(fresh / raw).toFixed(2)}`,
    `  the same votes again (cache hits)        ${cached.toFixed(0)} /s   ratio to raw ${(cached / raw).toFixed(2)}`,
    "",
  ].join("\n"),
);
