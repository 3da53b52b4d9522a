import assert from "node:assert/strict";
import { connect } from "node:net";
import { nopLogger } from "../../../modules/sdk/context.js";
import { generateEd25519, type Ed25519Key } from "../../crypto/ed25519.js";
import { nodeId } from "../../crypto/keyFiles.js";
import { freePort } from "../../testkit/nodeProcess.js";
import { makeSecretConnection } from "../secretConnection.js";
import { Channel, createSwitch, defaultChannels, parsePeerAddress, type Switch } from "../switch.js";

const wait = async (cond: () => boolean, what: string, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("p2p: authenticated encrypted connections and the switch", function () {
  this.timeout(30_000);
  const running: Switch[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
  });

  async function node(key: Ed25519Key, peers: string[] = [], opts: { port?: number; maxInbound?: number } = {}): Promise<Switch> {
    const s = createSwitch(
      {
        nodeKey: key,
        listen: { host: "127.0.0.1", port: opts.port ?? (await freePort()) },
        persistentPeers: peers.map(parsePeerAddress),
        maxInbound: opts.maxInbound ?? 10,
        maxOutbound: 10,
        channels: defaultChannels,
        backoff: { minMs: 50, maxMs: 400 },
        handshakeTimeoutMs: 2000,
      },
      { logger: nopLogger },
    );
    await s.start();
    running.push(s);
    return s;
  }

  it("connects persistent peers, multiplexes channels, and delivers only to the chosen channel", async () => {
    const [ka, kb, kc] = [generateEd25519(), generateEd25519(), generateEd25519()];
    const a = await node(ka);
    const b = await node(kb, [`${a.id}@${a.address}`]);
    const c = await node(kc, [`${a.id}@${a.address}`]);
    await wait(() => a.peers().length === 2, "two peers");
    assert.deepEqual(a.peers(), [b.id, c.id].sort());
    const got: string[] = [];
    b.onReceive(Channel.mempool, (peer, m) => got.push(`b:${peer === a.id}:${Buffer.from(m).toString()}`));
    c.onReceive(Channel.mempool, (_p, m) => got.push(`c:${Buffer.from(m).toString()}`));
    c.onReceive(Channel.consensusVote, (_p, m) => got.push(`c-vote:${Buffer.from(m).toString()}`));
    assert.equal(a.broadcast(Channel.mempool, Buffer.from("tx1")), 2);
    assert.equal(a.send(c.id, Channel.consensusVote, Buffer.from("v1")), true);
    await wait(() => got.length === 3, "three deliveries");
    assert.deepEqual(got.sort(), ["b:true:tx1", "c-vote:v1", "c:tx1"]);
  });

  it("refuses a peer whose key does not match the dialed id, and keeps retrying", async () => {
    const a = await node(generateEd25519());
    const wrongId = nodeId(generateEd25519());
    const b = await node(generateEd25519(), [`${wrongId}@${a.address}`]);
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(b.peers(), []);
    assert.deepEqual(a.peers(), []);
  });

  it("survives garbage, a failed handshake and an unauthenticated frame, and keeps serving", async () => {
    const ka = generateEd25519();
    const a = await node(ka);
    const [host, port] = [a.address.split(":")[0]!, Number(a.address.split(":")[1])];
    // Raw garbage instead of a handshake.
    const junk = connect({ host, port });
    await new Promise((r) => junk.once("connect", r));
    junk.resume(); // read (and discard) what the node answers, so that its close is seen
    junk.write(Buffer.alloc(5000, 0xab));
    await new Promise((r) => junk.once("close", r));
    // A proper handshake, then a frame with a broken tag.
    const raw = connect({ host, port });
    await new Promise((r) => raw.once("connect", r));
    const conn = await makeSecretConnection(raw, generateEd25519(), { expectedId: a.id });
    await wait(() => a.peers().length === 1, "handshaked peer");
    const closed = new Promise((r) => conn.onClose(r));
    const header = Buffer.alloc(4);
    header.writeUInt32BE(40, 0);
    raw.write(Buffer.concat([header, Buffer.alloc(40, 7)]));
    await closed;
    await wait(() => a.peers().length === 0, "bad peer dropped");
    // Still accepts a good peer.
    const b = await node(generateEd25519(), [`${a.id}@${a.address}`]);
    await wait(() => a.peers().includes(b.id), "good peer after bad ones");
  });

  it("closes a peer that sends on an unknown channel or over a channel's limit", async () => {
    const a = await node(generateEd25519());
    const b = await node(generateEd25519(), [`${a.id}@${a.address}`]);
    await wait(() => a.peers().length === 1, "peer");
    b.send(a.id, 0x77, Buffer.from("?"));
    await wait(() => a.peers().length === 0, "closed on unknown channel");
    await wait(() => a.peers().length === 1, "reconnected", 5000);
    assert.equal(b.send(a.id, Channel.consensusVote, Buffer.alloc(64 * 1024 + 1)), true);
    await wait(() => a.peers().length === 0, "closed on oversized message");
  });

  it("bounds inbound peers and reconnects to a persistent peer that comes back", async () => {
    const ka = generateEd25519();
    const portA = await freePort();
    let a = await node(ka, [], { port: portA, maxInbound: 1 });
    const b = await node(generateEd25519(), [`${a.id}@127.0.0.1:${portA}`]);
    const c = await node(generateEd25519(), [`${a.id}@127.0.0.1:${portA}`]);
    await wait(() => a.peers().length === 1, "one inbound");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.peers().length, 1, "the limit holds");
    await a.stop();
    running.splice(running.indexOf(a), 1);
    await wait(() => b.peers().length === 0 && c.peers().length === 0, "peers notice");
    a = await node(ka, [], { port: portA, maxInbound: 5 });
    await wait(() => a.peers().length === 2, "both reconnect with backoff");
  });
});
