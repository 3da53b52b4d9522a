import assert from "node:assert/strict";
import { readAmount } from "../keeper.js";
import { fromUtf8, utf8 } from "../../sdk/store.js";

// readAmount reads short digit strings itself; for every stored value it must give what
// BigInt(fromUtf8(bytes)) gives, the same value or the same kind of error.
function reference(raw: Uint8Array): bigint | string {
  try {
    return BigInt(fromUtf8(raw));
  } catch (e) {
    return (e as Error).name;
  }
}

function actual(raw: Uint8Array): bigint | string {
  try {
    return readAmount(raw);
  } catch (e) {
    return (e as Error).name;
  }
}

describe("bank: readAmount", () => {
  it("reads a missing value as zero", () => {
    assert.equal(readAmount(undefined), 0n);
  });

  it("gives BigInt's value or error for digits, long amounts and malformed values", () => {
    const strings = [
      "",
      "0",
      "7",
      "00012",
      "250",
      "999999999999999",
      "1000000000000000",
      "9007199254740991",
      "9007199254740993",
      "1" + "0".repeat(40),
      (2n ** 256n - 1n).toString(),
      "-5",
      " 12",
      "12 ",
      "0x1f",
      "1e5",
      "12a",
      "/",
      ":",
      "１２",
    ];
    for (const s of strings) assert.equal(actual(utf8(s)), reference(utf8(s)), JSON.stringify(s));
    const invalidUtf8 = new Uint8Array([0x31, 0xff]);
    assert.equal(actual(invalidUtf8), reference(invalidUtf8));
  });
});
