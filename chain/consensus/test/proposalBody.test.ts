import assert from "node:assert/strict";
import { Proposal as PbProposal } from "cosmjs-types/tendermint/types/types";
import { Channel } from "../../p2p/switch.js";
import { makeBlock } from "../../state/blockExecutor.js";
import { blockTime } from "../../state/validation.js";
import { startHubNetwork, type HubNetwork } from "../../testkit/hub.js";
import { timeFromMillis } from "../../types/time.js";
import { appVersion } from "../../app/application.js";
import { createPrivValidator } from "../privValidator.js";
import { signProposal } from "../signedMessages.js";
import { encodeProposalMessage } from "../walRecords.js";
import { sendAndExpectDrop } from "../../testkit/dropPeer.js";
import { until } from "../../testkit/wait.js";

// A proposal's signature covers its block id, not the block sent with it. A peer relaying a
// genuine proposal with another body (a stranger needs no key for that) had it recorded as the
// proposal's block and judged invalid: the node prevoted nil, and kept the wrong body for that
// id. A body that is not the block the proposal names is the sender's fault: dropped, peer closed.

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
    const proposerNode = nodes.find((n) =>
      Buffer.from(n.validatorKey.pubKey).equals(Buffer.from(state.validators.get(proposerAddr)!.pubKey)),
    )!;
    const proposer = Buffer.from(proposerAddr, "hex");
    const named = makeBlock(state, [], lastCommit, proposer, blockTime(state, lastCommit), appVersion);
    const other = makeBlock(
      state,
      [new Uint8Array([1, 2, 3])],
      lastCommit,
      proposer,
      blockTime(state, lastCommit),
      appVersion,
    );
    const signed = signProposal(
      createPrivValidator(proposerNode.validatorKey, null),
      hn.net.chainId,
      h,
      0,
      -1,
      named.blockId,
      timeFromMillis(Date.now()),
    );
    await sendAndExpectDrop(
      target,
      Channel.consensusData,
      encodeProposalMessage(PbProposal.encode(signed).finish(), other.bytes),
    );
    hn.filter = () => true;
    await until(() => nodes.every((n) => n.state().lastBlockHeight >= h + 1n), 60_000, "the network goes on");
    assert.ok(target.state().lastBlockHeight >= h + 1n);
  });
});
