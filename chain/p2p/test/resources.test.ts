import { timeFromMillis } from "../../types/time.js";
import assert from "node:assert/strict";
import { createConnection, createServer, type Socket } from "node:net";
import { Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { generateEd25519 } from "../../crypto/ed25519.js";
import { ed25519Address } from "../../crypto/ed25519.js";
import { VoteType } from "../../consensus/types.js";
import {
  byzantineVote,
  fakeBlockId,
  frame,
  producesBlocks,
  rawPeer,
  startTargetNode,
  switchPeer,
  waitFor,
  type TargetNode,
} from "../../testkit/attackPeer.js";
import { makeSecretConnection, maxFrameBytes, type SecretConnection } from "../secretConnection.js";
import { Channel, channelsFor } from "../switch.js";

// Issue 16, defect 5: what one peer can make a node hold is bounded. Each test attacks a
// running validator node on 127.0.0.1 with a peer built from the project's p2p code, checks the
// bound, and checks that the node goes on making blocks.
describe("per-peer resource bounds against an attacking peer", function () {
  this.timeout(90_000);
  let t: TargetNode | null = null;
  afterEach(async () => {
    await t?.stop();
    t = null;
  });

  const closed = (c: SecretConnection) => new Promise<Error | null>((r) => c.onClose(r));
  /** Waits until the socket drained, or closed. */
  const drained = (s: Socket) =>
    new Promise<void>((r) => {
      if (s.destroyed) return r();
      const done = () => {
        s.off("drain", done);
        s.off("close", done);
        r();
      };
      s.once("drain", done);
      s.once("close", done);
    });

  it("incomplete messages on every channel: closed once they pass one per-peer budget (not the ~49 MB sum of the channel limits)", async () => {
    t = await startTargetNode();
    const attacker = await rawPeer(t);
    const gone = closed(attacker);
    let isClosed = false;
    void gone.then(() => (isClosed = true));
    const limits = channelsFor(Number(t.node.genesis.consensusParams.block!.maxBytes));
    const sum = limits.reduce((a, c) => a + c.maxMessageBytes, 0);
    const largest = Math.max(...limits.map((c) => c.maxMessageBytes));
    assert.ok(sum > 45 * 1024 * 1024, `the channel limits add up to ${sum} bytes`);
    // Each channel gets an incomplete message just under its own limit (allowed per channel).
    const piece = Buffer.alloc(1024 * 1024, 7);
    let sent = 0;
    for (const c of limits) {
      for (let left = c.maxMessageBytes - 1; left > 0 && !isClosed;) {
        const n = Math.min(left, piece.length);
        try {
          attacker.send(frame(c.id, false, piece.subarray(0, n)));
        } catch {
          break; // closed under us
        }
        sent += n;
        left -= n;
        if (attacker.socket.writableLength > 8 * 1024 * 1024) await drained(attacker.socket);
      }
    }
    const reason = await gone;
    assert.ok(sent < sum, "closed before the peer could fill every channel");
    assert.ok(
      sent <= largest + 1024 * 1024 + 16 * piece.length,
      `closed near the per-peer budget (sent ${sent}, budget ${largest + 1024 * 1024})`,
    );
    void reason;
    await producesBlocks(t.node);
  });

  it("an incomplete message that is never finished: the peer is closed after partial_message_timeout", async () => {
    t = await startTargetNode({ editConfig: (c) => (c.p2p.partial_message_timeout = "600ms") });
    const idle = await rawPeer(t);
    const gone = closed(idle);
    idle.send(frame(Channel.mempool, false, Buffer.alloc(1000)));
    // A peer that only sends whole messages in the meantime stays.
    const honest = await switchPeer(t);
    await gone;
    await producesBlocks(t.node);
    assert.ok(t.node.p2p!.peers().includes(honest.sw.id), "the honest peer is still connected");
    await honest.stop();
  });

  it("a flood of tiny incomplete frames is charged its bookkeeping, so it is bounded too", async () => {
    // Small blocks keep the budget (the largest channel limit + 1 MB) small: about 3 MB here.
    t = await startTargetNode({ editGenesis: (g) => (g.consensus_params.block.max_bytes = "1048576") });
    const attacker = await rawPeer(t);
    const gone = closed(attacker);
    let isClosed = false;
    void gone.then(() => (isClosed = true));
    let frames = 0;
    // 1-byte chunks: without a charge per chunk, 20 MB of budget would hold 20 M chunk objects.
    const one = frame(Channel.consensusVote, false, Buffer.alloc(1, 1));
    while (!isClosed && frames < 2_000_000) {
      try {
        for (let i = 0; i < 1000; i++) attacker.send(one);
      } catch {
        break;
      }
      frames += 1000;
      if (attacker.socket.writableLength > 4 * 1024 * 1024) await drained(attacker.socket);
    }
    await gone;
    // The channel's limit is 2 MB + 64 KB: counting payload bytes only, 1-byte chunks would
    // stay under every bound for 2 M frames (and hold 2 M chunk objects).
    assert.ok(frames < 1_000_000, `closed after ${frames} one-byte frames (some still in flight)`);
    await producesBlocks(t.node);
  });

  it("pending handshakes take inbound slots, and a handshake that never finishes is closed after handshake_timeout", async () => {
    t = await startTargetNode({
      editConfig: (c) => {
        c.p2p.max_num_inbound_peers = 4;
        c.p2p.handshake_timeout = "3s";
      },
    });
    const target = t;
    // Four connections that never do their handshake.
    const idle: Array<{ socket: Socket; got: number; closed: boolean }> = [];
    for (let i = 0; i < 4; i++) {
      const socket = createConnection({ host: target.host, port: target.port });
      const s = { socket, got: 0, closed: false };
      socket.on("data", (d: Buffer) => (s.got += d.length));
      socket.on("close", () => (s.closed = true));
      socket.on("error", () => {});
      idle.push(s);
    }
    // The node answers each with its ephemeral key: they hold slots now.
    await waitFor(() => idle.every((s) => s.got === 32), "the node's ephemeral key on each idle connection");
    // A fifth connection is refused at once: closed without a byte (no handshake work done).
    const fifth = createConnection({ host: target.host, port: target.port });
    let fifthGot = 0;
    fifth.on("data", (d: Buffer) => (fifthGot += d.length));
    fifth.on("error", () => {});
    await new Promise((r) => fifth.once("close", r));
    assert.equal(fifthGot, 0, "refused before the handshake started");
    // The handshake timeout frees the slots; then a real peer gets in.
    await waitFor(() => idle.every((s) => s.closed), "the node to close the stalled handshakes");
    const honest = await switchPeer(target);
    await producesBlocks(target.node);
    await honest.stop();
  });

  it("votes a byzantine validator signs without end: stored and re-gossiped within fixed bounds per validator", async () => {
    t = await startTargetNode();
    const target = t;
    const attacker = await switchPeer(target);
    const observer = await switchPeer(target);
    const byzHex = Buffer.from(ed25519Address(target.byzantine.pubKey)).toString("hex");
    let n = 0;
    const started = target.node.blockStore.height;
    // For a dozen heights: each height, hundreds of equivocating votes, votes for rounds far
    // ahead, and votes for later heights, all validly signed by the byzantine validator.
    while (target.node.blockStore.height < started + 12n) {
      const h = target.node.blockStore.height + 1n;
      // Dated now: votes dated before the last block would all be dropped by the voteTime rule.
      const now = timeFromMillis(Date.now());
      for (let i = 0; i < 50; i++, n++) {
        attacker.sw.send(
          target.node.id,
          Channel.consensusVote,
          byzantineVote(target, VoteType.prevote, h, 0, fakeBlockId(n), now),
        );
        attacker.sw.send(
          target.node.id,
          Channel.consensusVote,
          byzantineVote(target, VoteType.precommit, h, 10 + n, fakeBlockId(n), now),
        );
        attacker.sw.send(
          target.node.id,
          Channel.consensusVote,
          byzantineVote(target, VoteType.prevote, h + 1n + BigInt(i % 3), n, fakeBlockId(n), now),
        );
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    await producesBlocks(target.node);
    // What the node re-gossiped of the byzantine validator's votes, per height.
    const perHeight = new Map<bigint, Set<string>>();
    for (const m of observer.received) {
      if (m.channel !== Channel.consensusVote) continue;
      const v = PbVote.decode(m.payload);
      if (Buffer.from(v.validatorAddress).toString("hex") !== byzHex) continue;
      const set = perHeight.get(v.height) ?? new Set<string>();
      set.add(Buffer.from(m.payload).toString("hex"));
      perHeight.set(v.height, set);
    }
    const most = Math.max(0, ...[...perHeight.values()].map((s) => s.size));
    // The votes reached the core: some re-gossiped (peers get votes only as the reactor's gossip
    // picks them, so a run can end with none), or the equivocation broadcast as evidence (only
    // the byzantine validator equivocates here).
    const evidenceBroadcast = observer.received.some((m) => m.channel === Channel.evidence);
    assert.ok(
      most >= 1 || evidenceBroadcast,
      "the byzantine validator's votes reached the core: re-gossiped, or its equivocation broadcast as evidence",
    );
    // Round 0 and 1: two values per type; two rounds ahead: two values per type.
    assert.ok(most <= 16, `at most 16 of the byzantine validator's votes gossiped per height, saw ${most}`);
    assert.ok(n > 1000, `the attacker sent ${n * 3} votes`);
    await attacker.stop();
    await observer.stop();
  });
});

describe("frame reassembly is linear in the frame size", () => {
  it("a maximum frame sent in 1 KB pieces: each byte copied at most once", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const accepted = new Promise<Socket>((r) => server.once("connection", r));
    const client = createConnection({ host: "127.0.0.1", port });
    await new Promise((r) => client.once("connect", r));
    const serverSocket = await accepted;
    const [receiver, sender] = await Promise.all([
      makeSecretConnection(serverSocket, generateEd25519(), { expectedId: null }),
      makeSecretConnection(client, generateEd25519(), { expectedId: null }),
    ]);
    const got = new Promise<Uint8Array>((r) => receiver.onMessage(r));
    // Capture the sealed frame and write it in 1 KB pieces, each its own TCP write.
    const realWrite = client.write.bind(client);
    let sealed = Buffer.alloc(0);
    (client as unknown as { write: (b: Buffer) => boolean }).write = (b: Buffer) => (
      (sealed = Buffer.concat([sealed, b])),
      true
    );
    const message = Buffer.alloc(maxFrameBytes, 3);
    sender.send(message);
    for (let off = 0; off < sealed.length; off += 1024) {
      realWrite(sealed.subarray(off, off + 1024));
      if (off % (64 * 1024) === 0) await new Promise((r) => setImmediate(r));
    }
    const m = await got;
    assert.equal(m.length, message.length);
    // Appending every chunk to one buffer copied O(size^2 / chunk) bytes: gigabytes here.
    assert.ok(
      receiver.copiedBytes <= sealed.length,
      `copied ${receiver.copiedBytes} bytes for a frame of ${sealed.length}`,
    );
    receiver.close();
    sender.close();
    server.close();
  });
});
