import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { OfflineDirectSigner } from "@cosmjs/proto-signing";
import { calculateFee, GasPrice } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import WebSocket from "ws";
import { bech32Prefix, decodeAddress, encodeAddress } from "../../modules/sdk/address.js";
import {
  auditKeyCodecs,
  auditSignsId,
  claimCodecs,
  ClaimStatus,
  commitmentOf,
  computeSketch,
  jobsCodecs,
  JobState,
  proofCodecs,
  sketchToPb,
  verdictCommitmentOf,
  type ComparisonRule,
  type Job,
  type Sketch,
} from "../../modules/jobs/index.js";
import { unusableCommitmentOf } from "../../modules/jobs/commitment.js";
import { UnusableReason, unusableReasonNames } from "../../modules/jobs/types.js";
import { challengeInput } from "../../modules/jobs/challenges.js";
import { defaultParams as defaultJobsParams } from "../../modules/jobs/params.js";
import type { Model } from "../../modules/registry/index.js";
import { signatureOf } from "../models/onnx.js";
import { decodeResult, decodeTensors, sketchInput, type Tensor } from "../models/tensors.js";
import { verifyOutputRequest } from "../sdk/outputs.js";
import { TcomputeClient } from "../sdk/client.js";
import { FetchError, fetchVerified, type FetchPolicy, type FetchReason } from "./fetch.js";
import { InferenceEngine, InputRejectedError, type EngineOptions, type JobResult } from "./inference.js";
import { WorkerMetrics } from "./metrics.js";
import { open, seal, type X25519Key } from "./sealing.js";
import { WorkerStore, type PendingResult } from "./store.js";

// The provider's worker (and, in audit mode, a validator's auditor). It follows the chain block by
// block (a WebSocket subscription to new blocks, with a polling fallback, so missed blocks are
// caught up from state, not from events), reads its assignments, runs them in parallel up to its
// slots, commits and reveals inside the windows, and serves outputs to requesters only. Its state
// lives in the chain and in its own store (store.ts), never only in memory.

export interface WorkerOptions {
  rpcUrl: string;
  signer: OfflineDirectSigner;
  address: string;
  storeDir: string;
  x25519: X25519Key;
  engine?: EngineOptions;
  /** Directory of .onnx files, found by their sha256 (else the model's registered URI). */
  modelsDir?: string;
  slots?: number;
  /** Audit mode: re-run jobs sampled for audit and send verdicts from this operator's account. */
  audit?: boolean;
  /** Listen for output requests and /metrics on this port (0: pick one; undefined: no server). */
  port?: number;
  /** The base URL requesters reach the server at (default http://127.0.0.1:<port>). */
  publicUrl?: string;
  gasPrice?: string;
  pollMs?: number;
  /** How often open non-delivery claims against this provider are looked for (default 5 s). */
  claimPollMs?: number;
  /** How often stored results of pruned jobs are looked for and removed (default 60 s; 50 a time). */
  storePruneMs?: number;
  log?: (line: string) => void;
  /** Largest input fetched by URI, in bytes (default 64 MiB); models are bounded at 512 MiB. */
  maxInputBytes?: number;
  /** Operator opt-in: read file:// model and input URIs (tcd worker start --allow-file-uris). */
  allowFileUris?: boolean;
  /** Operator opt-in: fetch from loopback addresses (--allow-loopback-uris). */
  allowLoopbackUris?: boolean;
  /** Operator opt-in: fetch from private and link-local addresses (--allow-private-uris). */
  allowPrivateUris?: boolean;
  /** Fetch timeouts (defaults: 10 s to connect, 60 s in all). */
  fetchTimeouts?: { connectMs?: number; totalMs?: number };
  /** Test hook: commit but do not reveal (to stop a worker between the two). */
  holdReveals?: boolean;
  /** Test hook: what to do with an output before it is committed (byzantine workers). */
  tamper?: (output: Float64Array) => Float64Array;
}

const defaultMaxInputBytes = 64 << 20;
/** A message handed to the node is not sent again before this (unless it was refused): a few blocks. */
const resendAfterMs = 5000;

/** The job's input cannot be used (the requester's doing, as far as this worker can tell). */
export class UnusableInputError extends Error {
  constructor(
    readonly reason: UnusableReason,
    readonly input: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The report for an input the model refused: REJECTED (checkable on inline bytes, slashed when
 * validators run it) only for a refusal any machine gives; one for want of memory or the device
 * is this worker's limit, RESOURCES, a decline on any input (modules/jobs/domain.ts, `declined`:
 * never paid, never slashed), so that a requester cannot get honest small workers slashed (and
 * its own provider paid from their bonds) with an input that needs more than they have.
 */
export function unusableOfRefusal(e: InputRejectedError): UnusableInputError {
  return e.resources
    ? new UnusableInputError(
        UnusableReason.resources,
        e.input,
        `input ${e.input} needs more memory than this worker has (${e.message})`,
      )
    : new UnusableInputError(UnusableReason.rejected, e.input, e.message);
}

/** A private sealed job: its sketch is projected under the key its sealed copies carry. */
const keyed = (j: Job) => (j.sketchKeyHash?.length ?? 0) === 32;

const reasonOfFetch: Record<FetchReason, UnusableReason> = {
  unreachable: UnusableReason.unreachable,
  too_large: UnusableReason.tooLarge,
  hash_mismatch: UnusableReason.hashMismatch,
  refused: UnusableReason.refused,
};
const maxModelBytes = 512 << 20;

export class Worker {
  readonly store: WorkerStore;
  readonly engine: InferenceEngine;
  readonly metrics = new WorkerMetrics();
  private chain: TcomputeClient | null = null;
  private server: Server | null = null;
  private running = new Set<string>();
  /** Jobs that failed to run: tried again after a growing pause, at most three times. */
  private failed = new Map<string, { count: number; until: number }>();
  private stopped = false;
  private ticking = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private ws: WebSocket | null = null;
  private modelFiles: Map<string, string> | null = null;
  /** Each model's load and first check (selfCheck), once per hash, shared by whoever needs it first. */
  private loading = new Map<string, Promise<void>>();
  private backoffUntil = 0;
  private failures = 0;
  private batchFailed = false;
  /** Account number and the next sequence, kept here so that txs need not wait for their block. */
  private signerData: { accountNumber: bigint; sequence: number; chainId: string } | null = null;
  /** Messages sent and not yet seen on chain (job id/kind → when): not sent again for a while. */
  private sent = new Map<string, number>();
  /** Sketch keys of private sealed jobs, from unsealing to sketching. */
  private sketchKeys = new Map<string, Uint8Array>();
  /** Audit mode: the chain lists this worker's X25519 key as the validator's audit key. */
  private auditKeyRegistered = false;
  /** When open claims were last looked for (epoch ms). */
  private lastClaimScan = 0;
  /** When the store was last pruned (epoch ms), and the last job id checked (the next round starts after it). */
  private lastStorePrune = 0;
  private pruneCursor = 0n;
  url = "";

  constructor(readonly o: WorkerOptions) {
    this.store = new WorkerStore(o.storeDir);
    this.engine = new InferenceEngine(o.engine);
  }

  /** How URIs from requesters and registrants are fetched (fetch.ts). */
  private policy(maxBytes: number): FetchPolicy {
    return {
      maxBytes,
      allowFile: this.o.allowFileUris === true,
      allowLoopback: this.o.allowLoopbackUris === true,
      allowPrivate: this.o.allowPrivateUris === true,
      connectTimeoutMs: this.o.fetchTimeouts?.connectMs,
      totalTimeoutMs: this.o.fetchTimeouts?.totalMs,
    };
  }

  private log(line: string): void {
    (this.o.log ?? ((l: string) => process.stdout.write(l + "\n")))(line);
  }

  async start(): Promise<void> {
    if (this.o.port !== undefined) await this.listen(this.o.port);
    // Polling is the fallback; the subscription makes each new block start a tick at once.
    this.timer = setInterval(() => this.kick(), this.o.pollMs ?? 2000);
    this.subscribe();
    this.kick();
    // A provider loads and checks every model it serves at once, before a challenge can come.
    if (this.o.audit !== true) void this.checkServedModels();
  }

  /** NewBlock events over the node's WebSocket; reconnects after a second when it drops. */
  private subscribe(): void {
    if (this.stopped) return;
    const url = this.o.rpcUrl.replace(/^http/, "ws").replace(/\/$/, "") + "/websocket";
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.on("open", () =>
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "subscribe", params: { query: "tm.event='NewBlock'" } })),
    );
    ws.on("message", () => this.kick());
    ws.on("error", () => ws.close());
    ws.on("close", () => {
      if (!this.stopped) setTimeout(() => this.subscribe(), 1000);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.ws?.close();
    while (this.ticking || this.running.size > 0) await new Promise((r) => setTimeout(r, 50));
    this.chain?.disconnect();
    await new Promise<void>((r) => (this.server === null ? r() : this.server.close(() => r())));
    await this.engine.release();
  }

  /** Runs a tick now, or right after the current one. */
  kick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    this.tick()
      .catch((e: unknown) => {
        this.failures++;
        this.backoffUntil = Date.now() + Math.min(30_000, 500 * 2 ** Math.min(6, this.failures));
        this.log(`worker: ${(e as Error).message}; retrying`);
        this.chain?.disconnect();
        this.chain = null;
      })
      .finally(() => {
        this.ticking = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** The chain through the SDK: signing, and the jobs and registry query extensions. */
  private async connect(): Promise<TcomputeClient> {
    if (this.chain === null)
      this.chain = await TcomputeClient.connectWithSigner(this.o.rpcUrl, this.o.signer, {
        gasPrice: this.o.gasPrice ?? "0.0025utcu",
      });
    return this.chain;
  }

  private async tick(): Promise<void> {
    if (Date.now() < this.backoffUntil) return;
    const msgs: Array<{ typeUrl: string; value: unknown }> = [];
    const chain = await this.connect();
    // Newest first: a page holds 1,000 jobs, and past that many retained (finished ones stay
    // retention_blocks) the oldest page would hide new assignments, each then a no-show.
    const jobs = (this.o.audit === true ? [] : await chain.query.jobs.byProvider(this.o.address, 1000, true)).sort(
      (a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1), // the oldest (nearest its deadline) first
    );
    const now = Date.now();
    for (const [key, at] of this.sent) if (now - at > resendAfterMs) this.sent.delete(key);
    const due = (jobId: string, kind: string) => !this.sent.has(`${jobId}/${kind}`);
    for (const j of jobs) {
      const a = j.assignments.find((x) => x.provider === this.o.address);
      if (a === undefined) continue;
      const mine = this.store.get("result", j.id);
      if (j.state === JobState.assigned && a.commitment.length === 0) {
        if (mine !== null && due(j.id, "commit")) {
          msgs.push({
            typeUrl: jobsCodecs.msgCommitResult.typeUrl,
            value: { provider: this.o.address, jobId: j.id, commitment: this.commitmentOf(j.id, mine) },
          });
          this.sent.set(`${j.id}/commit`, now);
          // The last commitment opens the reveals in its own tx, so the reveal can go with it:
          // every other assignee is already bound to its result (docs/jobs.md, "Latency").
          if (
            this.o.holdReveals !== true &&
            j.assignments.every((x) => x.provider === this.o.address || x.commitment.length > 0)
          )
            msgs.push(this.revealOf(j.id, mine));
        } else if (
          mine === null &&
          !this.running.has(j.id) &&
          this.running.size < (this.o.slots ?? 4) &&
          this.mayRetry(j.id)
        )
          this.run(j);
      } else if (
        j.state === JobState.revealing &&
        a.commitment.length > 0 &&
        a.revealedHeight === "0" &&
        mine !== null &&
        this.o.holdReveals !== true &&
        due(j.id, "reveal")
      ) {
        msgs.push(this.revealOf(j.id, mine));
        this.sent.set(`${j.id}/reveal`, now);
      }
      if (a.paid !== "0" && mine !== null && mine.paidCounted !== true) {
        this.metrics.earned += BigInt(a.paid);
        this.store.put({ ...mine, paidCounted: true });
      }
    }
    if (this.o.audit === true) {
      msgs.push(...(await this.auditKeyMessages(due, now)));
      msgs.push(...(await this.auditMessages(due, now)));
    }
    if (msgs.length > 0) await this.send(msgs);
    // Each claim answer in its own tx: an output can be hundreds of KiB, and a batch refused
    // for one message must not hold back the others until the answer window closes.
    if (this.o.audit !== true) for (const answer of await this.claimAnswers(chain, due, now)) await this.send([answer]);
    await this.pruneStore(chain, now).catch((e: unknown) => this.log(`worker: store pruning: ${(e as Error).message}`));
    this.failures = 0;
  }

  /**
   * Answers each open non-delivery claim against this provider with the committed output sealed
   * to the claim's key (docs/jobs.md, "Non-delivery claims"): unanswered, a claim is upheld and
   * the bond slashed, so a requester could otherwise take back its payment from an honest worker.
   * Claims are found by their `delivery_claim` events within the answer window (a bounded
   * search), and each is read from state before it is answered; an output whose sha256 is not
   * the committed digest is not sent (the dispute would disprove it), and that is logged.
   */
  private async claimAnswers(
    chain: TcomputeClient,
    due: (jobId: string, kind: string) => boolean,
    now: number,
  ): Promise<Array<{ typeUrl: string; value: unknown }>> {
    if (now - this.lastClaimScan < (this.o.claimPollMs ?? 5000)) return [];
    this.lastClaimScan = now;
    try {
      return await this.findClaimAnswers(chain, due, now);
    } catch (e) {
      // Never the tick's failure: its commits and reveals are already sent.
      this.log(`worker: could not look for non-delivery claims: ${(e as Error).message}; retrying`);
      this.lastClaimScan = now - (this.o.claimPollMs ?? 5000) / 2;
      return [];
    }
  }

  /**
   * Removes the stored result (or verdict) of each job the chain has pruned: once its receipt
   * exists nothing can be asked of it any more (no reveal, no claim: claim_window ends before
   * retention_blocks), and without this the store grew by a file per job for ever. At most 50
   * jobs a round, every storePruneMs, going round the stored ids so that a job that is never
   * pruned (a store kept across a chain reset) does not hold up the rest. A file is removed only
   * on a receipt for its id; a failed query keeps it.
   */
  private async pruneStore(chain: TcomputeClient, now: number): Promise<void> {
    if (now - this.lastStorePrune < (this.o.storePruneMs ?? 60_000)) return;
    this.lastStorePrune = now;
    const ids = [...new Set([...this.store.list("result"), ...this.store.list("verdict")])]
      .filter((id) => /^[0-9]{1,20}$/.test(id))
      .map(BigInt)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const after = ids.filter((id) => id > this.pruneCursor);
    const round = (after.length > 0 ? after : ids).slice(0, 50);
    for (const id of round) {
      this.pruneCursor = id;
      try {
        const r = await chain.query.jobs.receipt(id.toString());
        if (r?.id !== id.toString()) continue;
      } catch {
        continue; // not pruned yet (or the query failed): kept
      }
      this.store.delete("result", id.toString());
      this.store.delete("verdict", id.toString());
    }
  }

  private async findClaimAnswers(
    chain: TcomputeClient,
    due: (jobId: string, kind: string) => boolean,
    now: number,
  ): Promise<Array<{ typeUrl: string; value: unknown }>> {
    // The answer window from the chain (a failed read is retried: a default could be shorter).
    const window = Number((await chain.query.jobs.params()).claimAnswerWindow);
    if (!Number.isSafeInteger(window) || window <= 0) throw new Error(`claim_answer_window ${window} from the chain`);
    const from = Math.max(1, (await chain.height()) - window - 1);
    const txs = await chain.searchTxs(
      `delivery_claim.provider='${this.o.address}' AND delivery_claim.status='open' AND tx.height>=${from}`,
    );
    const ids = new Set<string>();
    for (const tx of txs)
      for (const e of tx.events) {
        if (e.type !== "delivery_claim") continue;
        const attr = (k: string) => e.attributes.find((a) => a.key === k)?.value;
        const id = attr("id");
        if (
          attr("provider") === this.o.address &&
          attr("status") === "open" &&
          id !== undefined &&
          /^[0-9]{1,20}$/.test(id)
        )
          ids.add(id);
      }
    const out: Array<{ typeUrl: string; value: unknown }> = [];
    for (const id of ids) {
      if (!due(id, "claim")) continue;
      const cl = await chain.query.jobs.claim(id, this.o.address);
      if (cl === null || cl.status !== ClaimStatus.open) continue;
      const mine = this.store.get("result", id);
      const plain = mine === null || mine.unusable !== undefined ? null : Buffer.from(mine.output, "base64");
      if (plain === null || !createHash("sha256").update(plain).digest().equals(Buffer.from(cl.digest))) {
        this.log(`worker: cannot answer the non-delivery claim on job ${id}: the committed output is not in the store`);
        this.sent.set(`${id}/claim`, now);
        continue;
      }
      out.push({
        typeUrl: claimCodecs.msgAnswerClaim.typeUrl,
        value: { provider: this.o.address, jobId: id, sealedOutput: seal(plain, cl.x25519Pubkey) },
      });
      this.sent.set(`${id}/claim`, now);
      this.log(`worker: answering the non-delivery claim on job ${id}`);
    }
    return out;
  }

  private revealOf(jobId: string, mine: PendingResult): { typeUrl: string; value: unknown } {
    if (mine.unusable !== undefined)
      return {
        typeUrl: jobsCodecs.msgRevealUnusable.typeUrl,
        value: {
          provider: this.o.address,
          jobId,
          salt: Buffer.from(mine.salt, "hex"),
          reason: mine.unusable.reason,
          inputIndex: mine.unusable.input,
        },
      };
    return {
      typeUrl: jobsCodecs.msgRevealResult.typeUrl,
      value: {
        provider: this.o.address,
        jobId,
        salt: Buffer.from(mine.salt, "hex"),
        digest: Buffer.from(mine.digest, "hex"),
        sketch: mine.sketch,
        outputUri: `${this.url || this.o.publicUrl || ""}/outputs/${jobId}`,
      },
    };
  }

  private mayRetry(jobId: string): boolean {
    const f = this.failed.get(jobId);
    return f === undefined || (f.count < 3 && Date.now() >= f.until);
  }

  private commitmentOf(jobId: string, r: PendingResult): Uint8Array {
    if (r.unusable !== undefined)
      return unusableCommitmentOf(
        jobId,
        this.o.address,
        Buffer.from(r.salt, "hex"),
        r.unusable.reason,
        r.unusable.input,
      );
    const sketch: Sketch = {
      components: r.sketch.components.map(BigInt),
      topK: r.sketch.topK,
      length: Number(r.sketch.length),
    };
    return commitmentOf(jobId, this.o.address, Buffer.from(r.salt, "hex"), Buffer.from(r.digest, "hex"), sketch);
  }

  /**
   * One tx for everything due; when a batch fails, the messages go one by one next time. A tx is
   * handed to the node (CheckTx, which runs its messages) and not waited for: the next block's
   * tick sees its effect in state, so a reveal can follow its commitment in the very next block.
   * The sequence is counted here, and fetched again after a refusal.
   */
  private async send(msgs: Array<{ typeUrl: string; value: unknown }>): Promise<void> {
    const client = (await this.connect()).signing;
    const batches = this.batchFailed ? msgs.map((m) => [m]) : [msgs];
    this.batchFailed = false;
    for (const batch of batches) {
      try {
        const fee = calculateFee(
          Math.ceil((await client.simulate(this.o.address, batch, "")) * 1.5),
          GasPrice.fromString(this.o.gasPrice ?? "0.0025utcu"),
        );
        if (this.signerData === null) {
          const { accountNumber, sequence } = await client.getSequence(this.o.address);
          this.signerData = { accountNumber: BigInt(accountNumber), sequence, chainId: await client.getChainId() };
        }
        const signer = this.signerData;
        const raw = await client.sign(this.o.address, batch, fee, "", signer);
        await client.broadcastTxSync(TxRaw.encode(raw).finish());
        signer.sequence++;
        for (const m of batch) {
          if (m.typeUrl === jobsCodecs.msgCommitResult.typeUrl) this.metrics.commits++;
          else if (
            m.typeUrl === jobsCodecs.msgRevealResult.typeUrl ||
            m.typeUrl === jobsCodecs.msgRevealUnusable.typeUrl
          )
            this.metrics.reveals++;
          else if (m.typeUrl === proofCodecs.msgRevealVerdict.typeUrl) this.metrics.verdicts++;
        }
      } catch (e) {
        this.metrics.txErrors++;
        this.signerData = null;
        this.batchFailed = batch.length > 1;
        // Sent again on a later tick (the chain's state says what is still due).
        for (const m of batch) {
          const v = m.value as { jobId?: string };
          if (v.jobId !== undefined)
            for (const kind of ["commit", "reveal", "vcommit", "vreveal", "claim"])
              this.sent.delete(`${v.jobId}/${kind}`);
          if (m.typeUrl === claimCodecs.msgAnswerClaim.typeUrl) this.lastClaimScan = 0;
        }
        this.log(`worker: could not send ${batch.length} message(s): ${(e as Error).message}`);
      }
    }
  }

  // ---- running a job ----

  private async rule(model: string): Promise<{ rule: ComparisonRule; model: Model }> {
    const m = await (await this.connect()).query.registry.model(model);
    return { rule: m.rule ?? { sketchSize: 16, tolerance: 0, topK: 0 }, model: m };
  }

  /** Loads the model once; the first time, checks it (selfCheck). */
  private ensureLoaded(m: Model): Promise<void> {
    let p = this.loading.get(m.hash);
    if (p === undefined) {
      p = (async () => {
        const bytes = await this.modelBytes(m.hash, m.uri);
        await this.engine.load(m.hash, bytes);
        for (const problem of await this.selfCheck(m, bytes)) {
          this.metrics.modelWarnings++;
          this.log(`worker: warning: model ${m.name} (${m.hash.slice(0, 12)}…): ${problem}`);
        }
      })();
      // A failed load (a fetch, a bad file) is tried again by the next job.
      p.catch(() => this.loading.delete(m.hash));
      this.loading.set(m.hash, p);
    }
    return p;
  }

  /**
   * What is wrong with serving `m` (empty: nothing found). The registration is the registrant's
   * word, and the first registrant of a public model's hash chooses its signature and challenge
   * recipe: one the model refuses makes every challenge of it fail, and slashes each provider
   * that serves it. So the worker compares the registered inputs with the file's, and runs the
   * input the chain would draw (its plan, from a local seed); that input, if it runs, becomes the
   * model's control (client/worker/inference.ts), in place of a requester's.
   */
  private async selfCheck(m: Model, bytes: Uint8Array): Promise<string[]> {
    const problems: string[] = [];
    try {
      const key = (t: { name: string; dtype: string; shape: number[] }) => `${t.name}:${t.dtype}[${t.shape.join(",")}]`;
      const file = signatureOf(bytes).inputs.map(key).sort().join(" ");
      const registered = m.inputs.map(key).sort().join(" ");
      if (file !== registered) problems.push(`its registered inputs (${registered}) are not the file's (${file})`);
    } catch (e) {
      problems.push(`its file's signature cannot be read: ${(e as Error).message}`);
    }
    // At the chain's bound (max_inline_input_bytes): a plan over it is never drawn.
    const drawn = challengeInput(
      { inputs: m.inputs, challengeInputs: m.challengeInputs },
      randomBytes(32),
      await this.maxInlineInputBytes(),
    );
    if (drawn !== null) {
      try {
        await this.engine.adoptControl(m.hash, decodeTensors(drawn));
      } catch (e) {
        problems.push(
          `it refuses the input the chain draws for its capability challenges (${(e as Error).message})` +
            (this.o.audit === true
              ? ""
              : `: every challenge of it would fail and slash this provider; stop serving it (tcd tx registry update-provider) until a registration with a recipe it accepts exists`),
        );
      }
    }
    return problems;
  }

  /** The jobs param max_inline_input_bytes (its default when the query fails). */
  private async maxInlineInputBytes(): Promise<number> {
    try {
      const n = (await (await this.connect()).query.jobs.params()).maxInlineInputBytes;
      if (Number.isSafeInteger(n) && n > 0) return n;
    } catch {
      // the default below
    }
    return defaultJobsParams().maxInlineInputBytes;
  }

  /** Loads and checks each model this provider serves (logged; a failure here is not fatal). */
  private async checkServedModels(): Promise<void> {
    try {
      const chain = await this.connect();
      const p = await chain.query.registry.provider(this.o.address).catch((e: unknown) => {
        // Not registered yet (or the node is down): the models are checked as jobs load them.
        this.log(`worker: the served models are checked when loaded: ${(e as Error).message}`);
        return null;
      });
      for (const hash of p?.models ?? []) {
        if (this.stopped) return;
        try {
          await this.ensureLoaded(await chain.query.registry.model(hash));
        } catch (e) {
          this.log(`worker: warning: model ${hash.slice(0, 12)}… cannot be loaded: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      this.log(`worker: the served models were not checked: ${(e as Error).message}`);
    }
  }

  private async modelBytes(hash: string, uri: string): Promise<Uint8Array> {
    if (this.o.modelsDir !== undefined) {
      if (this.modelFiles === null || !this.modelFiles.has(hash)) {
        this.modelFiles = new Map();
        for (const f of readdirSync(this.o.modelsDir).filter((n) => n.endsWith(".onnx"))) {
          const p = join(this.o.modelsDir, f);
          this.modelFiles.set(createHash("sha256").update(readFileSync(p)).digest("hex"), p);
        }
      }
      const p = this.modelFiles.get(hash);
      if (p !== undefined) return readFileSync(p);
    }
    if (uri === "") throw new Error(`model ${hash} is not in ${this.o.modelsDir ?? "--models"} and has no URI`);
    return fetchVerified(uri, hash, this.policy(maxModelBytes));
  }

  /** One URI input, fetched under the operator's policy; an unreachable one is tried twice. */
  private async fetchInput(uri: string, sha256: string, declared: string, index: number): Promise<Uint8Array> {
    const own = this.o.maxInputBytes ?? defaultMaxInputBytes;
    // The requester's declared size bounds the read further; one over the worker's limit is not fetched.
    const size = /^[1-9][0-9]{0,15}$/.test(declared) ? Number(declared) : 0;
    if (size > own)
      throw new UnusableInputError(
        UnusableReason.tooLarge,
        index,
        `input ${index} declares ${size} bytes, over this worker's ${own}`,
      );
    for (let attempt = 0; ; attempt++) {
      try {
        return await fetchVerified(uri, sha256, this.policy(size > 0 ? size : own));
      } catch (e) {
        if (!(e instanceof FetchError)) throw e;
        if (e.reason === "unreachable" && attempt === 0 && !this.stopped) {
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        throw new UnusableInputError(reasonOfFetch[e.reason], index, e.message);
      }
    }
  }

  private static decode(bytes: Uint8Array, index: number): Record<string, Tensor> {
    try {
      return decodeTensors(bytes);
    } catch (e) {
      throw new UnusableInputError(
        UnusableReason.undecodable,
        index,
        `input ${index} is not a tensor bundle: ${(e as Error).message}`,
      );
    }
  }

  /** The job's inputs as tensor bundles (fetched, checked, unsealed); UnusableInputError when one cannot be used. */
  private async inputsOf(j: Job): Promise<Array<Record<string, Tensor>>> {
    if (j.sealed.length > 0) {
      // An auditor opens the copy sealed to its audit key (docs/jobs.md, "Audits of sealed jobs"):
      // the same envelope, checked against the same hashes, so a copy that differs from the
      // assignees' cannot make it disagree with them; it answers "unable" instead.
      const mine =
        this.o.audit === true
          ? j.auditSealed?.find((s) => s.validator === this.valoper())
          : j.sealed.find((s) => s.provider === this.o.address);
      if (mine === undefined)
        throw new UnusableInputError(
          UnusableReason.unopenable,
          0,
          `the input is not sealed to this ${this.o.audit === true ? "validator's audit key" : "provider"}`,
        );
      const opened = open(mine.ciphertext, this.o.x25519);
      if (opened === null)
        throw new UnusableInputError(UnusableReason.unopenable, 0, "cannot open the sealed input (wrong X25519 key?)");
      // A private sealed job's copy is sketch key ‖ input, the key's sha256 on chain (docs/jobs.md).
      let plain = opened;
      if (keyed(j)) {
        const key = opened.subarray(0, 32);
        if (opened.length < 32 || !createHash("sha256").update(key).digest().equals(Buffer.from(j.sketchKeyHash!)))
          throw new UnusableInputError(
            UnusableReason.unopenable,
            0,
            "the sealed copy does not carry the job's sketch key",
          );
        this.sketchKeys.set(j.id, new Uint8Array(key));
        plain = opened.subarray(32);
      }
      if (createHash("sha256").update(plain).digest("hex") !== j.inputs[0]!.sha256)
        throw new UnusableInputError(UnusableReason.hashMismatch, 0, "the sealed input does not match its sha256");
      return [Worker.decode(plain, 0)];
    }
    const out: Array<Record<string, Tensor>> = [];
    for (const [i, inp] of j.inputs.entries()) {
      const bytes = inp.inline.length > 0 ? inp.inline : await this.fetchInput(inp.uri, inp.sha256, inp.size ?? "0", i);
      if (inp.inline.length > 0 && inp.sha256 !== "" && createHash("sha256").update(bytes).digest("hex") !== inp.sha256)
        throw new UnusableInputError(UnusableReason.hashMismatch, i, "inline input does not match its sha256");
      out.push(Worker.decode(bytes, i));
    }
    return out;
  }

  /** Runs the model on every input; returns the served payload, its digest and the sketch. */
  async execute(j: Job): Promise<{ payload: Uint8Array; digest: Buffer; sketch: Sketch; auditSketch: Sketch | null }> {
    const { rule, model } = await this.rule(j.model);
    await this.ensureLoaded(model);
    const inputs = await this.inputsOf(j);
    const key = this.sketchKeys.get(j.id);
    this.sketchKeys.delete(j.id);
    const t0 = performance.now();
    // Inference, payload, digest and sketch (client/worker/inference.ts). An input the model
    // refuses is the requester's doing: reported unusable, not left to retry into a no-show.
    let r: JobResult;
    try {
      // A sealed job's plaintext is not kept as the model's control.
      r = await this.engine.runJob(j.model, j.id, inputs, rule, key, this.o.tamper, { retain: j.sealed.length === 0 });
    } catch (e) {
      if (e instanceof InputRejectedError) throw unusableOfRefusal(e);
      throw e;
    }
    this.metrics.inferenceSeconds += (performance.now() - t0) / 1000;
    // An auditor's verdict also projects under the audit signs (modules/jobs/auditVerdicts.ts);
    // a provider's result does not need it. Taken from the payload, so it sketches what was served.
    let auditSketch: Sketch | null = null;
    if (this.o.audit === true) {
      let all: ArrayLike<number> = sketchInput(decodeResult(r.payload));
      if (this.o.tamper !== undefined) all = this.o.tamper(Float64Array.from(all));
      auditSketch = computeSketch(auditSignsId(j.id), all, rule, key);
    }
    return { payload: r.payload, digest: r.digest, sketch: r.sketch, auditSketch };
  }

  private run(j: Job): void {
    this.running.add(j.id);
    void (async () => {
      try {
        const r = await this.execute(j);
        // Stored before the commitment leaves, so that a restart can always reveal.
        this.store.put({
          kind: "result",
          jobId: j.id,
          requester: j.requester,
          salt: randomBytes(32).toString("hex"),
          digest: r.digest.toString("hex"),
          sketch: sketchToPb(r.sketch),
          output: Buffer.from(r.payload).toString("base64"),
        });
        this.metrics.jobsRun++;
        this.log(`worker: ran job ${j.id}`);
      } catch (e) {
        this.metrics.jobsFailed++;
        if (e instanceof UnusableInputError && this.o.audit !== true) {
          // Reported, not left to go silent (a no-show): committed and revealed like a result.
          this.store.put({
            kind: "result",
            jobId: j.id,
            requester: j.requester,
            salt: randomBytes(32).toString("hex"),
            digest: "",
            sketch: { components: [], topK: [], length: "0" },
            output: "",
            unusable: { reason: e.reason, input: e.input },
          });
          this.metrics.unusableReports++;
          this.log(
            `worker: job ${j.id}: input unusable (${unusableReasonNames[e.reason]}), reporting it: ${e.message}`,
          );
          return;
        }
        const f = this.failed.get(j.id) ?? { count: 0, until: 0 };
        f.count++;
        f.until = Date.now() + 2000 * 4 ** f.count;
        this.failed.set(j.id, f);
        this.log(`worker: job ${j.id} failed (${f.count < 3 ? "will retry" : "giving up"}): ${(e as Error).message}`);
      } finally {
        this.running.delete(j.id);
        this.kick();
      }
    })();
  }

  // ---- audit mode ----

  private valoper(): string {
    return encodeAddress(decodeAddress(this.o.address), bech32Prefix.validator);
  }

  /**
   * The validator's audit key (modules/jobs/auditKeys.ts): this worker's X25519 key, registered
   * while the chain lists another one or none for this bonded validator, so that requesters seal
   * sealed jobs to it. Checked every tick while not registered, then no more.
   */
  private async auditKeyMessages(
    due: (jobId: string, kind: string) => boolean,
    now: number,
  ): Promise<Array<{ typeUrl: string; value: unknown }>> {
    if (this.auditKeyRegistered) return [];
    const me = this.valoper();
    const listed = (await (await this.connect()).query.jobs.auditKeys()).find((k) => k.validator === me);
    if (listed !== undefined && Buffer.from(listed.x25519Pubkey).equals(Buffer.from(this.o.x25519.publicKey))) {
      this.auditKeyRegistered = true;
      return [];
    }
    if (!due("audit-key", "register")) return [];
    this.sent.set("audit-key/register", now);
    return [
      {
        typeUrl: auditKeyCodecs.msgRegisterAuditKey.typeUrl,
        value: { validator: me, x25519Pubkey: this.o.x25519.publicKey },
      },
    ];
  }

  /**
   * Verdicts by commit–reveal (modules/jobs/auditVerdicts.ts): for each open audit this validator
   * is an auditor of, re-run the job and commit its verdict while commitments are open (kept in
   * the store first, so that a restart still reveals), then reveal it once reveals are open. Txs
   * are not waited for, so each message is sent once until the chain shows it or a resend is due.
   */
  private async auditMessages(
    due: (jobId: string, kind: string) => boolean,
    now: number,
  ): Promise<Array<{ typeUrl: string; value: unknown }>> {
    const chain = await this.connect();
    const { jobs } = chain.query;
    // Every open audit, whatever the job's state (AUDITING; SETTLED or UNUSABLE and sampled): a
    // page of the newest 1,000 jobs of a state missed audits once more of them ended in one window.
    const open = await jobs.openAudits();
    const msgs: Array<{ typeUrl: string; value: unknown }> = [];
    const me = this.valoper();
    const next = BigInt(await chain.signing.getHeight()) + 1n;
    for (const j of open) {
      if (!(j.auditors ?? []).includes(me) || j.verdicts.some((v) => v.validator === me)) continue;
      const committed = (j.verdictCommits ?? []).some((c) => c.validator === me);
      const revealsOpen = next >= BigInt(j.verdictRevealHeight || "0");
      let mine = this.store.get("verdict", j.id);
      if (!committed && !revealsOpen) {
        if (!due(j.id, "vcommit")) continue;
        if (mine === null) {
          const salt = randomBytes(32).toString("hex");
          let verdict: { digest: string; sketch: PendingResult["sketch"]; auditSketch?: PendingResult["sketch"] } = {
            digest: "",
            sketch: { components: [], topK: [], length: "0" },
          };
          try {
            const r = await this.execute(j);
            verdict = {
              digest: r.digest.toString("hex"),
              sketch: sketchToPb(r.sketch),
              auditSketch: r.auditSketch === null ? undefined : sketchToPb(r.auditSketch),
            };
          } catch (e) {
            this.log(`auditor: cannot re-run job ${j.id}, committing "unable": ${(e as Error).message}`);
          }
          mine = { kind: "verdict", jobId: j.id, requester: j.requester, salt, ...verdict, output: "" };
          this.store.put(mine);
        }
        const salt = Buffer.from(mine.salt, "hex");
        const parse = (x: PendingResult["sketch"]): Sketch => ({
          components: x.components.map(BigInt),
          topK: x.topK,
          length: Number(x.length),
        });
        // A verdict stored before audit sketches existed is sent as "unable" (it cannot be remade).
        const commitment =
          mine.digest === "" || mine.auditSketch === undefined
            ? verdictCommitmentOf(j.id, me, salt, { unable: true })
            : verdictCommitmentOf(j.id, me, salt, {
                unable: false,
                digest: Buffer.from(mine.digest, "hex"),
                sketch: parse(mine.sketch),
                auditSketch: parse(mine.auditSketch),
              });
        msgs.push({ typeUrl: proofCodecs.msgCommitVerdict.typeUrl, value: { validator: me, jobId: j.id, commitment } });
        this.sent.set(`${j.id}/vcommit`, now);
      } else if (committed && revealsOpen && mine !== null && due(j.id, "vreveal")) {
        this.sent.set(`${j.id}/vreveal`, now);
        const unable = mine.digest === "" || mine.auditSketch === undefined;
        msgs.push({
          typeUrl: proofCodecs.msgRevealVerdict.typeUrl,
          value: {
            validator: me,
            jobId: j.id,
            salt: Buffer.from(mine.salt, "hex"),
            sketch: unable ? null : mine.sketch,
            digest: unable ? new Uint8Array() : Buffer.from(mine.digest, "hex"),
            unable,
            auditSketch: unable ? null : mine.auditSketch,
          },
        });
      }
    }
    return msgs;
  }

  // ---- outputs and metrics ----

  private listen(port: number): Promise<void> {
    this.server = createServer((req, res) => {
      void this.serve(req.url ?? "/", req.headers as Record<string, string | string[] | undefined>).then(
        ({ status, body, type }) => {
          res.writeHead(status, { "content-type": type });
          res.end(body);
        },
        (e: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String((e as Error).message));
        },
      );
    });
    return new Promise((resolve) => {
      this.server!.listen(port, "127.0.0.1", () => {
        const addr = this.server!.address();
        this.url =
          this.o.publicUrl ?? `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : port}`;
        resolve();
      });
    });
  }

  private async serve(
    url: string,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<{ status: number; body: Uint8Array | string; type: string }> {
    if (url === "/metrics")
      return { status: 200, body: this.metrics.render(this.o.address), type: "text/plain; version=0.0.4" };
    const m = /^\/outputs\/([0-9]{1,20})$/.exec(url);
    if (m === null) return { status: 404, body: "not found", type: "text/plain" };
    const id = m[1]!;
    const r = this.store.get("result", id);
    if (r === null || r.unusable !== undefined)
      return { status: 404, body: `no output for job ${id}`, type: "text/plain" };
    const who = verifyOutputRequest(id, headers, Math.floor(Date.now() / 1000));
    if (typeof who === "string") return { status: 401, body: who, type: "text/plain" };
    if (who.address !== r.requester)
      return { status: 403, body: "only the job's requester may fetch its output", type: "text/plain" };
    return { status: 200, body: seal(Buffer.from(r.output, "base64"), who.x25519), type: "application/octet-stream" };
  }
}
