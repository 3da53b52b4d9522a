import assert from "node:assert/strict";
import {
  decodeResult,
  decodeTensors,
  encodeResult,
  encodeTensors,
  encodeTensorsPb,
  flatten,
  sketchInput,
  type Tensor,
} from "../tensors.js";

const cases: Array<Record<string, Tensor>> = [
  { y: { dtype: "float32", shape: [1, 32], data: Float32Array.from({ length: 32 }, (_, i) => i / 3) } },
  {
    out: { dtype: "float32", shape: [1, 1, 300, 200], data: new Float32Array(60_000).fill(0.5) },
    hn: { dtype: "float32", shape: [2, 1, 64], data: new Float32Array(128) },
    a: { dtype: "int64", shape: [], data: BigInt64Array.of(-5n) },
  },
  { "": { dtype: "uint8", shape: [0], data: new Uint8Array() } },
  {
    é名: { dtype: "bool", shape: [3], data: Uint8Array.of(1, 0, 1) },
    z: { dtype: "int8", shape: [2, 1], data: Int8Array.of(-1, 2) },
    m: { dtype: "float64", shape: [1], data: Float64Array.of(Math.PI) },
  },
];

describe("result payload encoding (a worker's per-job path)", () => {
  it("writes exactly the bytes protobufjs writes, and decodes back", () => {
    for (const c of cases) {
      assert.deepEqual(Buffer.from(encodeTensors(c)), Buffer.from(encodeTensorsPb(c)));
      assert.deepEqual(decodeTensors(encodeTensors(c)), decodeTensors(encodeTensorsPb(c)));
    }
    const payload = encodeResult(cases);
    // The payload as it was written before: field 1 per bundle around protobufjs's bundle bytes.
    const old = Buffer.concat(
      cases.flatMap((c) => {
        const b = encodeTensorsPb(c);
        const head = [0x0a];
        for (let n = b.length; ; n >>>= 7) {
          if (n < 0x80) {
            head.push(n);
            break;
          }
          head.push((n & 0x7f) | 0x80);
        }
        return [Uint8Array.from(head), b];
      }),
    );
    assert.deepEqual(Buffer.from(payload), old);
    assert.deepEqual(decodeResult(payload).map(flatten), cases.map(flatten));
  });

  it("sketches the elements flatten gives, without a copy for a single tensor", () => {
    const one = cases[0]!;
    assert.equal(sketchInput([one]), one["y"]!.data);
    const all = [cases[1]!, cases[3]!];
    assert.deepEqual(Array.from(sketchInput(all)), [...flatten(cases[1]!), ...flatten(cases[3]!)]);
    assert.deepEqual(Array.from(sketchInput([cases[2]!])), []);
  });
});
