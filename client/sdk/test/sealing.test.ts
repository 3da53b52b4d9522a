import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import nacl from "tweetnacl";
import {
  claimKeyOf,
  open,
  openClaimAnswer,
  seal,
  sealOverheadBytes,
  sealToCandidates,
  sketchKeyOf,
  type SealCandidate,
} from "../sealing.js";

// Sealed jobs from the SDK and the CLI: which providers a requester seals its input to, and that
// each copy opens only with that provider's key (docs/jobs.md, "Sealed inputs").

const model = "ab".repeat(32);
const keyOf = (seed: number) => nacl.box.keyPair.fromSecretKey(new Uint8Array(32).fill(seed));
function cand(owner: string, seed: number, over: Partial<SealCandidate> = {}): SealCandidate {
  return {
    owner,
    status: 1,
    models: [model],
    pricePerUnit: "5utcu",
    bond: "1000",
    x25519Pubkey: keyOf(seed).publicKey,
    ...over,
  };
}
const plain = new Uint8Array(Buffer.from("the requester's private input"));

describe("sealing inputs to candidate providers (client/sdk/sealing.ts)", () => {
  it("seals one copy per eligible provider that only its key opens, and puts only the sha256 on chain", () => {
    const s = sealToCandidates(plain, {
      model,
      k: 2,
      maxPricePerUnit: "5utcu",
      providers: [cand("p1", 1), cand("p2", 2)],
    });
    assert.deepEqual(s.input, {
      inline: new Uint8Array(),
      uri: "",
      sha256: createHash("sha256").update(plain).digest("hex"),
    });
    assert.deepEqual(s.sealed.map((x) => x.provider).sort(), ["p1", "p2"]);
    const c1 = s.sealed.find((x) => x.provider === "p1")!.ciphertext;
    assert.equal(c1.length, 32 + plain.length + sealOverheadBytes, "sketch key ‖ input");
    const opened = open(c1, keyOf(1))!;
    assert.deepEqual(opened.subarray(32), plain);
    assert.deepEqual(opened.subarray(0, 32), sketchKeyOf(plain), "the sketch key the requester can recompute");
    assert.deepEqual(
      s.sketchKeyHash,
      new Uint8Array(createHash("sha256").update(sketchKeyOf(plain)).digest()),
      "only its sha256 goes on chain",
    );
    assert.equal(open(c1, keyOf(2)), null, "another provider's key does not open it");
    assert.ok(!Buffer.from(c1).includes(Buffer.from(plain)));
  });

  it('seals the same envelope to each validator\'s audit key, which only that key opens (docs/jobs.md, "Audits of sealed jobs")', () => {
    const s = sealToCandidates(plain, {
      model,
      k: 1,
      maxPricePerUnit: "5utcu",
      providers: [cand("p1", 1)],
      auditors: [
        { validator: "v1", x25519Pubkey: keyOf(11).publicKey },
        { validator: "v2", x25519Pubkey: keyOf(12).publicKey },
        { validator: "v3", x25519Pubkey: new Uint8Array(5) },
      ],
    });
    assert.deepEqual(
      s.auditSealed.map((x) => x.validator),
      ["v1", "v2"],
      "a malformed key gets no copy",
    );
    const envelope = open(s.sealed[0]!.ciphertext, keyOf(1))!;
    assert.deepEqual(open(s.auditSealed[0]!.ciphertext, keyOf(11)), envelope, "the assignees' plaintext");
    assert.deepEqual(open(s.auditSealed[1]!.ciphertext, keyOf(12)), envelope);
    assert.equal(open(s.auditSealed[0]!.ciphertext, keyOf(12)), null);
    assert.deepEqual(
      sealToCandidates(plain, { model, k: 1, maxPricePerUnit: "5utcu", providers: [cand("p1", 1)] }).auditSealed,
      [],
    );
  });

  it("leaves out paused, keyless, other-model, too expensive and other-denom providers; highest bond first, capped", () => {
    const providers = [
      cand("paused", 3, { status: 2 }),
      cand("keyless", 4, { x25519Pubkey: new Uint8Array() }),
      cand("other-model", 5, { models: ["cd".repeat(32)] }),
      cand("dear", 6, { pricePerUnit: "6utcu" }),
      cand("denom", 7, { pricePerUnit: "1uatom" }),
      cand("small", 8, { bond: "10" }),
      cand("big", 9, { bond: "99999" }),
      cand("mid-b", 10, { bond: "500" }),
      cand("mid-a", 11, { bond: "500" }),
    ];
    const s = sealToCandidates(plain, { model, k: 1, maxPricePerUnit: "5utcu", providers });
    assert.deepEqual(
      s.sealed.map((x) => x.provider),
      ["big", "mid-a", "mid-b", "small"],
    );
    assert.deepEqual(
      sealToCandidates(plain, { model, k: 1, maxPricePerUnit: "5utcu", providers, maxSealed: 2 }).sealed.map(
        (x) => x.provider,
      ),
      ["big", "mid-a"],
    );
  });

  it("refuses fewer candidates than k, a bad price and a bad key", () => {
    assert.throws(
      () =>
        sealToCandidates(plain, {
          model,
          k: 3,
          maxPricePerUnit: "5utcu",
          providers: [cand("p1", 1), cand("p2", 2, { status: 3 })],
        }),
      /k = 3 needs 3 candidate provider\(s\).*found 1/,
    );
    assert.throws(
      () => sealToCandidates(plain, { model, k: 1, maxPricePerUnit: "five", providers: [cand("p1", 1)] }),
      /not a coin/,
    );
    assert.throws(() => seal(plain, new Uint8Array(31)), /32 bytes/);
  });
});

describe("non-delivery claim keys (claimKeyOf, openClaimAnswer)", () => {
  const account = new Uint8Array(32).fill(7);
  const provider = "tc1provider";

  it("derives one key per account, chain, job and provider, the same each time, that the secret alone gives away nothing of", () => {
    const k = claimKeyOf(account, "tc-1", "12", provider);
    assert.deepEqual(
      claimKeyOf(account, "tc-1", "12", provider),
      k,
      "the CLI finds the key again for the answer and a dispute",
    );
    assert.deepEqual(nacl.box.keyPair.fromSecretKey(k.secretKey).publicKey, k.publicKey);
    const others = [
      claimKeyOf(account, "tc-1", "13", provider),
      claimKeyOf(account, "tc-1", "1", "2" + provider),
      claimKeyOf(new Uint8Array(32).fill(8), "tc-1", "12", provider),
      claimKeyOf(account, "tc-2", "12", provider),
    ];
    for (const o of others) assert.notDeepEqual(o.publicKey, k.publicKey);
    // "12"/"3…" and "123"/"…" must not meet: the separator is in the derived message. And a
    // chain id with a "/" in it is length-prefixed: ("a/1", "2") is not ("a", "1/2").
    assert.notDeepEqual(
      claimKeyOf(account, "a/1", "2", provider).publicKey,
      claimKeyOf(account, "a", "1/2", provider).publicKey,
    );
    assert.notDeepEqual(
      claimKeyOf(account, "tc-1", "1", "23").publicKey,
      claimKeyOf(account, "tc-1", "12", "3").publicKey,
    );
    assert.ok(
      !Buffer.from(k.secretKey).includes(Buffer.from(account)),
      "a dispute reveals the secret, not the account key",
    );
  });

  it("opens an answer sealed to the claim key and checks it against the committed digest", () => {
    const key = claimKeyOf(account, "tc-1", "12", provider);
    const output = new Uint8Array(Buffer.from("the committed output"));
    const digest = createHash("sha256").update(output).digest();
    const good = openClaimAnswer({ sealedOutput: seal(output, key.publicKey), digest }, key);
    assert.equal(good.matches, true);
    assert.deepEqual(good.payload, output);
    const wrong = openClaimAnswer({ sealedOutput: seal(new Uint8Array([1, 2, 3]), key.publicKey), digest }, key);
    assert.equal(wrong.matches, false, "another output under the right key");
    assert.deepEqual(wrong.payload, new Uint8Array([1, 2, 3]));
    const stranger = claimKeyOf(new Uint8Array(32).fill(9), "tc-1", "12", provider);
    assert.deepEqual(openClaimAnswer({ sealedOutput: seal(output, key.publicKey), digest }, stranger), {
      payload: null,
      matches: false,
    });
    assert.deepEqual(openClaimAnswer({ sealedOutput: new Uint8Array(), digest }, key), {
      payload: null,
      matches: false,
    });
    assert.deepEqual(openClaimAnswer({ sealedOutput: new Uint8Array(10), digest }, key), {
      payload: null,
      matches: false,
    });
  });
});
