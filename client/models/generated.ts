import { createHash } from "node:crypto";
import { encodeModel, floatTensor, model, node, valueInfo, type OnnxNode, type OnnxTensor } from "./onnx.js";

// Small models the project writes itself, for tests and the demo: an MLP and a convolutional
// classifier of chosen sizes, with weights drawn from a seed so that the same options always
// give the same bytes (and so the same sha256 on every machine).

/** Deterministic weights in [-scale, scale): sha256 in counter mode. */
function weights(seed: string, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let block = Buffer.alloc(0);
  for (let i = 0, counter = 0; i < n; i++) {
    if ((i * 4) % 32 === 0) block = createHash("sha256").update(`${seed}/${counter++}`).digest();
    out[i] = (block.readUInt32BE((i * 4) % 32) / 0x1_0000_0000 - 0.5) * 2 * scale;
  }
  return out;
}

export interface MlpOptions {
  inputs: number;
  hidden: number[];
  outputs: number;
  seed?: string;
  /** Drop the last layer (a "truncated" model that must not pass as the real one). */
  truncate?: boolean;
}

/** y = Gemm(…Relu(Gemm(x, W1, b1))…): input "x" [batch, inputs], output "y" [batch, outputs]. */
export function mlp(o: MlpOptions): Uint8Array {
  const seed = o.seed ?? "tcompute/mlp";
  const sizes = [o.inputs, ...o.hidden, o.outputs];
  const nodes: OnnxNode[] = [];
  const inits: OnnxTensor[] = [];
  let prev = "x";
  const layers = o.truncate === true ? sizes.length - 2 : sizes.length - 1;
  for (let l = 0; l < layers; l++) {
    const [fanIn, fanOut] = [sizes[l]!, sizes[l + 1]!];
    inits.push(floatTensor(`W${l}`, [fanIn, fanOut], weights(`${seed}/W${l}`, fanIn * fanOut, Math.sqrt(6 / fanIn))));
    inits.push(floatTensor(`b${l}`, [fanOut], weights(`${seed}/b${l}`, fanOut, 0.1)));
    const last = l === layers - 1;
    const out = last ? "y" : `h${l}`;
    nodes.push(node("Gemm", [prev, `W${l}`, `b${l}`], [last ? out : `g${l}`]));
    if (!last) nodes.push(node("Relu", [`g${l}`], [out]));
    prev = out;
  }
  const outDim = sizes[layers]!;
  return encodeModel(
    model({
      name: "mlp",
      node: nodes,
      initializer: inits,
      input: [valueInfo("x", ["batch", o.inputs])],
      output: [valueInfo("y", ["batch", outDim])],
    }),
  );
}

export interface CnnOptions {
  channels: number;
  size: number;
  filters: number;
  classes: number;
  seed?: string;
}

/** Conv 3×3 → Relu → Conv 3×3 → Relu → global average pool → Gemm: logits "logits" [batch, classes]. */
export function cnn(o: CnnOptions): Uint8Array {
  const seed = o.seed ?? "tcompute/cnn";
  const k = 3;
  const inits = [
    floatTensor(
      "C0",
      [o.filters, o.channels, k, k],
      weights(`${seed}/C0`, o.filters * o.channels * k * k, Math.sqrt(6 / (o.channels * k * k))),
    ),
    floatTensor("c0", [o.filters], weights(`${seed}/c0`, o.filters, 0.1)),
    floatTensor(
      "C1",
      [o.filters, o.filters, k, k],
      weights(`${seed}/C1`, o.filters * o.filters * k * k, Math.sqrt(6 / (o.filters * k * k))),
    ),
    floatTensor("c1", [o.filters], weights(`${seed}/c1`, o.filters, 0.1)),
    floatTensor("W", [o.filters, o.classes], weights(`${seed}/W`, o.filters * o.classes, Math.sqrt(6 / o.filters))),
    floatTensor("b", [o.classes], weights(`${seed}/b`, o.classes, 0.1)),
  ];
  const conv = { kernel_shape: [k, k], pads: [1, 1, 1, 1] };
  const nodes = [
    node("Conv", ["image", "C0", "c0"], ["a0"], conv),
    node("Relu", ["a0"], ["r0"]),
    node("Conv", ["r0", "C1", "c1"], ["a1"], conv),
    node("Relu", ["a1"], ["r1"]),
    node("GlobalAveragePool", ["r1"], ["p"]),
    node("Flatten", ["p"], ["f"], { axis: 1 }),
    node("Gemm", ["f", "W", "b"], ["logits"]),
  ];
  return encodeModel(
    model({
      name: "cnn",
      node: nodes,
      initializer: inits,
      input: [valueInfo("image", ["batch", o.channels, o.size, o.size])],
      output: [valueInfo("logits", ["batch", o.classes])],
    }),
  );
}
