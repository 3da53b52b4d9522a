import assert from "node:assert/strict";
import { createServer, connect, type Server, type Socket } from "node:net";
import { ed25519Address, ed25519FromSeed } from "../../crypto/ed25519.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { makeCometSecretConnection } from "../cometSecretConnection.js";
import { p2pErrors } from "../secretConnection.js";

// CometBFT's SecretConnection between two TypeScript ends, and the attacks a peer can send
// during it. (Against a real CometBFT node: chain/abci/test/mixedNetwork.e2e.test.ts.)

const keyA = ed25519FromSeed(new Uint8Array(32).fill(1));
const keyB = ed25519FromSeed(new Uint8Array(32).fill(2));

async function pair(): Promise<{ server: Server; client: Socket; accepted: Promise<Socket> }> {
  let accept!: (s: Socket) => void;
  const accepted = new Promise<Socket>((r) => (accept = r));
  const server = createServer((s) => accept(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const client = await new Promise<Socket>((r) => {
    const s = connect(port, "127.0.0.1", () => r(s));
  });
  return { server, client, accepted };
}

const isHandshakeError = (cls: { codespace: string; code: number }) => (e: unknown) =>
  e instanceof CodedError && e.codespace === cls.codespace && e.code === cls.code;

describe("CometBFT's SecretConnection (STS, Merlin challenge, 1028-byte frames)", () => {
  it("authenticates both ends and carries delimited messages larger than a frame", async () => {
    const { server, client, accepted } = await pair();
    const [a, b] = await Promise.all([
      makeCometSecretConnection(client, keyA),
      accepted.then((s) => makeCometSecretConnection(s, keyB)),
    ]);
    assert.equal(a.remoteId, Buffer.from(ed25519Address(keyB.pubKey)).toString("hex"));
    assert.equal(b.remoteId, Buffer.from(ed25519Address(keyA.pubKey)).toString("hex"));
    const big = new Uint8Array(5000).map((_, i) => i & 0xff);
    a.writeDelimited(big);
    a.writeDelimited(Uint8Array.of(7));
    assert.deepEqual(await b.readDelimited(10_000), Buffer.from(big));
    assert.deepEqual([...(await b.readDelimited(10))], [7]);
    await assert.rejects(
      (async () => {
        b.writeDelimited(new Uint8Array(100));
        await a.readDelimited(50);
      })(),
      isHandshakeError(p2pErrors.tooLarge),
      "a message over the reader's bound is refused",
    );
    a.close();
    b.close();
    server.close();
  });

  it("refuses an ephemeral key that is not a 32-byte BytesValue (e.g. the TypeScript engine's raw key)", async () => {
    const { server, client, accepted } = await pair();
    const peer = await accepted;
    const hs = makeCometSecretConnection(client, keyA, { timeoutMs: 2000 });
    peer.write(Buffer.concat([Buffer.from([0x21, 0x0a, 0x1f]), Buffer.alloc(31, 9)]));
    await assert.rejects(hs, isHandshakeError(p2pErrors.handshake));
    peer.destroy();
    server.close();
  });

  it("refuses an endless or oversized length prefix without reading on", async () => {
    for (const prefix of [Buffer.alloc(8, 0xff), Buffer.from([0x80, 0x80, 0x80, 0x40])]) {
      const { server, client, accepted } = await pair();
      const peer = await accepted;
      const hs = makeCometSecretConnection(client, keyA, { timeoutMs: 2000 });
      peer.write(prefix);
      await assert.rejects(hs, (e: unknown) => e instanceof CodedError && e.codespace === "p2p");
      peer.destroy();
      server.close();
    }
  });

  it("refuses a peer whose encrypted auth message does not authenticate, or that closes, or stalls", async () => {
    // A peer that sends a valid ephemeral key and then a garbage sealed frame.
    const { server, client, accepted } = await pair();
    const peer = await accepted;
    const hs = makeCometSecretConnection(client, keyA, { timeoutMs: 2000 });
    const key = Buffer.alloc(32, 5);
    peer.write(Buffer.concat([Buffer.from([0x22, 0x0a, 0x20]), key, Buffer.alloc(1044, 1)]));
    await assert.rejects(hs, isHandshakeError(p2pErrors.badFrame));
    peer.destroy();
    server.close();
    // A peer that closes mid-handshake, and one that says nothing.
    for (const close of [true, false]) {
      const p = await pair();
      const s = await p.accepted;
      const h = makeCometSecretConnection(p.client, keyA, { timeoutMs: 500 });
      if (close) s.destroy();
      await assert.rejects(h, isHandshakeError(p2pErrors.handshake));
      s.destroy();
      p.client.destroy();
      p.server.close();
    }
  });
});
