import { hash as oneShotHash } from "node:crypto";
import { computeSketch, type ComparisonRule, type Sketch } from "../../modules/jobs/sketch.js";

// What follows a job's inference when its outputs are already in the result payload (written
// there by onnxruntime, client/worker/inference.ts): the payload's sha256 and the sketch, taken
// with modules/jobs/sketch.ts's computeSketch over the elements `sketchInput` would give (one
// numeric output: its data as it is; several outputs or int64: every element in name order as a
// float64). The same function runs on the main thread and on the post-processing thread
// (postThread.mjs), so both give the same digest and sketch.

/** One output's data in the payload. */
export interface OutputPlace {
  dtype: string;
  /** Byte offset of its data in the payload. */
  at: number;
  length: number;
}

export interface PostJob {
  jobId: string;
  rule: ComparisonRule;
  key?: Uint8Array;
  /** The payload's buffer, its offset in it and its size. */
  buffer: ArrayBuffer;
  offset: number;
  size: number;
  outs: OutputPlace[];
}

export interface PostResult {
  digest: Uint8Array;
  sketch: Sketch;
}

type Numeric = Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array;
const views: Record<
  string,
  { new (b: ArrayBuffer, o: number, n: number): Numeric | BigInt64Array; BYTES_PER_ELEMENT: number }
> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  int8: Int8Array,
  bool: Uint8Array,
};

/** An output's elements as a typed array over the payload (copied if not aligned). */
function view(buffer: ArrayBuffer, at: number, o: OutputPlace): Numeric | BigInt64Array {
  const C = views[o.dtype];
  if (C === undefined) throw new Error(`output dtype ${o.dtype} cannot be sketched`);
  if (at % C.BYTES_PER_ELEMENT === 0) return new C(buffer, at, o.length);
  const copy = new ArrayBuffer(o.length * C.BYTES_PER_ELEMENT);
  new Uint8Array(copy).set(new Uint8Array(buffer, at, copy.byteLength));
  return new C(copy, 0, o.length);
}

let scratch = new Float64Array(0);

/** The digest and sketch of a payload whose outputs are at `outs`. */
export function finishJob(j: PostJob): PostResult {
  const payload = new Uint8Array(j.buffer, j.offset, j.size);
  const digest = oneShotHash("sha256", payload, "buffer");
  const vs = j.outs.map((o) => view(j.buffer, j.offset + o.at, o));
  let all: ArrayLike<number>;
  if (vs.length === 1 && !(vs[0] instanceof BigInt64Array)) all = vs[0]!;
  else {
    const total = vs.reduce((s, v) => s + v.length, 0);
    if (scratch.length < total) scratch = new Float64Array(total);
    let p = 0;
    for (const v of vs) {
      if (v instanceof BigInt64Array) for (let i = 0; i < v.length; i++) scratch[p++] = Number(v[i]!);
      else for (let i = 0; i < v.length; i++) scratch[p++] = v[i]!;
    }
    all = scratch.subarray(0, total);
  }
  return { digest, sketch: computeSketch(j.jobId, all, j.rule, j.key) };
}
