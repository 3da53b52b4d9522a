import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import type { Logger } from "../../modules/sdk/context.js";
import { Channel, type Switch } from "../p2p/switch.js";
import { hashTx, type Mempool } from "./mempool.js";

// Mempool gossip (CometBFT's mempool reactor, batched): txs admitted here are collected for a
// few milliseconds and sent to every peer as one message, CometBFT's mempool Message{Txs}, so
// that encryption and framing are paid per batch, not per tx. A peer's txs go through CheckTx
// like any other; those already known are skipped by hash before any other work.

export interface MempoolGossipOptions {
  /** How long admitted txs wait to be sent together. */
  flushMs?: number;
  /** A batch is sent at once when it reaches this many bytes. */
  maxBatchBytes?: number;
  maxTxBytes: number;
}

const maxTxsPerMessage = 10_000;

export function encodeTxsMessage(txs: readonly Uint8Array[]): Uint8Array {
  const w = BinaryWriter.create();
  w.uint32(10).fork();
  for (const t of txs) w.uint32(10).bytes(t);
  w.ldelim();
  return w.finish();
}

/** Throws on malformed input (the switch then closes the peer). */
export function decodeTxsMessage(bytes: Uint8Array, maxTxBytes: number): Uint8Array[] {
  const r = new BinaryReader(bytes);
  const out: Uint8Array[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag !== 10) {
      r.skipType(tag & 7);
      continue;
    }
    const inner = new BinaryReader(r.bytes());
    while (inner.pos < inner.len) {
      const t = inner.uint32();
      if (t !== 10) throw new Error(`unexpected field in Txs (tag ${t})`);
      const tx = inner.bytes();
      if (tx.length === 0 || tx.length > maxTxBytes) throw new Error(`tx of ${tx.length} bytes`);
      if (out.length >= maxTxsPerMessage) throw new Error(`more than ${maxTxsPerMessage} txs in one message`);
      out.push(tx);
    }
  }
  return out;
}

export function startMempoolGossip(
  opts: MempoolGossipOptions,
  deps: { mempool: Mempool; p2p: Switch; logger: Logger },
): { stop(): void } {
  const { mempool, p2p } = deps;
  const flushMs = opts.flushMs ?? 5;
  const maxBatch = opts.maxBatchBytes ?? 512 * 1024;
  /** Admitted txs to send, each with the peer it came from ("" for RPC), which does not get it back. */
  let batch: Array<{ tx: Uint8Array; from: string }> = [];
  let batchBytes = 0;
  let timer: NodeJS.Timeout | null = null;
  /** The peer a tx came from, while its CheckTx is pending (at most max_pending_checks entries). */
  const sourceOf = new Map<string, string>();

  function flush(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (batch.length === 0) return;
    const txs = batch;
    batch = [];
    batchBytes = 0;
    if (txs.every((t) => t.from === "")) {
      p2p.broadcast(Channel.mempool, encodeTxsMessage(txs.map((t) => t.tx)));
      return;
    }
    // As CometBFT's reactor: a tx is not sent back to the peer it came from (a quarter of the
    // mempool traffic, its encryption and its duplicate checks on a 4-validator network).
    for (const peer of p2p.peers()) {
      const own = txs.filter((t) => t.from !== peer).map((t) => t.tx);
      if (own.length > 0) p2p.send(peer, Channel.mempool, encodeTxsMessage(own));
    }
  }

  mempool.onAdmit((t) => {
    if (batchBytes + t.tx.length > maxBatch) flush();
    batch.push({ tx: t.tx, from: sourceOf.get(t.hash) ?? "" });
    batchBytes += t.tx.length;
    if (timer === null) timer = setTimeout(flush, flushMs);
  });

  p2p.onReceive(Channel.mempool, (peer, bytes) => {
    for (const tx of decodeTxsMessage(bytes, opts.maxTxBytes)) {
      const hash = hashTx(tx);
      if (mempool.known(hash)) continue;
      sourceOf.set(hash, peer);
      void mempool.add(new Uint8Array(tx), peer).finally(() => sourceOf.delete(hash));
    }
  });

  return {
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
