import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
} from "node:crypto";
import type { Socket } from "node:net";
import { registerError } from "../../modules/sdk/errors.js";
import { ed25519Address, ed25519Sign, ed25519Verify, type Ed25519Key } from "../crypto/ed25519.js";

// An authenticated, encrypted connection between two nodes (the role of CometBFT's
// SecretConnection), built from node:crypto:
//   1. each side sends a fresh X25519 public key; both derive the shared secret;
//   2. HKDF-SHA256 over the secret, with both ephemeral keys (sorted) in its info, gives one key
//      per direction and a 32-byte challenge;
//   3. each side signs the challenge with its ed25519 node key and sends {node pubkey,
//      signature} encrypted; the peer checks it, and its node id (first 20 bytes of sha256 of
//      the key) must be the one dialed, if one was;
//   4. from then on every frame is ChaCha20-Poly1305 with a per-direction counter nonce.
// A frame is [4-byte big-endian length][ciphertext ‖ 16-byte tag]. Anything malformed,
// oversized, or failing authentication closes the connection, never the node.

export const p2pErrors = {
  handshake: registerError("p2p", 2, "handshake failed"),
  wrongPeer: registerError("p2p", 3, "peer id does not match"),
  badFrame: registerError("p2p", 4, "malformed or unauthenticated frame"),
  tooLarge: registerError("p2p", 5, "frame too large"),
  closed: registerError("p2p", 6, "connection closed"),
};

const x25519SpkiPrefix = Buffer.from("302a300506032b656e032100", "hex");
const hkdfInfo = "TCOMPUTE_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN";
const tagLength = 16;
/** Largest plaintext frame; messages larger than this are refused on both ends. */
export const maxFrameBytes = 4 * 1024 * 1024;

export interface SecretConnection {
  /** The remote node's id (hex of its address) and public key, authenticated. */
  readonly remoteId: string;
  readonly remotePubKey: Uint8Array;
  send(message: Uint8Array): void;
  onMessage(handler: (message: Uint8Array) => void): void;
  onClose(handler: (reason: Error | null) => void): void;
  close(reason?: Error): void;
  readonly socket: Socket;
  /**
   * Bytes copied while reassembling frames from TCP chunks: each received byte is copied at
   * most once (chunks are collected and joined once a frame is complete), so this stays below
   * the bytes received however finely a peer splits its frames.
   */
  readonly copiedBytes: number;
}

function nonce(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64LE(counter, 4);
  return n;
}

/** Reads exactly n bytes during the handshake, with a timeout. */
function readExactly(socket: Socket, buffered: { data: Buffer }, n: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out?: Buffer) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      if (err !== null) reject(err);
      else resolve(out!);
    };
    const tryTake = () => {
      if (buffered.data.length >= n) {
        const out = buffered.data.subarray(0, n);
        buffered.data = buffered.data.subarray(n);
        done(null, Buffer.from(out));
      }
    };
    const onData = (chunk: Buffer) => {
      buffered.data = Buffer.concat([buffered.data, chunk]);
      if (buffered.data.length > 64 * 1024) return done(p2pErrors.handshake.wrap("too much data during handshake"));
      tryTake();
    };
    const onClose = () => done(p2pErrors.handshake.wrap("peer closed during handshake"));
    const timer = setTimeout(() => done(p2pErrors.handshake.wrap("handshake timed out")), timeoutMs);
    socket.on("data", onData);
    socket.on("close", onClose);
    tryTake();
  });
}

function seal(key: Buffer, counter: bigint, plaintext: Uint8Array): Buffer {
  const c = createCipheriv("chacha20-poly1305", key, nonce(counter), { authTagLength: tagLength });
  const body = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

function open(key: Buffer, counter: bigint, body: Buffer): Buffer {
  if (body.length < tagLength) throw p2pErrors.badFrame.wrap("frame shorter than its tag");
  const d = createDecipheriv("chacha20-poly1305", key, nonce(counter), { authTagLength: tagLength });
  d.setAuthTag(body.subarray(body.length - tagLength));
  try {
    return Buffer.concat([d.update(body.subarray(0, body.length - tagLength)), d.final()]);
  } catch {
    throw p2pErrors.badFrame.wrap("authentication tag mismatch");
  }
}

export async function makeSecretConnection(
  socket: Socket,
  nodeKey: Ed25519Key,
  opts: { expectedId: string | null; timeoutMs?: number; maxFrameBytes?: number },
): Promise<SecretConnection> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxFrame = opts.maxFrameBytes ?? maxFrameBytes;
  const buffered: { data: Buffer } = { data: Buffer.alloc(0) };
  // 1. Ephemeral keys.
  const eph = generateKeyPairSync("x25519");
  const ourEph = eph.publicKey.export({ format: "der", type: "spki" }).subarray(x25519SpkiPrefix.length);
  socket.write(ourEph);
  const theirEph = await readExactly(socket, buffered, 32, timeoutMs);
  if (theirEph.equals(ourEph)) throw p2pErrors.handshake.wrap("peer reflected our ephemeral key");
  let secret: Buffer;
  try {
    secret = diffieHellman({
      privateKey: eph.privateKey,
      publicKey: createPublicKey({ key: Buffer.concat([x25519SpkiPrefix, theirEph]), format: "der", type: "spki" }),
    });
  } catch (e) {
    throw p2pErrors.handshake.wrap(`bad ephemeral key: ${(e as Error).message}`);
  }
  if (secret.every((b) => b === 0)) throw p2pErrors.handshake.wrap("low-order ephemeral key");
  // 2. Keys and challenge, bound to both ephemeral keys.
  const weAreLow = Buffer.compare(ourEph, theirEph) < 0;
  const [lo, hi] = weAreLow ? [ourEph, theirEph] : [theirEph, ourEph];
  const okm = Buffer.from(
    hkdfSync("sha256", secret, Buffer.alloc(0), Buffer.concat([Buffer.from(hkdfInfo), lo, hi]), 96),
  );
  const keyLoToHi = okm.subarray(0, 32);
  const keyHiToLo = okm.subarray(32, 64);
  const challenge = okm.subarray(64, 96);
  const sendKey = Buffer.from(weAreLow ? keyLoToHi : keyHiToLo);
  const recvKey = Buffer.from(weAreLow ? keyHiToLo : keyLoToHi);
  let sendCounter = 0n;
  let recvCounter = 0n;
  // 3. Authenticate with the node keys.
  socket.write(seal(sendKey, sendCounter++, Buffer.concat([nodeKey.pubKey, ed25519Sign(nodeKey, challenge)])));
  const authLen = (await readExactly(socket, buffered, 4, timeoutMs)).readUInt32BE(0);
  if (authLen !== 32 + 64 + tagLength) throw p2pErrors.handshake.wrap(`auth message of ${authLen} bytes`);
  const auth = open(recvKey, recvCounter++, await readExactly(socket, buffered, authLen, timeoutMs));
  const remotePubKey = new Uint8Array(auth.subarray(0, 32));
  if (!ed25519Verify(remotePubKey, challenge, auth.subarray(32)))
    throw p2pErrors.handshake.wrap("challenge signature invalid");
  const remoteId = Buffer.from(ed25519Address(remotePubKey)).toString("hex");
  if (opts.expectedId !== null && remoteId !== opts.expectedId.toLowerCase()) {
    throw p2pErrors.wrongPeer.wrap(`dialed ${opts.expectedId}, got ${remoteId}`);
  }

  // 4. Framed, encrypted messages.
  let messageHandler: (m: Uint8Array) => void = () => {};
  const closeHandlers: Array<(r: Error | null) => void> = [];
  let closed = false;
  // Received bytes not yet parsed, as the chunks they arrived in (joined once per frame, not
  // once per chunk: appending each chunk to one buffer made a frame cost O(size^2 / chunk)).
  const chunks: Buffer[] = buffered.data.length > 0 ? [buffered.data] : [];
  let pendingBytes = buffered.data.length;
  let copiedBytes = 0;
  let frameLen = -1;
  /** Takes the first n pending bytes (n <= pendingBytes), copying only if they span chunks. */
  const take = (n: number): Buffer => {
    const first = chunks[0]!;
    pendingBytes -= n;
    if (first.length >= n) {
      if (first.length === n) chunks.shift();
      else chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) chunks.shift();
      else chunks[0] = c.subarray(k);
    }
    copiedBytes += n;
    return out;
  };
  const close = (reason: Error | null = null) => {
    if (closed) return;
    closed = true;
    socket.destroy();
    for (const h of closeHandlers) h(reason);
  };
  const onData = (chunk: Buffer) => {
    if (chunk.length > 0) {
      chunks.push(chunk);
      pendingBytes += chunk.length;
    }
    try {
      for (;;) {
        if (frameLen < 0) {
          if (pendingBytes < 4) break;
          frameLen = take(4).readUInt32BE(0);
          if (frameLen > maxFrame + tagLength) throw p2pErrors.tooLarge.wrap(`${frameLen} bytes`);
        }
        if (pendingBytes < frameLen) break;
        const body = take(frameLen);
        frameLen = -1;
        const msg = open(recvKey, recvCounter++, body);
        if (closed) return;
        messageHandler(msg);
      }
    } catch (e) {
      close(e as Error);
    }
  };
  socket.on("data", onData);
  socket.on("close", () => close(null));
  socket.on("error", (e) => close(e));
  setImmediate(() => pendingBytes > 0 && onData(Buffer.alloc(0)));

  return {
    remoteId,
    remotePubKey,
    socket,
    send(message) {
      if (closed) throw p2pErrors.closed.wrap();
      if (message.length > maxFrame) throw p2pErrors.tooLarge.wrap(`${message.length} bytes`);
      socket.write(seal(sendKey, sendCounter++, message));
    },
    onMessage(h) {
      messageHandler = h;
    },
    onClose(h) {
      closeHandlers.push(h);
    },
    close: (reason) => close(reason ?? null),
    get copiedBytes() {
      return copiedBytes;
    },
  };
}
