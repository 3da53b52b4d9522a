import assert from "node:assert/strict";
import { Vote } from "cosmjs-types/tendermint/types/types";
import { ed25519FromSeed } from "../../crypto/ed25519.js";
import { createPrivValidator } from "../privValidator.js";
import {
  createSignatureCache,
  decodeProposal,
  decodeVote,
  evidenceExpired,
  makeDuplicateVoteEvidence,
  signProposal,
  signVote,
  toCoreVote,
  verifyDuplicateVoteEvidence,
  verifyProposal,
  verifyVote,
} from "../signedMessages.js";
import { VoteType } from "../types.js";

const key = ed25519FromSeed(new Uint8Array(32).fill(9));
const t = { seconds: 1_767_225_600n, nanos: 5 };
const bid = (n: number) => ({
  hash: new Uint8Array(32).fill(n),
  partSetHeader: { total: 1, hash: new Uint8Array(32).fill(n + 1) },
});

describe("signed consensus messages", () => {
  it("a signed vote round-trips through its protobuf and verifies; a changed field does not", () => {
    const pv = createPrivValidator(key, null);
    const cache = createSignatureCache();
    const v = signVote(pv, "c-1", VoteType.prevote, 3n, 0, bid(1), t, 0);
    const back = decodeVote(Vote.encode(v).finish());
    verifyVote("c-1", back, key.pubKey, cache);
    assert.equal(toCoreVote(back, "X").valueId, Buffer.from(bid(1).hash).toString("hex").toUpperCase());
    assert.throws(() => verifyVote("c-2", back, key.pubKey, cache), /invalid signature/, "another chain-id");
    assert.throws(
      () => verifyVote("c-1", { ...back, round: 1 }, key.pubKey, cache),
      /invalid signature/,
      "another round",
    );
    assert.throws(
      () => verifyVote("c-1", back, ed25519FromSeed(new Uint8Array(32).fill(1)).pubKey, cache),
      /does not match/,
    );
  });

  it("refuses malformed votes and proposals with a clear error", () => {
    const pv = createPrivValidator(key, null);
    const good = signVote(pv, "c", VoteType.precommit, 1n, 0, bid(1), t, 0);
    const bad: Array<[string, Uint8Array]> = [
      ["garbage", new Uint8Array([0xff, 0xff, 0xff])],
      ["wrong type", Vote.encode({ ...good, type: 32 }).finish()],
      ["short signature", Vote.encode({ ...good, signature: new Uint8Array(10) }).finish()],
      ["short address", Vote.encode({ ...good, validatorAddress: new Uint8Array(3) }).finish()],
      [
        "half-nil block id",
        Vote.encode({
          ...good,
          blockId: { hash: new Uint8Array(32), partSetHeader: { total: 0, hash: new Uint8Array() } },
        }).finish(),
      ],
    ];
    for (const [name, bytes] of bad) assert.throws(() => decodeVote(bytes), /malformed consensus message/, name);
    assert.throws(() => decodeProposal(new Uint8Array([1, 2, 3])), /malformed/);
  });

  it("a proposal is signed and verified over CometBFT's canonical proposal bytes", () => {
    const pv = createPrivValidator(key, null);
    const p = signProposal(pv, "c", 2n, 1, 0, bid(4), t);
    verifyProposal("c", p, key.pubKey, createSignatureCache());
    assert.throws(
      () => verifyProposal("c", { ...p, polRound: -1 }, key.pubKey, createSignatureCache()),
      /invalid signature/,
    );
  });

  it("duplicate-vote evidence is built in CometBFT's order and verified; forged evidence is refused", () => {
    // A byzantine validator signs two prevotes at one height and round (bypassing its signer).
    const pvA = createPrivValidator(key, null);
    const pvB = createPrivValidator(key, null);
    const a = signVote(pvA, "c", VoteType.prevote, 5n, 0, bid(7), t, 0);
    const b = signVote(pvB, "c", VoteType.prevote, 5n, 0, bid(2), t, 0);
    const ev = makeDuplicateVoteEvidence(a, b, 10n, 40n, t);
    assert.deepEqual(ev.voteA!.blockId.hash, bid(2).hash, "ordered by block id");
    verifyDuplicateVoteEvidence("c", ev, key.pubKey, createSignatureCache());
    assert.throws(
      () => verifyDuplicateVoteEvidence("c", { ...ev, voteB: ev.voteA }, key.pubKey, createSignatureCache()),
      /same block/,
    );
    const otherRound = signVote(createPrivValidator(key, null), "c", VoteType.prevote, 5n, 1, bid(9), t, 0);
    assert.throws(
      () =>
        verifyDuplicateVoteEvidence(
          "c",
          makeDuplicateVoteEvidence(a, otherRound, 10n, 40n, t),
          key.pubKey,
          createSignatureCache(),
        ),
      /differ/,
    );
    const forged = { ...ev, voteB: { ...ev.voteB!, signature: new Uint8Array(64) } };
    assert.throws(
      () => verifyDuplicateVoteEvidence("c", forged, key.pubKey, createSignatureCache()),
      /invalid signature/,
    );
  });

  it("evidence expires only when older than both the block and the time limit", () => {
    const day = 86_400n;
    assert.equal(evidenceExpired(10n, t, 20n, { seconds: t.seconds + 3n * day, nanos: 0 }, 5n, 2n * day), true);
    assert.equal(evidenceExpired(10n, t, 12n, { seconds: t.seconds + 3n * day, nanos: 0 }, 5n, 2n * day), false);
    assert.equal(evidenceExpired(10n, t, 20n, { seconds: t.seconds + day, nanos: 0 }, 5n, 2n * day), false);
  });
});
