import assert from "node:assert/strict";
import { Proposal as PbProposal } from "cosmjs-types/tendermint/types/types";
import { nopLogger } from "../../../modules/sdk/context.js";
import { generateEd25519 } from "../../crypto/ed25519.js";
import type { Node } from "../../node/node.js";
import { Channel, createSwitch, defaultChannels } from "../../p2p/switch.js";
import { makeBlock } from "../../state/blockExecutor.js";
import { blockTime } from "../../state/validation.js";
import { startHubNetwork, type HubNetwork } from "../../testkit/hub.js";
import { timeFromMillis } from "../../types/time.js";
import { appVersion } from "../../app/application.js";
import { createPrivValidator } from "../privValidator.js";
import { signProposal } from "../signedMessages.js";
import { encodeProposalMessage } from "../walRecords.js";

// A proposal's signature covers its block id, not the block sent with it. A peer relaying a
// genuine proposal with another body (a stranger needs no key for that) had it recorded as the
// proposal's block and judged invalid: the node prevoted nil, and kept the wrong body for that
// id. A body that is not the block the proposal names is the sender's fault: dropped, peer closed.

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sendAndExpectDrop(target: Node, channel: number, payload: Uint8Array): Promise<void> {
  const [host, port] = target.p2p!.address.split(":");
  const peer = createSwitch(
    { nodeKey: generateEd25519(), listen: null, persistentPeers: [{ id: target.id, host: host!, port: Number(port) }], maxInbound: 0, maxOutbound: 1, channels: defaultChannels, backoff: { minMs: 600_000, maxMs: 600_000 } },
    { logger: nopLogger },
  );
  const events: boolean[] = [];
  peer.onPeer((_, up) => events.push(up));
  await peer.start();
  try {
    await until(() => events.includes(true), 20_000, "the peer connects");
    peer.send(target.id, channel, payload);
    await until(() => events.includes(false), 20_000, "the target drops the peer");
  } finally {
    await peer.stop();
  }
}

describe("consensus: a proposal's body", function () {
  this.timeout(120_000);
  let hn: HubNetwork | null = null;
  afterEach(async () => {
    await hn?.stop();
    hn = null;
  });

  it("drops a peer that sends a genuine proposal with a block other than the one it names", async () => {
    hn = await startHubNetwork({ validators: 4 });
    const { nodes } = hn;
    await until(() => nodes.every((n) => n.state().lastBlockHeight >= 1n), 60_000, "height 1");
    hn.filter = () => false;
    await new Promise((r) => setTimeout(r, 1000));
    const target = nodes[0]!;
    const state = target.state();
    const h = state.lastBlockHeight + 1n;
    const lastCommit = (await target.blockStore.loadSeenCommit(h - 1n))!;
    const proposerAddr = state.validators.proposer.address;
    const proposerNode = nodes.find((n) => Buffer.from(n.validatorKey.pubKey).equals(Buffer.from(state.validators.get(proposerAddr)!.pubKey)))!;
    const proposer = Buffer.from(proposerAddr, "hex");
    const named = makeBlock(state, [], lastCommit, proposer, blockTime(state, lastCommit), appVersion);
    const other = makeBlock(state, [new Uint8Array([1, 2, 3])], lastCommit, proposer, blockTime(state, lastCommit), appVersion);
    const signed = signProposal(createPrivValidator(proposerNode.validatorKey, null), hn.net.chainId, h, 0, -1, named.blockId, timeFromMillis(Date.now()));
    await sendAndExpectDrop(target, Channel.consensusData, encodeProposalMessage(PbProposal.encode(signed).finish(), other.bytes));
    hn.filter = () => true;
    await until(() => nodes.every((n) => n.state().lastBlockHeight >= h + 1n), 60_000, "the network goes on");
    assert.ok(target.state().lastBlockHeight >= h + 1n);
  });
});
