import { createHash } from "node:crypto";
import {
  ResponseCheckTx,
  ResponseCommit,
  ResponseExtendVote,
  ResponseFinalizeBlock,
  ResponseInfo,
  ResponseInitChain,
  ResponsePrepareProposal,
  ResponseProcessProposal,
  ResponseQuery,
  ResponseVerifyVoteExtension,
} from "cosmjs-types/tendermint/abci/types";
import { ProposalStatus, VerifyStatus, type Application } from "../../app/abci.js";
import { hashTx, type AddResult, type Mempool, type MempoolTx } from "../../mempool/mempool.js";

// What the simulated drivers run on besides consensus: a small deterministic application (its
// app hash chains the hashes of the txs it executed, so two nodes that executed different
// blocks disagree from the next header on) and a mempool the simulator fills. The consensus
// code under test (validation, block building, signing, the WAL) is the node's own.

export class SimApp implements Application {
  appHash: Uint8Array = new Uint8Array(32);
  private pending: Uint8Array | null = null;

  async info() {
    return ResponseInfo.fromPartial({});
  }
  async initChain() {
    return ResponseInitChain.fromPartial({});
  }
  async checkTx() {
    return ResponseCheckTx.fromPartial({ code: 0 });
  }
  async prepareProposal(req: { txs: Uint8Array[] }) {
    return ResponsePrepareProposal.fromPartial({ txs: req.txs });
  }
  async processProposal() {
    return ResponseProcessProposal.fromPartial({ status: ProposalStatus.ACCEPT });
  }
  async finalizeBlock(req: { txs: Uint8Array[] }) {
    const h = createHash("sha256").update(this.appHash);
    for (const tx of req.txs) h.update(tx);
    this.pending = new Uint8Array(h.digest());
    return ResponseFinalizeBlock.fromPartial({
      txResults: req.txs.map(() => ({ code: 0 })),
      appHash: this.pending,
    });
  }
  async commit() {
    if (this.pending !== null) this.appHash = this.pending;
    this.pending = null;
    return ResponseCommit.fromPartial({});
  }
  async query() {
    return ResponseQuery.fromPartial({});
  }
  async extendVote() {
    return ResponseExtendVote.fromPartial({});
  }
  async verifyVoteExtension() {
    return ResponseVerifyVoteExtension.fromPartial({ status: VerifyStatus.ACCEPT });
  }
}

/** A mempool of txs the simulator adds; committed ones are removed. */
export class SimMempool implements Mempool {
  private txs: MempoolTx[] = [];

  get size(): number {
    return this.txs.length;
  }
  get bytes(): number {
    return this.txs.reduce((n, t) => n + t.tx.length, 0);
  }
  push(tx: Uint8Array): void {
    const hash = hashTx(tx);
    if (!this.has(hash)) this.txs.push({ tx, hash, gasWanted: 0n, sender: "" });
  }
  async add(tx: Uint8Array): Promise<AddResult> {
    this.push(tx);
    return { ...ResponseCheckTx.fromPartial({ code: 0 }), hash: hashTx(tx) };
  }
  reap(maxBytes: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let bytes = 0;
    for (const t of this.txs) {
      if (bytes + t.tx.length > maxBytes) break;
      bytes += t.tx.length;
      out.push(t.tx);
    }
    return out;
  }
  list(limit: number): MempoolTx[] {
    return this.txs.slice(0, limit);
  }
  has(hash: string): boolean {
    return this.txs.some((t) => t.hash === hash);
  }
  async update(committed: readonly string[]): Promise<void> {
    const done = new Set(committed);
    this.txs = this.txs.filter((t) => !done.has(t.hash));
  }
  withLock<T>(f: () => Promise<T>): Promise<T> {
    return f();
  }
  onAdmit(): void {}
  known(hash: string): boolean {
    return this.has(hash);
  }
}
