import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../../modules/sdk/context.js";
import { registerError } from "../../modules/sdk/errors.js";
import type { Ed25519Key } from "../crypto/ed25519.js";
import { nodeId } from "../crypto/keyFiles.js";
import { makeSecretConnection, p2pErrors, type SecretConnection } from "./secretConnection.js";

// The switch (CometBFT's p2p.Switch): it listens, dials persistent peers (reconnecting with
// exponential backoff), bounds inbound and outbound peers, keeps one connection per node id,
// and multiplexes channels over each connection. A message travels as one or more frames of
// [channel id][eof flag][chunk] (as CometBFT's MConnection packets), so a message may be larger
// than a frame; an unknown channel or a message over the channel's limit closes that peer,
// never the node.
//
// Per-peer resources are bounded (issue 16, defect 5): the chunks of messages not yet complete
// count against one budget per peer (the largest channel limit: a sender writes one message's
// frames back to back, so an honest peer has about one message in flight) and must complete
// within partialTimeoutMs; inbound connections still in their handshake count against
// maxInbound, and a handshake must finish within handshakeTimeoutMs overall.

export const switchErrors = {
  badAddress: registerError("p2p", 10, "invalid peer address"),
};

/** CometBFT's channel ids. */
export const Channel = {
  pex: 0x00,
  consensusState: 0x20,
  consensusData: 0x21,
  consensusVote: 0x22,
  mempool: 0x30,
  evidence: 0x38,
  blockSync: 0x40,
} as const;

export interface ChannelSpec {
  id: number;
  maxMessageBytes: number;
}

/** The channels and their limits; proposals and synced blocks are bounded by max block bytes. */
export function channelsFor(maxBlockBytes: number): ChannelSpec[] {
  return [
    { id: Channel.pex, maxMessageBytes: 64 * 1024 },
    { id: Channel.consensusState, maxMessageBytes: 64 * 1024 },
    { id: Channel.consensusData, maxMessageBytes: maxBlockBytes + 64 * 1024 },
    { id: Channel.consensusVote, maxMessageBytes: 64 * 1024 + 2 * 1024 * 1024 },
    { id: Channel.mempool, maxMessageBytes: 1024 * 1024 + 1024 },
    { id: Channel.evidence, maxMessageBytes: 1024 * 1024 },
    { id: Channel.blockSync, maxMessageBytes: maxBlockBytes + 1024 * 1024 },
  ];
}

export const defaultChannels: ChannelSpec[] = channelsFor(1024 * 1024);

/** Payload bytes per frame: big messages are cut so that other channels interleave. */
const chunkBytes = 256 * 1024;
/** What a held chunk costs beyond its bytes (its array slot and view), charged to the peer. */
const chunkOverhead = 128;

export interface PeerAddress {
  id: string;
  host: string;
  port: number;
}

/** Parses `id@host:port` (a 40-hex-digit node id). */
export function parsePeerAddress(s: string): PeerAddress {
  const m = /^([0-9a-fA-F]{40})@([^:@\s]+|\[[0-9a-fA-F:]+\]):([0-9]{1,5})$/.exec(s.trim());
  if (m === null || Number(m[3]) > 65535)
    throw switchErrors.badAddress.wrap(`${JSON.stringify(s)}: use nodeid@host:port`);
  return { id: m[1]!.toLowerCase(), host: m[2]!.replace(/^\[|\]$/g, ""), port: Number(m[3]) };
}

export interface SwitchOptions {
  nodeKey: Ed25519Key;
  listen: { host: string; port: number } | null;
  persistentPeers: PeerAddress[];
  maxInbound: number;
  maxOutbound: number;
  channels: ChannelSpec[];
  backoff?: { minMs: number; maxMs: number };
  /** The whole handshake (all its reads) must finish within this; default 20 s as CometBFT. */
  handshakeTimeoutMs?: number;
  /** A peer whose unsent bytes exceed this has messages dropped (TrySend semantics). */
  maxPendingBytes?: number;
  /** Bytes of incomplete messages held per peer, all channels together (each chunk charged 128 bytes more); default the largest channel limit + 1 MiB. */
  maxPartialBytes?: number;
  /** An incomplete message must be completed within this; default 60 s. */
  partialTimeoutMs?: number;
  /**
   * The connection handshake and framing; default the TypeScript engine's SecretConnection.
   * chain/p2p/cometbft/connection.ts gives CometBFT's (its packets are the same frames).
   */
  connect?: (
    socket: Socket,
    nodeKey: Ed25519Key,
    opts: { expectedId: string | null; timeoutMs: number },
  ) => Promise<SecretConnection>;
}

export interface Switch {
  readonly id: string;
  /** host:port actually listened on. */
  readonly address: string;
  peers(): string[];
  /** Sends to one peer; false when the peer is gone or too far behind. */
  send(peer: string, channel: number, payload: Uint8Array): boolean;
  broadcast(channel: number, payload: Uint8Array, except?: string): number;
  onReceive(channel: number, handler: (peer: string, payload: Uint8Array) => void): void;
  onPeer(handler: (peer: string, up: boolean) => void): void;
  /** Closes a peer that misbehaved. */
  ban(peer: string, reason: string): void;
  /** Closes a peer politely (e.g. a seed that has answered). */
  disconnect(peer: string): void;
  /** Dials an address once, without reconnecting (addresses learned by peer exchange). */
  dialOnce(addr: PeerAddress): void;
  /** Outbound slots not taken by connected or connecting peers. */
  freeOutboundSlots(): number;
  /**
   * Fault injection (`tcd localnet disconnect`): closes every peer and refuses and dials none
   * for `ms`, then dials the persistent peers again at once. 0 ends an isolation early.
   */
  isolate(ms: number): void;
  /** Epoch ms until which the switch is isolated (0: not isolated). */
  readonly isolatedUntil: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface PeerConn {
  conn: SecretConnection;
  outbound: boolean;
  /** Bytes held in incomplete messages, and when the oldest of them began (0: none). */
  partialBytes(): number;
  partialSince(): number;
}

export function createSwitch(opts: SwitchOptions, deps: { logger: Logger }): Switch {
  const self = nodeId(opts.nodeKey);
  const { logger } = deps;
  const peers = new Map<string, PeerConn>();
  const handlers = new Map<number, (peer: string, payload: Uint8Array) => void>();
  const peerHandlers: Array<(peer: string, up: boolean) => void> = [];
  const channelLimits = new Map(opts.channels.map((c) => [c.id, c.maxMessageBytes]));
  const backoff = opts.backoff ?? { minMs: 500, maxMs: 30_000 };
  const maxPending = opts.maxPendingBytes ?? 64 * 1024 * 1024;
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 20_000;
  const maxPartial = opts.maxPartialBytes ?? Math.max(...opts.channels.map((c) => c.maxMessageBytes)) + 1024 * 1024;
  const partialTimeoutMs = opts.partialTimeoutMs ?? 60_000;
  let sweepTimer: NodeJS.Timeout | null = null;
  /** Inbound connections in their handshake: they take inbound slots too. */
  let handshaking = 0;
  let isolatedUntil = 0;
  let isolationTimer: NodeJS.Timeout | null = null;
  /** Persistent peers waiting for an isolation to end (their dial loops sleep meanwhile). */
  const waitingForIsolation = new Set<PeerAddress>();
  const isolated = () => isolatedUntil > Date.now();
  const dialTimers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let address = "";
  let stopped = true;

  const count = (outbound: boolean) => [...peers.values()].filter((p) => p.outbound === outbound).length;

  function addPeer(conn: SecretConnection, outbound: boolean): boolean {
    if (conn.remoteId === self) {
      conn.close();
      return false;
    }
    if (peers.has(conn.remoteId)) {
      conn.close();
      return false;
    }
    if (!outbound && count(false) >= opts.maxInbound) {
      logger.info("p2p: refusing inbound peer, limit reached", { peer: conn.remoteId });
      conn.close();
      return false;
    }
    // Per channel: the chunks of a message not yet complete (joined once, at its last frame).
    const partial = new Map<number, { chunks: Uint8Array[]; bytes: number; since: number }>();
    let partialTotal = 0;
    peers.set(conn.remoteId, {
      conn,
      outbound,
      partialBytes: () => partialTotal,
      partialSince: () => Math.min(...[...partial.values()].map((p) => p.since)),
    });
    conn.onMessage((frame) => {
      const channel = frame[0];
      const eof = frame[1];
      const limit = channel === undefined ? undefined : channelLimits.get(channel);
      if (limit === undefined) return ban(conn.remoteId, `unknown channel ${channel}`);
      if (eof !== 0 && eof !== 1) return ban(conn.remoteId, "malformed frame");
      const chunk = frame.subarray(2);
      const acc = partial.get(channel!) ?? { chunks: [], bytes: 0, since: Date.now() };
      acc.chunks.push(chunk);
      acc.bytes += chunk.length;
      if (acc.bytes > limit)
        return ban(conn.remoteId, `message of ${acc.bytes}+ bytes on channel ${channel} (limit ${limit})`);
      if (eof === 0) {
        partial.set(channel!, acc);
        // Each held chunk is charged its bookkeeping too, so that a flood of tiny frames is bounded.
        partialTotal += chunk.length + chunkOverhead;
        if (partialTotal > maxPartial)
          return ban(conn.remoteId, `${partialTotal} bytes of incomplete messages (limit ${maxPartial} per peer)`);
        return;
      }
      if (partial.delete(channel!)) partialTotal -= acc.bytes - chunk.length + (acc.chunks.length - 1) * chunkOverhead;
      const msg = acc.chunks.length === 1 ? chunk : Buffer.concat(acc.chunks);
      const h = handlers.get(channel!);
      try {
        h?.(conn.remoteId, msg);
      } catch (e) {
        ban(conn.remoteId, `handler failed: ${(e as Error).message}`);
      }
    });
    conn.onClose((reason) => {
      if (peers.get(conn.remoteId)?.conn !== conn) return;
      peers.delete(conn.remoteId);
      logger.info("p2p: peer disconnected", { peer: conn.remoteId, reason: reason?.message ?? "closed" });
      for (const h of peerHandlers) h(conn.remoteId, false);
    });
    logger.info("p2p: peer connected", { peer: conn.remoteId, outbound });
    for (const h of peerHandlers) h(conn.remoteId, true);
    return true;
  }

  function ban(peer: string, reason: string): void {
    const p = peers.get(peer);
    if (p === undefined) return;
    logger.warn("p2p: closing misbehaving peer", { peer, reason });
    p.conn.close(new Error(reason));
  }

  const dialing = new Set<string>();

  function dialOnce(addr: PeerAddress): void {
    if (stopped || isolated() || peers.has(addr.id) || dialing.has(addr.id) || addr.id === self) return;
    if (count(true) + dialing.size >= opts.maxOutbound) return;
    dialing.add(addr.id);
    const socket = createConnection({ host: addr.host, port: addr.port });
    track(socket);
    socket.once("error", () => dialing.delete(addr.id));
    socket.once("connect", () => {
      handshake(socket, addr.id)
        .then((conn) => {
          dialing.delete(addr.id);
          if (stopped) return conn.close();
          addPeer(conn, true);
        })
        .catch((e: Error) => {
          dialing.delete(addr.id);
          logger.info("p2p: dial failed", { peer: addr.id, error: e.message });
          socket.destroy();
        });
    });
  }

  /** The secret-connection handshake, bounded in total time (a slow peer cannot hold a slot). */
  function handshake(socket: Socket, expectedId: string | null): Promise<SecretConnection> {
    const timer = setTimeout(
      () => socket.destroy(p2pErrors.handshake.wrap(`not done within ${handshakeTimeoutMs} ms`)),
      handshakeTimeoutMs,
    );
    return (opts.connect ?? makeSecretConnection)(socket, opts.nodeKey, {
      expectedId,
      timeoutMs: handshakeTimeoutMs,
    }).finally(() => clearTimeout(timer));
  }

  /** Closes peers whose incomplete messages are older than partialTimeoutMs. */
  function sweep(): void {
    const now = Date.now();
    for (const [id, p] of peers) {
      if (p.partialBytes() > 0 && now - p.partialSince() > partialTimeoutMs)
        ban(id, `incomplete message not finished within ${partialTimeoutMs} ms`);
    }
  }

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  }

  function dial(addr: PeerAddress, attempt: number): void {
    if (stopped) return;
    if (isolated()) {
      waitingForIsolation.add(addr);
      return;
    }
    let retried = false;
    const retry = () => {
      if (stopped || retried) return;
      retried = true;
      const delay = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(attempt, 16));
      const t = setTimeout(() => {
        dialTimers.delete(t);
        dial(addr, attempt + 1);
      }, delay);
      dialTimers.add(t);
    };
    if (peers.has(addr.id)) return retry();
    if (count(true) >= opts.maxOutbound) return retry();
    const socket = createConnection({ host: addr.host, port: addr.port });
    track(socket);
    socket.once("error", () => retry());
    socket.once("connect", () => {
      handshake(socket, addr.id)
        .then((conn) => {
          if (stopped) return conn.close();
          if (!addPeer(conn, true)) return retry();
          // Reconnect when this connection ends, starting the backoff again.
          conn.onClose(() => !stopped && setTimeout(() => dial(addr, 0), backoff.minMs).unref());
        })
        .catch((e: Error) => {
          logger.info("p2p: dial failed", { peer: addr.id, error: e.message });
          socket.destroy();
          retry();
        });
    });
  }

  return {
    id: self,
    get address() {
      return address;
    },
    peers: () => [...peers.keys()].sort(),
    send(peer, channel, payload) {
      const p = peers.get(peer);
      if (p === undefined || p.conn.socket.writableLength > maxPending) return false;
      try {
        for (let off = 0; ; off += chunkBytes) {
          const end = Math.min(payload.length, off + chunkBytes);
          const frame = new Uint8Array(end - off + 2);
          frame[0] = channel;
          frame[1] = end === payload.length ? 1 : 0;
          frame.set(payload.subarray(off, end), 2);
          p.conn.send(frame);
          if (end === payload.length) return true;
        }
      } catch {
        return false;
      }
    },
    broadcast(channel, payload, except) {
      let n = 0;
      for (const id of peers.keys()) if (id !== except && this.send(id, channel, payload)) n++;
      return n;
    },
    onReceive(channel, h) {
      handlers.set(channel, h);
    },
    onPeer(h) {
      peerHandlers.push(h);
    },
    ban,
    disconnect(peer) {
      peers.get(peer)?.conn.close();
    },
    dialOnce,
    freeOutboundSlots: () => (isolated() ? 0 : Math.max(0, opts.maxOutbound - count(true) - dialing.size)),
    get isolatedUntil() {
      return isolated() ? isolatedUntil : 0;
    },
    isolate(ms) {
      if (isolationTimer !== null) clearTimeout(isolationTimer);
      isolationTimer = null;
      const end = () => {
        isolationTimer = null;
        isolatedUntil = 0;
        logger.info("p2p: isolation over, dialing peers again");
        const waiting = [...waitingForIsolation];
        waitingForIsolation.clear();
        for (const a of waiting) dial(a, 0);
      };
      if (ms <= 0) return end();
      isolatedUntil = Date.now() + ms;
      logger.warn("p2p: isolated (fault injection): dropping and refusing every peer", { ms });
      for (const p of peers.values()) p.conn.close(new Error("isolated by the node's control endpoint"));
      isolationTimer = setTimeout(end, ms);
      isolationTimer.unref();
    },
    async start() {
      stopped = false;
      sweepTimer = setInterval(sweep, Math.max(10, Math.min(1000, partialTimeoutMs / 4)));
      sweepTimer.unref();
      if (opts.listen !== null) {
        server = createServer((socket) => {
          track(socket);
          if (isolated()) return socket.destroy();
          if (count(false) + handshaking >= opts.maxInbound) {
            logger.debug("p2p: refusing inbound connection, limit reached", { peers: count(false), handshaking });
            return socket.destroy();
          }
          handshaking++;
          handshake(socket, null)
            .then((conn) => (stopped ? conn.close() : void addPeer(conn, false)))
            .catch((e: Error) => {
              logger.info("p2p: inbound handshake failed", { error: e.message });
              socket.destroy();
            })
            .finally(() => handshaking--);
        });
        await new Promise<void>((resolve, reject) => {
          server!.once("error", reject);
          server!.listen(opts.listen!.port, opts.listen!.host, () => resolve());
        });
        const a = server.address() as { address: string; port: number };
        address = `${a.address}:${a.port}`;
      }
      for (const p of opts.persistentPeers) dial(p, 0);
    },
    async stop() {
      stopped = true;
      if (sweepTimer !== null) clearInterval(sweepTimer);
      if (isolationTimer !== null) clearTimeout(isolationTimer);
      for (const t of dialTimers) clearTimeout(t);
      dialTimers.clear();
      for (const p of peers.values()) p.conn.close();
      for (const s of sockets) s.destroy();
      if (server !== null) await new Promise<void>((r) => server!.close(() => r()));
    },
  };
}
