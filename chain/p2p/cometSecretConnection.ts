import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
} from "node:crypto";
import type { Socket } from "node:net";
import { ed25519Address, ed25519Sign, ed25519Verify, type Ed25519Key } from "../crypto/ed25519.js";
import { MerlinTranscript } from "./merlin.js";
import { p2pErrors } from "./secretConnection.js";

// CometBFT v0.38's SecretConnection (p2p/conn/secret_connection.go), byte for byte: the first
// layer of a p2p link a CometBFT node accepts. It is not used by the TypeScript engine's switch
// yet (which speaks its own framing, see secretConnection.ts); it exists so that a TypeScript
// peer can complete CometBFT's handshake and read what a CometBFT node sends next (its NodeInfo),
// the first step towards mixed networks (docs/node.md, "Mixed networks").
//   1. each side sends its X25519 ephemeral key as a uvarint-delimited protobuf BytesValue;
//   2. a Merlin transcript over both keys (sorted) and the DH secret gives the 32-byte challenge;
//      HKDF-SHA256(secret, info TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN) gives the two
//      ChaCha20-Poly1305 keys (the side with the lower ephemeral key receives with the first);
//   3. each side sends, encrypted, a delimited AuthSigMessage {PublicKey{ed25519}, sig} signing
//      the challenge with its node key, and checks the peer's;
//   4. the stream is carried in sealed frames of exactly 1028 plaintext bytes (4-byte
//      little-endian length <= 1024, data, zero padding) + 16-byte tag, nonce = 64-bit
//      little-endian counter at bytes 4..12.
// Anything malformed or failing authentication is a p2p handshake or frame error, never a crash.

const dataMax = 1024;
const frameBytes = dataMax + 4;
const sealedBytes = frameBytes + 16;
/** CometBFT reads handshake messages with a 1 MiB bound; ours are far smaller. */
const maxHandshakeMessage = 1024;
/** Bytes read ahead of the handshake's reads before the socket is paused. */
const maxBufferedAhead = 64 * 1024;
const x25519SpkiPrefix = Buffer.from("302a300506032b656e032100", "hex");

export interface CometSecretConnection {
  readonly remotePubKey: Uint8Array;
  /** Hex of the remote node's address: its CometBFT node id. */
  readonly remoteId: string;
  write(data: Uint8Array): void;
  /** A uvarint-length-delimited message from the decrypted stream (what CometBFT's protoio writes). */
  readDelimited(maxBytes: number): Promise<Uint8Array>;
  writeDelimited(message: Uint8Array): void;
  /**
   * Ends the handshake's pull reads: from now on every decrypted chunk of the stream (what is
   * already buffered first) goes to onData as it arrives, with no deadline; a frame that does
   * not authenticate, or onData throwing, closes the connection with that reason. The socket
   * is read only as fast as frames are opened: at most one sealed frame is held.
   */
  stream(onData: (plain: Buffer) => void, onClose: (reason: Error | null) => void): void;
  readonly socket: Socket;
  close(reason?: Error): void;
}

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function nonce(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64LE(counter, 4);
  return n;
}

/** Bytes from a socket, read on demand with a deadline. */
class Reader {
  buf: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private ended = false;
  /** Set once the connection streams: data goes there instead of the buffer. */
  push: ((c: Buffer) => void) | null = null;

  constructor(
    socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on("data", (c: Buffer) => {
      if (this.push !== null) return this.push(c);
      this.buf = this.buf.length === 0 ? c : Buffer.concat([this.buf, c]);
      // What a peer sends ahead of our reads is not held without bound: the socket is paused
      // (TCP pushes back) until a read needs more.
      if (this.buf.length > maxBufferedAhead) socket.pause();
      this.waiter?.();
    });
    this.resume = () => socket.resume();
    // A reset is reported by close as well; the handler keeps it from being thrown.
    socket.on("error", () => {});
    socket.on("close", () => {
      this.ended = true;
      this.waiter?.();
    });
  }

  readonly resume: () => void;

  async take(n: number): Promise<Buffer> {
    const deadline = Date.now() + this.timeoutMs;
    while (this.buf.length < n) {
      this.resume();
      if (this.ended) throw p2pErrors.handshake.wrap("peer closed the connection");
      const left = deadline - Date.now();
      if (left <= 0) throw p2pErrors.handshake.wrap("timed out");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** A uvarint length (at most 5 bytes, at most max) followed by that many bytes. */
  async delimited(max: number, next: (n: number) => Promise<Buffer>): Promise<Buffer> {
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      if (shift > 28) throw p2pErrors.badFrame.wrap("length prefix too long");
      const b = (await next(1))[0]!;
      len += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    if (len > max) throw p2pErrors.tooLarge.wrap(`delimited message of ${len} bytes (at most ${max})`);
    return next(len);
  }
}

/** Runs CometBFT's SecretConnection handshake on a connected socket (either side). */
export async function makeCometSecretConnection(
  socket: Socket,
  nodeKey: Ed25519Key,
  opts: { timeoutMs?: number } = {},
): Promise<CometSecretConnection> {
  const reader = new Reader(socket, opts.timeoutMs ?? 10_000);
  // 1. Ephemeral keys, as delimited BytesValue{value = 1}.
  const eph = generateKeyPairSync("x25519");
  const ourEph = eph.publicKey.export({ format: "der", type: "spki" }).subarray(x25519SpkiPrefix.length);
  socket.write(Buffer.concat([uvarint(34), Buffer.from([0x0a, 0x20]), ourEph]));
  const ephMsg = await reader.delimited(maxHandshakeMessage, (n) => reader.take(n));
  if (ephMsg.length !== 34 || ephMsg[0] !== 0x0a || ephMsg[1] !== 0x20)
    throw p2pErrors.handshake.wrap("ephemeral key is not a 32-byte BytesValue");
  const theirEph = Buffer.from(ephMsg.subarray(2));
  const weAreLow = Buffer.compare(ourEph, theirEph) < 0;
  const [lo, hi] = weAreLow ? [ourEph, theirEph] : [theirEph, ourEph];
  const transcript = new MerlinTranscript("TENDERMINT_SECRET_CONNECTION_TRANSCRIPT_HASH");
  transcript.appendMessage("EPHEMERAL_LOWER_PUBLIC_KEY", lo);
  transcript.appendMessage("EPHEMERAL_UPPER_PUBLIC_KEY", hi);
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
  transcript.appendMessage("DH_SECRET", secret);
  // 2. Keys and challenge.
  const okm = Buffer.from(
    hkdfSync("sha256", secret, Buffer.alloc(0), "TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN", 96),
  );
  const recvKey = weAreLow ? okm.subarray(0, 32) : okm.subarray(32, 64);
  const sendKey = weAreLow ? okm.subarray(32, 64) : okm.subarray(0, 32);
  const challenge = transcript.extractBytes("SECRET_CONNECTION_MAC", 32);
  let sendCounter = 0n;
  let recvCounter = 0n;
  let plain: Buffer = Buffer.alloc(0);

  const write = (data: Uint8Array) => {
    for (let off = 0; off === 0 || off < data.length; off += dataMax) {
      const chunk = data.subarray(off, Math.min(data.length, off + dataMax));
      const frame = Buffer.alloc(frameBytes);
      frame.writeUInt32LE(chunk.length, 0);
      frame.set(chunk, 4);
      const c = createCipheriv("chacha20-poly1305", sendKey, nonce(sendCounter++), { authTagLength: 16 });
      socket.write(Buffer.concat([c.update(frame), c.final(), c.getAuthTag()]));
    }
  };
  /** n bytes of the decrypted stream, opening frames as needed. */
  const readPlain = async (n: number): Promise<Buffer> => {
    while (plain.length < n) plain = Buffer.concat([plain, openFrame(await reader.take(sealedBytes))]);
    const out = plain.subarray(0, n);
    plain = plain.subarray(n);
    return out;
  };
  const writeDelimited = (m: Uint8Array) => write(Buffer.concat([uvarint(m.length), m]));
  const openFrame = (sealed: Buffer): Buffer => {
    const d = createDecipheriv("chacha20-poly1305", recvKey, nonce(recvCounter++), { authTagLength: 16 });
    d.setAuthTag(sealed.subarray(frameBytes));
    let frame: Buffer;
    try {
      frame = Buffer.concat([d.update(sealed.subarray(0, frameBytes)), d.final()]);
    } catch {
      throw p2pErrors.badFrame.wrap("authentication tag mismatch");
    }
    const len = frame.readUInt32LE(0);
    if (len > dataMax) throw p2pErrors.badFrame.wrap(`frame claims ${len} bytes (at most ${dataMax})`);
    return frame.subarray(4, 4 + len);
  };

  // 3. AuthSigMessage { pub_key = 1: PublicKey { ed25519 = 1 }, sig = 2 }.
  const sig = ed25519Sign(nodeKey, challenge);
  writeDelimited(
    Buffer.concat([Buffer.from([0x0a, 34, 0x0a, 32]), nodeKey.pubKey, Buffer.from([0x12, sig.length]), sig]),
  );
  const auth = await reader.delimited(maxHandshakeMessage, readPlain);
  if (
    auth.length !== 102 ||
    auth[0] !== 0x0a ||
    auth[1] !== 34 ||
    auth[2] !== 0x0a ||
    auth[3] !== 32 ||
    auth[36] !== 0x12 ||
    auth[37] !== 64
  ) {
    throw p2pErrors.handshake.wrap("auth message is not an AuthSigMessage with an ed25519 key");
  }
  const remotePubKey = new Uint8Array(auth.subarray(4, 36));
  if (!ed25519Verify(remotePubKey, challenge, auth.subarray(38)))
    throw p2pErrors.handshake.wrap("challenge signature invalid");
  let closed = false;
  let closeHandler: ((reason: Error | null) => void) | null = null;
  const close = (reason: Error | null = null) => {
    if (closed) return;
    closed = true;
    socket.destroy();
    closeHandler?.(reason);
  };
  const stream = (onData: (plain: Buffer) => void, onClose: (reason: Error | null) => void) => {
    closeHandler = onClose;
    // Sealed bytes not yet a whole frame, as chunks (each byte copied once, when its frame is whole).
    const chunks: Buffer[] = [];
    let held = 0;
    const feed = (c: Buffer) => {
      if (closed) return;
      if (c.length > 0) {
        chunks.push(c);
        held += c.length;
      }
      try {
        while (held >= sealedBytes && !closed) {
          const sealed = Buffer.alloc(sealedBytes);
          let off = 0;
          while (off < sealedBytes) {
            const h = chunks[0]!;
            const k = Math.min(h.length, sealedBytes - off);
            h.copy(sealed, off, 0, k);
            off += k;
            if (k === h.length) chunks.shift();
            else chunks[0] = h.subarray(k);
          }
          held -= sealedBytes;
          const data = openFrame(sealed);
          if (data.length > 0) onData(data);
        }
      } catch (e) {
        close(e as Error);
      }
    };
    socket.on("close", () => close(null));
    reader.push = feed;
    socket.resume();
    const early = reader.buf;
    reader.buf = Buffer.alloc(0);
    try {
      if (plain.length > 0) onData(plain);
    } catch (e) {
      close(e as Error);
    }
    plain = Buffer.alloc(0);
    if (socket.destroyed) close(null);
    else feed(early);
  };
  return {
    remotePubKey,
    remoteId: Buffer.from(ed25519Address(remotePubKey)).toString("hex"),
    write,
    writeDelimited,
    readDelimited: (max) => reader.delimited(max, readPlain),
    stream,
    socket,
    close: (reason) => close(reason ?? null),
  };
}
