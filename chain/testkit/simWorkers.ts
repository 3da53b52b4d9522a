import { createHash } from "node:crypto";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { TestChain } from "./inProcessChain.js";
import { signTx, type RawKey } from "../../client/sdk/signing.js";
import { unusableCommitmentOf } from "../../modules/jobs/commitment.js";
import { computeSketch, type ComparisonRule, type Sketch } from "../../modules/jobs/sketch.js";
import { codecs, JobState, UnusableReason, type Job } from "../../modules/jobs/types.js";
import { any, fee } from "./fixtures.js";
import { commitResultMsg, revealResultMsg } from "./results.js";

// Simulated workers for scenario tests and the market simulation (Cosmos SDK modules keep such
// code in a simulation/ folder): each reads its assignments from the chain and answers with the
// commit and reveal messages its strategy calls for. The "model" is a deterministic function of
// the input, so that honest workers agree and the others can be made not to.

// The test kit's fee and Any builder, re-exported for the callers that import them from here.
export { any, fee } from "./fixtures.js";

/** The simulated model: 64 outputs from the job's inputs (what an honest run produces). */
export function honestOutput(j: Job): Float32Array {
  const out = new Float32Array(64 * j.inputs.length);
  j.inputs.forEach((inp, n) => {
    const seed = createHash("sha256")
      .update(inp.inline.length > 0 ? inp.inline : Buffer.from(inp.sha256, "hex"))
      .update(j.model)
      .digest();
    for (let i = 0; i < 64; i++) out[n * 64 + i] = (seed[i % 32]! - 128) / 16 + i / 64;
  });
  return out;
}

/**
 * The simulated fetch: a URI input under sim://bad/ does not match its sha256 (a griefing
 * requester's job), so an honest worker reports it unusable; every other input is usable.
 */
export function simFetchFailure(j: Job): { reason: UnusableReason; input: number } | null {
  const i = j.inputs.findIndex((inp) => inp.uri.startsWith("sim://bad/"));
  return i < 0 ? null : { reason: UnusableReason.hashMismatch, input: i };
}

/** A result ready to commit: digest, sketch and the salt that hides them until the reveal. */
export interface Result {
  output: ArrayLike<number>;
  sketch: Sketch;
  digest: Uint8Array;
  salt: Uint8Array;
  /** Committed "unusable input" instead of the output. */
  unusable?: { reason: UnusableReason; input: number };
}

export function resultOf(j: Job, provider: string, output: ArrayLike<number>, rule: ComparisonRule): Result {
  const bytes = Buffer.from(Float32Array.from(output).buffer);
  return {
    output,
    sketch: computeSketch(j.id, output, rule),
    digest: createHash("sha256").update(bytes).digest(),
    salt: createHash("sha256").update(`salt/${provider}/${j.id}`).digest(),
  };
}

/**
 * What a worker does with one job: the output it commits (null: it never commits), and whether
 * it then reveals.
 */
export interface Strategy {
  name: string;
  output(j: Job, others: ReadonlyMap<string, Job>): ArrayLike<number> | null;
  reveals: boolean;
  /** Compute spent per input (1: ran the model; 0: did not). */
  computeCost: number;
  /** Reports the input unusable instead of computing (absent: never does). */
  unusable?(j: Job): { reason: UnusableReason; input: number } | null;
  /**
   * Copies instead of computing: commits to nothing it knows, then reveals another assignee's
   * revealed result under its own commitment (which the chain refuses).
   */
  copies?: boolean;
  /** Its txs may be refused (an adversary probing the chain): workersStep does not fail on them. */
  mayFail?: boolean;
}

export const strategies = {
  honest: {
    name: "honest",
    output: (j) => honestOutput(j).map((v, i) => v + ((i % 3) - 1) * 1e-6),
    reveals: true,
    computeCost: 1,
    unusable: simFetchFailure,
  },
  /** Claims every input is unusable, to collect the unusable fee without running the model. */
  falseUnusable: {
    name: "falseUnusable",
    output: () => null,
    reveals: true,
    computeCost: 0,
    unusable: () => ({ reason: UnusableReason.hashMismatch, input: 0 }),
  },
  /** Returns zeros without running the model. */
  lazy: { name: "lazy", output: (j) => new Float32Array(64 * j.inputs.length), reveals: true, computeCost: 0 },
  /** Commits and never reveals (or crashed). */
  ghost: { name: "ghost", output: (j) => honestOutput(j), reveals: false, computeCost: 1 },
  /** Never answers. */
  absent: { name: "absent", output: () => null, reveals: false, computeCost: 0 },
  /** Copies another assignee's revealed result instead of running the model. */
  copying: { name: "copying", output: () => null, reveals: true, computeCost: 0, copies: true, mayFail: true },
  /** Colluders agree on a cheap fake answer derived from the job id only. */
  colluding: {
    name: "colluding",
    output: (j) =>
      Float32Array.from(
        { length: 64 * j.inputs.length },
        (_, i) => (createHash("sha256").update(`cartel/${j.id}`).digest()[i % 32]! - 128) / 16,
      ),
    reveals: true,
    computeCost: 0,
  },
} satisfies Record<string, Strategy>;

export interface SimWorkerOptions {
  /**
   * Send the reveal in the commitment's tx when that commitment completes the job's set, as
   * client/worker does (docs/jobs.md, "Latency"); off: always a block later.
   */
  bundleReveal?: boolean;
  /** Called with the job id and the model runs spent on it (for verification overhead). */
  onRun?: (jobId: string, runs: number) => void;
}

export class SimWorker {
  /** Results committed, per job id, waiting for the reveal window. */
  readonly pending = new Map<string, Result>();
  spent = 0;

  constructor(
    readonly key: RawKey,
    public strategy: Strategy,
    readonly rule: (model: string) => ComparisonRule,
    readonly opts: SimWorkerOptions = {},
  ) {}

  get address(): string {
    return this.key.address;
  }

  /** The messages this worker sends now, given the jobs assigned to it. */
  messages(jobs: readonly Job[]): Any[] {
    const msgs: Any[] = [];
    const byId = new Map(jobs.map((j) => [j.id, j]));
    for (const j of jobs) {
      const a = j.assignments.find((x) => x.provider === this.address);
      if (a === undefined) continue;
      if (j.state === JobState.assigned && a.commitment.length === 0 && !this.pending.has(j.id)) {
        const last = j.assignments.every((x) => x.provider === this.address || x.commitment.length > 0);
        const bad = this.strategy.unusable?.(j) ?? null;
        if (bad !== null) {
          const salt = createHash("sha256").update(`salt/${this.address}/${j.id}`).digest();
          const r: Result = {
            output: [],
            sketch: { components: [], topK: [], length: 0 },
            digest: new Uint8Array(),
            salt,
            unusable: bad,
          };
          this.pending.set(j.id, r);
          msgs.push(
            any(
              codecs.msgCommitResult.typeUrl,
              codecs.msgCommitResult.encode({
                provider: this.address,
                jobId: j.id,
                commitment: unusableCommitmentOf(j.id, this.address, salt, bad.reason, bad.input),
              }),
            ),
          );
          if (last && this.opts.bundleReveal === true && this.strategy.reveals) msgs.push(this.reveal(j, r));
          continue;
        }
        if (this.strategy.copies === true) {
          // Nothing to commit to yet: a commitment it cannot open with anyone else's result.
          const r = resultOf(j, this.address, new Float32Array(64 * j.inputs.length), this.rule(j.model));
          this.pending.set(j.id, r);
          msgs.push(
            any(
              codecs.msgCommitResult.typeUrl,
              codecs.msgCommitResult.encode({
                provider: this.address,
                jobId: j.id,
                commitment: createHash("sha256").update(`copier/${this.address}/${j.id}`).digest(),
              }),
            ),
          );
          continue;
        }
        const out = this.strategy.output(j, byId);
        if (out === null) continue;
        const runs = this.strategy.computeCost * j.inputs.length;
        this.spent += runs;
        if (runs > 0) this.opts.onRun?.(j.id, runs);
        const r = resultOf(j, this.address, out, this.rule(j.model));
        this.pending.set(j.id, r);
        msgs.push(commitResultMsg(this.address, j.id, r));
        if (last && this.opts.bundleReveal === true && this.strategy.reveals) {
          this.pending.delete(j.id);
          msgs.push(this.reveal(j, r));
        }
      } else if (
        j.state === JobState.revealing &&
        a.commitment.length > 0 &&
        a.revealedHeight === "0" &&
        this.strategy.reveals
      ) {
        const r = this.pending.get(j.id);
        if (r === undefined) continue;
        this.pending.delete(j.id);
        if (this.strategy.copies === true) {
          const other = j.assignments.find(
            (x) => x.provider !== this.address && x.sketch !== null && x.revealedHeight !== "0",
          );
          if (other !== undefined)
            msgs.push(
              any(
                codecs.msgRevealResult.typeUrl,
                codecs.msgRevealResult.encode({
                  provider: this.address,
                  jobId: j.id,
                  salt: r.salt,
                  digest: other.digest,
                  sketch: other.sketch,
                  outputUri: `sim://${this.address}/${j.id}`,
                }),
              ),
            );
          continue;
        }
        msgs.push(this.reveal(j, r));
      }
    }
    return msgs;
  }

  private reveal(j: Job, r: Result): Any {
    if (r.unusable !== undefined)
      return any(
        codecs.msgRevealUnusable.typeUrl,
        codecs.msgRevealUnusable.encode({
          provider: this.address,
          jobId: j.id,
          salt: r.salt,
          reason: r.unusable.reason,
          inputIndex: r.unusable.input,
        }),
      );
    return revealResultMsg(this.address, j.id, r, { outputUri: `sim://${this.address}/${j.id}` });
  }
}

/** Account number and sequence, for signing. */
export async function accountOf(
  chain: TestChain,
  address: string,
): Promise<{ accountNumber: bigint; sequence: bigint }> {
  const res = await chain.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address }).finish());
  if (res.code !== 0) throw new Error(res.log);
  const acc = BaseAccount.decode(QueryAccountResponse.decode(res.value).account!.value);
  return { accountNumber: acc.accountNumber, sequence: acc.sequence };
}

export async function signedBy(chain: TestChain, key: RawKey, msgs: Any[]): Promise<Uint8Array> {
  const acc = await accountOf(chain, key.address);
  return signTx(key, { chainId: chain.chainId, accountNumber: acc.accountNumber, sequence: acc.sequence, msgs, fee });
}

/** Jobs assigned to or revealing for a provider (by the JobsByProvider query). */
export async function jobsOf(chain: TestChain, provider: string): Promise<Job[]> {
  const res = await chain.query(
    "/tcompute.jobs.v1.Query/JobsByProvider",
    codecs.queryJobsByProviderRequest.encode({
      provider,
      pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: false },
    }),
  );
  if (res.code !== 0) throw new Error(res.log);
  return codecs.queryJobsResponse
    .decode(res.value)
    .jobs.filter((j) => j.state === JobState.assigned || j.state === JobState.revealing);
}

/** One block in which every worker sends what it has to (plus any extra txs); returns the block's results. */
export async function workersStep(
  chain: TestChain,
  workers: readonly SimWorker[],
  extra: Uint8Array[] = [],
): Promise<Awaited<ReturnType<TestChain["deliver"]>>> {
  const txs: Uint8Array[] = [...extra];
  const senders: Array<SimWorker | null> = extra.map(() => null);
  for (const w of workers) {
    const msgs = w.messages(await jobsOf(chain, w.address));
    if (msgs.length > 0) {
      txs.push(await signedBy(chain, w.key, msgs));
      senders.push(w);
    }
  }
  const res = await chain.deliver(txs);
  for (const [i, r] of res.txResults.entries())
    if (r.code !== 0 && senders[i] !== null && senders[i]!.strategy.mayFail !== true)
      throw new Error(`worker tx failed: ${r.codespace}/${r.code} ${r.log}`);
  return res;
}
