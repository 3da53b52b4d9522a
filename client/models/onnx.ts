import { codec } from "../../modules/sdk/proto.js";

// Reading and writing ONNX ModelProto bytes (the subset in proto/onnx/onnx.proto): the project
// writes its small test models, and `tcd models register` reads a model's signature.

export interface OnnxDim {
  dimValue: string;
  dimParam: string;
}
export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: OnnxDim[] } | null } | null } | null;
}
export interface OnnxTensor {
  dims: string[];
  dataType: number;
  floatData: number[];
  int64Data: string[];
  name: string;
  rawData: Uint8Array;
}
export interface OnnxAttribute {
  name: string;
  f: number;
  i: string;
  s: Uint8Array;
  t: OnnxTensor | null;
  floats: number[];
  ints: string[];
  type: number;
}
export interface OnnxNode {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: OnnxAttribute[];
  domain: string;
}
export interface OnnxGraph {
  node: OnnxNode[];
  name: string;
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}
export interface OnnxModel {
  irVersion: string;
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph | null;
  opsetImport: Array<{ domain: string; version: string }>;
}

const modelCodec = codec<OnnxModel>("onnx/onnx.proto", "onnx.ModelProto");

/** ONNX TensorProto.DataType numbers and the names the registry uses. */
export const onnxDtypes: Record<number, string> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  5: "int16",
  6: "int32",
  7: "int64",
  9: "bool",
  10: "float16",
  11: "float64",
};

export function encodeModel(m: OnnxModel): Uint8Array {
  return modelCodec.encode(m);
}

export function decodeModel(bytes: Uint8Array): OnnxModel {
  return modelCodec.decode(bytes);
}

export interface TensorSignature {
  name: string;
  dtype: string;
  /** -1 for a dynamic axis. */
  shape: number[];
}

/** The model's graph inputs (without initializers) and outputs, as the registry records them. */
export function signatureOf(bytes: Uint8Array): { inputs: TensorSignature[]; outputs: TensorSignature[] } {
  const m = decodeModel(bytes);
  if (m.graph === null) throw new Error("not an ONNX model: no graph");
  const inits = new Set(m.graph.initializer.map((t) => t.name));
  const sig = (v: OnnxValueInfo): TensorSignature => {
    const t = v.type?.tensorType;
    return {
      name: v.name,
      dtype: onnxDtypes[t?.elemType ?? 0] ?? `onnx-type-${t?.elemType ?? 0}`,
      shape: (t?.shape?.dim ?? []).map((d) => (d.dimParam !== "" || d.dimValue === "0" ? -1 : Number(d.dimValue))),
    };
  };
  return { inputs: m.graph.input.filter((v) => !inits.has(v.name)).map(sig), outputs: m.graph.output.map(sig) };
}

// ---- builders ----

export function valueInfo(name: string, shape: Array<number | string>, elemType = 1): OnnxValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: shape.map((d) =>
            typeof d === "string" ? { dimValue: "0", dimParam: d } : { dimValue: String(d), dimParam: "" },
          ),
        },
      },
    },
  };
}

export function floatTensor(name: string, dims: number[], data: Float32Array): OnnxTensor {
  return {
    name,
    dims: dims.map(String),
    dataType: 1,
    floatData: [],
    int64Data: [],
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function int64Tensor(name: string, dims: number[], data: number[]): OnnxTensor {
  return {
    name,
    dims: dims.map(String),
    dataType: 7,
    floatData: [],
    int64Data: data.map(String),
    rawData: new Uint8Array(),
  };
}

const attrTypes = { float: 1, int: 2, ints: 7 } as const;

export function node(
  opType: string,
  input: string[],
  output: string[],
  attrs: Record<string, number | number[]> = {},
  floatAttrs: Record<string, number> = {},
): OnnxNode {
  const attribute: OnnxAttribute[] = [];
  for (const [name, v] of Object.entries(attrs)) {
    const base = { name, f: 0, i: "0", s: new Uint8Array(), t: null, floats: [], ints: [] as string[] };
    attribute.push(
      Array.isArray(v)
        ? { ...base, ints: v.map(String), type: attrTypes.ints }
        : { ...base, i: String(v), type: attrTypes.int },
    );
  }
  for (const [name, f] of Object.entries(floatAttrs))
    attribute.push({ name, f, i: "0", s: new Uint8Array(), t: null, floats: [], ints: [], type: attrTypes.float });
  return { input, output, name: `${opType}_${output[0]}`, opType, attribute, domain: "" };
}

export function model(graph: OnnxGraph, opset = 13): OnnxModel {
  return {
    irVersion: "7",
    producerName: "tcompute",
    producerVersion: "1",
    graph,
    opsetImport: [{ domain: "", version: String(opset) }],
  };
}
