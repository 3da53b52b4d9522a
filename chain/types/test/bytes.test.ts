import assert from "node:assert/strict";
import { bytesEqual } from "../bytes.js";

describe("bytesEqual", () => {
  it("compares the bytes of views in place: offsets, lengths, a byte that differs", () => {
    const whole = Uint8Array.from([9, 1, 2, 3, 9]);
    const view = whole.subarray(1, 4);
    assert.ok(bytesEqual(view, Uint8Array.from([1, 2, 3])));
    assert.ok(bytesEqual(Buffer.from([1, 2, 3]), view));
    assert.ok(!bytesEqual(view, Uint8Array.from([1, 2])), "a prefix is not equal");
    assert.ok(!bytesEqual(view, Uint8Array.from([1, 2, 4])));
    assert.ok(!bytesEqual(whole.subarray(0, 3), view), "same buffer, another offset");
    assert.ok(bytesEqual(new Uint8Array(0), whole.subarray(2, 2)));
  });
});
