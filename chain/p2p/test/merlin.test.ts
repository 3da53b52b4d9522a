import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { keccakF1600, MerlinTranscript } from "../merlin.js";

/** SHA3-256 built on our permutation (rate 136, domain 0x06), to check it against node:crypto. */
function sha3(msg: Uint8Array): string {
  const st = new Uint8Array(200);
  const padded = new Uint8Array(Math.ceil((msg.length + 1) / 136) * 136);
  padded.set(msg);
  padded[msg.length] = 0x06;
  padded[padded.length - 1]! |= 0x80;
  for (let off = 0; off < padded.length; off += 136) {
    for (let i = 0; i < 136; i++) st[i] = st[i]! ^ padded[off + i]!;
    keccakF1600(st);
  }
  return Buffer.from(st.subarray(0, 32)).toString("hex");
}

describe("Merlin transcripts (CometBFT's handshake challenge)", () => {
  it("Keccak-f[1600] gives node:crypto's SHA3-256 for messages of several blocks", () => {
    for (const n of [0, 1, 135, 136, 137, 500]) {
      const m = new Uint8Array(n).map((_, i) => (i * 7 + 3) & 0xff);
      assert.equal(sha3(m), createHash("sha3-256").update(m).digest("hex"), `length ${n}`);
    }
  });

  it("matches merlin's simple test vector", () => {
    const t = new MerlinTranscript("test protocol");
    t.appendMessage("some label", new TextEncoder().encode("some data"));
    assert.equal(
      Buffer.from(t.extractBytes("challenge", 32)).toString("hex"),
      "d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615",
    );
  });

  it("matches merlin's complex test vector (1 KiB messages across many permutations)", () => {
    const t = new MerlinTranscript("test protocol");
    t.appendMessage("step1", new TextEncoder().encode("some data"));
    const data = new Uint8Array(1024).fill(99);
    let chl: Uint8Array = new Uint8Array();
    for (let i = 0; i < 32; i++) {
      chl = t.extractBytes("challenge", 32);
      t.appendMessage("bigdata", data);
      t.appendMessage("challengedata", chl);
    }
    assert.equal(Buffer.from(chl).toString("hex"), "a8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c");
  });
});
