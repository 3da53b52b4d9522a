import assert from "node:assert/strict";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createTestChain } from "../../testkit/inProcessChain.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { createSigPrecheck } from "../sigPrecheck.js";
import { createSigCache, type SigCache } from "../sigVerifier.js";

const alice = rawKeyFromSeed("pre-alice");
const bob = rawKeyFromSeed("pre-bob");
const fee = { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n };

/** A copy of a signed tx with one byte of its signature flipped. */
function flipSignature(tx: Uint8Array, at: number): Uint8Array {
  const raw = TxRaw.decode(tx);
  const sig = Uint8Array.from(raw.signatures[0]!);
  sig[at] = sig[at]! ^ 1;
  return TxRaw.encode({ ...raw, signatures: [sig] }).finish();
}

describe("signature pre-check (worker thread, packed batches)", () => {
  it("remembers exactly the good signatures of a mixed batch, each verdict its own", async () => {
    const chain = await createTestChain({
      accounts: [
        { address: alice.address, coins: [{ denom: "utcu", amount: 10_000_000n }] },
        { address: bob.address, coins: [{ denom: "utcu", amount: 10_000_000n }] },
      ],
    });
    const signed = (k: typeof alice, n: number, accountNumber: bigint) =>
      signTx(k, {
        chainId: chain.chainId,
        accountNumber,
        sequence: BigInt(n),
        msgs: [msgSendAny(k.address, (k === alice ? bob : alice).address, [{ denom: "utcu", amount: "1" }])],
        fee,
      });
    const good = [signed(alice, 0, 0n), signed(bob, 0, 1n), signed(alice, 1, 0n)];
    // Bad: flipped signature bytes (first, last, in s), a valid signature for the wrong account number.
    const bad = [
      flipSignature(good[0]!, 0),
      flipSignature(good[1]!, 63),
      flipSignature(good[2]!, 40),
      signed(alice, 2, 1n),
    ];
    const real = createSigCache();
    const remembered: string[] = [];
    const cache: SigCache = {
      verify: real.verify,
      remember(sig, digest, pubKey) {
        remembered.push(Buffer.from(sig).toString("hex"));
        real.remember(sig, digest, pubKey);
      },
    };
    const pre = createSigPrecheck(
      { threads: 1 },
      {
        cache,
        chainId: () => chain.chainId,
        accountNumberOf: (a) => chain.app.accountNumberOf(a),
        decode: (tx) => chain.app.decodeTx(tx),
        logger: nopLogger,
      },
    );
    try {
      // Interleaved in one tick, so they travel as one packed message.
      const mixed = [bad[0]!, good[0]!, bad[1]!, good[1]!, bad[2]!, good[2]!, bad[3]!];
      await Promise.all(mixed.map((t) => pre.precheck(t)));
      const sigOf = (t: Uint8Array) => Buffer.from(TxRaw.decode(t).signatures[0]!).toString("hex");
      assert.deepEqual(remembered.sort(), good.map(sigOf).sort());
      // A malformed tx is simply not pre-checked.
      await pre.precheck(new Uint8Array([1, 2, 3]));
      assert.equal(remembered.length, 3);
      // And the bad ones still fail CheckTx on their own (the cache only holds verified triples).
      for (const t of bad.slice(0, 2)) {
        const r = await chain.app.checkTx({ tx: t, type: 0 });
        assert.equal(r.code, 4, r.log);
      }
    } finally {
      await pre.close();
    }
  });
});
