import assert from "node:assert/strict";
import { hash } from "node:crypto";
import { SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { xorshift32 } from "../../../chain/testkit/xorshift.js";
import { directSignDigest, encodeSignDoc } from "../ante.js";
import type { DecodedTx } from "../tx.js";
import { decodeAccount, encodeAccount, encodeGeneratedAccount, type Account } from "../keeper.js";

// encodeAccount and encodeSignDoc write the common case (ASCII strings, numbers below 2^53)
// directly instead of through cosmjs-types' writer. The bytes are consensus (accounts are
// state, the sign doc is what was signed): they must be the generated encoder's for every input,
// at every varint length boundary, and the fallback must take everything else.

const key33 = new Uint8Array(33).map((_, i) => (i * 7 + 3) & 0xff);
const boundaries = [
  0n,
  1n,
  127n,
  128n,
  16_383n,
  16_384n,
  2n ** 21n - 1n,
  2n ** 21n,
  2n ** 28n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 35n,
  2n ** 49n - 1n,
  2n ** 49n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 56n,
  2n ** 63n,
  2n ** 64n - 1n,
];

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

describe("auth: the direct account and sign-doc encoders", () => {
  it("encode accounts as BaseAccount.encode does, at every varint boundary", () => {
    const addresses = ["tc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", "", "a", "x".repeat(127), "x".repeat(128)];
    const keysOf = [null, key33, new Uint8Array()];
    for (const address of addresses)
      for (const pubKey of keysOf)
        for (const accountNumber of boundaries)
          for (const sequence of [0n, 1n, 300n, 2n ** 53n - 1n, 2n ** 53n]) {
            const a: Account = { address, pubKey, accountNumber, sequence };
            const what = `${address.length}-char address, key ${pubKey?.length ?? "none"}, #${accountNumber}, seq ${sequence}`;
            assert.equal(hex(encodeAccount(a)), hex(encodeGeneratedAccount(a)), what);
          }
  });

  it("falls back to the generated encoder for non-ASCII addresses, other key sizes and multisig", () => {
    const cases: Account[] = [
      { address: "tc1é", pubKey: key33, accountNumber: 1n, sequence: 2n },
      { address: "tc1\u007f\u0080", pubKey: null, accountNumber: 1n, sequence: 2n },
      { address: "tc1aaa", pubKey: new Uint8Array(65).fill(4), accountNumber: 1n, sequence: 2n },
      { address: "tc1aaa", pubKey: new Uint8Array(32).fill(4), accountNumber: 1n, sequence: 2n },
      {
        address: "tc1bbb",
        pubKey: null,
        multisig: { threshold: 1, pubKeys: [key33] },
        accountNumber: 3n,
        sequence: 4n,
      },
    ];
    for (const a of cases) {
      assert.equal(hex(encodeAccount(a)), hex(encodeGeneratedAccount(a)), a.address);
      assert.deepEqual(decodeAccount(encodeAccount(a)), decodeAccount(encodeGeneratedAccount(a)), a.address);
    }
  });

  it("encode random accounts as BaseAccount.encode does (seed 17)", () => {
    const rnd = xorshift32(17);
    for (let i = 0; i < 2000; i++) {
      const address = "tc1" + "q".repeat(rnd() % 60);
      const pubKey = rnd() % 3 === 0 ? null : key33.map((b) => b ^ (rnd() & 0xff));
      const big = () => (BigInt(rnd()) << BigInt(rnd() % 33)) + BigInt(rnd() % 1000);
      const a: Account = { address, pubKey, accountNumber: big(), sequence: big() };
      assert.equal(hex(encodeAccount(a)), hex(encodeGeneratedAccount(a)), `case ${i}`);
    }
  });

  it("encode sign docs as SignDoc.encode does", () => {
    const sizes = [0, 1, 127, 128, 300, 16_384];
    const chainIds = ["", "tcompute-1", "x".repeat(127), "x".repeat(128), "chaîne"];
    for (const bodySize of sizes)
      for (const authSize of [0, 100, 128])
        for (const chainId of chainIds)
          for (const accountNumber of boundaries) {
            const bodyBytes = new Uint8Array(bodySize).fill(0xab);
            const authInfoBytes = new Uint8Array(authSize).fill(0xcd);
            const want = SignDoc.encode({ bodyBytes, authInfoBytes, chainId, accountNumber }).finish();
            assert.equal(
              hex(encodeSignDoc(bodyBytes, authInfoBytes, chainId, accountNumber)),
              hex(want),
              `body ${bodySize}, auth info ${authSize}, chain id ${JSON.stringify(chainId)}, #${accountNumber}`,
            );
          }
  });

  it("digest sign docs of any size as sha256 of SignDoc.encode, one after another", () => {
    // The digest's sign doc is written into a reused buffer: a larger one after a smaller one,
    // and a smaller one after, must each hash their own bytes only.
    for (const bodySize of [10, 300, 5000, 20, 9000, 0]) {
      const bodyBytes = new Uint8Array(bodySize).map((_, i) => i & 0xff);
      const authInfoBytes = new Uint8Array(90).fill(bodySize & 0xff);
      const tx = { bodyBytes, authInfoBytes, derived: {} } as unknown as DecodedTx;
      const want = hash(
        "sha256",
        SignDoc.encode({ bodyBytes, authInfoBytes, chainId: "tcompute-1", accountNumber: 42n }).finish(),
        "hex",
      );
      assert.equal(Buffer.from(directSignDigest(tx, "tcompute-1", 42n)).toString("hex"), want, `body ${bodySize}`);
    }
  });
});
