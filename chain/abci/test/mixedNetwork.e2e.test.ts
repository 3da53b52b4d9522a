import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import type { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { DefaultNodeInfo } from "cosmjs-types/tendermint/p2p/types";
import { generateEd25519 } from "../../crypto/ed25519.js";
import { loadOrGenNodeKey, nodeId } from "../../crypto/keyFiles.js";
import { makeCometSecretConnection } from "../../p2p/cometSecretConnection.js";
import { makeSecretConnection, p2pErrors } from "../../p2p/secretConnection.js";
import { createNode, type Node } from "../../node/node.js";
import type { CometBlockSync } from "../../p2p/cometbft/blockSync.js";
import { gasPrice, sendTokens, stopWithCometChild, testWallet } from "../../testkit/cometbftNodes.js";
import { cometbftEngine } from "../../testkit/engines.js";
import { makeTestNetwork, type TestNetwork } from "../../testkit/network.js";
import { startNodeProcess, type NodeProcess } from "../../testkit/nodeProcess.js";
import { rpcOf } from "../../testkit/rpc.js";
import { homePaths, loadConfig, parseListenAddress } from "../../types/nodeConfig.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { CodedError } from "../../../modules/sdk/errors.js";

// A mixed network: two CometBFT v0.38 validators (cometbft processes running the tcompute app
// over ABCI, `tcd start --engine cometbft`) and a TypeScript-engine full node whose switch
// speaks CometBFT's wire (config p2p.wire = "cometbft": SecretConnection, NodeInfo, MConnection
// packets, block sync). The TypeScript node is accepted as a peer, block-syncs the CometBFT
// chain through its one full block validation, and reaches CometBFT's block ids and app_hash at
// every height. The first tests pin where the engine's own wire and CometBFT's part.
// docs/node.md, "Mixed networks", lists every layer and what still differs.

const engine = cometbftEngine();

type Json = Record<string, unknown>;
const rpc = (url: string, method: string, params: Json = {}): Promise<Json> => rpcOf(url)(method, params);
const hex = (b: Uint8Array | undefined) =>
  Buffer.from(b ?? [])
    .toString("hex")
    .toUpperCase();

async function waitFor(what: string, f: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await Promise.resolve(f()).catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readSome(socket: Socket, n: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      socket.off("data", onData);
      resolve(got);
    };
    const onData = (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (got.length >= n) done();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("data", onData);
  });
}

function connectTo(port: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

describe(`a mixed network of CometBFT validators and a TypeScript-engine node (e2e) ${engine.title}`, function () {
  this.timeout(90_000);
  let net: TestNetwork;
  const procs: NodeProcess[] = [];
  let tsNode: Node | null = null;
  let wallet: DirectSecp256k1HdWallet;
  let alice = "";
  let bob = "";
  let p2pPort = 0;
  let cometId = "";

  before(async function () {
    if (engine.missing !== null) return this.skip();
    const test = await testWallet(2);
    wallet = test.wallet;
    [alice, bob] = test.addresses as [string, string];
    net = await makeTestNetwork({
      validators: 2,
      fullNodes: 1,
      accounts: [{ address: alice, coins: [{ denom: "utcu", amount: 10_000_000_000n }] }],
    });
    // Together: `tcd start --engine cometbft` reports RPC once a block is made, which takes both.
    const args = [await engine.startArgs(), await engine.startArgs()];
    const started = await Promise.allSettled([0, 1].map((i) => startNodeProcess(net.homes[i]!, args[i])));
    for (const r of started) if (r.status === "fulfilled") procs.push(r.value);
    for (const r of started) if (r.status === "rejected") throw r.reason;
    p2pPort = parseListenAddress(loadConfig(net.homes[0]!).p2p.laddr).port;
    cometId = nodeId(loadOrGenNodeKey(homePaths(net.homes[0]!).nodeKey));
  });

  after(async () => {
    if (tsNode !== null) await tsNode.stop();
    for (const p of procs) await stopWithCometChild(p);
  });

  it("CometBFT opens with its ephemeral key as a length-delimited protobuf BytesValue, not 32 raw bytes", async () => {
    const s = await connectTo(p2pPort);
    const first = await readSome(s, 35, 10_000);
    s.destroy();
    // uvarint length 34, then field 1 (wire type 2) of length 32: tendermint's gogotypes.BytesValue.
    assert.equal(first.length, 35, `CometBFT's first message is 35 bytes, got ${first.toString("hex")}`);
    assert.deepEqual([...first.subarray(0, 3)], [0x22, 0x0a, 0x20]);
  });

  it("the TypeScript engine's own handshake with a CometBFT peer fails at that first message, cleanly", async () => {
    const s = await connectTo(p2pPort);
    await assert.rejects(
      makeSecretConnection(s, generateEd25519(), { expectedId: null, timeoutMs: 3000 }),
      (e: unknown) => e instanceof CodedError && e.is(p2pErrors.handshake),
    );
    s.destroy();
  });

  it("CometBFT's handshake from TypeScript: CometBFT sends its NodeInfo and drops a connection that sends none", async () => {
    const conn = await makeCometSecretConnection(await connectTo(p2pPort), generateEd25519(), { timeoutMs: 10_000 });
    assert.equal(conn.remoteId, cometId);
    const info = DefaultNodeInfo.decode(await conn.readDelimited(10_240));
    assert.equal(info.defaultNodeId, cometId);
    assert.equal(info.network, net.chainId);
    assert.equal(info.protocolVersion.block, 11n);
    assert.deepEqual(hex(info.channels), "40202122233038606100", "CometBFT 0.38's channels, in its order");
    // The engine's own first frame [channel 0x20][eof 1][payload] in place of a NodeInfo.
    conn.write(Uint8Array.from([0x20, 0x01, ...new Uint8Array(40).fill(0x08)]));
    await assert.rejects(
      conn.readDelimited(10_240),
      (e: unknown) => e instanceof CodedError && e.is(p2pErrors.handshake) && /closed/.test(e.message),
    );
  });

  it("a TypeScript node on CometBFT's wire is a peer of both validators, block-syncs, and has their block ids and app_hash at every height", async () => {
    // Some txs, so that app_hash moves.
    await sendTokens(procs[0]!.rpcUrl, wallet, alice, bob, "1000", 3);
    const config = loadConfig(net.homes[2]!);
    config.p2p.wire = "cometbft";
    config.p2p.pex = false;
    tsNode = await createNode({ home: net.homes[2]!, config, inMemory: true }, { logger: nopLogger });
    await tsNode.start();
    const node = tsNode;
    await waitFor("both CometBFT validators to list the TypeScript node as a peer", async () => {
      for (const p of procs) {
        const peers = (await rpc(p.rpcUrl, "net_info"))["peers"] as Array<{ node_info: { id: string } }>;
        if (!peers.some((x) => x.node_info.id === node.id)) return false;
      }
      return true;
    });
    const target = Number(((await rpc(procs[0]!.rpcUrl, "status"))["sync_info"] as Json)["latest_block_height"]);
    await waitFor(`the TypeScript node to sync to height ${target}`, () => node.blockStore.height >= BigInt(target));
    for (let h = 1; h <= target; h++) {
      const res = await rpc(procs[1]!.rpcUrl, "block", { height: String(h) });
      const id = res["block_id"] as { hash: string; parts: { total: number; hash: string } };
      const meta = (await node.blockStore.loadMeta(BigInt(h)))!;
      assert.equal(hex(meta.blockId.hash), id.hash, `block hash at height ${h}`);
      assert.equal(meta.blockId.partSetHeader.total, id.parts.total, `part set total at height ${h}`);
      assert.equal(hex(meta.blockId.partSetHeader.hash), id.parts.hash, `part set hash at height ${h}`);
      const header = (res["block"] as Json)["header"] as Json;
      assert.equal(hex(meta.header.appHash), header["app_hash"], `app_hash in header ${h}`);
    }
    // The state after the last synced block: the app_hash the next CometBFT header carries.
    const s = node.state();
    // The TypeScript node may be at CometBFT's tip: the next block is awaited, not assumed.
    const latest = async () =>
      BigInt(((await rpc(procs[0]!.rpcUrl, "status"))["sync_info"] as Json)["latest_block_height"] as string);
    await waitFor(
      `CometBFT to commit height ${s.lastBlockHeight + 1n}`,
      async () => (await latest()) > s.lastBlockHeight,
    );
    const next = await rpc(procs[0]!.rpcUrl, "block", { height: String(s.lastBlockHeight + 1n) });
    assert.equal(
      hex(s.appHash),
      ((next["block"] as Json)["header"] as Json)["app_hash"],
      "the app_hash after the last block",
    );
  });

  it("a tx sent to the TypeScript node is relayed on CometBFT's mempool channel and committed by the CometBFT validators", async () => {
    const node = tsNode!;
    const client = await SigningStargateClient.connectWithSigner(`http://${node.rpcAddress}`, wallet, { gasPrice });
    try {
      const r = await client.sendTokens(alice, bob, [{ denom: "utcu", amount: "77" }], "auto");
      assert.equal(r.code, 0, r.rawLog);
      const onComet = await rpc(procs[1]!.rpcUrl, "tx", {
        hash: Buffer.from(r.transactionHash, "hex").toString("base64"),
      });
      assert.equal(
        onComet["height"],
        String(r.height),
        "CometBFT committed it at the height the TypeScript node reports",
      );
    } finally {
      client.disconnect();
    }
  });

  it("follows CometBFT's consensus live: blocks at the tip come from its BlockParts and precommits", async () => {
    const node = tsNode!;
    const follower = (node.p2p as CometBlockSync).follower!;
    const from = follower.delivered();
    await waitFor("three blocks from consensus messages", () => follower.delivered() >= from + 3);
    const top = node.blockStore.height;
    // The follower can assemble a block from the gossiped parts and precommits before CometBFT
    // has saved it: wait for the validator's own store to reach it.
    await waitFor(`CometBFT at height ${top}`, async () => {
      const info = (await rpc(procs[0]!.rpcUrl, "status"))["sync_info"] as Json;
      return Number(info["latest_block_height"]) >= top;
    });
    const res = await rpc(procs[0]!.rpcUrl, "block", { height: String(top) });
    assert.equal(hex((await node.blockStore.loadMeta(top))!.blockId.hash), (res["block_id"] as Json)["hash"]);
    for (const p of procs) {
      const peers = (await rpc(p.rpcUrl, "net_info"))["peers"] as Array<{ node_info: { id: string } }>;
      assert.ok(
        peers.some((x) => x.node_info.id === node.id),
        "still a peer of both validators",
      );
    }
  });
});
