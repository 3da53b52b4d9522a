import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519FromSeed, ed25519Verify } from "../../crypto/ed25519.js";
import { SignedMsgType, voteSignBytes } from "../../types/signBytes.js";
import { createPrivValidator } from "../privValidator.js";

const key = ed25519FromSeed(new Uint8Array(32).fill(3));
const t = { seconds: 1_767_225_600n, nanos: 0 };
const block = (n: number) => ({ hash: new Uint8Array(32).fill(n), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(n) } });

describe("the file signer (last-sign state)", () => {
  it("signs valid votes, re-signs identical bytes, refuses conflicts and regressions, also after a restart", () => {
    const path = join(mkdtempSync(join(tmpdir(), "tc-pv-")), "priv_validator_state.json");
    let pv = createPrivValidator(key, path);
    const sig = pv.signVote("c", SignedMsgType.prevote, 5n, 0, block(1), t);
    assert.ok(ed25519Verify(key.pubKey, voteSignBytes("c", SignedMsgType.prevote, 5n, 0, block(1), t), sig));
    assert.deepEqual(pv.signVote("c", SignedMsgType.prevote, 5n, 0, block(1), t), sig, "identical request: same signature");
    assert.throws(() => pv.signVote("c", SignedMsgType.prevote, 5n, 0, block(2), t), /conflicting data/);
    pv.signVote("c", SignedMsgType.precommit, 5n, 0, block(1), t);
    assert.throws(() => pv.signVote("c", SignedMsgType.prevote, 5n, 0, block(1), t), /step regression/);
    assert.throws(() => pv.signVote("c", SignedMsgType.precommit, 4n, 3, block(1), t), /height regression/);
    pv = createPrivValidator(key, path); // restart
    assert.throws(() => pv.signVote("c", SignedMsgType.precommit, 5n, 0, block(9), t), /conflicting data/, "remembered across restarts");
    assert.ok(pv.signVote("c", SignedMsgType.precommit, 5n, 1, block(9), t).length === 64, "a later round is fine");
  });
});
