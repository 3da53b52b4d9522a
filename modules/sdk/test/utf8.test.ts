import assert from "node:assert/strict";
import { fromUtf8, utf8 } from "../store.js";

// utf8() copies short ASCII itself; the bytes must be TextEncoder's for every string.
describe("sdk: utf8", () => {
  it("gives TextEncoder's bytes for ASCII, non-ASCII, long strings and lone surrogates", () => {
    const enc = new TextEncoder();
    const strings = [
      "",
      "0",
      "1000000000000000",
      "\u0000\u007f",
      "é",
      "12345é",
      "€ and 🧪",
      "lone \ud800",
      "x".repeat(32),
      "x".repeat(33),
      "9".repeat(31) + "é",
    ];
    for (const s of strings) {
      assert.deepEqual(utf8(s), enc.encode(s), JSON.stringify(s));
      if (!/[\ud800-\udfff]/.test(s) || /\ud83e\uddea/.test(s)) assert.equal(fromUtf8(utf8(s)), s);
    }
  });
});
