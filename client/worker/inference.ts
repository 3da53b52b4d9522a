import { createHash } from "node:crypto";
import type * as Ort from "onnxruntime-node";
import type { Tensor, TensorData } from "../models/tensors.js";

// The inference engine of a worker (and of an auditing validator): one onnxruntime-node session
// per model, created once and kept warm, on the CPU by default or the CUDA execution provider
// behind a flag (docs/worker.md says how to get its binaries). Models are loaded only after their
// bytes match the sha256 they are registered under.

export interface EngineOptions {
  device?: "cpu" | "cuda";
  /** Threads inside one operator (onnxruntime's intra-op pool); 0: onnxruntime's default. */
  threads?: number;
  /** Execution settings that change float rounding but must not change the verdict. */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  executionMode?: "sequential" | "parallel";
}

export class ModelHashMismatch extends Error {}

// onnxruntime-node is loaded with the first model, not at import: every tcd process imports this
// module through the CLI, and validators never run a model.
let ortModule: Promise<typeof Ort> | null = null;
const loadOrt = (): Promise<typeof Ort> => (ortModule ??= import("onnxruntime-node"));

export class InferenceEngine {
  private readonly sessions = new Map<string, Promise<Ort.InferenceSession>>();
  private ort: typeof Ort | null = null;

  constructor(readonly options: EngineOptions = {}) {}

  private sessionOptions(): Ort.InferenceSession.SessionOptions {
    const o = this.options;
    return {
      executionProviders: o.device === "cuda" ? ["cuda", "cpu"] : ["cpu"],
      ...(o.threads !== undefined && o.threads > 0 ? { intraOpNumThreads: o.threads } : {}),
      graphOptimizationLevel: o.graphOptimizationLevel ?? "all",
      executionMode: o.executionMode ?? "sequential",
    };
  }

  /** Loads a model once (checking its hash); later calls reuse the warm session. */
  load(hash: string, bytes: Uint8Array): Promise<Ort.InferenceSession> {
    let s = this.sessions.get(hash);
    if (s === undefined) {
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (actual !== hash)
        return Promise.reject(new ModelHashMismatch(`model bytes hash to ${actual}, expected ${hash}`));
      s = loadOrt().then((ort) => {
        this.ort = ort;
        return ort.InferenceSession.create(bytes, this.sessionOptions());
      });
      s.catch(() => this.sessions.delete(hash));
      this.sessions.set(hash, s);
    }
    return s;
  }

  has(hash: string): boolean {
    return this.sessions.has(hash);
  }

  async run(hash: string, inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const session = this.sessions.get(hash);
    if (session === undefined) throw new Error(`model ${hash} is not loaded`);
    const s = await session;
    const ort = this.ort!;
    const feeds: Record<string, Ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs))
      feeds[name] = new ort.Tensor(t.dtype as Ort.Tensor.Type, t.data as Ort.Tensor.DataType, t.shape);
    const results = await s.run(feeds);
    const out: Record<string, Tensor> = {};
    for (const name of s.outputNames) {
      const r = results[name]!;
      out[name] = { dtype: r.type, shape: [...r.dims], data: r.data as TensorData };
    }
    return out;
  }

  async release(): Promise<void> {
    for (const s of this.sessions.values()) await (await s.catch(() => null))?.release();
    this.sessions.clear();
  }
}
