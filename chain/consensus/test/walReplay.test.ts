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
// core asks again for the proposal it already sent, and the file signer refuses it (its state
// is at the prevote, a later step). That refusal used to end the replay with an error and the
// height never decided; now it is logged and skipped (never sign twice), and the height decides.
describe("WAL replay of a proposer whose signer refuses the replayed proposal", function () {
  this.timeout(90_000);

  it("logs the refusal, skips the proposal and decides the height", async () => {
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
      if (PbProposal.decode(decodePair(m).a).height === 1n) proposed = true;
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
      error: (msg, fields) => msg === "signer refused a proposal" && refusals.push(fields),
    };
    try {
      // The node proposes height 1 (in round 0 or 1) and prevotes its block, and nothing decides.
      await waitFor(() => proposed && prevotedBlock, "the node to propose height 1 and prevote its block", 30_000);
      assert.equal(t.node.blockStore.height, 0n);
      await t.node.stop();
      node = await createNode({ home: t.home, config: loadConfig(t.home) }, { logger });
      helping = true;
      await node.start();
      assert.ok(refusals.length >= 1, "the replay asked the signer for the proposal again, and it refused");
      assert.equal(refusals[0]!["height"], 1n);
      await waitFor(() => node.blockStore.height >= 2n, "height 1 (and 2) decided after the restart", 40_000);
      // The replayed prevote went out again, signed over the very same bytes (its time from the
      // WAL): the file signer answered with the same signature instead of refusing.
      await waitFor(() => resent, "the node's replayed prevote, byte for byte", 10_000);
    } finally {
      await peer.stop();
      await node.stop();
    }
  });
});
