import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { NetAddress } from "cosmjs-types/tendermint/p2p/types";
import type { Logger } from "../../modules/sdk/context.js";
import { registerError } from "../../modules/sdk/errors.js";
import { Channel, type PeerAddress, type Switch } from "./switch.js";

// Peer exchange (CometBFT's PEX reactor, simplified): nodes learn each other's addresses so
// that a new node needs only a seed. On connect each side announces its own dialable address
// (the handshake does not carry it) and asks for more; answers are bounded and rate-limited.
// Known addresses fill the outbound slots left over by persistent peers. A seed is dialed at
// start and whenever the node has no peers, and is let go once it has answered.
//
// Wire format, as CometBFT's tendermint.p2p.Message: oneof { PexRequest pex_request = 3;
// PexAddrs pex_addrs = 4 }, PexAddrs { repeated NetAddress addrs = 1 }.

export const pexErrors = {
  malformed: registerError("p2p", 11, "malformed peer-exchange message"),
};

export interface PexOptions {
  /** The address peers should dial to reach this node (null: do not announce). */
  self: PeerAddress | null;
  seeds: PeerAddress[];
  /** How often the address book is used to fill outbound slots. */
  ensureEveryMs?: number;
  maxAddresses?: number;
}

export type PexMessage = { kind: "request" } | { kind: "addrs"; addrs: PeerAddress[] };

const maxAddrsPerMessage = 100;

export function encodePexMessage(m: PexMessage): Uint8Array {
  const w = BinaryWriter.create();
  if (m.kind === "request") {
    w.uint32(26).fork().ldelim();
  } else {
    w.uint32(34).fork();
    for (const a of m.addrs) NetAddress.encode({ id: a.id, ip: a.host, port: a.port }, w.uint32(10).fork()).ldelim();
    w.ldelim();
  }
  return w.finish();
}

export function decodePexMessage(bytes: Uint8Array): PexMessage {
  try {
    const r = new BinaryReader(bytes);
    let out: PexMessage | null = null;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 26) {
        r.bytes();
        out = { kind: "request" };
      } else if (tag === 34) {
        const inner = new BinaryReader(r.bytes());
        const addrs: PeerAddress[] = [];
        while (inner.pos < inner.len) {
          const t = inner.uint32();
          if (t !== 10) {
            inner.skipType(t & 7);
            continue;
          }
          const a = NetAddress.decode(inner.bytes());
          if (addrs.length >= maxAddrsPerMessage) throw new Error(`more than ${maxAddrsPerMessage} addresses`);
          if (!/^[0-9a-f]{40}$/.test(a.id) || a.port < 1 || a.port > 65535 || a.ip === "" || a.ip.length > 255)
            throw new Error("invalid address");
          addrs.push({ id: a.id, host: a.ip, port: a.port });
        }
        out = { kind: "addrs", addrs };
      } else r.skipType(tag & 7);
    }
    if (out === null) throw new Error("empty message");
    return out;
  } catch (e) {
    throw pexErrors.malformed.wrap((e as Error).message);
  }
}

export interface Pex {
  /** Addresses known, by node id. */
  known(): PeerAddress[];
  start(): void;
  stop(): void;
}

export function createPex(opts: PexOptions, deps: { p2p: Switch; logger: Logger; now?: () => number }): Pex {
  const { p2p, logger } = deps;
  const now = deps.now ?? Date.now;
  const maxAddresses = opts.maxAddresses ?? 1000;
  const book = new Map<string, PeerAddress>();
  const seedIds = new Set(opts.seeds.map((s) => s.id));
  const lastRequestFrom = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;

  function learn(a: PeerAddress): void {
    if (a.id === p2p.id || book.has(a.id) || book.size >= maxAddresses) return;
    book.set(a.id, a);
    logger.debug("p2p: learned address", { peer: a.id, addr: `${a.host}:${a.port}` });
  }
  for (const s of opts.seeds) learn(s);

  p2p.onPeer((peer, up) => {
    if (!up) return;
    if (opts.self !== null) p2p.send(peer, Channel.pex, encodePexMessage({ kind: "addrs", addrs: [opts.self] }));
    p2p.send(peer, Channel.pex, encodePexMessage({ kind: "request" }));
  });

  p2p.onReceive(Channel.pex, (peer, bytes) => {
    const m = decodePexMessage(bytes); // throws: the switch closes the peer
    if (m.kind === "request") {
      // One answer per peer per 10 s: a flood of requests is ignored, not answered.
      const t = now();
      if ((lastRequestFrom.get(peer) ?? -Infinity) > t - 10_000) return;
      lastRequestFrom.set(peer, t);
      const addrs = [...book.values()].filter((a) => a.id !== peer).slice(0, maxAddrsPerMessage);
      p2p.send(peer, Channel.pex, encodePexMessage({ kind: "addrs", addrs }));
      return;
    }
    for (const a of m.addrs) learn(a);
    // A seed's job is done once it answered with addresses other than its own.
    if (seedIds.has(peer) && m.addrs.some((a) => a.id !== peer)) setTimeout(() => p2p.disconnect(peer), 500).unref();
  });

  /** Fills free outbound slots from the address book; redials seeds when alone. */
  function ensure(): void {
    const connected = new Set(p2p.peers());
    if (connected.size === 0) for (const s of opts.seeds) p2p.dialOnce(s);
    let free = p2p.freeOutboundSlots();
    for (const a of book.values()) {
      if (free <= 0) break;
      if (connected.has(a.id) || seedIds.has(a.id)) continue;
      p2p.dialOnce(a);
      free--;
    }
  }

  return {
    known: () => [...book.values()],
    start() {
      for (const s of opts.seeds) p2p.dialOnce(s);
      const tick = () => {
        ensure();
        timer = setTimeout(tick, opts.ensureEveryMs ?? 5000);
        timer.unref();
      };
      timer = setTimeout(tick, Math.min(1000, opts.ensureEveryMs ?? 5000));
      timer.unref();
    },
    stop() {
      if (timer !== null) clearTimeout(timer);
    },
  };
}
