import assert from "node:assert/strict";
import { createTestChain } from "../../testkit/inProcessChain.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { createDecodedTxCache } from "../txCache.js";
import { directSignDigest } from "../../../modules/auth/ante.js";
import type { MsgRoute } from "../../../modules/sdk/module.js";

const alice = rawKeyFromSeed("alice");
const bob = rawKeyFromSeed("bob");
const fee = { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n };

function send(chainId: string, seq: bigint, amount: string, accountNumber = 0n): Uint8Array {
  return signTx(alice, {
    chainId,
    accountNumber,
    sequence: seq,
    msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount }])],
    fee,
  });
}

describe("decoded-tx cache (decode once per node)", () => {
  it("decodes once, forgets at block execution, stays bounded and never keeps bytes that do not decode", () => {
    const route = {
      decode: (b: Uint8Array) => b,
      signers: () => [],
      validateBasic: () => {},
      handle: () => ({ typeUrl: "", value: new Uint8Array() }),
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    } as unknown as MsgRoute<unknown>;
    const cache = createDecodedTxCache(() => route, 2);
    const [a, b, c] = ["1", "2", "3"].map((n) => send("c", 0n, n));
    const first = cache.decode(a!);
    assert.equal(cache.decode(Uint8Array.from(a!)), first, "same bytes, same decoded tx");
    cache.decode(b!);
    cache.decode(c!);
    assert.equal(cache.size, 2, "bounded: the oldest left");
    assert.notEqual(cache.decode(a!), first, "a was evicted and decoded again");
    cache.decode(c!, true);
    assert.equal(cache.size, 1, "executed in a block: forgotten");
    assert.throws(
      () => cache.decode(new Uint8Array([0xff, 0xff])),
      (e: Error & { code?: number }) => e.code === 2,
    );
    assert.throws(
      () => cache.decode(new Uint8Array([0xff, 0xff])),
      (e: Error & { code?: number }) => e.code === 2,
    );
    assert.equal(cache.size, 1);
  });

  it("keeps the sign-doc digest per chain id and account number", () => {
    const route = { decode: (b: Uint8Array) => b } as unknown as MsgRoute<unknown>;
    const tx = createDecodedTxCache(() => route).decode(send("c", 0n, "1"));
    const d0 = directSignDigest(tx, "c", 0n);
    assert.equal(directSignDigest(tx, "c", 0n), d0);
    assert.notDeepEqual(directSignDigest(tx, "c", 1n), d0);
    assert.notDeepEqual(directSignDigest(tx, "other", 0n), d0);
  });

  it("checks state every time: a tx cached at CheckTx is refused in a second block (sequence), a tampered copy fails its signature", async () => {
    const chain = await createTestChain({
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 1_000_000n }] }],
    });
    const tx = send(chain.chainId, 0n, "1000");
    assert.equal((await chain.checkTx(tx)).code, 0);
    // Signed for another account number: its digest differs and the signature does not verify.
    const wrongAccount = send(chain.chainId, 1n, "1000", 7n);
    const r0 = await chain.deliver([tx, tx, wrongAccount]);
    assert.deepEqual(
      r0.txResults.map((r) => r.code),
      [0, 32, 4],
    );
    const again = await chain.deliver([tx]);
    assert.equal(again.txResults[0]!.code, 32, "sequence already used");
    // Same body and auth info, another signature: other bytes, other cache entry, refused (code 4).
    const seq1 = send(chain.chainId, 1n, "1000");
    const bad = Uint8Array.from(seq1);
    bad[bad.length - 5]! ^= 1;
    assert.equal((await chain.checkTx(seq1)).code, 0);
    const r1 = await chain.deliver([bad, seq1]);
    assert.deepEqual(
      r1.txResults.map((r) => r.code),
      [4, 0],
    );
  });
});
