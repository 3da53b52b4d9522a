import assert from "node:assert/strict";
import { Vote as PbVote, type BlockID } from "cosmjs-types/tendermint/types/types";
import type { Timestamp } from "../../../modules/sdk/context.js";
import { ed25519Address, ed25519Sign, generateEd25519, type Ed25519Key } from "../../crypto/ed25519.js";
import { Channel } from "../../p2p/switch.js";
import { genesisSet, hexAddress, makeValidator } from "../../state/chainState.js";
import { fakeBlockId } from "../../testkit/attackPeer.js";
import { SignedMsgType, voteSignBytes } from "../../types/signBytes.js";
import { maxFutureVotesPerValidator } from "../core.js";
import { maxRoundsAhead, type DriverContext } from "../driverContext.js";
import { startHeight } from "../eventLoop.js";
import { toCoreVote } from "../signedMessages.js";
import { handDriven } from "./handDriven.js";

// Votes for the next height are held by the driver until that height starts (issue 16): what a
// byzantine peer can make the node hold is bounded, and a held vote is judged by the rules of
// its height when that height starts. The real reactor and event loop, on a driver context
// whose chain state the test sets: at height 5 the set is {E, A, B}, at height 6 {E, A, C}
// (B leaves, C joins: updates take effect two heights after their block).

const chainId = "held-votes";
const t = (s: number): Timestamp => ({ seconds: BigInt(1_700_000_000 + s), nanos: 0 });
const [kE, kA, kB, kC, kD] = [0, 1, 2, 3, 4].map(() => generateEd25519()) as [
  Ed25519Key,
  Ed25519Key,
  Ed25519Key,
  Ed25519Key,
  Ed25519Key,
];
const v = (k: Ed25519Key, power: bigint, name: string) => makeValidator(k.pubKey, power, name);
const set5 = genesisSet([v(kE, 100n, "E"), v(kA, 10n, "A"), v(kB, 10n, "B")]);
const set6 = genesisSet([v(kE, 100n, "E"), v(kA, 10n, "A"), v(kC, 10n, "C")]);
const set7 = set6.copyIncrement(1);
const hex = (k: Ed25519Key) => hexAddress(ed25519Address(k.pubKey));

function signedVote(
  key: Ed25519Key,
  height: bigint,
  round: number,
  blockId: BlockID,
  time: Timestamp,
  type: number = SignedMsgType.precommit,
): Uint8Array {
  return PbVote.encode({
    type,
    height,
    round,
    blockId,
    timestamp: time,
    validatorAddress: ed25519Address(key.pubKey),
    validatorIndex: 0,
    signature: ed25519Sign(key, voteSignBytes(chainId, type, height, round, blockId, time)),
    extension: new Uint8Array(),
    extensionSignature: new Uint8Array(),
  }).finish();
}

interface Harness {
  ctx: DriverContext;
  /** A message from a peer on the vote channel, through the reactor's registered handler. */
  send(peer: string, bytes: Uint8Array): void;
  bans: string[];
  held(k: Ed25519Key): number;
  /** Block 5 executed: the state moves on to height 6, and the driver starts it. */
  startNext(): void;
}

function harness(): Harness {
  const hd = handDriven({
    chainId,
    height: 5n,
    state: {
      chainId,
      initialHeight: 1n,
      lastBlockHeight: 4n,
      lastBlockId: fakeBlockId(4),
      lastBlockTime: t(4),
      lastValidators: set5,
      validators: set5,
      nextValidators: set6,
      maxBlockBytes: 1n << 20n,
      maxBlockGas: -1n,
      consensusHash: new Uint8Array(32),
      lastResultsHash: new Uint8Array(32),
      appHash: new Uint8Array(32),
    },
    deps: {
      now: () => 1_700_000_010_000,
      timer: { set: () => ({}), clear: () => {} },
    },
  });
  const ctx = hd.ctx;
  return {
    ctx,
    send: (peer, bytes) => hd.receive(Channel.consensusVote, peer, bytes),
    bans: hd.bans,
    held: (k) => ctx.heldVotes.get(hex(k))?.size ?? 0,
    startNext() {
      hd.setState({
        ...hd.state(),
        lastBlockHeight: 5n,
        lastBlockId: fakeBlockId(5),
        lastBlockTime: t(5),
        lastValidators: set5,
        validators: set6,
        nextValidators: set7,
      });
      startHeight(ctx, 6n);
    },
  };
}

/** Whether the core (started at height 6) keeps this vote. */
function coreHolds(ctx: DriverContext, bytes: Uint8Array): boolean {
  const pb = PbVote.decode(bytes);
  return ctx.core.holds(toCoreVote(pb, hexAddress(pb.validatorAddress)));
}

/** Lets the handlers' promises settle (a handler's error closes the peer asynchronously). */
const settled = () => new Promise((r) => setImmediate(r));

describe("votes for the next height, held until it starts", () => {
  it("holds only signed votes of the next height's set, up to the bound per validator", async () => {
    const hx = harness();
    const a = signedVote(kA, 6n, 0, fakeBlockId(1), t(6));
    const c = signedVote(kC, 6n, 0, fakeBlockId(1), t(6));
    hx.send("p1", a);
    hx.send("p1", a); // the same vote again, relayed twice: held once
    hx.send("p2", a);
    hx.send("p1", c); // C joins at height 6: its vote for 6 is checked against the set of 6
    assert.equal(hx.held(kA), 1);
    assert.equal(hx.held(kC), 1);
    // B leaves the set at height 6, D never was in a set: neither is held (nor is the peer
    // blamed: it may relay what it got from others).
    hx.send("p1", signedVote(kB, 6n, 0, fakeBlockId(1), t(6)));
    hx.send("p1", signedVote(kD, 6n, 0, fakeBlockId(1), t(6)));
    assert.equal(hx.held(kB), 0);
    assert.equal(hx.held(kD), 0);
    // C is not in the set of height 5: its vote for the height being decided is not taken.
    const c5 = signedVote(kC, 5n, 0, fakeBlockId(1), t(6));
    hx.send("p1", c5);
    assert.equal(hx.ctx.core.holds(toCoreVote(PbVote.decode(c5), hex(kC))), false);
    await settled();
    assert.deepEqual(hx.bans, []);
    // A flood of distinct rounds, types and values within the round window: 16 kept.
    for (let r = 0; r < 3 * maxFutureVotesPerValidator; r++) {
      hx.send("p3", signedVote(kA, 6n, r, fakeBlockId(100 + r), t(6), SignedMsgType.prevote));
      hx.send("p3", signedVote(kA, 6n, r, fakeBlockId(200 + r), t(6)));
    }
    assert.equal(hx.held(kA), maxFutureVotesPerValidator);
    await settled();
    assert.deepEqual(hx.bans, []);
    // Total held: at most the bound times the next set's size.
    let total = 0;
    for (const m of hx.ctx.heldVotes.values()) total += m.size;
    assert.ok(total <= maxFutureVotesPerValidator * set6.size, `${total} held`);
  });

  it("a forged signature or a round beyond the window closes the peer; nothing is held", async () => {
    const hx = harness();
    const forged = PbVote.decode(signedVote(kC, 6n, 0, fakeBlockId(1), t(6)));
    forged.signature = new Uint8Array(64).fill(7);
    hx.send("forger", PbVote.encode(forged).finish());
    // A's signature over another vote, passed off as this one.
    const swapped = PbVote.decode(signedVote(kA, 6n, 1, fakeBlockId(1), t(6)));
    swapped.signature = PbVote.decode(signedVote(kA, 6n, 2, fakeBlockId(1), t(6))).signature;
    hx.send("swapper", PbVote.encode(swapped).finish());
    hx.send("far", signedVote(kA, 6n, maxRoundsAhead + 1, fakeBlockId(1), t(6)));
    await settled();
    assert.deepEqual([...hx.bans].sort(), ["far", "forger", "swapper"]);
    assert.equal(hx.held(kA) + hx.held(kC), 0);
  });

  it("votes for the height after the next are dropped, not held", async () => {
    const hx = harness();
    for (let h = 7n; h < 40n; h++) hx.send("p1", signedVote(kA, h, 0, fakeBlockId(1), t(6)));
    await settled();
    assert.equal(hx.ctx.heldVotes.size, 0);
    assert.deepEqual(hx.bans, []);
    assert.equal(hx.ctx.core.storedVotes, 0);
  });

  it("when the height starts, held votes are judged by its time rules: a vote dated at the last block is dropped", async () => {
    const hx = harness();
    const honest = signedVote(kA, 6n, 0, fakeBlockId(1), t(6));
    const joiner = signedVote(kC, 6n, 0, fakeBlockId(1), t(6));
    // Dated at block 5's time, sent while the node still decides height 5: no rule can judge
    // it yet. Block 5 is then decided at t(5), and the vote is no later than it.
    const backdated = signedVote(kE, 6n, 0, fakeBlockId(1), t(5));
    for (const m of [honest, joiner, backdated]) hx.send("p1", m);
    assert.equal(hx.held(kE), 1);
    hx.startNext();
    await settled();
    assert.equal(hx.ctx.heldVotes.size, 0, "the hold is emptied");
    assert.equal(coreHolds(hx.ctx, honest), true);
    assert.equal(coreHolds(hx.ctx, joiner), true);
    assert.equal(coreHolds(hx.ctx, backdated), false, "dated at the last block: dropped");
    assert.deepEqual(hx.bans, []);
  });
});
