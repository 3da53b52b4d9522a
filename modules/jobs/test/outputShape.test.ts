import assert from "node:assert/strict";
import type { Job } from "../domain.js";
import { outputLengthBounds, outputLengthProblem } from "../outputShape.js";

// The output element counts a reveal may claim (outputShape.ts), from the model's output shapes
// and the job's inputs: static shapes exactly, dynamic axes bounded by each input's bytes.

const jobWith = (over: Partial<Job>): Job => ({ inputs: [], sealed: [], ...over }) as Job;
const inline = (n: number) => ({ inline: new Uint8Array(n), uri: "", sha256: "", size: 0n });

describe("output lengths a reveal may claim", () => {
  it("static shapes exactly, per input; dynamic axes a multiple of the static product, at most the input's bytes", () => {
    const two = jobWith({ inputs: [inline(3), inline(5)] });
    assert.deepEqual(outputLengthBounds(two, [{ shape: [64] }, { shape: [2, 3] }]), { min: 140n, max: 140n, step: 0n });
    assert.equal(outputLengthProblem(two, [{ shape: [64] }, { shape: [2, 3] }], 140), null);
    assert.match(outputLengthProblem(two, [{ shape: [64] }], 129)!, /have 128 elements/);
    assert.deepEqual(outputLengthBounds(two, [{ shape: [-1, 64] }]), { min: 0n, max: 512n, step: 64n });
    assert.equal(outputLengthProblem(two, [{ shape: [-1, 64] }], 128), null);
    assert.match(outputLengthProblem(two, [{ shape: [-1, 64] }], 70_016)!, /0 to 512/);
    assert.match(outputLengthProblem(two, [{ shape: [-1, 64] }], 100)!, /multiple of 64/);
  });

  it("a URI input of undeclared size leaves dynamic axes unbounded; a declared size or a sealed copy bounds them", () => {
    const uri = (size: bigint) =>
      jobWith({ inputs: [{ inline: new Uint8Array(), uri: "https://x/in", sha256: "ab".repeat(32), size }] });
    assert.equal(outputLengthBounds(uri(0n), [{ shape: [-1, 8] }]).max, null);
    assert.equal(outputLengthProblem(uri(0n), [{ shape: [-1, 8] }], 8_000_000), null);
    assert.equal(outputLengthBounds(uri(10n), [{ shape: [-1, 8] }]).max, 80n);
    const sealed = jobWith({
      inputs: [{ inline: new Uint8Array(), uri: "", sha256: "ab".repeat(32), size: 0n }],
      sealed: [{ provider: "p", ciphertext: new Uint8Array(120) }],
    });
    assert.deepEqual(outputLengthBounds(sealed, [{ shape: [-1, 4] }]), { min: 0n, max: 480n, step: 4n });
    // No registered shapes (the model is gone): nothing to check against.
    assert.equal(outputLengthProblem(sealed, [], 1), null);
  });
});
