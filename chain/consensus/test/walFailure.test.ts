import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { CodedError } from "../../../modules/sdk/errors.js";
import { ed25519Address } from "../../crypto/ed25519.js";
import { homePaths } from "../../types/nodeConfig.js";
import { timeFromMillis } from "../../types/time.js";
import { Channel } from "../../p2p/switch.js";
import { byzantineVote, producesBlocks, startTargetNode, switchPeer, waitFor } from "../../testkit/attackPeer.js";
import { emptyBlockId } from "../signedMessages.js";
import { VoteType } from "../types.js";
import { nodeWalFs, walErrors, type WalFs } from "../wal.js";

// Issue 16, defect 6: a WAL write that fails while a peer's message is handled used to close
// that peer as if it had misbehaved, and the node went on (and signed). Now the node halts with
// a coded error, signs nothing more, and blames no peer.
describe("a failing WAL write halts the node", function () {
  this.timeout(60_000);

  /**
   * A disk whose chosen write fails once; every later operation succeeds again (a transient
   * error): the node must stay halted and sign nothing even though the disk came back.
   */
  function flakyDisk(
    failsOn: (buf: Uint8Array) => boolean,
    on: "write" | "fsync",
  ): WalFs & { failed: boolean; arm(): void } {
    let armed = false;
    const fail = (what: string) => {
      armed = false;
      d.failed = true;
      throw new Error(`EIO: i/o error, ${what}`);
    };
    const d = {
      failed: false,
      arm() {
        armed = true;
      },
      write(fd: number, buf: Uint8Array, position: number) {
        if (armed && on === "write" && failsOn(buf)) fail("write");
        nodeWalFs.write(fd, buf, position);
      },
      fsync(fd: number) {
        if (armed && on === "fsync") fail("fsync");
        nodeWalFs.fsync(fd);
      },
      truncate: nodeWalFs.truncate,
      close: nodeWalFs.close,
    };
    return d;
  }

  async function afterHalt(
    t: Awaited<ReturnType<typeof startTargetNode>>,
    peer: Awaited<ReturnType<typeof switchPeer>>,
    downs: string[],
  ) {
    const err = await t.node.halted;
    assert.ok(err instanceof CodedError && err.is(walErrors.writeFailed), `halted with wal:3, got ${err.message}`);
    assert.match(err.message, /signs nothing more/);
    await new Promise((r) => setTimeout(r, 300)); // what was sent before the halt arrives
    const statePath = homePaths(t.home).privValidatorState;
    const signState = readFileSync(statePath, "utf8");
    const height = t.node.blockStore.height;
    const selfAddr = Buffer.from(ed25519Address(t.node.validatorKey.pubKey)).toString("hex");
    const ownVotes = () =>
      peer.received.filter(
        (m) =>
          m.channel === Channel.consensusVote &&
          Buffer.from(PbVote.decode(m.payload).validatorAddress).toString("hex") === selfAddr,
      ).length;
    const votesAtHalt = ownVotes();
    // Several timeouts' worth of time: a running node would have made blocks and votes.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(readFileSync(statePath, "utf8"), signState, "nothing signed after the failed write");
    assert.equal(t.node.blockStore.height, height, "no block committed after the failed write");
    assert.equal(ownVotes(), votesAtHalt, "no new vote of the node's sent after the halt");
    assert.deepEqual(downs, [], "no peer was closed (the peer whose message was handled is not blamed)");
    assert.ok(t.node.p2p!.peers().includes(peer.sw.id));
    assert.ok(peer.sw.peers().includes(t.node.id));
  }

  it("a write failing while a peer's vote is logged: halt, no ban, no signature", async () => {
    let byzAddr = Buffer.alloc(0);
    const disk = flakyDisk((buf) => byzAddr.length > 0 && Buffer.from(buf).includes(byzAddr), "write");
    const t = await startTargetNode({ walFs: disk });
    byzAddr = Buffer.from(ed25519Address(t.byzantine.pubKey));
    const peer = await switchPeer(t);
    const downs: string[] = [];
    t.node.p2p!.onPeer((p, up) => up || downs.push(p));
    try {
      await producesBlocks(t.node, 2n);
      disk.arm();
      let round = 0;
      await waitFor(() => {
        // The byzantine validator's vote for the height being decided, dated now (after the last
        // block): verified, then logged. (One for the next height is held, not logged, until
        // that height starts.)
        peer.sw.send(
          t.node.id,
          Channel.consensusVote,
          byzantineVote(
            t,
            VoteType.prevote,
            t.node.consensus!.height,
            round++ % 3,
            emptyBlockId(),
            timeFromMillis(Date.now()),
          ),
        );
        return disk.failed;
      }, "the peer's vote to reach the WAL");
      await afterHalt(t, peer, downs);
    } finally {
      await peer.stop();
      await t.stop();
    }
  });

  it("the fsync of the node's own vote or proposal failing: halt before signing it", async () => {
    const disk = flakyDisk(() => true, "fsync");
    const t = await startTargetNode({ walFs: disk });
    const peer = await switchPeer(t);
    const downs: string[] = [];
    t.node.p2p!.onPeer((p, up) => up || downs.push(p));
    try {
      await producesBlocks(t.node, 2n);
      disk.arm();
      await waitFor(() => disk.failed, "the next fsynced WAL write (an own vote or proposal)");
      await afterHalt(t, peer, downs);
    } finally {
      await peer.stop();
      await t.stop();
    }
  });
});
