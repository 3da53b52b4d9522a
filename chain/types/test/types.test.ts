import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { merkleRoot, emptyHash } from "../merkle.js";
import { voteSignBytes, SignedMsgType } from "../signBytes.js";
import { formatTime, parseTime } from "../time.js";

const goZeroTime = { seconds: -62135596800n, nanos: 0 };
const nil = { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } };
const sha = (...b: Uint8Array[]) => createHash("sha256").update(Buffer.concat(b)).digest();

describe("CometBFT types", () => {
  it("vote sign bytes match CometBFT's test vectors (types/vote_test.go)", () => {
    assert.deepEqual(
      [...voteSignBytes("", SignedMsgType.precommit, 1n, 1, nil, goZeroTime)],
      [
        0x21, 0x8, 0x2, 0x11, 0x1, 0, 0, 0, 0, 0, 0, 0, 0x19, 0x1, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0xb, 0x8, 0x80, 0x92,
        0xb8, 0xc3, 0x98, 0xfe, 0xff, 0xff, 0xff, 0x1,
      ],
    );
    assert.deepEqual(
      [...voteSignBytes("test_chain_id", 0, 1n, 1, nil, goZeroTime)],
      [
        0x2e, 0x11, 0x1, 0, 0, 0, 0, 0, 0, 0, 0x19, 0x1, 0, 0, 0, 0, 0, 0, 0, 0x2a, 0xb, 0x8, 0x80, 0x92, 0xb8, 0xc3,
        0x98, 0xfe, 0xff, 0xff, 0xff, 0x1, 0x32, 0xd, 0x74, 0x65, 0x73, 0x74, 0x5f, 0x63, 0x68, 0x61, 0x69, 0x6e, 0x5f,
        0x69, 0x64,
      ],
    );
  });

  it("the Merkle tree follows RFC 6962 with CometBFT's split point", () => {
    const leaf = (s: string) => sha(Buffer.from([0]), Buffer.from(s));
    const inner = (l: Uint8Array, r: Uint8Array) => sha(Buffer.from([1]), l, r);
    assert.deepEqual(Buffer.from(emptyHash), sha());
    assert.deepEqual(Buffer.from(merkleRoot([Buffer.from("a")])), leaf("a"));
    const three = merkleRoot(["a", "b", "c"].map((s) => Buffer.from(s)));
    assert.deepEqual(Buffer.from(three), inner(inner(leaf("a"), leaf("b")), leaf("c")));
    const five = merkleRoot(["a", "b", "c", "d", "e"].map((s) => Buffer.from(s)));
    assert.deepEqual(
      Buffer.from(five),
      inner(inner(inner(leaf("a"), leaf("b")), inner(leaf("c"), leaf("d"))), leaf("e")),
    );
  });

  it("formats and parses RFC 3339 times with nanoseconds", () => {
    const t = { seconds: 1_767_225_600n, nanos: 123_456_789 };
    assert.equal(formatTime(t), "2026-01-01T00:00:00.123456789Z");
    assert.deepEqual(parseTime("2026-01-01T00:00:00.123456789Z"), t);
    assert.deepEqual(parseTime("2026-01-01T02:00:00+02:00"), { seconds: 1_767_225_600n, nanos: 0 });
    assert.throws(() => parseTime("yesterday"));
  });
});
