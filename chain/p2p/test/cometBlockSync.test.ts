import assert from "node:assert/strict";
import { connect } from "node:net";
import { Block } from "cosmjs-types/tendermint/types/block";
import { nopLogger } from "../../../modules/sdk/context.js";
import { generateEd25519 } from "../../crypto/ed25519.js";
import { nodeId } from "../../crypto/keyFiles.js";
import { createNode, type Node } from "../../node/node.js";
import { makeTestNetwork, type TestNetwork } from "../../testkit/network.js";
import { loadConfig } from "../../types/nodeConfig.js";
import type { CometBlockSync } from "../cometbft/blockSync.js";
import { cometConnect, type CometConnection } from "../cometbft/connection.js";
import { decodeBlockSync, encodeBlockSync, type BlockSyncMessage } from "../cometbft/wire.js";
import { encodeNewRoundStep } from "../cometbft/consensusFollow.js";
import { BinaryWriter } from "cosmjs-types/binary";
import { Part, Vote } from "cosmjs-types/tendermint/types/types";
import { ed25519Address } from "../../crypto/ed25519.js";

// CometBFT's block sync between TypeScript nodes on CometBFT's wire (config p2p.wire =
// "cometbft"), in process: a full node syncs a validator's chain through StatusRequest/
// StatusResponse/BlockRequest/BlockResponse, every block passing the node's full validation;
// and a byzantine peer speaking that protocol cannot make the node hold blocks nobody asked
// for, nor get a block that fails validation past it. (Against real CometBFT validators:
// chain/abci/test/mixedNetwork.e2e.test.ts.)

async function until(what: string, f: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A peer speaking CometBFT's block sync, message by message. */
async function syncPeer(
  target: Node,
  network: string,
  channels: number[] = [0x40],
): Promise<{
  conn: CometConnection;
  got: BlockSyncMessage[];
  consensus: Uint8Array[];
  send(m: BlockSyncMessage): void;
  closed: Promise<void>;
}> {
  const [host, port] = target.p2p!.address.split(":");
  const socket = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
    const s = connect(Number(port), host!, () => resolve(s));
    s.once("error", reject);
  });
  const key = generateEd25519();
  const conn = await cometConnect(socket, key, nodeId(key), {
    expectedId: target.id,
    timeoutMs: 5000,
    nodeInfo: {
      listenAddr: "tcp://127.0.0.1:1",
      network,
      version: "0.38.26",
      channels,
      moniker: "byzantine",
      txIndex: "off",
      rpcAddress: "",
    },
  });
  const got: BlockSyncMessage[] = [];
  const consensus: Uint8Array[] = [];
  const acc = new Map<number, Buffer[]>();
  conn.onMessage((frame) => {
    const ch = frame[0]!;
    const a = acc.get(ch) ?? [];
    a.push(Buffer.from(frame.subarray(2)));
    acc.set(ch, a);
    if (frame[1] !== 1) return;
    acc.delete(ch);
    if (ch === 0x40) got.push(decodeBlockSync(Buffer.concat(a)));
    else consensus.push(Buffer.concat(a));
  });
  const closed = new Promise<void>((r) => conn.onClose(() => r()));
  return { conn, got, consensus, closed, send: (m) => conn.send(Uint8Array.from([0x40, 1, ...encodeBlockSync(m)])) };
}

describe("CometBFT's block sync between TypeScript nodes on CometBFT's wire", function () {
  this.timeout(60_000);
  let net: TestNetwork;
  let validator: Node;
  let follower: Node;

  before(async () => {
    net = await makeTestNetwork({ validators: 1, fullNodes: 1, accounts: [] });
    const nodes: Node[] = [];
    for (const home of net.homes) {
      const c = loadConfig(home);
      c.p2p.wire = "cometbft";
      c.p2p.pex = false;
      c.p2p.persistent_peers = ""; // the follower meets the validator only at the end
      c.consensus.timeout_commit = "50ms";
      nodes.push(await createNode({ home, config: c, inMemory: true }, { logger: nopLogger }));
    }
    [validator, follower] = nodes as [Node, Node];
    await validator.start();
    await follower.start();
    await until("the validator to make 4 blocks", () => validator.blockStore.height >= 4n);
  });

  after(async () => {
    await follower?.stop();
    await validator?.stop();
  });

  const heldBy = (n: Node) => (n.p2p as CometBlockSync).held();

  it("blocks nobody asked that peer for are dropped unread; a malformed message or an impossible status closes the peer", async () => {
    const p = await syncPeer(follower, net.chainId);
    await until("the follower's status request", () => p.got.some((m) => m.kind === "statusRequest"));
    const block = Block.encode((await validator.blockStore.loadBlock(1n))!).finish();
    // The peer told no height: nothing was asked of it, so 200 blocks are 200 drops.
    for (let i = 0; i < 200; i++) p.send({ kind: "blockResponse", block, extCommit: null });
    // A round trip: what was sent before it has been handled once its answer is back.
    const answers = p.got.filter((m) => m.kind === "statusResponse").length;
    p.send({ kind: "statusRequest" });
    await until(
      "the follower's status answer",
      () => p.got.filter((m) => m.kind === "statusResponse").length > answers,
    );
    assert.deepEqual(heldBy(follower), { blocks: 0, bytes: 0 });
    assert.equal(follower.blockStore.height, 0n);
    assert.equal(follower.p2p!.peers().length, 1, "unasked blocks are not misbehaviour (a late answer looks the same)");
    p.conn.send(Uint8Array.of(0x40, 1, 0x0a, 0x05, 0x08));
    await p.closed;
    const q = await syncPeer(follower, net.chainId);
    q.send({ kind: "statusResponse", height: 3n, base: 5n });
    await q.closed;
  });

  it("a block that fails the full validation closes the peer that sent it, and nothing is stored", async () => {
    const p = await syncPeer(follower, net.chainId);
    p.send({ kind: "statusResponse", height: 3n, base: 1n });
    await until("block requests for heights 1 and 2", () =>
      [1n, 2n].every((h) => p.got.some((m) => m.kind === "blockRequest" && m.height === h)),
    );
    const b1 = (await validator.blockStore.loadBlock(1n))!;
    const b2 = (await validator.blockStore.loadBlock(2n))!;
    // Block 1 with a tx its header's data_hash does not commit to; block 2 genuine (its last
    // commit is the real commit of block 1, for the real block id).
    const forged: Block = { ...b1, data: { txs: [Uint8Array.of(1, 2, 3)] } };
    p.send({ kind: "blockResponse", block: Block.encode(forged).finish(), extCommit: null });
    p.send({ kind: "blockResponse", block: Block.encode(b2).finish(), extCommit: null });
    await p.closed;
    assert.equal(follower.blockStore.height, 0n);
    assert.deepEqual(heldBy(follower), { blocks: 0, bytes: 0 }, "the closed peer's blocks are let go");
  });

  /** consensus.Message{field: body}: Vote 6 wraps Vote{1: vote}; BlockPart 5 is given whole. */
  const wrap = (field: number, inner: Uint8Array) =>
    BinaryWriter.create()
      .uint32((field << 3) | 2)
      .bytes(inner)
      .finish();
  const sendOn = (p: { conn: CometConnection }, ch: number, m: Uint8Array) =>
    p.conn.send(Uint8Array.from([ch, 1, ...m]));

  it("live consensus: a validator's vote with a bad signature or an undecodable message closes the peer; a stranger's vote is dropped", async () => {
    const b1 = (await validator.blockStore.loadBlock(1n))!;
    const meta = (await validator.blockStore.loadMeta(1n))!;
    const stranger = generateEd25519();
    const ts = { seconds: 1n, nanos: 0 };
    const vote = (from: Uint8Array) =>
      wrap(
        6,
        wrap(
          1,
          Vote.encode({
            type: 2,
            height: 1n,
            round: 0,
            blockId: meta.blockId,
            timestamp: ts,
            validatorAddress: from,
            validatorIndex: 0,
            signature: new Uint8Array(64).fill(7),
            extension: new Uint8Array(),
            extensionSignature: new Uint8Array(),
          }).finish(),
        ),
      );
    // A stranger's vote (not a validator) is dropped; the peer stays. A part is held until the
    // part set is decided (at most one part set's worth).
    const p = await syncPeer(follower, net.chainId, [0x40, 0x20, 0x21, 0x22]);
    sendOn(p, 0x20, encodeNewRoundStep(1n, 0, 3, 1n));
    await until("the follower's NewRoundStep", () => p.consensus.some((m) => m[0] === 0x0a));
    sendOn(p, 0x22, vote(ed25519Address(stranger.pubKey)));
    const part = Part.encode({
      index: 0,
      bytes: Block.encode(b1).finish(),
      proof: { total: 1n, index: 0n, leafHash: new Uint8Array(), aunts: [] },
    }).finish();
    sendOn(p, 0x21, wrap(5, BinaryWriter.create().uint32(8).int64(1n).uint32(26).bytes(part).finish()));
    // A round trip: what was sent before it has been handled once its answer is back.
    const answers = p.got.filter((m) => m.kind === "statusResponse").length;
    p.send({ kind: "statusRequest" });
    await until(
      "the follower's status answer",
      () => p.got.filter((m) => m.kind === "statusResponse").length > answers,
    );
    const held = (follower.p2p as CometBlockSync).follower!.held();
    assert.deepEqual([held.parts, held.votes], [1, 0]);
    // Undecodable: closed.
    sendOn(p, 0x22, Uint8Array.of(0x32, 0x03, 0x0a, 0x05, 0x08));
    await p.closed;
    // The validator's address on a vote it did not sign: closed.
    const r = await syncPeer(follower, net.chainId, [0x40, 0x20, 0x21, 0x22]);
    sendOn(r, 0x22, vote(ed25519Address(validator.validatorKey.pubKey)));
    await r.closed;
    assert.equal(follower.blockStore.height, 0n);
  });

  it("live consensus: the height's block parts and 2/3+ precommits give the engine the block", async () => {
    const p = await syncPeer(follower, net.chainId, [0x40, 0x20, 0x21, 0x22]);
    const b1 = (await validator.blockStore.loadBlock(1n))!;
    const meta = (await validator.blockStore.loadMeta(1n))!;
    const seen = (await validator.blockStore.loadSeenCommit(1n))!;
    sendOn(p, 0x20, encodeNewRoundStep(1n, seen.round, 3, 1n));
    const bytes = Block.encode(b1).finish();
    const part = Part.encode({
      index: 0,
      bytes,
      proof: { total: 1n, index: 0n, leafHash: new Uint8Array(), aunts: [] },
    }).finish();
    sendOn(p, 0x21, wrap(5, BinaryWriter.create().uint32(8).int64(1n).uint32(26).bytes(part).finish()));
    // The validator's real precommit, from its commit of block 1.
    const s = seen.signatures[0]!;
    const vote = {
      type: 2,
      height: 1n,
      round: seen.round,
      blockId: meta.blockId,
      timestamp: s.timestamp!,
      validatorAddress: s.validatorAddress,
      validatorIndex: 0,
      signature: s.signature,
      extension: new Uint8Array(),
      extensionSignature: new Uint8Array(),
    };
    sendOn(p, 0x22, wrap(6, wrap(1, Vote.encode(vote).finish())));
    await until("the follower to commit block 1 from consensus messages", () => follower.blockStore.height >= 1n);
    assert.deepEqual((await follower.blockStore.loadMeta(1n))!.blockId, meta.blockId);
    p.conn.close();
  });

  it("a full node syncs the validator's chain by CometBFT's block sync, to the same block ids and app_hash", async () => {
    const [host, port] = validator.p2p!.address.split(":");
    follower.p2p!.dialOnce({ id: validator.id, host: host!, port: Number(port) });
    const target = validator.blockStore.height;
    await until(`the follower to reach height ${target}`, () => follower.blockStore.height >= target);
    for (let h = 1n; h <= target; h++) {
      const [a, b] = await Promise.all([validator.blockStore.loadMeta(h), follower.blockStore.loadMeta(h)]);
      assert.deepEqual(b!.blockId, a!.blockId, `block id at height ${h}`);
      assert.deepEqual(b!.header.appHash, a!.header.appHash, `app_hash at height ${h}`);
    }
    assert.ok(heldBy(follower).blocks <= 16);
    // And it keeps following: CometBFT's sync is one block behind the tip (a block's commit is
    // the next block's last commit).
    await until("the follower to follow new blocks", () => follower.blockStore.height >= target + 3n);
  });
});
