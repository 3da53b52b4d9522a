import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CodedError } from "../../../modules/sdk/errors.js";
import { ed25519FromSeed, ed25519Verify } from "../../crypto/ed25519.js";
import { proposalSignBytes, SignedMsgType, voteSignBytes } from "../../types/signBytes.js";
import {
  assertSignStateCovers,
  createPrivValidator,
  nodeSignStateFs,
  signerErrors,
  type SignStateFs,
} from "../privValidator.js";

const key = ed25519FromSeed(new Uint8Array(32).fill(3));
const t = { seconds: 1_767_225_600n, nanos: 0 };
const block = (n: number) => ({
  hash: new Uint8Array(32).fill(n),
  partSetHeader: { total: 1, hash: new Uint8Array(32).fill(n) },
});

describe("the file signer (last-sign state)", () => {
  it("signs valid votes, re-signs identical bytes, refuses conflicts and regressions, also after a restart", () => {
    const path = join(mkdtempSync(join(tmpdir(), "tc-pv-")), "priv_validator_state.json");
    let pv = createPrivValidator(key, path);
    const sig = pv.signVote("c", SignedMsgType.prevote, 5n, 0, block(1), t);
    assert.ok(ed25519Verify(key.pubKey, voteSignBytes("c", SignedMsgType.prevote, 5n, 0, block(1), t), sig));
    assert.deepEqual(
      pv.signVote("c", SignedMsgType.prevote, 5n, 0, block(1), t),
      sig,
      "identical request: same signature",
    );
    assert.throws(() => pv.signVote("c", SignedMsgType.prevote, 5n, 0, block(2), t), /conflicting data/);
    pv.signVote("c", SignedMsgType.precommit, 5n, 0, block(1), t);
    assert.throws(() => pv.signVote("c", SignedMsgType.prevote, 5n, 0, block(1), t), /step regression/);
    assert.throws(() => pv.signVote("c", SignedMsgType.precommit, 4n, 3, block(1), t), /height regression/);
    pv = createPrivValidator(key, path); // restart
    assert.throws(
      () => pv.signVote("c", SignedMsgType.precommit, 5n, 0, block(9), t),
      /conflicting data/,
      "remembered across restarts",
    );
    assert.ok(pv.signVote("c", SignedMsgType.precommit, 5n, 1, block(9), t).length === 64, "a later round is fine");
  });
});

describe("the file signer at one height/round/step: the same bytes again, never other bytes", () => {
  const t2 = { seconds: t.seconds, nanos: 1 };
  const fresh = () => join(mkdtempSync(join(tmpdir(), "tc-pv-")), "priv_validator_state.json");

  it("a proposal asked again (identical bytes) gets the same signature, also after a restart", () => {
    const path = fresh();
    const sig = createPrivValidator(key, path).signProposal("c", 5n, 2, -1, block(1), t);
    assert.ok(ed25519Verify(key.pubKey, proposalSignBytes("c", 5n, 2, -1, block(1), t), sig));
    const pv = createPrivValidator(key, path); // restart
    assert.deepEqual(pv.signProposal("c", 5n, 2, -1, block(1), t), sig);
  });

  it("a proposal for another block, another POL round or another time at the same H/R is refused", () => {
    const path = fresh();
    createPrivValidator(key, path).signProposal("c", 5n, 2, -1, block(1), t);
    for (const pv of [createPrivValidator(key, path), createPrivValidator(key, path)]) {
      assert.throws(() => pv.signProposal("c", 5n, 2, -1, block(2), t), /conflicting data at 5\/2\/1/, "another block");
      assert.throws(() => pv.signProposal("c", 5n, 2, 0, block(1), t), /conflicting data/, "another POL round");
      assert.throws(() => pv.signProposal("c", 5n, 2, -1, block(1), t2), /conflicting data/, "another time");
      assert.throws(() => pv.signProposal("other", 5n, 2, -1, block(1), t), /conflicting data/, "another chain");
    }
  });

  it("a vote for another block id, for nil, or at another time at the same H/R/S is refused", () => {
    const path = fresh();
    const pv = createPrivValidator(key, path);
    const sig = pv.signVote("c", SignedMsgType.precommit, 5n, 0, block(1), t);
    const nil = { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } };
    for (const p of [pv, createPrivValidator(key, path)]) {
      assert.throws(() => p.signVote("c", SignedMsgType.precommit, 5n, 0, block(2), t), /conflicting data/);
      assert.throws(() => p.signVote("c", SignedMsgType.precommit, 5n, 0, nil, t), /conflicting data/);
      // CometBFT hands back the old signature (and time) for a vote that differs only by its
      // time; here the time comes from the WAL, and other bytes are never signed.
      assert.throws(() => p.signVote("c", SignedMsgType.precommit, 5n, 0, block(1), t2), /conflicting data/);
      assert.deepEqual(p.signVote("c", SignedMsgType.precommit, 5n, 0, block(1), t), sig);
    }
  });

  it("a step it has passed is refused even for the bytes it signed then (the WAL re-sends those)", () => {
    const pv = createPrivValidator(key, fresh());
    pv.signProposal("c", 5n, 0, -1, block(1), t);
    pv.signVote("c", SignedMsgType.prevote, 5n, 0, block(1), t);
    assert.throws(() => pv.signProposal("c", 5n, 0, -1, block(1), t), /step regression/);
  });
});

describe("corrupt or partial signer state refuses to start", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "tc-pv-"));
  const good = () => {
    const path = join(dir(), "priv_validator_state.json");
    createPrivValidator(key, path).signVote("c", SignedMsgType.prevote, 7n, 2, block(1), t);
    return {
      path,
      text: readFileSync(path, "utf8"),
      json: JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>,
    };
  };
  const refuses = (path: string, text: string, what: RegExp) => {
    writeFileSync(path, text);
    assert.throws(
      () => createPrivValidator(key, path),
      (e: unknown) => {
        assert.ok(e instanceof CodedError, "a coded error");
        assert.ok(e.is(signerErrors.corrupt), `privval 4, got ${e.codespace}:${e.code}`);
        assert.match(e.message, what);
        assert.match(e.message, /Way out: restore/, "says the way out");
        return true;
      },
    );
  };

  it("a state the signer wrote itself loads and keeps guarding", () => {
    const g = good();
    const pv = createPrivValidator(key, g.path);
    assert.equal(pv.last.height, 7n);
    assert.equal(pv.last.round, 2);
    assert.throws(() => pv.signVote("c", SignedMsgType.prevote, 7n, 2, block(2), t), /conflicting data/);
  });

  for (const field of ["height", "round", "step", "signature", "signbytes"]) {
    it(`a missing ${field}`, () => {
      const g = good();
      delete g.json[field];
      refuses(g.path, JSON.stringify(g.json), new RegExp(`field ${field} is missing`));
    });
  }

  it("a state written by the code before the load-time signature check (an upgraded home) loads", () => {
    // Written by main's signer (b86234d) after a proposal and a prevote at 7/2, key seed 3.
    const g = good();
    const old = {
      height: "7",
      round: 2,
      step: 2,
      signature: "lULU/mk0rzfmCmY5zfcYBC6pX8oNfWMnGA8DkN2kSvzn47sFASeNhCyMt3rv3LbwQEtzek+zZ59glj24D0u2Bw==",
      signbytes:
        "69080111070000000000000019020000000000000022480A2001010101010101010101010101010101010101010101010101010101" +
        "0101010112240801122001010101010101010101010101010101010101010101010101010101010101012A060880F2D6CA06320163",
    };
    writeFileSync(g.path, JSON.stringify(old, null, 2));
    const pv = createPrivValidator(key, g.path);
    assert.equal(pv.last.step, 2);
    // The same prevote asked again gets the stored signature; another one is refused.
    assert.deepEqual(
      Buffer.from(pv.signVote("c", SignedMsgType.prevote, 7n, 2, block(1), t)).toString("base64"),
      old.signature,
    );
    assert.throws(() => pv.signVote("c", SignedMsgType.prevote, 7n, 2, block(2), t), /conflicting data/);
  });

  it("a fresh state in CometBFT's format (empty signature and sign bytes left out) loads", () => {
    const g = good();
    writeFileSync(g.path, JSON.stringify({ height: "0", round: 0, step: 0 }));
    const pv = createPrivValidator(key, g.path);
    assert.equal(pv.last.height, 0n);
    assert.equal(pv.last.step, 0);
  });

  const variants: Array<[string, Record<string, unknown>, RegExp]> = [
    ["a non-numeric round (NaN)", { round: "NaN" }, /round "NaN"/],
    ["a non-numeric step", { step: "two" }, /step "two"/],
    ["a null round", { round: null }, /round null/],
    ["a fractional round", { round: 1.5 }, /round 1.5/],
    ["a negative round", { round: -1 }, /round -1/],
    ["a step out of range", { step: 4 }, /step 4/],
    ["a non-numeric height", { height: "seven" }, /height "seven"/],
    ["a negative height", { height: "-3" }, /height "-3"/],
    ["a height as a float", { height: 7.5 }, /height 7.5/],
    ["a height as an object", { height: { n: 7 } }, /height \{"n":7\}/],
    ["a signature of the wrong type", { signature: 12 }, /signature is not a base64 string/],
    ["a truncated signature", { signature: Buffer.alloc(10).toString("base64") }, /signature of 10 bytes/],
    ["signbytes that are not hex", { signbytes: "zz" }, /signbytes is not a hex string/],
    ["a signature without sign bytes", { signbytes: "" }, /without its sign bytes/],
    ["a signature with step 0", { step: 0 }, /a signature without a step/],
  ];
  for (const [name, patch, what] of variants) {
    it(name, () => {
      const g = good();
      refuses(g.path, JSON.stringify({ ...g.json, ...patch }), what);
    });
  }

  it("a signature that is not this validator's over its sign bytes (damaged, edited, another key's)", () => {
    const g = good();
    const sig = Buffer.from(g.json["signature"] as string, "base64");
    sig[0] = sig[0]! ^ 1;
    refuses(g.path, JSON.stringify({ ...g.json, signature: sig.toString("base64") }), /not this validator's/);
    const sb = Buffer.from(g.json["signbytes"] as string, "hex");
    sb[sb.length - 1] = sb[sb.length - 1]! ^ 1;
    refuses(g.path, JSON.stringify({ ...g.json, signbytes: sb.toString("hex") }), /not this validator's/);
    const other = join(dir(), "priv_validator_state.json");
    createPrivValidator(ed25519FromSeed(new Uint8Array(32).fill(4)), other).signVote(
      "c",
      SignedMsgType.prevote,
      7n,
      2,
      block(1),
      t,
    );
    refuses(g.path, readFileSync(other, "utf8"), /another validator's file/);
  });

  it("truncated JSON (a torn write), an empty file, and JSON that is not an object", () => {
    const g = good();
    refuses(g.path, g.text.slice(0, g.text.length / 2), /not JSON/);
    refuses(g.path, "", /not JSON/);
    refuses(g.path, "[1,2]", /not a JSON object/);
    refuses(g.path, "null", /not a JSON object/);
  });

  it("the way out (a fresh state at a height above everything signed) starts", () => {
    const g = good();
    writeFileSync(g.path, JSON.stringify({ height: "9", round: 0, step: 0, signature: "", signbytes: "" }));
    const pv = createPrivValidator(key, g.path);
    assert.throws(() => pv.signVote("c", SignedMsgType.precommit, 8n, 0, block(1), t), /height regression/);
    assert.equal(pv.signVote("c", SignedMsgType.prevote, 9n, 0, block(1), t).length, 64);
  });

  it("a state behind this validator's own signature (height going backwards) refuses", () => {
    const g = good();
    const pv = createPrivValidator(key, g.path);
    assert.doesNotThrow(() => assertSignStateCovers(g.path, pv.last, { height: 7n, round: 2, step: 2, source: "x" }));
    for (const at of [
      { height: 8n, round: 0, step: 3 },
      { height: 7n, round: 3, step: 1 },
      { height: 7n, round: 2, step: 3 },
    ]) {
      assert.throws(
        () => assertSignStateCovers(g.path, pv.last, { ...at, source: "the block store's commit" }),
        (e: unknown) =>
          e instanceof CodedError &&
          e.is(signerErrors.behind) &&
          /height going backwards/.test(e.message) &&
          /Way out/.test(e.message),
      );
    }
  });

  it("writes the state durably: file fsynced, renamed, then its directory fsynced, before the signature is returned", () => {
    const path = join(dir(), "priv_validator_state.json");
    const calls: string[] = [];
    const fs: SignStateFs = {
      writeSynced: (p, text) => (calls.push(`write ${p.slice(path.length)}`), nodeSignStateFs.writeSynced(p, text)),
      rename: (a, b) => (
        calls.push(`rename ${a.slice(path.length)} ${b.slice(path.length)}`),
        nodeSignStateFs.rename(a, b)
      ),
      fsyncDir: (d) => (calls.push(`fsyncDir ${d === dirname(path)}`), nodeSignStateFs.fsyncDir(d)),
    };
    const pv = createPrivValidator(key, path, fs);
    pv.signVote("c", SignedMsgType.prevote, 3n, 0, block(1), t);
    assert.deepEqual(calls, ["write .tmp", "rename .tmp ", "fsyncDir true"]);
    assert.deepEqual(readdirSync(dirname(path)), ["priv_validator_state.json"]);
    // A failed directory sync means the state may not be durable: no signature is released.
    const failing: SignStateFs = {
      ...nodeSignStateFs,
      fsyncDir: () => {
        throw new Error("EIO");
      },
    };
    const pv2 = createPrivValidator(key, path, failing);
    assert.throws(() => pv2.signVote("c", SignedMsgType.precommit, 3n, 0, block(1), t), /EIO/);
    assert.equal(pv2.last.step, 2, "the in-memory state did not advance");
  });
});
