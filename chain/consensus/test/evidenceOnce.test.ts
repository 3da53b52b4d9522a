import assert from "node:assert/strict";
import { Block } from "cosmjs-types/tendermint/types/block";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import { Proposal as PbProposal, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { appVersion } from "../../app/application.js";
import { ed25519Address } from "../../crypto/ed25519.js";
import { Channel } from "../../p2p/switch.js";
import { makeBlock } from "../../state/blockExecutor.js";
import { hexAddress, setFromProto } from "../../state/chainState.js";
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
import { encodeEvidenceMessage } from "../evidencePool.js";
import { createPrivValidator } from "../privValidator.js";
import { makeDuplicateVoteEvidence, signProposal } from "../signedMessages.js";
import { VoteType } from "../types.js";
import { encodeProposalMessage } from "../walRecords.js";

// Evidence is unique per (validator, height) (issue 16): a byzantine validator that signs many
// distinct conflicting pairs at one height is punished once, and its pairs cannot fill blocks.

/** The byzantine validator's n-th distinct conflicting pair at committed height h, as evidence. */
async function pairAt(t: TargetNode, h: bigint, n: number): Promise<Evidence> {
  const meta = (await t.node.blockStore.loadMeta(h))!;
  const set = setFromProto((await t.node.blockStore.loadValidators(h))!);
  const byz = hexAddress(ed25519Address(t.byzantine.pubKey));
  const time = { seconds: meta.header!.time!.seconds + 1n, nanos: 0 };
  const vote = (fill: number) =>
    PbVote.decode(byzantineVote(t, VoteType.prevote, h, n, fakeBlockId(1000 * n + fill), time));
  return {
    duplicateVoteEvidence: makeDuplicateVoteEvidence(
      vote(1),
      vote(2),
      set.powerOf(byz),
      set.totalPower,
      meta.header!.time!,
    ),
  };
}

/** How many pieces of evidence each (validator, height) has in the target's chain. */
async function evidenceInChain(t: TargetNode): Promise<Map<string, number>> {
  const count = new Map<string, number>();
  for (let h = 1n; h <= t.node.blockStore.height; h++)
    for (const ev of (await t.node.blockStore.loadBlock(h))!.evidence?.evidence ?? []) {
      const v = ev.duplicateVoteEvidence!.voteA!;
      const key = `${hexAddress(v.validatorAddress)}/${v.height}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
  return count;
}

describe("evidence: one piece per validator and height", function () {
  this.timeout(90_000);
  let t: TargetNode | null = null;
  afterEach(async () => {
    await t?.stop();
    t = null;
  });

  it("a byzantine validator's many distinct conflicting pairs for one height: one piece in the chain", async () => {
    t = await startTargetNode();
    const target = t;
    const byz = hexAddress(ed25519Address(target.byzantine.pubKey));
    const peer = await switchPeer(target);
    try {
      await producesBlocks(target.node, 2n);
      // 40 distinct pairs for height 1, gossiped as evidence (each valid on its own).
      const gossiped: Evidence[] = [];
      for (let n = 0; n < 40; n++) gossiped.push(await pairAt(target, 1n, n));
      peer.sw.send(target.node.id, Channel.evidence, encodeEvidenceMessage(gossiped));
      // And double signs in consensus: two prevotes in each of six rounds of two heights, each
      // round a distinct pair the node's core sees.
      const signedAt = new Set<bigint>();
      await waitFor(
        () => {
          const h = target.node.consensus!.height;
          if (signedAt.size < 2 && !signedAt.has(h) && target.node.state().lastBlockHeight === h - 1n) {
            signedAt.add(h);
            const now = timeFromMillis(Date.now());
            for (let r = 0; r < 6; r++)
              for (const fill of [1, 2])
                peer.sw.send(
                  target.node.id,
                  Channel.consensusVote,
                  byzantineVote(target, VoteType.prevote, h, r, fakeBlockId(100 * r + fill), now),
                );
          }
          return signedAt.size === 2;
        },
        "double signs at two heights",
        20_000,
      );
      // The gossiped offence is committed first; it tombstones the validator, so the pools
      // then drop and refuse its other pieces (evidencePool.ts `maxPendingPerValidator`): the
      // offences of its later double signs are in the chain only if they were pending by then.
      const offences = [`${byz}/1`, ...[...signedAt].map((h) => `${byz}/${h}`)];
      await waitFor(async () => (await evidenceInChain(target)).has(`${byz}/1`), "the double sign in a block", 30_000);
      await producesBlocks(target.node, 3n);
      const c = await evidenceInChain(target);
      for (const [o, n] of c) {
        assert.ok(offences.includes(o), `evidence for ${o}`);
        assert.equal(n, 1, `evidence for ${o}`);
      }
    } finally {
      await peer.stop();
    }
  });

  it("a block carrying two pieces for one validator and height is refused; with one it is decided", async () => {
    // The byzantine validator has 30 of 130: the round-0 proposer of about a quarter of the
    // heights. It proposes a block with one piece of evidence against itself (for height 1),
    // then one with two distinct pieces for height 2.
    // timeout_propose 4 s, not the kit's 1 s: on a loaded machine (the mutant killers run tests
    // side by side) the test's proposal could reach the node after round 0's propose timeout,
    // and a later round would decide another proposer's block: a late block, not a refused one.
    t = await startTargetNode({ byzantinePower: 30n, editConfig: (c) => (c.consensus.timeout_propose = "4s") });
    const target = t;
    const byz = ed25519Address(target.byzantine.pubKey);
    const byzHex = hexAddress(byz);
    let halted: Error | null = null;
    void target.node.halted.then((e) => (halted = e));
    const peer = await switchPeer(target);
    const proposed = new Map<bigint, { hash: string; pieces: number }>();
    try {
      await producesBlocks(target.node, 2n);
      await waitFor(
        async () => {
          if (halted !== null) throw new Error(`the node halted: ${(halted as Error).message}`);
          const state = target.node.state();
          const h = state.lastBlockHeight + 1n;
          // A one-piece block decided in a later round came too late (round 0 timed out on a
          // loaded machine), which says nothing about refusal: proposed again at a later height.
          for (const [x, { pieces }] of proposed)
            if (
              pieces === 1 &&
              x <= state.lastBlockHeight &&
              (await target.node.blockStore.loadSeenCommit(x))!.round > 0
            )
              proposed.delete(x);
          if (proposed.size >= 2 && [...proposed.keys()].every((x) => x <= state.lastBlockHeight)) return true;
          if (
            proposed.size >= 2 ||
            proposed.has(h) ||
            state.validators.proposer.address !== byzHex ||
            target.node.consensus!.height !== h ||
            target.node.consensus!.round !== 0 // round 0's proposer only; a later round has another
          )
            return false;
          const evidence = ![...proposed.values()].some((p) => p.pieces === 1)
            ? [await pairAt(target, 1n, 0)]
            : [await pairAt(target, 2n, 0), await pairAt(target, 2n, 1)];
          const commit = (await target.node.blockStore.loadSeenCommit(h - 1n))!;
          const made = makeBlock(state, [], commit, byz, blockTime(state, commit), appVersion, evidence);
          const bytes = Block.encode(made.block).finish();
          const parts = makePartSet(bytes);
          const blockId = {
            hash: headerHash(made.block.header!),
            partSetHeader: { total: parts.total, hash: parts.hash },
          };
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
          proposed.set(h, { hash: Buffer.from(blockId.hash).toString("hex"), pieces: evidence.length });
          return false;
        },
        "two heights with a byzantine proposal decided",
        40_000,
      );
    } finally {
      await peer.stop();
    }
    assert.equal(halted, null);
    for (const [h, { hash, pieces }] of proposed) {
      const decided = Buffer.from((await target.node.blockStore.loadMeta(h))!.blockId!.hash).toString("hex");
      if (pieces === 1) assert.equal(decided, hash, `height ${h}: the block with one piece is decided`);
      else assert.notEqual(decided, hash, `height ${h}: the block with two pieces is refused`);
    }
    const c = await evidenceInChain(target);
    assert.equal(c.get(`${byzHex}/1`), 1);
    assert.equal(c.get(`${byzHex}/2`) ?? 0, 0);
  });
});
