import { hash as oneShotHash } from "node:crypto";
import type { ComparisonRule, Sketch } from "../../modules/jobs/sketch.js";
import { computeSketchFast as computeSketch } from "./sketchWasm.js";

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
  buffer: ArrayBufferLike;
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
  { new (b: ArrayBufferLike, o: number, n: number): Numeric | BigInt64Array; BYTES_PER_ELEMENT: number }
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
function view(buffer: ArrayBufferLike, at: number, o: OutputPlace): Numeric | BigInt64Array {
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

// ---- Shared-memory hand-off to the post-processing thread (postThread.ts, postWorker.mjs) ----
//
// Jobs go through a ring of `slots` shared buffers, one job per slot, in submission order: the
// main thread copies the payload and the job's parameters into the next free slot and bumps
// `head`; the thread takes slots in order, writes the digest and sketch (or an error) into the
// same slot and bumps `done`. No message per job: both sides only read and write shared memory
// and wake each other (Atomics.notify) when the other side said it sleeps. A slot grows (a new
// SharedArrayBuffer sent once on the port) when a job does not fit.

/** Indices into the control array (Int32Array over a SharedArrayBuffer). */
export const ctl = { head: 0, done: 1, threadSleeps: 2, mainWaits: 3, stop: 4, gen: 8 } as const;
export const ctlLength = (slots: number): number => ctl.gen + slots;

const dtypeCodes = ["float32", "float64", "int32", "int64", "uint8", "int8", "bool"];
// Int32 fields of a slot's header (64 bytes), then 3 Int32 per output (dtype, at, length).
const m = {
  idLen: 0,
  keyLen: 1,
  size: 2,
  topK: 3,
  outs: 4,
  payAt: 5,
  paySize: 6,
  status: 7,
  errLen: 8,
  topKLen: 9,
  n: 10,
} as const;
const errMax = 240;

interface SlotAt {
  id: number;
  key: number;
  err: number;
  digest: number;
  comps: number;
  topK: number;
  /** Where the payload starts: ≡ the job's payload offset (mod 8), so alignments are the same. */
  pay: number;
  total: number;
}

const align8 = (x: number): number => (x + 7) & ~7;

function slotAt(outs: number, idLen: number, size: number, topK: number, payOffset: number, paySize: number): SlotAt {
  const id = 64 + 12 * outs;
  const key = id + idLen;
  const err = key + 32;
  const digest = align8(err + errMax);
  const comps = digest + 32;
  const top = comps + 8 * size;
  const pay = align8(top + 8 * topK) + (payOffset & 7);
  return { id, key, err, digest, comps, topK: top, pay, total: pay + paySize };
}

/** Bytes a slot needs for this job (grow the slot when it has fewer). */
export function slotBytes(j: PostJob): number {
  return slotAt(j.outs.length, Buffer.byteLength(j.jobId), j.rule.sketchSize, j.rule.topK, j.offset, j.size).total;
}

/** Writes a job into a slot (main thread). The slot must have slotBytes(j) bytes. */
export function writeSlot(slot: SharedArrayBuffer, j: PostJob): void {
  const b = Buffer.from(slot);
  const h = new Int32Array(slot, 0, 16);
  const idLen = Buffer.byteLength(j.jobId);
  const a = slotAt(j.outs.length, idLen, j.rule.sketchSize, j.rule.topK, j.offset, j.size);
  h[m.idLen] = b.write(j.jobId, a.id, idLen, "utf8");
  h[m.keyLen] = j.key === undefined ? -1 : j.key.length;
  if (j.key !== undefined) b.set(j.key.subarray(0, 32), a.key);
  h[m.size] = j.rule.sketchSize;
  h[m.topK] = j.rule.topK;
  h[m.outs] = j.outs.length;
  h[m.payAt] = j.offset & 7;
  h[m.paySize] = j.size;
  h[m.status] = 0;
  const p = new Int32Array(slot, 64, 3 * j.outs.length);
  j.outs.forEach((o, i) => {
    p[3 * i] = dtypeCodes.indexOf(o.dtype);
    p[3 * i + 1] = o.at;
    p[3 * i + 2] = o.length;
  });
  b.set(new Uint8Array(j.buffer, j.offset, j.size), a.pay);
}

/** Takes the job in a slot, writes its digest and sketch (or its error) there (the thread). */
export function serveSlot(slot: SharedArrayBuffer): void {
  const b = Buffer.from(slot);
  const h = new Int32Array(slot, 0, 16);
  const outs = h[m.outs]!;
  const a = slotAt(outs, h[m.idLen]!, h[m.size]!, h[m.topK]!, h[m.payAt]!, h[m.paySize]!);
  const jobId = b.toString("utf8", a.id, a.id + h[m.idLen]!);
  const p = new Int32Array(slot, 64, 3 * outs);
  const places: OutputPlace[] = [];
  for (let i = 0; i < outs; i++)
    places.push({ dtype: dtypeCodes[p[3 * i]!] ?? "?", at: p[3 * i + 1]!, length: p[3 * i + 2]! });
  const job: PostJob = {
    jobId,
    rule: { sketchSize: h[m.size]!, tolerance: 0, topK: h[m.topK]! },
    buffer: slot,
    offset: a.pay,
    size: h[m.paySize]!,
    outs: places,
  };
  if (h[m.keyLen]! >= 0) job.key = Uint8Array.from(b.subarray(a.key, a.key + h[m.keyLen]!));
  try {
    const r = finishJob(job);
    b.set(r.digest, a.digest);
    const c = new Float64Array(slot, a.comps, r.sketch.components.length);
    r.sketch.components.forEach((x, i) => (c[i] = Number(x)));
    const t = new Float64Array(slot, a.topK, r.sketch.topK.length);
    t.set(r.sketch.topK);
    h[m.topKLen] = r.sketch.topK.length;
    h[m.n] = r.sketch.length;
    h[m.status] = 1;
  } catch (e) {
    h[m.errLen] = b.write(String(e instanceof Error ? e.message : e).slice(0, errMax / 3), a.err, "utf8");
    h[m.status] = 2;
  }
}

/** The result a thread wrote into a slot (main thread): digest and sketch, or its error. */
export function readSlot(slot: SharedArrayBuffer): PostResult | Error {
  const b = Buffer.from(slot);
  const h = new Int32Array(slot, 0, 16);
  const a = slotAt(h[m.outs]!, h[m.idLen]!, h[m.size]!, h[m.topK]!, h[m.payAt]!, h[m.paySize]!);
  if (h[m.status] !== 1)
    return new Error(h[m.status] === 2 ? b.toString("utf8", a.err, a.err + h[m.errLen]!) : "no result");
  const c = new Float64Array(slot, a.comps, h[m.size]!);
  const components: bigint[] = new Array<bigint>(c.length);
  for (let i = 0; i < c.length; i++) components[i] = BigInt(c[i]!);
  const topK: number[] = Array.from(new Float64Array(slot, a.topK, h[m.topKLen]!));
  return { digest: Buffer.from(b.subarray(a.digest, a.digest + 32)), sketch: { components, topK, length: h[m.n]! } };
}

/**
 * The thread's loop: waits for slots to fill, serves them in order. Slots that grew arrive as
 * { slot, gen, buffer } on `port` before their job is published. Returns when `stop` is set.
 */
export function serveLoop(
  c: Int32Array,
  slots: SharedArrayBuffer[],
  receive: () => { slot: number; gen: number; buffer: SharedArrayBuffer } | undefined,
): void {
  const gens = new Array<number>(slots.length).fill(0);
  let next = 0;
  for (;;) {
    if (Atomics.load(c, ctl.stop) !== 0) return;
    const head = Atomics.load(c, ctl.head);
    if (head === next) {
      // Spin briefly (a job often follows within an inference), then sleep until woken.
      let spun = 0;
      while (Atomics.load(c, ctl.head) === next && ++spun < 2000);
      if (Atomics.load(c, ctl.head) !== next) continue;
      Atomics.store(c, ctl.threadSleeps, 1);
      Atomics.wait(c, ctl.head, next, 1000);
      Atomics.store(c, ctl.threadSleeps, 0);
      continue;
    }
    const i = next % slots.length;
    const want = Atomics.load(c, ctl.gen + i);
    while (gens[i] !== want) {
      const msg = receive();
      if (msg === undefined) throw new Error(`slot ${i} generation ${want} was not sent`);
      slots[msg.slot] = msg.buffer;
      gens[msg.slot] = msg.gen;
    }
    serveSlot(slots[i]!);
    next++;
    Atomics.store(c, ctl.done, next);
    if (Atomics.load(c, ctl.mainWaits) !== 0) Atomics.notify(c, ctl.done);
  }
}
