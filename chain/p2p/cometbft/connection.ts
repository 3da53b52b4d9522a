import type { Socket } from "node:net";
import { DefaultNodeInfo } from "cosmjs-types/tendermint/p2p/types";
import type { Ed25519Key } from "../../crypto/ed25519.js";
import { makeCometSecretConnection } from "../cometSecretConnection.js";
import { p2pErrors, type SecretConnection } from "../secretConnection.js";
import {
  checkNodeInfo,
  decodePacket,
  encodePacketMsg,
  makeNodeInfo,
  maxNodeInfoBytes,
  maxPacketBytes,
  maxPacketPayload,
  pingPacket,
  pongPacket,
  type NodeInfoSpec,
} from "./wire.js";

// A CometBFT v0.38 peer connection behind the TypeScript switch's SecretConnection interface:
// CometBFT's SecretConnection, the NodeInfo exchange and check (p2p/transport.go), then
// MConnection packets (p2p/conn/connection.go). The switch's frames [channel][eof][chunk] are
// PacketMsg{channel_id, eof, data} cut to 1024-byte payloads, so the switch's reassembly, its
// per-channel limits, its per-peer budget for incomplete messages and its partial-message
// timeout apply unchanged to a CometBFT peer. What is CometBFT's alone is handled here:
//   - PacketPing is answered with a PacketPong (at most one queued, as CometBFT's pong channel
//     of capacity 1); we ping every pingIntervalMs and close a peer that does not answer
//     within pongTimeoutMs (CometBFT: 60 s and 45 s);
//   - a PacketMsg on a channel we did not announce, a channel id outside 0..255, a Packet with
//     no member or over 1034 bytes closes the connection (CometBFT does the same);
//   - writes are coalesced per event-loop turn into full 1024-byte SecretConnection frames.
// Not done: CometBFT's send/recv rate limits (flowrate, 5 MB/s by default in config.toml);
// the switch's maxPendingBytes bounds what we queue for a slow reader instead.

export interface CometConnectOptions {
  /** Our NodeInfo but the id (the node key's). */
  nodeInfo: Omit<NodeInfoSpec, "id">;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
}

export interface CometConnection extends SecretConnection {
  readonly nodeInfo: DefaultNodeInfo;
}

/** A pong is not queued while this much we wrote is still unread by the peer. */
const maxUnreadForPong = 1024 * 1024;

const uvarintLength = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : 3);

function uvarint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Uint8Array.from(out);
}

/**
 * Runs CometBFT's handshake on a connected socket (either side) and returns the connection in
 * the switch's shape. `expectedId` (a dialed peer's id) must be the authenticated one.
 */
export async function cometConnect(
  socket: Socket,
  nodeKey: Ed25519Key,
  id: string,
  opts: CometConnectOptions & { expectedId: string | null; timeoutMs: number },
): Promise<CometConnection> {
  const sc = await makeCometSecretConnection(socket, nodeKey, { timeoutMs: opts.timeoutMs });
  if (opts.expectedId !== null && sc.remoteId !== opts.expectedId) {
    sc.close();
    throw p2pErrors.wrongPeer.wrap(`dialed ${opts.expectedId}, reached ${sc.remoteId}`);
  }
  const ours = makeNodeInfo({ ...opts.nodeInfo, id });
  sc.writeDelimited(DefaultNodeInfo.encode(ours).finish());
  let theirs: DefaultNodeInfo;
  try {
    const raw = await sc.readDelimited(maxNodeInfoBytes);
    try {
      theirs = DefaultNodeInfo.decode(raw);
    } catch (e) {
      throw p2pErrors.handshake.wrap(`undecodable NodeInfo: ${(e as Error).message}`);
    }
    checkNodeInfo(ours, theirs, sc.remoteId);
  } catch (e) {
    sc.close();
    throw e;
  }
  const announced = new Set(ours.channels);
  const theirChannels = new Set(theirs.channels);

  // Frames that arrive before the switch takes the connection wait for its handler.
  const early: Uint8Array[] = [];
  let messageHandler: (frame: Uint8Array) => void = (f) => early.push(f);
  const closeHandlers: Array<(reason: Error | null) => void> = [];
  let closed = false;
  let copied = 0;
  // Outgoing plaintext, written out once per event-loop turn.
  let out: Uint8Array[] = [];
  let outBytes = 0;
  let flushScheduled = false;
  let pongQueued = false;
  let pongTimer: NodeJS.Timeout | null = null;
  const flush = () => {
    flushScheduled = false;
    pongQueued = false;
    if (closed || outBytes === 0) return;
    const data = out.length === 1 ? out[0]! : Buffer.concat(out);
    out = [];
    outBytes = 0;
    sc.write(data);
  };
  const queue = (packet: Uint8Array) => {
    out.push(uvarint(packet.length), packet);
    outBytes += uvarintLength(packet.length) + packet.length;
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };
  const pingTimer = setInterval(() => {
    if (closed || pongTimer !== null) return;
    queue(pingPacket);
    pongTimer = setTimeout(() => close(p2pErrors.closed.wrap("pong timeout")), opts.pongTimeoutMs ?? 45_000);
    pongTimer.unref();
  }, opts.pingIntervalMs ?? 60_000);
  pingTimer.unref();

  let closeReason: Error | null = null;
  const close = (reason: Error | null) => {
    if (closed) return;
    closed = true;
    closeReason = reason;
    clearInterval(pingTimer);
    if (pongTimer !== null) clearTimeout(pongTimer);
    sc.close();
    for (const h of closeHandlers) h(reason);
  };

  // The decrypted stream: uvarint-delimited Packets of at most maxPacketBytes.
  let pending: Buffer = Buffer.alloc(0);
  const onPacket = (bytes: Uint8Array) => {
    const p = decodePacket(bytes);
    if (p.kind === "ping") {
      // Never more than one answer queued, none while a peer leaves our writes unread: a ping
      // flood costs the sender, not us.
      if (!pongQueued && sc.socket.writableLength <= maxUnreadForPong) {
        pongQueued = true;
        queue(pongPacket);
      }
    } else if (p.kind === "pong") {
      if (pongTimer !== null) clearTimeout(pongTimer);
      pongTimer = null;
    } else if (p.kind === "msg") {
      if (p.channel < 0 || p.channel > 255 || !announced.has(p.channel))
        throw p2pErrors.badFrame.wrap(`unknown channel ${p.channel}`);
      const frame = new Uint8Array(p.data.length + 2);
      frame[0] = p.channel;
      frame[1] = p.eof ? 1 : 0;
      frame.set(p.data, 2);
      messageHandler(frame);
    } else throw p2pErrors.badFrame.wrap("packet with no ping, pong or msg");
  };
  sc.stream(
    (chunk) => {
      copied += chunk.length;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let off = 0;
      while (!closed) {
        let len = 0;
        let i = off;
        let done = false;
        for (let shift = 0; i < pending.length; shift += 7) {
          if (shift > 14) throw p2pErrors.tooLarge.wrap("packet length prefix too long");
          const b = pending[i++]!;
          len += (b & 0x7f) * 2 ** shift;
          if ((b & 0x80) === 0) {
            done = true;
            break;
          }
        }
        if (!done) break;
        if (len > maxPacketBytes) throw p2pErrors.tooLarge.wrap(`packet of ${len} bytes (at most ${maxPacketBytes})`);
        if (pending.length - i < len) break;
        onPacket(pending.subarray(i, i + len));
        off = i + len;
      }
      // What is left is less than one packet (at most 1037 bytes).
      pending = off === pending.length ? Buffer.alloc(0) : Buffer.from(pending.subarray(off));
    },
    (reason) => close(reason),
  );

  return {
    remoteId: sc.remoteId,
    remotePubKey: sc.remotePubKey,
    socket: sc.socket,
    nodeInfo: theirs,
    send(frame) {
      if (closed) throw p2pErrors.closed.wrap();
      const channel = frame[0]!;
      // As CometBFT's Peer.Send: nothing on a channel the peer did not announce (it would close us).
      if (!theirChannels.has(channel)) throw p2pErrors.closed.wrap(`the peer has no channel ${channel}`);
      const eof = frame[1] === 1;
      const data = frame.subarray(2);
      for (let off = 0; ; off += maxPacketPayload) {
        const end = Math.min(data.length, off + maxPacketPayload);
        queue(encodePacketMsg(channel, eof && end === data.length, data.subarray(off, end)));
        if (end === data.length) break;
      }
    },
    onMessage(h) {
      messageHandler = h;
      for (const f of early.splice(0)) if (!closed) h(f);
    },
    onClose(h) {
      if (closed) setImmediate(() => h(closeReason));
      else closeHandlers.push(h);
    },
    close: (reason) => close(reason ?? null),
    get copiedBytes() {
      return copied;
    },
  };
}
