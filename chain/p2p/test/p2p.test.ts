import assert from "node:assert/strict";
import { connect } from "node:net";
import { nopLogger } from "../../../modules/sdk/context.js";
import { generateEd25519, type Ed25519Key } from "../../crypto/ed25519.js";
import { nodeId } from "../../crypto/keyFiles.js";
import { freePort } from "../../testkit/nodeProcess.js";
import { makeSecretConnection } from "../secretConnection.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { createPex, decodePexMessage, encodePexMessage, pexErrors } from "../pex.js";
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

  async function node(
    key: Ed25519Key,
    peers: string[] = [],
    opts: { port?: number; maxInbound?: number; connect?: typeof makeSecretConnection } = {},
  ): Promise<Switch> {
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
        ...(opts.connect === undefined ? {} : { connect: opts.connect }),
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
    // b's handshakes, seen through its connect hook: each must fail on the id.
    const dials: Array<{ expected: string | null; error: string }> = [];
    const bUps: string[] = [];
    const b = await node(generateEd25519(), [`${wrongId}@${a.address}`], {
      connect: async (socket, key, o) => {
        const d = { expected: o.expectedId, error: "" };
        dials.push(d);
        try {
          return await makeSecretConnection(socket, key, o);
        } catch (e) {
          d.error = (e as Error).message;
          throw e;
        }
      },
    });
    b.onPeer((peer, up) => up && bUps.push(peer));
    await wait(() => dials.filter((d) => d.error !== "").length >= 3, "three refused dials (it keeps retrying)");
    for (const d of dials.filter((x) => x.error !== "")) {
      assert.equal(d.expected, wrongId);
      assert.match(d.error, new RegExp(a.id), "the error names the key it found");
    }
    assert.deepEqual(bUps, [], "b never took a as its peer");
    assert.deepEqual(b.peers(), []);
    // a completes its side of each handshake before b hangs up, so it may list b for a moment
    // during b's retries; once b stops, a must hold no peer.
    await b.stop();
    await wait(() => a.peers().length === 0, "a to drop b's last connection");
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
    // Both sides: a may list the peer before b does (b.send refuses a peer it does not list yet).
    await wait(() => a.peers().length === 1 && b.peers().includes(a.id), "reconnected", 5000);
    assert.equal(b.send(a.id, Channel.consensusState, Buffer.alloc(64 * 1024 + 1)), true);
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

  it("peer exchange: two nodes that only know a seed find and connect to each other", async () => {
    const [ka, kb, kc] = [generateEd25519(), generateEd25519(), generateEd25519()];
    const [pa, pb, pc] = [await freePort(), await freePort(), await freePort()];
    const addr = (k: Ed25519Key, port: number) => ({ id: nodeId(k), host: "127.0.0.1", port });
    const a = await node(ka, [], { port: pa });
    createPex({ self: addr(ka, pa), seeds: [], ensureEveryMs: 100 }, { p2p: a, logger: nopLogger }).start();
    const b = await node(kb, [], { port: pb });
    const pexB = createPex(
      { self: addr(kb, pb), seeds: [addr(ka, pa)], ensureEveryMs: 100 },
      { p2p: b, logger: nopLogger },
    );
    pexB.start();
    await wait(() => a.peers().includes(b.id), "b reaches the seed");
    const c = await node(kc, [], { port: pc });
    const pexC = createPex(
      { self: addr(kc, pc), seeds: [addr(ka, pa)], ensureEveryMs: 100 },
      { p2p: c, logger: nopLogger },
    );
    pexC.start();
    await wait(
      () => b.peers().includes(c.id) || c.peers().includes(b.id),
      "b and c connected through addresses from the seed",
      10_000,
    );
    assert.ok(
      pexC.known().some((x) => x.id === b.id && x.port === pb),
      "c learned b's announced address",
    );
    for (const p of [pexB, pexC]) p.stop();
  });

  it("peer exchange messages: CometBFT's wire shape, bounded, malformed ones refused", () => {
    const addrs = [{ id: "ab".repeat(20), host: "127.0.0.1", port: 26656 }];
    assert.deepEqual(decodePexMessage(encodePexMessage({ kind: "addrs", addrs })), { kind: "addrs", addrs });
    assert.deepEqual(decodePexMessage(encodePexMessage({ kind: "request" })), { kind: "request" });
    const bad = (b: Uint8Array) =>
      assert.throws(
        () => decodePexMessage(b),
        (e: unknown) => e instanceof CodedError && e.is(pexErrors.malformed),
      );
    bad(new Uint8Array());
    bad(new Uint8Array([0xff, 0xff, 0xff]));
    bad(encodePexMessage({ kind: "addrs", addrs: Array.from({ length: 101 }, () => addrs[0]!) }));
    bad(encodePexMessage({ kind: "addrs", addrs: [{ id: "not-an-id", host: "h", port: 1 }] }));
    bad(encodePexMessage({ kind: "addrs", addrs: [{ ...addrs[0]!, port: 0 }] }));
  });

  it("closes a peer that sends a malformed peer-exchange message", async () => {
    const a = await node(generateEd25519());
    createPex({ self: null, seeds: [] }, { p2p: a, logger: nopLogger });
    const b = await node(generateEd25519(), [`${a.id}@${a.address}`]);
    await wait(() => a.peers().length === 1, "peer");
    b.send(a.id, Channel.pex, new Uint8Array([0xff, 0xff]));
    await wait(() => a.peers().length === 0, "closed on malformed pex");
  });

  it("carries a message larger than a frame in chunks, and still bounds it by the channel limit", async () => {
    const a = await node(generateEd25519());
    const b = await node(generateEd25519(), [`${a.id}@${a.address}`]);
    await wait(() => a.peers().length === 1 && b.peers().length === 1, "peers");
    const got: Uint8Array[] = [];
    a.onReceive(Channel.blockSync, (_p, m) => got.push(m));
    a.onReceive(Channel.mempool, (_p, m) => got.push(m));
    // 1.5 MiB on block sync (limit 2 MiB here), interleaved with a small mempool message.
    const big = Buffer.alloc(1536 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    assert.equal(b.send(a.id, Channel.blockSync, big), true);
    assert.equal(b.send(a.id, Channel.mempool, Buffer.from("tx")), true);
    await wait(() => got.length === 2, "both messages");
    const whole = got.find((m) => m.length === big.length)!;
    assert.equal(Buffer.compare(Buffer.from(whole), big), 0, "reassembled byte for byte");
    // Over the limit: the peer is closed.
    b.send(a.id, Channel.blockSync, Buffer.alloc(2 * 1024 * 1024 + 1));
    await wait(() => a.peers().length === 0, "closed on an oversized chunked message");
  });
});
