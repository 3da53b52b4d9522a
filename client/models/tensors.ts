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

export function encodeTensors(tensors: Record<string, Tensor>): Uint8Array {
  return bundleCodec.encode({
    tensors: Object.entries(tensors)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape.map(String), data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) })),
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
    if (n * C.BYTES_PER_ELEMENT !== t.data.length) throw new Error(`tensor ${t.name}: ${t.data.length} bytes for shape [${shape}] of ${t.dtype}`);
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

const payloadCodec = codec<{ outputs: Array<{ tensors: NamedTensorPb[] }> }>("jobs/v1/tensors.proto", "tcompute.jobs.v1.ResultPayload");

/** A job's result: one bundle per input, in input order. */
export function encodeResult(outputs: ReadonlyArray<Record<string, Tensor>>): Uint8Array {
  // Field 1 (length-delimited) per bundle, written directly: no decode/encode round trip.
  const parts: Uint8Array[] = [];
  for (const o of outputs) {
    const b = encodeTensors(o);
    const head = [0x0a];
    for (let n = b.length; ; n >>>= 7) {
      if (n < 0x80) {
        head.push(n);
        break;
      }
      head.push((n & 0x7f) | 0x80);
    }
    parts.push(Uint8Array.from(head), b);
  }
  return Buffer.concat(parts);
}

export function decodeResult(bytes: Uint8Array): Array<Record<string, Tensor>> {
  return payloadCodec.decode(bytes).outputs.map((b) => decodeTensors(bundleCodec.encode(b)));
}
