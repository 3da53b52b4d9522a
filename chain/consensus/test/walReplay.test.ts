import assert from "node:assert/strict";
import { Proposal as PbProposal, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { nopLogger, type Logger } from "../../../modules/sdk/context.js";
import { ed25519Address, generateEd25519 } from "../../crypto/ed25519.js";
import { loadConfig } from "../../types/nodeConfig.js";
import { createNode, type Node } from "../../node/node.js";
import { Channel, createSwitch, defaultChannels, type Switch } from "../../p2p/switch.js";
import { byzantineVote, startTargetNode, waitFor, type TargetNode } from "../../testkit/attackPeer.js";
import { SignedMsgType } from "../../types/signBytes.js";
import { VoteType } from "../types.js";
import { decodePair } from "../walRecords.js";

// A proposer restarted after it proposed and prevoted replays its WAL into the same round: the
// core asks again for the proposal it already sent. Its file signer has passed that step (its
// state is at the prevote) and would refuse it; the WAL holds the proposal as signed, so the
// node re-sends it byte for byte (and its prevote, which the signer signs again over the same
// bytes), nothing is refused, and the height decides. (Before, the proposal was refused and
// only the prevote went out again.)
describe("WAL replay of a proposer whose signer has passed its proposal", function () {
  this.timeout(90_000);

  it("re-sends the very proposal and prevote, refuses nothing, and decides the height", async () => {
    // Two validators of equal power: the node cannot decide without the test's validator, which
    // votes for no block until the node has restarted (so height 1 is open across the restart).
    const t = await startTargetNode({
      editGenesis: (doc) => {
        for (const v of doc.validators) if (v.name === "byzantine") v.power = "100";
      },
    });
    const self = Buffer.from(ed25519Address(t.node.validatorKey.pubKey));
    const fromNode = (v: PbVote) => Buffer.from(v.validatorAddress).equals(self);
    let node: Node = t.node;
    let helping = false;
    let proposed = false;
    let prevotedBlock = false;
    /** The node's signed prevote for its block before the stop, and whether it came again after. */
    let prevote: Buffer | null = null;
    let resent = false;
    /** The node's proposal messages of height 1 before the stop, and whether one came again after. */
    const proposals: Buffer[] = [];
    let proposalResent = false;
    const peer: Switch = createSwitch(
      {
        nodeKey: generateEd25519(),
        listen: null,
        persistentPeers: [{ id: t.node.id, host: t.host, port: t.port }],
        maxInbound: 0,
        maxOutbound: 1,
        channels: defaultChannels,
        backoff: { minMs: 50, maxMs: 200 },
      },
      { logger: nopLogger },
    );
    peer.onReceive(Channel.consensusData, (_p, m) => {
      if (PbProposal.decode(decodePair(m).a).height !== 1n) return;
      proposed = true;
      if (!helping) proposals.push(Buffer.from(m));
      else if (proposals.some((x) => x.equals(m))) proposalResent = true;
    });
    const mirrored = new Set<string>();
    peer.onReceive(Channel.consensusVote, (from, m) => {
      const v = PbVote.decode(m);
      if (!fromNode(v)) return;
      if (v.height === 1n && v.type === SignedMsgType.prevote && (v.blockId?.hash.length ?? 0) > 0) {
        if (!helping) {
          prevotedBlock = true;
          prevote = Buffer.from(m);
        } else if (prevote !== null && prevote.equals(m)) resent = true;
      }
      const nil = (v.blockId?.hash.length ?? 0) === 0;
      if (!helping && !nil) return;
      // The second validator votes nil as the node does (a round the node does not propose ends),
      // and after the restart votes for blocks as the node does too: each height can decide.
      const key = `${v.height}/${v.round}/${v.type}`;
      if (mirrored.has(key)) return;
      mirrored.add(key);
      const type = v.type === SignedMsgType.prevote ? VoteType.prevote : VoteType.precommit;
      const target: TargetNode = { ...t, node };
      peer.send(from, Channel.consensusVote, byzantineVote(target, type, v.height, v.round, v.blockId!, v.timestamp));
    });
    await peer.start();
    const refusals: Array<Record<string, unknown> | undefined> = [];
    const logger: Logger = {
      ...nopLogger,
      error: (msg, fields) => refusals.push({ msg, ...fields }),
    };
    try {
      // The node proposes height 1 (in round 0 or 1) and prevotes its block, and nothing decides.
      await waitFor(() => proposed && prevotedBlock, "the node to propose height 1 and prevote its block", 30_000);
      assert.equal(t.node.blockStore.height, 0n);
      await t.node.stop();
      node = await createNode({ home: t.home, config: loadConfig(t.home) }, { logger });
      helping = true;
      await node.start();
      await waitFor(() => proposalResent, "the node's proposal of height 1 again, byte for byte", 10_000);
      await waitFor(() => node.blockStore.height >= 2n, "height 1 (and 2) decided after the restart", 40_000);
      assert.deepEqual(refusals, [], "no error logged: neither the signer nor the WAL check refused anything");
      // The replayed prevote went out again, signed over the very same bytes (its time from the
      // WAL): the file signer answered with the same signature instead of refusing.
      await waitFor(() => resent, "the node's replayed prevote, byte for byte", 10_000);
    } finally {
      await peer.stop();
      await node.stop();
    }
  });
});
