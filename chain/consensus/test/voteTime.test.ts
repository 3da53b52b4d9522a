import assert from "node:assert/strict";
import { Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { nopLogger } from "../../../modules/sdk/context.js";
import { ed25519Address, generateEd25519 } from "../../crypto/ed25519.js";
import { Channel, createSwitch, defaultChannels } from "../../p2p/switch.js";
import { startHubNetwork, type HubNetwork } from "../../testkit/hub.js";
import { SignedMsgType } from "../../types/signBytes.js";
import { compareTime } from "../../types/time.js";
import { createPrivValidator } from "../privValidator.js";
import { signVote } from "../signedMessages.js";
import { VoteType } from "../types.js";
import { hex, until } from "../../testkit/wait.js";

// A byzantine validator dates its precommits after the last block but before the block it
// votes for: the last-block rule lets them through, and in a commit of 3 of 4 the weighted
// median is the earliest time, so the next block's BFT time would not be after this block's
// and every proposer holding that commit would build an invalid block.

describe("consensus vote times", function () {
  this.timeout(120_000);
  let hn: HubNetwork | null = null;
  afterEach(async () => {
    await hn?.stop();
    hn = null;
  });

  it("drops precommits dated at or before the block they vote for, so commits stay after their block", async () => {
    hn = await startHubNetwork({ validators: 4, start: [0, 1, 2] });
    const { nodes } = hn;
    const byz = createPrivValidator(nodes[3]!.validatorKey, null);
    const byzAddr = hex(ed25519Address(byz.key.pubKey));
    const peer = createSwitch(
      {
        nodeKey: generateEd25519(),
        listen: null,
        maxInbound: 0,
        maxOutbound: 3,
        channels: defaultChannels,
        persistentPeers: [0, 1, 2].map((i) => {
          const [host, port] = nodes[i]!.p2p!.address.split(":");
          return { id: nodes[i]!.id, host: host!, port: Number(port) };
        }),
      },
      { logger: nopLogger },
    );
    const signed = new Set<string>();
    const sentAt = new Set<bigint>();
    peer.onReceive(Channel.consensusVote, (_, m) => {
      const v = PbVote.decode(m);
      const key = `${v.height}/${v.round}`;
      if (
        v.type !== SignedMsgType.precommit ||
        v.blockId === undefined ||
        v.blockId.hash.length === 0 ||
        signed.has(key)
      )
        return;
      const state = nodes[0]!.state();
      if (state.lastBlockHeight + 1n !== v.height) return;
      // One nanosecond after the last block: after the last block, before the block voted for.
      const t = state.lastBlockTime;
      const time =
        t.nanos < 999_999_999 ? { seconds: t.seconds, nanos: t.nanos + 1 } : { seconds: t.seconds + 1n, nanos: 0 };
      const mine = signVote(
        byz,
        hn!.net.chainId,
        VoteType.precommit,
        v.height,
        v.round,
        v.blockId,
        time,
        state.validators.indexOf(byzAddr),
      );
      signed.add(key);
      sentAt.add(v.height);
      for (const id of peer.peers()) peer.send(id, Channel.consensusVote, PbVote.encode(mine).finish());
    });
    await peer.start();
    try {
      await until(() => peer.peers().length === 3, 30_000, "connected");
      const start = nodes[0]!.state().lastBlockHeight;
      await until(
        () => nodes[0]!.state().lastBlockHeight >= start + 6n,
        90_000,
        "six heights with early-dated precommits",
      );
    } finally {
      await peer.stop();
    }
    assert.ok(sentAt.size >= 3, `early-dated precommits sent at ${sentAt.size} heights`);
    for (const h of sentAt) {
      for (const n of nodes.slice(0, 3)) {
        const block = await n.blockStore.loadBlock(h);
        const commit = await n.blockStore.loadSeenCommit(h);
        if (block === null || commit === null) continue;
        for (const s of commit.signatures) {
          if (s.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT) continue;
          assert.ok(
            compareTime(s.timestamp!, block.header!.time!) > 0,
            `height ${h}: ${hex(s.validatorAddress) === byzAddr ? "the byzantine" : "a"} precommit is dated at or before its block`,
          );
        }
      }
    }
  });
});
