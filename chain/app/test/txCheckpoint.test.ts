import assert from "node:assert/strict";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { createTestChain, type TestChain } from "../../testkit/inProcessChain.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { moduleAddress } from "../../../modules/sdk/address.js";
import type { Any } from "cosmjs-types/google/protobuf/any";

// A tx runs on its parent branch under checkpoints (txRunner.ts): what a failing ante or failing
// messages wrote must be gone for the next tx of the same block or of the same mempool state.

const alice = rawKeyFromSeed("cp-alice");
const bob = rawKeyFromSeed("cp-bob");
const carol = rawKeyFromSeed("cp-carol");
const start = 1_000_000n;

async function balance(chain: TestChain, address: string): Promise<bigint> {
  const res = await chain.query(
    "/cosmos.bank.v1beta1.Query/Balance",
    QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(),
  );
  return BigInt(QueryBalanceResponse.decode(res.value).balance!.amount);
}

describe("tx writes under checkpoints (chain/app/txRunner.ts)", () => {
  let chain: TestChain;
  let accountNumber: bigint;
  const tx = (sequence: bigint, msgs: Any[], fee = "500") =>
    signTx(alice, {
      chainId: chain.chainId,
      accountNumber,
      sequence,
      msgs,
      fee: { amount: [{ denom: "utcu", amount: fee }], gasLimit: 200_000n },
      includePubKey: true,
    });
  const send = (to: string, amount: bigint) =>
    msgSendAny(alice.address, to, [{ denom: "utcu", amount: String(amount) }]);

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: start }] }],
    });
    accountNumber = chain.app.accountNumberOf(alice.address)!;
  });

  it("CheckTx: a failing message leaves nothing in the mempool state, not even the fee or sequence", async () => {
    assert.equal((await chain.checkTx(tx(0n, [send(bob.address, 10n * start)]))).code, 5);
    // The same sequence is still the next one, and the fee was not taken: all of the balance moves.
    const all = tx(0n, [send(bob.address, start - 500n)]);
    const r = await chain.checkTx(all);
    assert.equal(r.code, 0, r.log);
    const res = await chain.deliver([all]);
    assert.equal(res.txResults[0]!.code, 0, res.txResults[0]!.log);
    assert.equal(await balance(chain, bob.address), start - 500n);
  });

  it("CheckTx: a failing ante leaves nothing either", async () => {
    assert.equal((await chain.checkTx(tx(0n, [send(bob.address, 1n)], "1"))).code, 13);
    assert.equal((await chain.checkTx(tx(0n, [send(bob.address, start - 500n)]))).code, 0);
  });

  it("FinalizeBlock: failing messages lose all their writes (the first message's too), the fee and sequence stay", async () => {
    const res = await chain.deliver([
      tx(0n, [send(bob.address, 100n), send(carol.address, 10n * start)]),
      tx(1n, [send(carol.address, 7n)]),
    ]);
    assert.deepEqual(
      res.txResults.map((r) => r.code),
      [5, 0],
    );
    assert.equal(await balance(chain, bob.address), 0n, "the first message's send was undone");
    assert.equal(await balance(chain, carol.address), 7n);
    assert.equal(await balance(chain, alice.address), start - 500n - 500n - 7n);
    assert.equal(await balance(chain, moduleAddress("fee_collector")), 1000n);
    // The failed tx emitted only the ante's events (no coin movement of its messages).
    const types = res.txResults[0]!.events.map((e) => e.type);
    assert.ok(!types.includes("message"), "no message event of the failed messages");
  });

  it("a fee the sender cannot pay fails the ante after its sequence bump: the bump is undone", async () => {
    // The sequence is written before the fee is taken; both CheckTx and FinalizeBlock undo it.
    const tooDear = tx(0n, [send(bob.address, 1n)], String(2n * start));
    assert.equal((await chain.checkTx(tooDear)).code, 5);
    const next = tx(0n, [send(bob.address, 3n)]);
    assert.equal((await chain.checkTx(next)).code, 0, "sequence 0 is still the next one in the mempool state");
    const res = await chain.deliver([tooDear, next]);
    assert.deepEqual(
      res.txResults.map((r) => r.code),
      [5, 0],
    );
    assert.equal(await balance(chain, bob.address), 3n);
  });

  it("FinalizeBlock: a failing ante leaves no trace for the next tx of the block", async () => {
    const res = await chain.deliver([tx(0n, [send(bob.address, 1n)], "1"), tx(0n, [send(bob.address, 2n)])]);
    assert.deepEqual(
      res.txResults.map((r) => r.code),
      [13, 0],
    );
    assert.equal(await balance(chain, bob.address), 2n);
    assert.equal(await balance(chain, alice.address), start - 500n - 2n);
  });
});
