import type { ResponseCheckTx } from "cosmjs-types/tendermint/abci/types";
import { hash } from "node:crypto";
import { CheckTxType, type Application } from "../app/abci.js";
import { sdkErrors } from "../../modules/sdk/errors.js";
import type { Logger } from "../../modules/sdk/context.js";

// The mempool: txs that passed CheckTx, in arrival order, bounded by count and bytes, with
// duplicates refused by hash (also for a while after they were committed). After each block the
// remaining txs are re-checked against the new state and dropped if no longer valid. A lock
// keeps CheckTx away from the application while a block is executed and committed.

export interface MempoolOptions {
  size: number;
  maxTxsBytes: number;
  maxTxBytes: number;
  cacheSize: number;
  recheck: boolean;
  /**
   * Txs waiting for or in CheckTx at most (admission control): beyond it a new tx is refused as
   * "mempool is full" at once, so that overload sheds work instead of starving block execution.
   */
  maxPendingChecks?: number;
  /**
   * Of those, txs from one peer at most (default: half of maxPendingChecks), so that a peer
   * flooding the node cannot take every place from clients and the other peers.
   */
  maxPendingChecksPerPeer?: number;
  /**
   * Of maxPendingChecks, places only clients' (RPC) txs may take (default 0): peers together
   * hold at most maxPendingChecks minus this, so that peers flooding the node cannot make it
   * refuse a client's tx while this share is free.
   */
  rpcReservedPendingChecks?: number;
}

export interface MempoolTx {
  tx: Uint8Array;
  hash: string; // uppercase hex
  gasWanted: bigint;
  sender: string;
}

export interface AddResult extends ResponseCheckTx {
  hash: string;
}

export interface Mempool {
  readonly size: number;
  readonly bytes: number;
  /**
   * Runs CheckTx and adds the tx if it passes. `peer`: the tx came by gossip from this peer;
   * its signature pre-check waits while a block executes, and the peer's share of the pending
   * checks is bounded.
   */
  add(tx: Uint8Array, peer?: string): Promise<AddResult>;
  /** Txs in order, up to byte and gas limits (-1: no gas limit), without removing them. */
  reap(maxBytes: number, maxGas: bigint): Uint8Array[];
  list(limit: number): MempoolTx[];
  has(hash: string): boolean;
  /** Removes committed txs and re-checks the rest; call with the lock held. */
  update(committed: readonly string[]): Promise<void>;
  /** Runs f with CheckTx held off (block execution and commit); it goes ahead of queued CheckTx. */
  withLock<T>(f: () => Promise<T>): Promise<T>;
  /** Called for every tx newly admitted (gossip). */
  onAdmit(listener: (t: MempoolTx) => void): void;
  /** Whether a tx with this hash is pending, waiting for CheckTx or was seen recently (cheap duplicate test). */
  known(hash: string): boolean;
}

/** Deferred pre-checks started per turn of the event loop once a block is done (one worker message). */
const deferredChunk = 64;

export function hashTx(tx: Uint8Array): string {
  return hash("sha256", tx, "hex").toUpperCase();
}

export interface MempoolDeps {
  app: Application;
  logger: Logger;
  /** Work that may run before a tx's turn at CheckTx (signature pre-verification), or null. */
  precheck: ((tx: Uint8Array) => Promise<void>) | null;
}

export function createMempool(opts: MempoolOptions, deps: MempoolDeps): Mempool {
  const txs = new Map<string, MempoolTx>(); // insertion order = arrival order
  let bytes = 0;
  /** Recently seen hashes (admitted or committed), bounded FIFO: duplicate rejection. */
  const seen = new Set<string>();
  /**
   * Hashes waiting for or in CheckTx. As CometBFT's cache (which takes a tx before CheckTx), a
   * copy arriving meanwhile (from another peer, or broadcast again) is refused at once rather
   * than queued: on a 4-validator network every tx arrives from three peers. Bounded by
   * maxPendingChecks; a hash leaves when its CheckTx ends, so a tx that failed may come again.
   */
  const inFlight = new Set<string>();
  const lock = createPriorityLock();
  const listeners: Array<(t: MempoolTx) => void> = [];
  let pendingChecks = 0;
  const maxPending = opts.maxPendingChecks ?? Infinity;
  const maxPerPeer = opts.maxPendingChecksPerPeer ?? Math.ceil(maxPending / 2);
  /** Pending checks of all peers together (gossip), at most maxPending minus the clients' share. */
  const maxFromPeers = maxPending - (opts.rpcReservedPendingChecks ?? 0);
  let fromPeers = 0;
  /** Pending checks per peer (gossip), each at most maxPerPeer. */
  const pendingOf = new Map<string, number>();
  /**
   * While a block executes, the signature pre-checks of txs from peers wait here and start once
   * it is done, so that the block has the cores (the pre-checks' CheckTx could not run before
   * it anyway). Bounded: each entry is a pending check, at most maxPendingChecks in all and
   * maxPerPeer per peer. Clients' txs (RPC) start theirs at once.
   */
  const deferred: Array<() => void> = [];
  let executing = false;

  /** Starts the deferred pre-checks a chunk per turn of the event loop, unless a block began again. */
  function startDeferred(): void {
    if (executing || deferred.length === 0) return;
    const chunk = deferred.splice(0, deferredChunk);
    for (const start of chunk) start();
    if (deferred.length > 0) setImmediate(startDeferred);
  }

  function remember(hash: string): void {
    seen.add(hash);
    if (seen.size > opts.cacheSize) {
      const oldest = seen.values().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
  }

  function reject(hash: string, err: ReturnType<typeof sdkErrors.txInMempoolCache.wrap>): AddResult {
    return {
      code: err.code,
      codespace: err.codespace,
      log: err.message,
      data: new Uint8Array(),
      info: "",
      gasWanted: 0n,
      gasUsed: 0n,
      events: [],
      hash,
    };
  }

  const serialized = <T>(f: () => Promise<T>) => lock.run(f, false);

  return {
    get size() {
      return txs.size;
    },
    get bytes() {
      return bytes;
    },
    add(tx, peer) {
      const hash = hashTx(tx);
      if (tx.length > opts.maxTxBytes)
        return Promise.resolve(
          reject(hash, sdkErrors.txTooLarge.wrap(`tx is ${tx.length} bytes, maximum is ${opts.maxTxBytes}`)),
        );
      if (txs.has(hash) || seen.has(hash) || inFlight.has(hash))
        return Promise.resolve(reject(hash, sdkErrors.txInMempoolCache.wrap()));
      if (txs.size >= opts.size || bytes + tx.length > opts.maxTxsBytes) {
        return Promise.resolve(
          reject(hash, sdkErrors.mempoolIsFull.wrap(`mempool is full: ${txs.size} txs, ${bytes} bytes`)),
        );
      }
      if (pendingChecks >= maxPending) {
        return Promise.resolve(
          reject(hash, sdkErrors.mempoolIsFull.wrap(`${pendingChecks} txs are waiting for CheckTx; retry shortly`)),
        );
      }
      const fromPeer = peer === undefined ? 0 : (pendingOf.get(peer) ?? 0);
      if (peer !== undefined && fromPeer >= maxPerPeer) {
        return Promise.resolve(
          reject(hash, sdkErrors.mempoolIsFull.wrap(`${fromPeer} txs from peer ${peer} are waiting for CheckTx`)),
        );
      }
      if (peer !== undefined && fromPeers >= maxFromPeers) {
        return Promise.resolve(
          reject(
            hash,
            sdkErrors.mempoolIsFull.wrap(
              `${fromPeers} txs from peers are waiting for CheckTx (the rest is for clients)`,
            ),
          ),
        );
      }
      pendingChecks++;
      if (peer !== undefined) {
        pendingOf.set(peer, fromPeer + 1);
        fromPeers++;
      }
      inFlight.add(hash);
      // Started now, outside the lock, so that it overlaps with the txs ahead of this one; a
      // peer's tx arriving while a block executes starts it once the block is done.
      const precheck = deps.precheck;
      const pre =
        precheck === null
          ? undefined
          : peer !== undefined && executing
            ? new Promise<void>((resolve) => deferred.push(() => void precheck(tx).then(resolve, resolve)))
            : precheck(tx);
      return serialized(async () => {
        if (pre !== undefined) await pre;
        if (txs.has(hash) || seen.has(hash)) return reject(hash, sdkErrors.txInMempoolCache.wrap());
        const res = await deps.app.checkTx({ tx, type: CheckTxType.NEW });
        if (res.code === 0) {
          const entry = { tx, hash, gasWanted: res.gasWanted, sender: res.info };
          txs.set(hash, entry);
          bytes += tx.length;
          remember(hash);
          for (const l of listeners) l(entry);
        }
        return { ...res, hash };
      }).finally(() => {
        pendingChecks--;
        if (peer !== undefined) {
          fromPeers--;
          const n = pendingOf.get(peer)! - 1;
          if (n === 0) pendingOf.delete(peer);
          else pendingOf.set(peer, n);
        }
        inFlight.delete(hash);
      });
    },
    reap(maxBytes, maxGas) {
      const out: Uint8Array[] = [];
      let b = 0;
      let g = 0n;
      for (const t of txs.values()) {
        if (b + t.tx.length > maxBytes) break;
        if (maxGas >= 0n && g + t.gasWanted > maxGas) break;
        b += t.tx.length;
        g += t.gasWanted;
        out.push(t.tx);
      }
      return out;
    },
    list(limit) {
      const out: MempoolTx[] = [];
      for (const t of txs.values()) {
        if (out.length >= limit) break;
        out.push(t);
      }
      return out;
    },
    has: (hash) => txs.has(hash),
    async update(committed) {
      for (const h of committed) {
        const t = txs.get(h);
        if (t !== undefined) {
          txs.delete(h);
          bytes -= t.tx.length;
        }
        remember(h);
      }
      if (!opts.recheck) return;
      for (const [h, t] of [...txs]) {
        const res = await deps.app.checkTx({ tx: t.tx, type: CheckTxType.RECHECK });
        if (res.code !== 0) {
          txs.delete(h);
          bytes -= t.tx.length;
          seen.delete(h); // no longer valid now, but it may be sent again once it is
          deps.logger.debug("mempool: dropped tx on recheck", { hash: h, code: res.code, log: res.log });
        }
      }
    },
    withLock: (f) =>
      lock.run(async () => {
        executing = true;
        try {
          return await f();
        } finally {
          executing = false;
          startDeferred();
        }
      }, true),
    known(hash) {
      return txs.has(hash) || seen.has(hash) || inFlight.has(hash);
    },
    onAdmit(l) {
      listeners.push(l);
    },
  };
}

/**
 * A FIFO of waiters: an array read from a head index. Array.shift moves every element that is
 * left whenever V8 cannot trim the array's start in place (e.g. while the GC is marking), and
 * the admission queue holds up to max_pending_checks waiters: one release per CheckTx.
 */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined as T; // not kept alive by the queue
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * A mutex with two queues: block execution waits only for the holder, never behind the
 * admission queue (thousands of CheckTx calls can be waiting under load). FIFO within a queue.
 */
export function createPriorityLock() {
  let held = false;
  const high = new Fifo<() => void>();
  const low = new Fifo<() => void>();
  const release = () => {
    const next = high.shift() ?? low.shift();
    if (next === undefined) held = false;
    else next();
  };
  return {
    async run<T>(f: () => Promise<T>, priority: boolean): Promise<T> {
      if (held) await new Promise<void>((r) => (priority ? high : low).push(r));
      else held = true;
      try {
        return await f();
      } finally {
        release();
      }
    },
  };
}
