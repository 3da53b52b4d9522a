import { codec } from "../../modules/sdk/proto.js";

// Job inputs and results as bytes (proto/jobs/v1/tensors.proto): named tensors with dtype, shape
// and little-endian data. What a requester uploads and a worker serves.

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

export interface Tensor {
  dtype: string;
  shape: number[];
  data: TensorData;
}

interface NamedTensorPb {
  name: string;
  dtype: string;
  shape: string[];
  data: Uint8Array;
}

const bundleCodec = codec<{ tensors: NamedTensorPb[] }>("jobs/v1/tensors.proto", "tcompute.jobs.v1.TensorBundle");

const ctors: Record<string, { new (b: ArrayBuffer, o: number, n: number): TensorData; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  int8: Int8Array,
  bool: Uint8Array,
};

export const tensorDtypes = Object.keys(ctors);

/** Bytes of a varint. */
function varintSize(n: number): number {
  let size = 1;
  for (; n >= 0x80; n = Math.floor(n / 0x80)) size++;
  return size;
}

function putVarint(buf: Uint8Array, pos: number, n: number): number {
  for (; n >= 0x80; n = Math.floor(n / 0x80)) buf[pos++] = (n % 0x80) | 0x80;
  buf[pos++] = n;
  return pos;
}

interface BundleLayout {
  size: number;
  tensors: Array<{ size: number; name: Buffer; dtype: Buffer; shape: number[]; shapeSize: number; data: Uint8Array }>;
}

/** Sizes of a TensorBundle's fields, tensors in name order (proto3: the writer of protobufjs, field by field). */
function bundleLayout(tensors: Record<string, Tensor>): BundleLayout {
  const out: BundleLayout = { size: 0, tensors: [] };
  for (const [n, t] of Object.entries(tensors).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const name = Buffer.from(n, "utf8");
    const dtype = Buffer.from(t.dtype, "utf8");
    const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    let shapeSize = 0;
    for (const d of t.shape) shapeSize += varintSize(d);
    // proto3: empty strings, bytes and repeated fields are not written.
    const field = (n: number) => (n > 0 ? 1 + varintSize(n) + n : 0);
    const size = field(name.length) + field(dtype.length) + field(shapeSize) + field(data.length);
    out.tensors.push({ size, name, dtype, shape: t.shape, shapeSize, data });
    out.size += 1 + varintSize(size) + size;
  }
  return out;
}

function writeBundle(l: BundleLayout, buf: Uint8Array, pos: number, dataAt?: number[]): number {
  for (const t of l.tensors) {
    buf[pos++] = 0x0a;
    pos = putVarint(buf, pos, t.size);
    if (t.name.length > 0) {
      buf[pos++] = 0x0a;
      pos = putVarint(buf, pos, t.name.length);
      buf.set(t.name, pos);
      pos += t.name.length;
    }
    if (t.dtype.length > 0) {
      buf[pos++] = 0x12;
      pos = putVarint(buf, pos, t.dtype.length);
      buf.set(t.dtype, pos);
      pos += t.dtype.length;
    }
    if (t.shapeSize > 0) {
      buf[pos++] = 0x1a;
      pos = putVarint(buf, pos, t.shapeSize);
      for (const d of t.shape) pos = putVarint(buf, pos, d);
    }
    if (t.data.length > 0) {
      buf[pos++] = 0x22;
      pos = putVarint(buf, pos, t.data.length);
      dataAt?.push(pos);
      buf.set(t.data, pos);
      pos += t.data.length;
    }
  }
  return pos;
}

/**
 * A TensorBundle's bytes, written directly into one buffer (the bytes protobufjs writes for it,
 * without its per-field objects and copies: this is on a worker's per-job path).
 */
export function encodeTensors(tensors: Record<string, Tensor>): Uint8Array {
  for (const t of Object.values(tensors))
    if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) return encodeTensorsPb(tensors);
  const l = bundleLayout(tensors);
  const buf = Buffer.allocUnsafe(l.size);
  writeBundle(l, buf, 0);
  return buf;
}

/** The same bytes through protobufjs (shapes that are not non-negative safe integers; tests). */
export function encodeTensorsPb(tensors: Record<string, Tensor>): Uint8Array {
  return bundleCodec.encode({
    tensors: Object.entries(tensors)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, t]) => ({
        name,
        dtype: t.dtype,
        shape: t.shape.map(String),
        data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      })),
  });
}

/** Decodes and checks a bundle: known dtypes, shapes that match the data, bounded sizes. */
export function decodeTensors(bytes: Uint8Array): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const t of bundleCodec.decode(bytes).tensors) {
    const C = ctors[t.dtype];
    if (C === undefined) throw new Error(`tensor ${t.name}: unknown dtype ${t.dtype}`);
    const shape = t.shape.map(Number);
    if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`tensor ${t.name}: bad shape`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (n * C.BYTES_PER_ELEMENT !== t.data.length)
      throw new Error(`tensor ${t.name}: ${t.data.length} bytes for shape [${shape}] of ${t.dtype}`);
    if (out[t.name] !== undefined) throw new Error(`tensor ${t.name} appears twice`);
    // Copy into an aligned buffer: typed arrays need their element alignment.
    const copy = new Uint8Array(t.data.length);
    copy.set(t.data);
    out[t.name] = { dtype: t.dtype, shape, data: new C(copy.buffer, 0, n) };
  }
  return out;
}

/** Every element of the tensors, in name order, as numbers: what a result's sketch is taken over. */
export function flatten(tensors: Record<string, Tensor>): Float64Array {
  const names = Object.keys(tensors).sort();
  const total = names.reduce((s, n) => s + tensors[n]!.data.length, 0);
  const out = new Float64Array(total);
  let o = 0;
  for (const n of names) {
    const d = tensors[n]!.data;
    if (d instanceof BigInt64Array) for (let i = 0; i < d.length; i++) out[o++] = Number(d[i]!);
    else for (let i = 0; i < d.length; i++) out[o++] = d[i]!;
  }
  return out;
}

/**
 * What a job's sketch is taken over: every output's elements, outputs in input order, tensors in
 * name order (as flatten, concatenated). A single numeric tensor (the usual case) is returned as
 * it is, without a copy.
 */
export function sketchInput(outputs: ReadonlyArray<Record<string, Tensor>>): ArrayLike<number> {
  if (outputs.length === 1) {
    const names = Object.keys(outputs[0]!);
    const only = names.length === 1 ? outputs[0]![names[0]!]!.data : null;
    if (only !== null && !(only instanceof BigInt64Array)) return only;
  }
  const flat = outputs.map(flatten);
  const all = new Float64Array(flat.reduce((s, f) => s + f.length, 0));
  let o = 0;
  for (const f of flat) {
    all.set(f, o);
    o += f.length;
  }
  return all;
}

const payloadCodec = codec<{ outputs: Array<{ tensors: NamedTensorPb[] }> }>(
  "jobs/v1/tensors.proto",
  "tcompute.jobs.v1.ResultPayload",
);

/** A job's result: one bundle per input, in input order. */
export function encodeResult(outputs: ReadonlyArray<Record<string, Tensor>>): Uint8Array {
  // Field 1 (length-delimited) per bundle, all written into one buffer.
  const bundles = outputs.map((o) =>
    Object.values(o).every((t) => t.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      ? bundleLayout(o)
      : encodeTensorsPb(o),
  );
  let size = 0;
  for (const b of bundles) {
    const n = b instanceof Uint8Array ? b.length : b.size;
    size += 1 + varintSize(n) + n;
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const b of bundles) {
    buf[pos++] = 0x0a;
    if (b instanceof Uint8Array) {
      pos = putVarint(buf, pos, b.length);
      buf.set(b, pos);
      pos += b.length;
    } else {
      pos = putVarint(buf, pos, b.size);
      pos = writeBundle(b, buf, pos);
    }
  }
  return buf;
}

/**
 * Where a one-input result's parts go in its payload (the bytes `encodeResult([tensors])`
 * writes): the bytes around the tensors' data, which depend only on the names, dtypes and
 * shapes, and where each tensor's data starts (tensors in name order). Null when encodeResult
 * would take protobufjs's path or a tensor has no data. A worker writes the headers once per
 * output shape and has onnxruntime write the data in place.
 */
export interface ResultLayout {
  size: number;
  names: string[];
  headers: Array<{ at: number; bytes: Uint8Array }>;
  dataAt: number[];
}

export function resultLayout(tensors: Record<string, Tensor>): ResultLayout | null {
  const ts = Object.values(tensors);
  if (
    ts.length === 0 ||
    ts.some((t) => t.data.byteLength === 0 || t.shape.some((d) => !Number.isSafeInteger(d) || d < 0))
  )
    return null;
  const l = bundleLayout(tensors);
  const size = 1 + varintSize(l.size) + l.size;
  const buf = Buffer.alloc(size);
  buf[0] = 0x0a;
  const dataAt: number[] = [];
  writeBundle(l, buf, putVarint(buf, 1, l.size), dataAt);
  const headers: ResultLayout["headers"] = [];
  let from = 0;
  l.tensors.forEach((t, i) => {
    headers.push({ at: from, bytes: Uint8Array.from(buf.subarray(from, dataAt[i]!)) });
    from = dataAt[i]! + t.data.length;
  });
  const names = Object.keys(tensors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { size, names, headers, dataAt };
}

export function decodeResult(bytes: Uint8Array): Array<Record<string, Tensor>> {
  return payloadCodec.decode(bytes).outputs.map((b) => decodeTensors(bundleCodec.encode(b)));
}
