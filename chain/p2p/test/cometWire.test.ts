import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { DefaultNodeInfo } from "cosmjs-types/tendermint/p2p/types";
import { nopLogger } from "../../../modules/sdk/context.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { ed25519FromSeed, type Ed25519Key } from "../../crypto/ed25519.js";
import { nodeId } from "../../crypto/keyFiles.js";
import { makeCometSecretConnection, type CometSecretConnection } from "../cometSecretConnection.js";
import { cometConnect, type CometConnectOptions } from "../cometbft/connection.js";
import {
  decodeBlockSync,
  encodeBlockSync,
  encodePacketMsg,
  makeNodeInfo,
  pingPacket,
  type NodeInfoSpec,
} from "../cometbft/wire.js";
import { p2pErrors } from "../secretConnection.js";
import { createSwitch, type Switch } from "../switch.js";

// CometBFT's wire from the TypeScript switch (chain/p2p/cometbft): NodeInfo exchange and
// checks, MConnection packets, and what a byzantine peer speaking that wire can send. The
// peers here are built from CometBFT's SecretConnection in TypeScript (cometSecretConnection.ts,
// checked against a real CometBFT in chain/abci/test/mixedNetwork.e2e.test.ts) writing raw
// packets, so every attack is bytes on a socket.

const key = (n: number) => ed25519FromSeed(new Uint8Array(32).fill(n));
const network = "tcompute-wire-1";
const info = (over: Partial<NodeInfoSpec> = {}): Omit<NodeInfoSpec, "id"> => ({
  listenAddr: "tcp://127.0.0.1:26656",
  network,
  version: "0.38.17",
  channels: [0x40, 0x30],
  moniker: "peer",
  txIndex: "on",
  rpcAddress: "tcp://127.0.0.1:26657",
  ...over,
});

interface Target {
  sw: Switch;
  port: number;
  received: Array<{ peer: string; channel: number; payload: Uint8Array }>;
  stop(): Promise<void>;
}

async function startTarget(
  extra: Partial<CometConnectOptions> = {},
  limits = { partial: 64 * 1024, timeoutMs: 60_000 },
): Promise<Target> {
  const k = key(1);
  const received: Target["received"] = [];
  const sw = createSwitch(
    {
      nodeKey: k,
      listen: { host: "127.0.0.1", port: 0 },
      persistentPeers: [],
      maxInbound: 8,
      maxOutbound: 8,
      channels: [
        { id: 0x40, maxMessageBytes: 32 * 1024 },
        { id: 0x30, maxMessageBytes: 16 * 1024 },
      ],
      maxPartialBytes: limits.partial,
      partialTimeoutMs: limits.timeoutMs,
      connect: (socket, nodeKey, o) => cometConnect(socket, nodeKey, nodeId(k), { ...o, nodeInfo: info(), ...extra }),
    },
    { logger: nopLogger },
  );
  for (const ch of [0x40, 0x30]) sw.onReceive(ch, (peer, payload) => received.push({ peer, channel: ch, payload }));
  await sw.start();
  return { sw, port: Number(sw.address.split(":")[1]), received, stop: () => sw.stop() };
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

/** A CometBFT-speaking peer at the byte level: the handshake and NodeInfo, then raw packets. */
async function rawPeer(
  port: number,
  k: Ed25519Key,
  nodeInfo: Omit<NodeInfoSpec, "id"> = info(),
  id = nodeId(k),
): Promise<{
  conn: CometSecretConnection;
  theirs: DefaultNodeInfo;
  closed: Promise<void>;
  packet(p: Uint8Array): void;
}> {
  const socket = await dial(port);
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  const conn = await makeCometSecretConnection(socket, k, { timeoutMs: 5000 });
  conn.writeDelimited(DefaultNodeInfo.encode(makeNodeInfo({ ...nodeInfo, id })).finish());
  const theirs = DefaultNodeInfo.decode(await conn.readDelimited(10_240));
  return { conn, theirs, closed, packet: (p) => conn.writeDelimited(p) };
}

const isCode = (cls: { codespace: string; code: number }) => (e: unknown) =>
  e instanceof CodedError && e.codespace === cls.codespace && e.code === cls.code;

describe("CometBFT's wire from the TypeScript switch: NodeInfo and MConnection packets", function () {
  this.timeout(30_000);
  let t: Target | null = null;
  afterEach(async () => {
    await t?.stop();
    t = null;
  });

  it("two switches on CometBFT's wire exchange messages of many packets on several channels", async () => {
    t = await startTarget();
    const k2 = key(2);
    const other = createSwitch(
      {
        nodeKey: k2,
        listen: null,
        persistentPeers: [{ id: t.sw.id, host: "127.0.0.1", port: t.port }],
        maxInbound: 0,
        maxOutbound: 1,
        channels: [
          { id: 0x40, maxMessageBytes: 32 * 1024 },
          { id: 0x30, maxMessageBytes: 16 * 1024 },
        ],
        connect: (socket, nodeKey, o) => cometConnect(socket, nodeKey, nodeId(k2), { ...o, nodeInfo: info() }),
      },
      { logger: nopLogger },
    );
    await other.start();
    try {
      for (let i = 0; i < 100 && t.sw.peers().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(t.sw.peers(), [other.id]);
      const big = new Uint8Array(20_000).map((_, i) => (i * 7) & 0xff);
      assert.ok(other.send(t.sw.id, 0x40, big));
      assert.ok(other.send(t.sw.id, 0x30, Uint8Array.of(1, 2, 3)));
      assert.ok(other.send(t.sw.id, 0x40, new Uint8Array()));
      for (let i = 0; i < 100 && t.received.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        t.received.map((m) => [m.channel, m.payload.length]),
        [
          [0x40, 20_000],
          [0x30, 3],
          [0x40, 0],
        ],
      );
      assert.deepEqual(Buffer.from(t.received[0]!.payload), Buffer.from(big));
    } finally {
      await other.stop();
    }
  });

  it("sends its NodeInfo (network, block protocol 11, p2p 8, the channels) and refuses peers CometBFT would", async () => {
    t = await startTarget();
    const ok = await rawPeer(t.port, key(3));
    assert.equal(ok.theirs.network, network);
    assert.equal(ok.theirs.protocolVersion.block, 11n);
    assert.equal(ok.theirs.protocolVersion.p2p, 8n);
    assert.equal(ok.theirs.defaultNodeId, t.sw.id);
    assert.deepEqual([...ok.theirs.channels], [0x40, 0x30]);
    ok.conn.close();
    const refused: Array<[string, Omit<NodeInfoSpec, "id">, string?]> = [
      ["another network", info({ network: "other-chain" })],
      ["no channel in common", info({ channels: [0x20, 0x21] })],
      ["duplicate channels", info({ channels: [0x40, 0x40] })],
      ["more than 16 channels", info({ channels: Array.from({ length: 17 }, (_, i) => i) })],
      ["an empty moniker", info({ moniker: "  " })],
      ["a moniker with a tab", info({ moniker: "a\tb" })],
      ["a bad tx_index", info({ txIndex: "yes" as "on" })],
      ["a listen address without a port", info({ listenAddr: "tcp://127.0.0.1" })],
      ["an id that is not the authenticated key's", info(), nodeId(key(9))],
    ];
    for (const [what, ni, id] of refused) {
      const p = await rawPeer(t.port, key(4), ni, id);
      await p.closed;
      assert.deepEqual(t.sw.peers(), [], `a peer with ${what} is refused`);
    }
    // Block protocol other than 11: written by hand (makeNodeInfo always says 11).
    const socket = await dial(t.port);
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    const conn = await makeCometSecretConnection(socket, key(5), { timeoutMs: 5000 });
    const ni = makeNodeInfo({ ...info(), id: nodeId(key(5)) });
    ni.protocolVersion.block = 10n;
    conn.writeDelimited(DefaultNodeInfo.encode(ni).finish());
    await closed;
    assert.deepEqual(t.sw.peers(), []);
  });

  it("the dialing side checks the NodeInfo too: a CometBFT-speaking node of another network is not added", async () => {
    const k = key(6);
    const listener = createSwitch(
      {
        nodeKey: k,
        listen: { host: "127.0.0.1", port: 0 },
        persistentPeers: [],
        maxInbound: 4,
        maxOutbound: 0,
        channels: [{ id: 0x40, maxMessageBytes: 1024 }],
        connect: (s, nk, o) => cometConnect(s, nk, nodeId(k), { ...o, nodeInfo: info({ network: "other-chain" }) }),
      },
      { logger: nopLogger },
    );
    await listener.start();
    const socket = await dial(Number(listener.address.split(":")[1]));
    await assert.rejects(
      cometConnect(socket, key(7), nodeId(key(7)), { expectedId: listener.id, timeoutMs: 5000, nodeInfo: info() }),
      (e: unknown) => isCode(p2pErrors.handshake)(e) && /network/.test((e as Error).message),
    );
    const s2 = await dial(Number(listener.address.split(":")[1]));
    await assert.rejects(
      cometConnect(s2, key(7), nodeId(key(7)), { expectedId: nodeId(key(8)), timeoutMs: 5000, nodeInfo: info() }),
      isCode(p2pErrors.wrongPeer),
    );
    await listener.stop();
  });

  it("a byzantine peer: a packet on a channel we did not announce, a channel id out of range, an empty packet, an oversized packet: each closes it", async () => {
    t = await startTarget();
    const attacks: Array<[string, Uint8Array | ((p: CometSecretConnection) => void)]> = [
      ["a consensus channel we did not announce", encodePacketMsg(0x20, true, Uint8Array.of(1))],
      ["channel 256", encodePacketMsg(256, true, Uint8Array.of(1))],
      ["channel -1", encodePacketMsg(-1, true, Uint8Array.of(1))],
      ["a Packet with no member", new Uint8Array()],
      ["a Packet of an unknown member only", Uint8Array.of(0x22, 0x00)],
      // A length prefix of 1035 (over CometBFT's 1034-byte read bound), then the bytes.
      ["a packet over 1034 bytes", (c) => c.write(Buffer.concat([Buffer.from([0x8b, 0x08]), Buffer.alloc(1035)]))],
      ["a length prefix that never ends", (c) => c.write(Buffer.alloc(12, 0xff))],
    ];
    for (const [what, attack] of attacks) {
      const p = await rawPeer(t.port, key(10));
      for (let i = 0; i < 50 && t.sw.peers().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(t.sw.peers().length, 1, `${what}: connected first`);
      if (typeof attack === "function") attack(p.conn);
      else p.packet(attack);
      await p.closed;
      for (let i = 0; i < 50 && t.sw.peers().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(t.sw.peers(), [], `${what}: the peer is closed`);
    }
    assert.equal(t.received.length, 0);
  });

  it("a byzantine peer: never-finished messages on every channel are bounded by the switch's per-peer budget, and a message over a channel's limit is refused", async () => {
    t = await startTarget({}, { partial: 20_000, timeoutMs: 60_000 });
    // 1. Incomplete messages (eof false) in 1024-byte packets on both channels: under each
    //    channel's limit, but together over the peer's budget of 20 000 bytes.
    const p = await rawPeer(t.port, key(11));
    let sent = 0;
    for (let i = 0; i < 12; i++)
      for (const ch of [0x40, 0x30]) {
        p.packet(encodePacketMsg(ch, false, new Uint8Array(1024).fill(1)));
        sent += 1024;
      }
    await p.closed;
    assert.ok(sent > 20_000);
    assert.deepEqual(t.sw.peers(), []);
    // 2. One message over the mempool channel's 16 KiB limit, finished only after the limit.
    const q = await rawPeer(t.port, key(12));
    for (let i = 0; i < 17; i++) q.packet(encodePacketMsg(0x30, i === 16, new Uint8Array(1024)));
    await q.closed;
    assert.equal(t.received.length, 0, "nothing over a limit is delivered");
    // 3. Empty non-final packets (an honest CometBFT never sends one: only a full payload is
    //    not final) are charged the switch's per-chunk bookkeeping, as tiny frames are on the
    //    TypeScript wire: a flood of them is closed too.
    const r = await rawPeer(t.port, key(13));
    for (let i = 0; i < 10_000; i++) r.packet(encodePacketMsg(0x40, false, new Uint8Array()));
    await r.closed;
    assert.equal(t.received.length, 0);
  });

  it("a byzantine peer: an incomplete message never finished is closed after the partial-message timeout", async () => {
    t = await startTarget({}, { partial: 64 * 1024, timeoutMs: 300 });
    const p = await rawPeer(t.port, key(14));
    p.packet(encodePacketMsg(0x40, false, new Uint8Array(100)));
    await p.closed;
    assert.deepEqual(t.sw.peers(), []);
  });

  it("answers a PacketPing with a PacketPong, pings its peers, and closes one that does not answer", async () => {
    t = await startTarget({ pingIntervalMs: 100, pongTimeoutMs: 200 });
    const p = await rawPeer(t.port, key(16));
    p.packet(pingPacket);
    // The next packets: our pong, and the target's own pings, which this peer never answers.
    const seen = new Set<string>();
    while (seen.size < 2) seen.add(Buffer.from(await p.conn.readDelimited(1034)).toString("hex"));
    assert.deepEqual([...seen].sort(), ["0a00", "1200"], "a PacketPong (field 2) and a PacketPing (field 1)");
    await p.closed;
    assert.deepEqual(t.sw.peers(), [], "closed after its pong timeout");
  });

  it("a byzantine peer: a flood of pings gets coalesced pongs, not one sealed frame per ping", async () => {
    t = await startTarget();
    const p = await rawPeer(t.port, key(15));
    let frames = 0;
    p.conn.socket.on("data", (c: Buffer) => (frames += c.length / 1044));
    // 30 000 pings: 90 000 bytes, about 88 sealed frames from the attacker.
    const pings = Buffer.concat(Array.from({ length: 30_000 }, () => Buffer.from([pingPacket.length, ...pingPacket])));
    p.conn.write(pings);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(t.sw.peers().length, 1, "pings are not misbehaviour");
    assert.ok(frames >= 1 && frames <= 100, `${frames} sealed frames of pongs for 30 000 pings`);
    p.conn.close();
  });

  it("block sync messages round-trip in CometBFT's encoding", () => {
    const msgs = [
      { kind: "blockRequest", height: 7n },
      { kind: "noBlockResponse", height: 1n << 40n },
      { kind: "blockResponse", block: Uint8Array.of(1, 2, 3), extCommit: null },
      { kind: "blockResponse", block: Uint8Array.of(1), extCommit: Uint8Array.of(4) },
      { kind: "statusRequest" },
      { kind: "statusResponse", height: 12n, base: 1n },
      { kind: "statusResponse", height: 0n, base: 0n },
    ] as const;
    for (const m of msgs) assert.deepEqual(decodeBlockSync(encodeBlockSync(m)), m);
    // StatusResponse{height 5, base 1} as gogoproto writes it: oneof field 5, then the fields.
    assert.equal(
      Buffer.from(encodeBlockSync({ kind: "statusResponse", height: 5n, base: 1n })).toString("hex"),
      "2a0408051001",
    );
    assert.throws(() => decodeBlockSync(new Uint8Array()), isCode(p2pErrors.badFrame));
    assert.throws(
      () => decodeBlockSync(Uint8Array.of(0x1a, 0x00)),
      isCode(p2pErrors.badFrame),
      "a block response without a block",
    );
    assert.throws(() => decodeBlockSync(Uint8Array.of(0x0a, 0x05, 0x08)), isCode(p2pErrors.badFrame), "truncated");
  });
});
