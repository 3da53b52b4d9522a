import { createHash, hash as oneShotHash } from "node:crypto";
import type * as Ort from "onnxruntime-node";
import type { ComparisonRule, Sketch } from "../../modules/jobs/sketch.js";
import { computeSketchFast as computeSketch } from "./sketchWasm.js";
import { PostThread } from "./postThread.js";
import { finishJob, type OutputPlace, type PostJob } from "./post.js";
import {
  encodeResult,
  resultLayout,
  sketchInput,
  type ResultLayout,
  type Tensor,
  type TensorData,
} from "../models/tensors.js";

// The inference engine of a worker (and of an auditing validator): one onnxruntime-node session
// per model, created once and kept warm, on the CPU by default or the CUDA execution provider
// behind a flag (docs/worker.md says how to get its binaries). Models are loaded only after their
// bytes match the sha256 they are registered under.
//
// A job's whole per-job path (inference, result payload, digest, sketch) is `runJob`. It runs the
// model through onnxruntime-node's native session object directly and synchronously (the public
// `InferenceSession.run` adds an event-loop turn and argument checks per call that weigh on
// models that run in tens of microseconds), and has onnxruntime write each output straight into
// the result payload's buffer (preallocated outputs), so that there is no copy of the output and
// the payload's headers are written once per output shape (docs/performance.md, worker section).

export interface EngineOptions {
  device?: "cpu" | "cuda";
  /** Threads inside one operator (onnxruntime's intra-op pool); 0: onnxruntime's default. */
  threads?: number;
  /** Execution settings that change float rounding but must not change the verdict. */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  executionMode?: "sequential" | "parallel";
  /**
   * onnxruntime's CPU memory arena (default on). Off, a session frees each run's intermediate
   * buffers instead of keeping the arena's high-water mark (`npm start` turns it off: memory).
   */
  memoryArena?: boolean;
  /**
   * Take digests and sketches on a second thread while the next inference runs, when several
   * jobs are in flight (default true; the thread starts with the first such job and stops after
   * a while without).
   */
  postThread?: boolean;
  /** Inference time (ms, moving average per model) from which the thread is used (default 0). */
  postThreadMinMs?: number;
}

export class ModelHashMismatch extends Error {}

/**
 * onnxruntime refused to run the model on a job's input: an input missing or of a shape or dtype
 * the graph rejects, or values an operator refuses (a clip too short for a reflect pad). The
 * requester's doing: the worker reports it unusable (REJECTED) instead of going silent.
 */
export class InputRejectedError extends Error {
  constructor(
    /** Index of the job's input (tensor bundle) the model refused. */
    readonly input: number,
    message: string,
    /**
     * The refusal is worded as memory or the device (ownFailure) while the model still runs other
     * inputs: the input needs more than this worker has, which a validator on a larger machine
     * would not see. Reported RESOURCES (the worker's own limit: a decline, never slashed), not REJECTED.
     */
    readonly resources = false,
  ) {
    super(message);
  }
}

/** Failures worded like the worker's own (memory, the device): checked against a control run. */
const ownFailure = /alloc|memory|CUDA|CUBLAS|cuDNN|disposed|released/i;

/** A job's result as the worker commits and serves it. */
export interface JobResult {
  /** The ResultPayload bytes (one bundle per input). */
  payload: Uint8Array;
  /** sha256 of the payload. */
  digest: Buffer;
  sketch: Sketch;
}

/** onnxruntime-node's native session (dist/binding.d.ts), what its InferenceSession wraps. */
interface NativeSession {
  loadModel(
    buffer: ArrayBuffer,
    byteOffset: number,
    byteLength: number,
    options: Ort.InferenceSession.SessionOptions,
  ): void;
  readonly inputMetadata: ReadonlyArray<{ name: string }>;
  readonly outputMetadata: ReadonlyArray<{ name: string }>;
  run(
    feeds: Record<string, Ort.Tensor>,
    fetches: Record<string, Ort.Tensor | null>,
    options: Ort.InferenceSession.RunOptions,
  ): Record<string, Ort.Tensor>;
  dispose(): void;
}

interface Runtime {
  Tensor: typeof Ort.Tensor;
  create: () => NativeSession;
  supported: Set<string>;
}

/** Where one output goes in the payload, for one set of input shapes. */
interface Plan {
  layout: ResultLayout;
  /** The outputs in name order (the payload's order), with their element constructor. */
  outs: Array<{ name: string; dtype: string; shape: number[]; ctor: ElementCtor; length: number }>;
  /** Index into outs of the output the payload's alignment is chosen for (the largest). */
  anchor: number;
  /** The outputs' places in the payload, as the digest and sketch are taken from it. */
  places: OutputPlace[];
  /** Whether onnxruntime writes preallocated outputs in place (null: not seen yet). */
  inPlace: boolean | null;
  /** Inference time, a moving average (ms). */
  runMs: number;
  /** Post-processing thread's turnaround (submit to reply), a moving average (ms). */
  turnMs: number;
  probe: number;
}

type ElementCtor = {
  new (b: ArrayBufferLike, o: number, n: number): TensorData;
  BYTES_PER_ELEMENT: number;
};

const ctors: Record<string, ElementCtor> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  int8: Int8Array,
  bool: Uint8Array,
};

interface Loaded {
  native: NativeSession;
  inputNames: string[];
  outputNames: string[];
  /** Per input-shape key; null: outputs whose shape depends on the data (never preallocated). */
  plans: Map<string, Plan> | null;
  /** All-null fetches (onnxruntime allocates every output). */
  allocate: Record<string, null>;
  /**
   * An input the model ran: the control that tells a bad input from a bad worker. The worker's
   * own when it gave one (adoptControl: the chain's challenge input drawn from a local seed), else
   * the smallest requester input that ran (not a sealed job's: its plaintext is not kept), so that
   * a requester cannot make every later check re-run its most expensive input.
   */
  control: Record<string, Tensor> | null;
  controlOwned: boolean;
  controlBytes: number;
}

// onnxruntime-node is loaded with the first model, not at import: every tcd process imports this
// module through the CLI, and validators never run a model.
let runtime: Promise<Runtime> | null = null;
const loadRuntime = (): Promise<Runtime> =>
  (runtime ??= (async () => {
    const ort = await import("onnxruntime-node");
    const b = await import("onnxruntime-node/dist/binding.js");
    b.initOrt();
    return {
      Tensor: ort.Tensor,
      create: () => new b.binding.InferenceSession() as unknown as NativeSession,
      supported: new Set(b.binding.listSupportedBackends().map((x) => x.name)),
    };
  })());

/** Bytes of tensor data in an input. */
function inputBytes(input: Record<string, Tensor>): number {
  let n = 0;
  for (const name in input) n += input[name]!.data.byteLength;
  return n;
}

const rejected = (index: number, e: Error) =>
  new InputRejectedError(index, `the model refuses input ${index}: ${e.message}`, ownFailure.test(e.message));

/** The key of a set of input shapes (a plan holds for one). */
function shapeKey(inputs: Record<string, Tensor>, names: readonly string[]): string {
  if (names.length === 1) return inputs[names[0]!]!.shape.join(",");
  let k = "";
  for (const n of names) k += `${inputs[n]?.shape.join(",")};`;
  return k;
}

export class InferenceEngine {
  private readonly sessions = new Map<string, Promise<Loaded>>();
  private rt: Runtime | null = null;
  private readonly post = new PostThread();
  /** runJob calls started and not finished. */
  private inflight = 0;
  /** Jobs whose digest and sketch were taken on the post-processing thread (tests, metrics). */
  threadJobs = 0;

  constructor(readonly options: EngineOptions = {}) {}

  private sessionOptions(rt: Runtime): Ort.InferenceSession.SessionOptions {
    const o = this.options;
    const eps = o.device === "cuda" ? ["cuda", "cpu"] : ["cpu"];
    return {
      // As InferenceSession.create: providers this build does not have are left out.
      executionProviders: eps.filter((e) => rt.supported.has(e)),
      ...(o.threads !== undefined && o.threads > 0 ? { intraOpNumThreads: o.threads } : {}),
      graphOptimizationLevel: o.graphOptimizationLevel ?? "all",
      executionMode: o.executionMode ?? "sequential",
      ...(o.memoryArena === false ? { enableCpuMemArena: false } : {}),
    };
  }

  /** Loads a model once (checking its hash); later calls reuse the warm session. */
  load(hash: string, bytes: Uint8Array): Promise<void> {
    let s = this.sessions.get(hash);
    if (s === undefined) {
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (actual !== hash)
        return Promise.reject(new ModelHashMismatch(`model bytes hash to ${actual}, expected ${hash}`));
      s = loadRuntime().then((rt) => {
        this.rt = rt;
        const native = rt.create();
        native.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, this.sessionOptions(rt));
        const outputNames = native.outputMetadata.map((m) => m.name);
        return {
          native,
          inputNames: native.inputMetadata.map((m) => m.name),
          outputNames,
          plans: new Map(),
          allocate: Object.fromEntries(outputNames.map((n) => [n, null])),
          control: null,
          controlOwned: false,
          controlBytes: 0,
        };
      });
      s.catch(() => this.sessions.delete(hash));
      this.sessions.set(hash, s);
    }
    return s.then(() => undefined);
  }

  has(hash: string): boolean {
    return this.sessions.has(hash);
  }

  private async loaded(hash: string): Promise<Loaded> {
    const session = this.sessions.get(hash);
    if (session === undefined) throw new Error(`model ${hash} is not loaded`);
    return session;
  }

  private feeds(l: Loaded, inputs: Record<string, Tensor>): Record<string, Ort.Tensor> {
    const T = this.rt!.Tensor;
    for (const name of l.inputNames)
      if (inputs[name] === undefined) throw new Error(`input '${name}' is missing in 'feeds'.`);
    const feeds: Record<string, Ort.Tensor> = {};
    for (const name in inputs) {
      const t = inputs[name]!;
      feeds[name] = new T(t.dtype as Ort.Tensor.Type, t.data as Ort.Tensor.DataType, t.shape);
    }
    return feeds;
  }

  private static tensors(l: Loaded, results: Record<string, Ort.Tensor>): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const name of l.outputNames) {
      const r = results[name]!;
      out[name] = { dtype: r.type, shape: [...r.dims], data: r.data as TensorData };
    }
    return out;
  }

  /**
   * Runs `input` (the worker's own, e.g. the model's challenge input from a local seed) and keeps
   * it as the model's control; throws what the model throws on it (the caller warns).
   */
  async adoptControl(hash: string, input: Record<string, Tensor>): Promise<void> {
    const l = await this.loaded(hash);
    l.native.run(this.feeds(l, input), l.allocate, {});
    l.control = input;
    l.controlOwned = true;
    l.controlBytes = inputBytes(input);
  }

  /** The model's control input now (tests, diagnostics). */
  async controlOf(hash: string): Promise<{ input: Record<string, Tensor>; owned: boolean } | null> {
    const l = await this.loaded(hash);
    return l.control === null ? null : { input: l.control, owned: l.controlOwned };
  }

  /** A requester's input that ran: the control if none is the worker's and it is the smallest yet. */
  private ran(l: Loaded, input: Record<string, Tensor>, retain: boolean): void {
    if (!retain || l.controlOwned) return;
    const bytes = inputBytes(input);
    // An input with no elements runs on a model in any trouble: it proves nothing as a control.
    for (const name in input) if (input[name]!.data.length === 0) return;
    if (l.control === null || bytes < l.controlBytes) {
      l.control = input;
      l.controlBytes = bytes;
    }
  }

  /** Runs the model on one input; its outputs by name. */
  async run(hash: string, inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const l = await this.loaded(hash);
    return InferenceEngine.tensors(l, l.native.run(this.feeds(l, inputs), l.allocate, {}));
  }

  /**
   * A job's result: the model on every input, the payload (one bundle per input), its sha256 and
   * the sketch (modules/jobs/sketch.ts's computeSketch over the same elements in the same order
   * as `sketchInput`). `tamper` (tests, --byzantine) replaces what is sketched.
   */
  async runJob(
    hash: string,
    jobId: string,
    inputs: ReadonlyArray<Record<string, Tensor>>,
    rule: ComparisonRule,
    key?: Uint8Array,
    tamper?: (output: Float64Array) => Float64Array,
    opts: { retain?: boolean } = {},
  ): Promise<JobResult> {
    this.inflight++;
    try {
      const l = await this.loaded(hash);
      const retain = opts.retain !== false;
      if (inputs.length === 1 && l.plans !== null && tamper === undefined) {
        const r = this.runPlanned(l, inputs[0]!, jobId, rule, key, retain);
        if (r !== null) return await r;
      }
      return this.runGeneral(l, jobId, inputs, rule, key, tamper, retain, false);
    } finally {
      this.inflight--;
    }
  }

  /**
   * `f` on the job's `index`-th input, its failure judged: InputRejectedError (the requester's
   * doing, reported unusable) unless the model no longer runs its control input, in which case
   * the failure is the worker's own (memory, the device, a released session) and goes back to
   * the worker, which retries: an honest worker in trouble must not call a good input unusable.
   * When the control runs, the input is tried once more (unless `retried`: the caller's run was
   * the second), so that a passing failure (memory freed meanwhile) is not a false "unusable",
   * which for a challenge is a slash. Before any success there is no control, and the failure
   * is the input's, whatever its message says: a requester can make onnxruntime report "out of
   * memory" with a large input, and going silent on it would be a no-show fault.
   */
  private onInput<T>(l: Loaded, index: number, f: () => T, retried: boolean): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof InputRejectedError) throw e;
      const err = e instanceof Error ? e : new Error(String(e));
      // The control failing too: the worker's own failure. Without a control, only the retry
      // tells a passing failure from the input's.
      if (l.control !== null)
        try {
          l.native.run(this.feeds(l, l.control), l.allocate, {});
        } catch {
          throw err;
        }
      if (retried) throw rejected(index, err);
      try {
        return f();
      } catch (again) {
        if (again instanceof InputRejectedError) throw again;
        throw rejected(index, again instanceof Error ? again : new Error(String(again)));
      }
    }
  }

  private runGeneral(
    l: Loaded,
    jobId: string,
    inputs: ReadonlyArray<Record<string, Tensor>>,
    rule: ComparisonRule,
    key: Uint8Array | undefined,
    tamper: ((output: Float64Array) => Float64Array) | undefined,
    retain: boolean,
    retried: boolean,
  ): JobResult {
    // Each input that runs may become the control at once, so the next input's failure is judged.
    const outputs = inputs.map((inp, i) => {
      const out = this.onInput(
        l,
        i,
        () => InferenceEngine.tensors(l, l.native.run(this.feeds(l, inp), l.allocate, {})),
        retried,
      );
      this.ran(l, inp, retain);
      return out;
    });
    let all = sketchInput(outputs);
    if (tamper !== undefined) all = tamper(Float64Array.from(all));
    const payload = encodeResult(outputs);
    return { payload, digest: oneShotHash("sha256", payload, "buffer"), sketch: computeSketch(jobId, all, rule, key) };
  }

  /**
   * One input with its outputs written into the payload's buffer by onnxruntime. Null when the
   * outputs' shapes turned out to depend on the data (the caller then takes the general path).
   * With other jobs in flight, the digest and sketch are taken on the post-processing thread
   * while this thread runs the next inference; alone, here (no thread hop).
   */
  private runPlanned(
    l: Loaded,
    input: Record<string, Tensor>,
    jobId: string,
    rule: ComparisonRule,
    key: Uint8Array | undefined,
    retain: boolean,
  ): Promise<JobResult> | JobResult | null {
    const feeds = this.onInput(l, 0, () => this.feeds(l, input), true);
    const k = shapeKey(input, l.inputNames);
    const plan = l.plans!.get(k);
    if (plan === undefined) {
      // First run with these input shapes: onnxruntime allocates, and the plan is made from it.
      const t0 = performance.now();
      const results = this.onInput(l, 0, () => InferenceEngine.tensors(l, l.native.run(feeds, l.allocate, {})), false);
      this.ran(l, input, retain);
      const p = InferenceEngine.plan(results, performance.now() - t0);
      if (p !== null) l.plans!.set(k, p);
      const payload = encodeResult([results]);
      const all = sketchInput([results]);
      return {
        payload,
        digest: oneShotHash("sha256", payload, "buffer"),
        sketch: computeSketch(jobId, all, rule, key),
      };
    }
    const { layout, outs } = plan;
    // The payload, placed in its own buffer so that the largest output's data is aligned to 8.
    // From Node's buffer pool (small payloads) or an unzeroed allocation: every byte of the
    // payload is written below (headers here, outputs by onnxruntime or copied), so no zero-fill.
    const room = Buffer.allocUnsafe(layout.size + 7);
    const buffer = room.buffer;
    const offset = room.byteOffset + ((8 - ((room.byteOffset + layout.dataAt[plan.anchor]!) & 7)) & 7);
    const payload = new Uint8Array(buffer, offset, layout.size);
    for (const h of layout.headers) payload.set(h.bytes, h.at);
    const T = this.rt!.Tensor;
    const fetches: Record<string, Ort.Tensor | null> = {};
    const views: Array<TensorData | null> = [];
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i]!;
      const at = offset + layout.dataAt[i]!;
      if (at % o.ctor.BYTES_PER_ELEMENT === 0) {
        const v = new o.ctor(buffer, at, o.length);
        views.push(v);
        fetches[o.name] = new T(o.dtype as Ort.Tensor.Type, v as Ort.Tensor.DataType, o.shape);
      } else {
        views.push(null);
        fetches[o.name] = null;
      }
    }
    let results: Record<string, Ort.Tensor>;
    const t0 = performance.now();
    try {
      results = l.native.run(feeds, fetches, {});
      plan.runMs += (performance.now() - t0 - plan.runMs) / 8;
      this.ran(l, input, retain);
    } catch (e) {
      // The general path runs the input again (the retry) and judges a second failure against
      // the control. A shape error it does not repeat is a preallocated output of the wrong
      // shape: outputs whose shapes depend on the data, plans off for this model for good. Any
      // other error it does not repeat was passing (the worker's memory): plans stay. One it
      // repeats is InputRejectedError or the worker's own failure, and the plans stay too.
      const message = (e as Error).message;
      const shapeError = !ownFailure.test(message) && /shape|size|dimension/i.test(message);
      const r = this.runGeneral(l, jobId, [input], rule, key, undefined, retain, true);
      if (shapeError) l.plans = null;
      return r;
    }
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i]!;
      const r = results[o.name]!;
      const data = r.data as TensorData;
      if (data.byteLength !== o.length * o.ctor.BYTES_PER_ELEMENT || r.type !== o.dtype) {
        l.plans = null;
        return null;
      }
      const v = views[i] ?? null;
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (v !== null && plan.inPlace === null) {
        // The binding hands back its own copy of a preallocated output; onnxruntime wrote into
        // ours. Checked once per plan: if it ever did not, every output is copied.
        plan.inPlace = Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(bytes);
      }
      // Allocated by onnxruntime (unaligned in the payload) or not written in place: copied.
      if (v === null || plan.inPlace !== true) payload.set(bytes, layout.dataAt[i]!);
    }
    // Jobs the thread finished during this inference are handed back now.
    this.post.collect();
    const job: PostJob = { jobId, rule, buffer, offset, size: layout.size, outs: plan.places };
    if (key !== undefined) job.key = key;
    // The hand-off (a copy of the payload into a shared slot, no message) pays when other jobs
    // are waiting: the thread works while this thread runs the next inference. Alone, the job
    // is finished here (no wait for the thread). On a machine so loaded that the thread's
    // turnaround exceeds the inferences it overlaps, the work stays here too (one job in 64
    // still goes, to notice when that changes).
    const others = this.inflight - 1;
    if (
      others > 0 &&
      plan.runMs >= (this.options.postThreadMinMs ?? 0) &&
      this.options.postThread !== false &&
      !this.post.failed &&
      (plan.turnMs <= plan.runMs * (others + 1) || (++plan.probe & 63) === 0)
    ) {
      const sent = performance.now();
      const p = this.post.submit(job);
      if (p !== null) {
        this.threadJobs++;
        return p.then((r) => {
          plan.turnMs += (performance.now() - sent - plan.turnMs) / 8;
          return { payload: Buffer.from(buffer, offset, layout.size), digest: r.digest as Buffer, sketch: r.sketch };
        });
      }
    }
    const r = finishJob(job);
    return { payload: Buffer.from(buffer, offset, layout.size), digest: r.digest as Buffer, sketch: r.sketch };
  }

  /** The plan for outputs like these (null: a shape encodeResult writes through protobufjs). */
  private static plan(results: Record<string, Tensor>, runMs: number): Plan | null {
    const layout = resultLayout(results);
    if (layout === null) return null;
    const outs: Plan["outs"] = [];
    let anchor = 0;
    for (const name of layout.names) {
      const t = results[name]!;
      const ctor = ctors[t.dtype];
      if (ctor === undefined) return null;
      if (outs.length > 0 && t.data.byteLength > results[outs[anchor]!.name]!.data.byteLength) anchor = outs.length;
      outs.push({ name, dtype: t.dtype, shape: [...t.shape], ctor, length: t.data.length });
    }
    if (outs.length === 0) return null;
    const places = outs.map((o, i) => ({ dtype: o.dtype, at: layout.dataAt[i]!, length: o.length }));
    return { layout, outs, anchor, places, inPlace: null, runMs, turnMs: 0, probe: 0 };
  }

  async release(): Promise<void> {
    for (const s of this.sessions.values()) (await s.catch(() => null))?.native.dispose();
    this.sessions.clear();
    await this.post.stop();
  }
}
