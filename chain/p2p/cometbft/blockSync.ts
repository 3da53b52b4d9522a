import { BinaryWriter } from "cosmjs-types/binary";
import { Block } from "cosmjs-types/tendermint/types/block";
import { Commit } from "cosmjs-types/tendermint/types/types";
import type { Logger } from "../../../modules/sdk/context.js";
import { Channel, type Switch } from "../switch.js";
import { startConsensusFollow, type ConsensusFollowOptions, type ConsensusFollower } from "./consensusFollow.js";
import { decodeBlockSync, encodeBlockSync, type BlockSyncMessage } from "./wire.js";

// CometBFT's block sync protocol (blocksync/reactor.go, channel 0x40) in front of the
// TypeScript engine, which expects on that channel a (block, commit) pair and nothing else
// (chain/consensus/reactor.ts onBlockMessage: the commit is checked against the height's
// validators and the block passes the node's one full validation, validateBlock, before it is
// executed). This adapter wraps the switch the engine is given:
//   - towards CometBFT peers it speaks blocksync.Message: a StatusRequest to every new peer,
//     every statusEveryMs, and every tipStatusEveryMs while it is at the peers' tip, StatusResponse with our block store's range, BlockRequests for the
//     next `window` heights spread over the peers whose range holds them (one outstanding
//     request per height, re-asked elsewhere after requestTimeoutMs or a NoBlockResponse), and
//     it serves BlockRequests from our block store (NoBlockResponse when it has no block, or
//     when vote extensions are on at that height: we do not send extended commits);
//   - towards the engine it delivers block H with the commit CometBFT's sync uses for it, the
//     LastCommit of block H+1 (as CometBFT's poolRoutine, so the tip block waits for the next),
//     when the engine is at height H. The block's bytes are passed exactly as the peer
//     encoded them: the engine checks that they are the block's canonical encoding and that
//     their part set is the BlockID the commit signs.
// Bounds: at most `window` blocks held (and no new requests while they pass maxHeldBytes), a
// block nobody asked that peer for is dropped unread, at most maxServing block loads in flight
// per peer (further requests are ignored), a malformed message closes the peer. The engine's
// own messages on the consensus and block-sync channels (its status, votes, proposals and
// (block, commit) pairs) are not CometBFT's and are not sent to CometBFT peers.

export interface CometBlockSyncOptions {
  /** The height the engine decides next (its state's last block height + 1). */
  nextHeight: () => bigint;
  /** Our block store's range, for StatusResponse (0, 0 when it holds no block). */
  storeRange: () => { base: bigint; height: bigint };
  /** A stored block, to serve a CometBFT peer's BlockRequest. */
  loadBlock: (h: bigint) => Promise<Block | null>;
  /** Whether vote extensions are enabled at a height (we then do not serve it). */
  extensionsEnabled: (h: bigint) => boolean;
  /** Channels whose messages are the same on both engines, passed as they are (mempool, evidence). */
  passThrough: number[];
  window?: number;
  maxHeldBytes?: number;
  requestTimeoutMs?: number;
  statusEveryMs?: number;
  tickMs?: number;
  /** How often peers are asked for their status while we are at their last known tip. */
  tipStatusEveryMs?: number;
  /** Follow consensus live too (chain/p2p/cometbft/consensusFollow.ts); needs the consensus channels announced. */
  follow?: Omit<ConsensusFollowOptions, "nextHeight">;
  /** Re-deliver a pair the engine has not acted on (it drops one while it applies a block) after this. */
  redeliverMs?: number;
}

export interface CometBlockSync extends Switch {
  /** The live consensus follower, when on. */
  readonly follower: ConsensusFollower | null;
  /** The heights peers report (what their last StatusResponse said). */
  peerRanges(): Map<string, { base: bigint; height: bigint }>;
  /** Blocks held waiting for the engine, and their bytes: what a peer can make us keep. */
  held(): { blocks: number; bytes: number };
}

const maxServing = 32;

/** The engine's block-sync message: a block and the commit that decided it (walRecords.encodeBlockMessage). */
function encodePair(block: Uint8Array, commit: Uint8Array): Uint8Array {
  return BinaryWriter.create().uint32(10).bytes(block).uint32(18).bytes(commit).finish();
}

export function withCometBlockSync(
  inner: Switch,
  opts: CometBlockSyncOptions,
  deps: { logger: Logger },
): CometBlockSync {
  const { logger } = deps;
  const window = opts.window ?? 16;
  const maxHeld = opts.maxHeldBytes ?? 64 * 1024 * 1024;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 15_000;
  const redeliverMs = opts.redeliverMs ?? 500;
  const passThrough = new Set(opts.passThrough);
  const ranges = new Map<string, { base: bigint; height: bigint }>();
  const requests = new Map<bigint, { peer: string; at: number }>();
  const held = new Map<bigint, { peer: string; bytes: Uint8Array; block: Block }>();
  const serving = new Map<string, number>();
  let heldBytes = 0;
  let engineHandler: ((peer: string, payload: Uint8Array) => void) | null = null;
  let delivered = { height: -1n, at: 0 };
  let lastTipAsk = 0;
  const tipStatusEveryMs = opts.tipStatusEveryMs ?? 200;
  let tickTimer: NodeJS.Timeout | null = null;
  let statusTimer: NodeJS.Timeout | null = null;

  const send = (peer: string, m: BlockSyncMessage) => inner.send(peer, Channel.blockSync, encodeBlockSync(m));
  const drop = (h: bigint) => {
    const b = held.get(h);
    if (b === undefined) return;
    heldBytes -= b.bytes.length;
    held.delete(h);
  };
  const forgetPeer = (peer: string) => {
    ranges.delete(peer);
    serving.delete(peer);
    for (const [h, r] of requests) if (r.peer === peer) requests.delete(h);
    for (const [h, b] of held) if (b.peer === peer) drop(h);
  };

  const follower =
    opts.follow === undefined
      ? null
      : startConsensusFollow(
          inner,
          { ...opts.follow, nextHeight: opts.nextHeight },
          (peer, block, commit) => {
            try {
              engineHandler?.(peer, encodePair(block, commit));
            } catch (e) {
              inner.ban(peer, (e as Error).message);
            }
          },
          deps,
        );

  function pump(): void {
    follower?.tick();
    const need = opts.nextHeight();
    for (const h of [...held.keys()]) if (h < need) drop(h);
    for (const h of [...requests.keys()]) if (h < need) requests.delete(h);
    const now = Date.now();
    const a = held.get(need);
    const b = held.get(need + 1n);
    if (a !== undefined && b !== undefined && engineHandler !== null) {
      if (delivered.height !== need || now - delivered.at > redeliverMs) {
        delivered = { height: need, at: now };
        const commit = b.block.lastCommit;
        if (commit === undefined) {
          inner.ban(b.peer, `block ${need + 1n} has no last commit`);
        } else {
          try {
            engineHandler(a.peer, encodePair(a.bytes, Commit.encode(commit).finish()));
          } catch (e) {
            inner.ban(a.peer, (e as Error).message);
          }
        }
      }
    }
    let top = 0n;
    for (const r of ranges.values()) if (r.height > top) top = r.height;
    // At the peers' last known tip (we need the block after it for its commit): ask again soon,
    // not at the next periodic status, so that the node follows the chain block by block.
    if (need + 1n > top && ranges.size > 0 && now - lastTipAsk > tipStatusEveryMs) {
      lastTipAsk = now;
      inner.broadcast(Channel.blockSync, encodeBlockSync({ kind: "statusRequest" }));
    }
    for (let h = need; h < need + BigInt(window) && h <= top; h++) {
      if (held.has(h)) continue;
      if (heldBytes >= maxHeld) break;
      const r = requests.get(h);
      if (r !== undefined && now - r.at < requestTimeoutMs) continue;
      // The peer holding h with the fewest of our requests outstanding, another one than a
      // peer that let this height time out when there is one.
      let best: string | null = null;
      let bestLoad = Infinity;
      for (const [peer, range] of ranges) {
        if (range.base > h || range.height < h) continue;
        let load = 0;
        for (const q of requests.values()) if (q.peer === peer) load++;
        if (peer === r?.peer) load += 1000;
        if (load < bestLoad) {
          best = peer;
          bestLoad = load;
        }
      }
      if (best === null) continue;
      if (send(best, { kind: "blockRequest", height: h })) requests.set(h, { peer: best, at: now });
    }
  }

  async function serve(peer: string, h: bigint): Promise<void> {
    const n = serving.get(peer) ?? 0;
    if (n >= maxServing) return;
    serving.set(peer, n + 1);
    try {
      const block = opts.extensionsEnabled(h) ? null : await opts.loadBlock(h);
      if (block === null) send(peer, { kind: "noBlockResponse", height: h });
      else send(peer, { kind: "blockResponse", block: Block.encode(block).finish(), extCommit: null });
    } finally {
      const left = (serving.get(peer) ?? 1) - 1;
      if (ranges.has(peer) || left > 0) serving.set(peer, left);
    }
  }

  inner.onReceive(Channel.blockSync, (peer, payload) => {
    const m = decodeBlockSync(payload); // malformed: the switch closes the peer
    switch (m.kind) {
      case "statusRequest": {
        const r = opts.storeRange();
        send(peer, { kind: "statusResponse", height: r.height, base: r.base });
        return;
      }
      case "statusResponse":
        if (m.base < 0n || m.height < 0n || (m.height > 0n && m.base > m.height))
          return inner.ban(peer, `status with base ${m.base} above height ${m.height}`);
        ranges.set(peer, { base: m.base, height: m.height });
        return pump();
      case "blockRequest":
        if (m.height <= 0n) return inner.ban(peer, `block request for height ${m.height}`);
        void serve(peer, m.height).catch((e: Error) => logger.debug("blocksync: serving failed", { error: e.message }));
        return;
      case "noBlockResponse": {
        const r = requests.get(m.height);
        // Asked elsewhere at the next pump: the answer counts as a timeout of this peer.
        if (r?.peer === peer) requests.set(m.height, { peer, at: 0 });
        return;
      }
      case "blockResponse": {
        let block: Block;
        try {
          block = Block.decode(m.block);
        } catch (e) {
          return inner.ban(peer, `undecodable block: ${(e as Error).message}`);
        }
        const h = block.header?.height ?? 0n;
        if (requests.get(h)?.peer !== peer) {
          logger.debug("blocksync: block not asked of that peer, dropped", { peer, height: String(h) });
          return;
        }
        requests.delete(h);
        held.set(h, { peer, bytes: m.block, block });
        heldBytes += m.block.length;
        return pump();
      }
    }
  });
  inner.onPeer((peer, up) => {
    follower?.onPeer(peer, up);
    if (!up) return forgetPeer(peer);
    const r = opts.storeRange();
    send(peer, { kind: "statusResponse", height: r.height, base: r.base });
    send(peer, { kind: "statusRequest" });
  });

  return Object.assign(Object.create(inner) as Switch, {
    send(peer: string, channel: number, payload: Uint8Array): boolean {
      return passThrough.has(channel) ? inner.send(peer, channel, payload) : false;
    },
    broadcast(channel: number, payload: Uint8Array, except?: string): number {
      return passThrough.has(channel) ? inner.broadcast(channel, payload, except) : 0;
    },
    onReceive(channel: number, handler: (peer: string, payload: Uint8Array) => void): void {
      if (channel === Channel.blockSync) engineHandler = handler;
      else if (passThrough.has(channel)) inner.onReceive(channel, handler);
    },
    async start() {
      await inner.start();
      tickTimer = setInterval(pump, opts.tickMs ?? 20);
      tickTimer.unref();
      statusTimer = setInterval(
        () => inner.broadcast(Channel.blockSync, encodeBlockSync({ kind: "statusRequest" })),
        opts.statusEveryMs ?? 10_000,
      );
      statusTimer.unref();
    },
    async stop() {
      if (tickTimer !== null) clearInterval(tickTimer);
      if (statusTimer !== null) clearInterval(statusTimer);
      await inner.stop();
    },
    follower,
    peerRanges: () => new Map(ranges),
    held: () => ({ blocks: held.size, bytes: heldBytes }),
  }) as CometBlockSync;
}
