import assert from "node:assert/strict";
import { Proposal as PbProposal } from "cosmjs-types/tendermint/types/types";
import { appVersion } from "../../app/application.js";
import { ed25519Address } from "../../crypto/ed25519.js";
import { hexAddress } from "../../state/chainState.js";
import { Channel } from "../../p2p/switch.js";
import { makeBlock } from "../../state/blockExecutor.js";
import { producesBlocks, startTargetNode, switchPeer, waitFor, type TargetNode } from "../../testkit/attackPeer.js";
import { timeFromMillis } from "../../types/time.js";
import { createPrivValidator } from "../privValidator.js";
import { maxProposalBlocksPerRound, ProposalBlocks } from "../proposalBlocks.js";
import { signProposal } from "../signedMessages.js";
import { decodePair, encodeProposalMessage } from "../walRecords.js";

// Issue 16: a byzantine proposer signs a new block for its round again and again (each a
// genuine, signed proposal with a body of its own). The node used to hold, validate, log and
// re-gossip every one of them; now it takes at most a few block bodies per round
// (proposalBlocks.ts) and still decides.
describe("block bodies a byzantine proposer can make a node hold", function () {
  this.timeout(120_000);
  let t: TargetNode | null = null;
  afterEach(async () => {
    await t?.stop();
    t = null;
  });

  it("equivocating proposals without end: a bounded number of blocks per round held and re-gossiped, and the node decides", async () => {
    // The byzantine validator has 30 of 130 (below 1/3: the node decides alone) and so is the
    // round-0 proposer of about a quarter of the heights.
    t = await startTargetNode({ byzantinePower: 30n });
    const target = t;
    const attacker = await switchPeer(target);
    const observer = await switchPeer(target);
    const byzAddr = ed25519Address(target.byzantine.pubKey);
    const byzHex = hexAddress(byzAddr);
    const junk = Buffer.alloc(50_000, 7);
    let sent = 0;
    const attacked = new Set<bigint>();
    try {
      const end = Date.now() + 90_000;
      let n = 0;
      while (attacked.size < 3) {
        if (Date.now() > end) throw new Error(`only ${attacked.size} heights attacked`);
        const state = target.node.state();
        const h = state.lastBlockHeight + 1n;
        // Once the node runs height h (a proposal for a height it has not started is dropped).
        if (attacked.has(h) || state.validators.proposer.address !== byzHex || target.node.consensus!.height !== h) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        attacked.add(h);
        const commit = (await target.node.blockStore.loadSeenCommit(h - 1n))!;
        // 40 different blocks of 50 kB for round 0, each signed (a fresh signer has no
        // double-sign guard: the byzantine validator signs whatever it likes).
        for (let i = 0; i < 40; i++, n++) {
          junk.writeUInt32BE(n, 0);
          const pb = makeBlock(state, [Buffer.from(junk)], commit, byzAddr, timeFromMillis(Date.now()), appVersion);
          const prop = signProposal(
            createPrivValidator(target.byzantine, null),
            target.chainId,
            h,
            0,
            -1,
            pb.blockId,
            pb.block.header!.time!,
          );
          attacker.sw.send(
            target.node.id,
            Channel.consensusData,
            encodeProposalMessage(PbProposal.encode(prop).finish(), pb.bytes),
          );
          sent++;
        }
        await waitFor(() => target.node.state().lastBlockHeight >= h, `height ${h} decided under the attack`, 30_000);
      }
      await producesBlocks(target.node, 2n);
    } finally {
      await attacker.stop();
      await observer.stop();
    }
    // What the node re-gossiped of the byzantine proposer's rounds (if a gossip tick came before
    // the height ended).
    const perRound = new Map<string, Set<string>>();
    for (const m of observer.received) {
      if (m.channel !== Channel.consensusData) continue;
      const p = PbProposal.decode(decodePair(m.payload).a);
      if (!attacked.has(p.height) || p.round !== 0) continue;
      const key = `${p.height}/${p.round}`;
      const set = perRound.get(key) ?? new Set<string>();
      set.add(Buffer.from(p.blockId!.hash).toString("hex"));
      perRound.set(key, set);
    }
    const most = Math.max(0, ...[...perRound.values()].map((s) => s.size));
    assert.ok(sent >= 120, `the attacker sent ${sent} proposals`);
    assert.ok(
      most <= maxProposalBlocksPerRound,
      `at most ${maxProposalBlocksPerRound} of the byzantine proposer's blocks re-gossiped per round, saw ${most}`,
    );
    const held = target.node.consensus!.held();
    assert.ok(held.peakProposalBlocks >= 1, "the node took the byzantine proposer's first blocks");
    // The attacked rounds' bodies, plus the node's own proposals in the later rounds of a height.
    assert.ok(
      held.peakProposalBlocks <= maxProposalBlocksPerRound + 3,
      `at most ${maxProposalBlocksPerRound + 3} proposal blocks held at any height, held ${held.peakProposalBlocks}`,
    );
    assert.ok(
      held.peakProposalBytes <= (maxProposalBlocksPerRound + 3) * 60_000,
      `held ${held.peakProposalBytes} bytes of proposal blocks at one height`,
    );
  });

  it("the ledger: copies once, the first blocks of a round, then only blocks more than 1/3 voted for; rounds ahead not held", () => {
    const l = new ProposalBlocks();
    assert.equal(
      l.admit(0, 0, "A", 10, () => false),
      "new",
    );
    assert.equal(
      l.admit(0, 0, "A", 10, () => false),
      "seen",
    );
    assert.equal(
      l.admit(0, 0, "B", 10, () => false),
      "new",
    );
    assert.equal(
      l.admit(0, 0, "C", 10, () => false),
      "full",
    );
    assert.equal(
      l.admit(0, 0, "C", 10, () => true),
      "new",
      "a block more than 1/3 voted for is held",
    );
    assert.equal(
      l.admit(2, 0, "D", 10, () => true),
      "ahead",
    );
    assert.equal(
      l.admit(1, 0, "D", 10, () => false),
      "new",
    );
    assert.equal(
      l.admit(0, 0, "E", 10, () => false, true),
      "new",
      "a replayed proposal was taken once already",
    );
    assert.deepEqual(l.peakHeld, { blocks: 5, bytes: 50 });
    l.forget(1, "D", 10);
    assert.equal(
      l.admit(1, 0, "D", 10, () => false),
      "new",
      "a proposal whose handling failed may be taken again",
    );
    l.reset();
    assert.equal(l.blocks, 0);
    assert.equal(
      l.admit(0, 0, "C", 10, () => false),
      "new",
    );
  });
});
