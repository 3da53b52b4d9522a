import assert from "node:assert/strict";
import { Block } from "cosmjs-types/tendermint/types/block";
import { Proposal as PbProposal, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { appVersion } from "../../app/application.js";
import { ed25519Address } from "../../crypto/ed25519.js";
import { hexAddress } from "../../state/chainState.js";
import { Channel } from "../../p2p/switch.js";
import { makeBlock } from "../../state/blockExecutor.js";
import { blockTime } from "../../state/validation.js";
import {
  byzantineVote,
  fakeBlockId,
  producesBlocks,
  startTargetNode,
  switchPeer,
  waitFor,
  type TargetNode,
} from "../../testkit/attackPeer.js";
import { headerHash } from "../../types/hashes.js";
import { makePartSet } from "../../types/partSet.js";
import { timeFromMillis } from "../../types/time.js";
import { maxFutureVotesPerValidator } from "../core.js";
import { createPrivValidator } from "../privValidator.js";
import { emptyBlockId, signProposal } from "../signedMessages.js";
import { VoteType } from "../types.js";
import { encodeProposalMessage } from "../walRecords.js";

// The driver's own rules, each attacked by a peer speaking the wire protocol (these tests are
// also the killers of the driver mutants in `npm run sim:mutants -- --driver`).
describe("consensus driver rules under attack", function () {
  this.timeout(90_000);
  let t: TargetNode | null = null;
  afterEach(async () => {
    await t?.stop();
    t = null;
  });

  /** Sends `make()` for the height being decided until the target drops the peer. */
  async function untilDropped(target: TargetNode, channel: number, make: (h: bigint) => Uint8Array): Promise<void> {
    const peer = await switchPeer(target);
    const downs: string[] = [];
    target.node.p2p!.onPeer((p, up) => up || downs.push(p));
    try {
      await waitFor(
        () => {
          if (downs.includes(peer.sw.id)) return true;
          if (peer.sw.peers().includes(target.node.id))
            peer.sw.send(target.node.id, channel, make(target.node.blockStore.height + 1n));
          return false;
        },
        "the target drops the peer",
        20_000,
      );
    } finally {
      await peer.stop();
    }
  }

  it("a proposal signed by a validator that is not the round's proposer: the peer is dropped", async () => {
    t = await startTargetNode();
    const target = t;
    await producesBlocks(target.node, 1n);
    const byz = ed25519Address(target.byzantine.pubKey);
    await untilDropped(target, Channel.consensusData, (h) => {
      const state = target.node.state();
      const pb = makeBlock(
        state,
        [],
        { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] },
        byz,
        timeFromMillis(Date.now()),
        appVersion,
      );
      const prop = signProposal(
        createPrivValidator(target.byzantine, null),
        target.chainId,
        h,
        0,
        -1,
        pb.blockId,
        timeFromMillis(Date.now()),
      );
      return encodeProposalMessage(PbProposal.encode(prop).finish(), pb.bytes);
    });
    await producesBlocks(target.node);
  });

  it("a vote of a validator with a forged signature: the peer is dropped", async () => {
    t = await startTargetNode();
    const target = t;
    await producesBlocks(target.node, 1n);
    await untilDropped(target, Channel.consensusVote, (h) => {
      const v = PbVote.decode(
        byzantineVote(target, VoteType.prevote, h, 0, emptyBlockId(), timeFromMillis(Date.now())),
      );
      return PbVote.encode({ ...v, signature: new Uint8Array(64).fill(3) }).finish();
    });
    await producesBlocks(target.node);
  });

  it("a vote dated before the last block, for a block the node does not hold: not kept, not re-gossiped", async () => {
    // Heights long enough for the node's gossip ticks (it re-gossips the votes it keeps).
    t = await startTargetNode({ editConfig: (c) => (c.consensus.timeout_commit = "1s") });
    const target = t;
    const attacker = await switchPeer(target);
    const observer = await switchPeer(target);
    const byzHex = Buffer.from(ed25519Address(target.byzantine.pubKey)).toString("hex");
    const seen = (id: number) =>
      observer.received.some((m) => {
        if (m.channel !== Channel.consensusVote) return false;
        const v = PbVote.decode(m.payload);
        return (
          Buffer.from(v.validatorAddress).toString("hex") === byzHex &&
          Buffer.from(v.blockId!.hash).equals(Buffer.from(fakeBlockId(id).hash))
        );
      });
    try {
      await producesBlocks(target.node, 1n);
      // The same validator's precommit dated now (kept: the node re-gossips it) and one dated
      // 2026-01-01, before the last block (dropped by the voteTime rule), each for a block id
      // the node has never seen (so only that rule can catch the backdated one).
      let n = 0;
      await waitFor(
        async () => {
          const h = target.node.consensus!.height;
          attacker.sw.send(
            target.node.id,
            Channel.consensusVote,
            byzantineVote(target, VoteType.precommit, h, 0, fakeBlockId(1000 + n)),
          );
          attacker.sw.send(
            target.node.id,
            Channel.consensusVote,
            byzantineVote(target, VoteType.precommit, h, 1, fakeBlockId(2000 + n), timeFromMillis(Date.now())),
          );
          n++;
          await new Promise((r) => setTimeout(r, 100));
          return [...Array(n).keys()].some((i) => seen(2000 + i));
        },
        "the vote dated now re-gossiped",
        30_000,
      );
      await new Promise((r) => setTimeout(r, 1500));
      for (let i = 0; i < n; i++) assert.equal(seen(1000 + i), false, "a backdated vote was kept and re-gossiped");
    } finally {
      await attacker.stop();
      await observer.stop();
    }
  });

  it("holds a validator's votes for the next height up to the per-validator bound, until it starts", async () => {
    t = await startTargetNode({ editConfig: (c) => (c.consensus.timeout_commit = "2s") });
    const target = t;
    const attacker = await switchPeer(target);
    try {
      await producesBlocks(target.node, 1n);
      // Once the node executed a height it waits out timeout_commit: the byzantine validator
      // sends it 3 x the bound of distinct precommits for the height after.
      let most = 0;
      await waitFor(
        async () => {
          const h = target.node.consensus!.height;
          for (let i = 0; i < 3 * maxFutureVotesPerValidator; i++)
            attacker.sw.send(
              target.node.id,
              Channel.consensusVote,
              byzantineVote(target, VoteType.precommit, h + 1n, i, fakeBlockId(3000 + i), timeFromMillis(Date.now())),
            );
          await new Promise((r) => setTimeout(r, 200));
          most = Math.max(most, target.node.consensus!.held().nextHeightVotes);
          return most > 0;
        },
        "next-height votes held",
        30_000,
      );
      assert.ok(most <= maxFutureVotesPerValidator, `${most} next-height votes held`);
      // When the height starts they are judged as any vote of it, and the hold is emptied.
      await producesBlocks(target.node, 2n);
      assert.ok(target.node.consensus!.held().nextHeightVotes <= maxFutureVotesPerValidator);
    } finally {
      await attacker.stop();
    }
  });

  it("an invalid block from the round's proposer is prevoted nil, and the height decides another block", async () => {
    // The byzantine validator has 30 of 130: the round-0 proposer of about a quarter of the
    // heights, and the node decides alone.
    t = await startTargetNode({ byzantinePower: 30n });
    const target = t;
    const byz = ed25519Address(target.byzantine.pubKey);
    const byzHex = hexAddress(byz);
    let halted: Error | null = null;
    void target.node.halted.then((e) => (halted = e));
    const peer = await switchPeer(target);
    const bad = new Map<bigint, string>();
    try {
      await waitFor(
        async () => {
          if (halted !== null) throw new Error(`the node halted: ${(halted as Error).message}`);
          const state = target.node.state();
          const h = state.lastBlockHeight + 1n;
          if (bad.size >= 2 && [...bad.keys()].every((x) => x <= state.lastBlockHeight)) return true;
          // Once the node runs height h (a proposal for a height it has not started is dropped).
          if (bad.has(h) || state.validators.proposer.address !== byzHex || target.node.consensus!.height !== h)
            return false;
          // The block the proposer should make, with a made-up app_hash.
          const commit = (await target.node.blockStore.loadSeenCommit(h - 1n))!;
          const made = makeBlock(state, [], commit, byz, blockTime(state, commit), appVersion);
          const block: Block = {
            ...made.block,
            header: { ...made.block.header!, appHash: new Uint8Array(32).fill(9) },
          };
          const bytes = Block.encode(block).finish();
          const parts = makePartSet(bytes);
          const blockId = { hash: headerHash(block.header!), partSetHeader: { total: parts.total, hash: parts.hash } };
          const prop = signProposal(
            createPrivValidator(target.byzantine, null),
            target.chainId,
            h,
            0,
            -1,
            blockId,
            timeFromMillis(Date.now()),
          );
          peer.sw.send(
            target.node.id,
            Channel.consensusData,
            encodeProposalMessage(PbProposal.encode(prop).finish(), bytes),
          );
          bad.set(h, Buffer.from(blockId.hash).toString("hex"));
          return false;
        },
        "two heights with an invalid proposal decided",
        30_000,
      );
    } finally {
      await peer.stop();
    }
    assert.equal(halted, null);
    for (const [h, hash] of bad)
      assert.notEqual(
        Buffer.from((await target.node.blockStore.loadMeta(h))!.blockId!.hash).toString("hex"),
        hash,
        `height ${h}`,
      );
  });
});
