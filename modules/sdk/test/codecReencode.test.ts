import assert from "node:assert/strict";
import { claimCodecs } from "../../jobs/claims.js";

// Codec.reencode is what keeps an amino-signed tcompute message to one encoding
// (modules/auth/txForm.ts): the bytes come back equal only when they are canonical.

const s = (field: number, text: string) => Buffer.from([(field << 3) | 2, text.length, ...Buffer.from(text)]);

describe("Codec.reencode: canonical bytes only come back equal", () => {
  const c = claimCodecs.queryClaimRequest; // job_id = 1, provider = 2 (strings)
  const canonical = Buffer.concat([s(1, "7"), s(2, "tc1x")]);

  it("gives canonical bytes back unchanged, and what encode writes is canonical", () => {
    assert.deepEqual(Buffer.from(c.reencode(canonical)), canonical);
    assert.deepEqual(Buffer.from(c.encode({ jobId: "7", provider: "tc1x" })), canonical);
    assert.deepEqual(Buffer.from(c.encode({ jobId: "7", provider: "" })), s(1, "7"), "no default written");
  });

  it("changes every other encoding of the same message: order, defaults, unknown and repeated fields", () => {
    const variants: Array<[string, Buffer]> = [
      ["fields out of order", Buffer.concat([s(2, "tc1x"), s(1, "7")])],
      ["a default written explicitly", Buffer.concat([s(1, "7"), Buffer.from([0x12, 0x00])])],
      ["an unknown field", Buffer.concat([canonical, Buffer.from([0x18, 0x01])])],
      ["a field given twice", Buffer.concat([s(1, "9"), canonical])],
    ];
    for (const [name, v] of variants) {
      assert.equal(c.decode(v).jobId, "7", `${name} decodes to the same message`);
      assert.notDeepEqual(Buffer.from(c.reencode(v)), v, name);
    }
  });
});
