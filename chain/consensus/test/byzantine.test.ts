import assert from "node:assert/strict";
import { Proposal as PbProposal, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { ed25519Address } from "../../crypto/ed25519.js";
import { Channel } from "../../p2p/switch.js";
import { startHubNetwork, type HubNetwork } from "../../testkit/hub.js";
import { SignedMsgType } from "../../types/signBytes.js";
import { decodePair } from "../walRecords.js";

// Attacks on consensus by peers and validators, each against in-process nodes wired through a
// hub (chain/testkit/hub.ts) that decides which message reaches whom.

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex").toUpperCase();

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("consensus under byzantine conditions", function () {
  this.timeout(120_000);
  let hn: HubNetwork | null = null;
  afterEach(async () => {
    await hn?.stop();
    hn = null;
  });

  it("decides a value locked in round 0 in a later round when the round-0 proposer is silenced", async () => {
    hn = await startHubNetwork({ validators: 4, editConfig: (c) => (c.consensus.timeout_propose = "3s") });
    const { nodes } = hn;
    const addrs = nodes.map((n) => hex(ed25519Address(n.validatorKey.pubKey)));
    const p = addrs.indexOf(nodes[0]!.state().validators.proposer.address);
    assert.ok(p >= 0);
    const c = (p + 1) % 4; // never sees the round-0 proposal: it does not lock
    hn.filter = (m) => {
      // The round-0 proposer is heard only for its proposal and its prevote, and hears nothing.
      if (m.to === p) return false;
      if (m.channel === Channel.consensusData) {
        const prop = PbProposal.decode(decodePair(m.payload).a);
        if (prop.height === 1n && prop.round === 0 && m.to === c) return false;
        return m.from !== p || (prop.height === 1n && prop.round === 0);
      }
      if (m.channel === Channel.consensusVote) {
        const v = PbVote.decode(m.payload);
        if (m.from === p) return v.height === 1n && v.round === 0 && v.type === SignedMsgType.prevote;
        return true;
      }
      return m.from !== p;
    };
    const others = [0, 1, 2, 3].filter((i) => i !== p);
    await until(() => others.every((i) => nodes[i]!.state().lastBlockHeight >= 1n), 60_000, "height 1 decided by the three others");
    const commit = (await nodes[others[0]!]!.blockStore.loadSeenCommit(1n))!;
    const block = (await nodes[others[0]!]!.blockStore.loadBlock(1n))!;
    // The block locked in round 0 (its header names the silenced proposer), decided later.
    assert.equal(hex(block.header!.proposerAddress), addrs[p]);
    assert.ok(commit.round >= 1, `decided in round ${commit.round}`);
    for (const i of others) assert.equal(hex((await nodes[i]!.blockStore.loadMeta(1n))!.blockId!.hash), hex(commit.blockId!.hash));
  });
});
