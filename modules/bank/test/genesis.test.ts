import assert from "node:assert/strict";
import { createTestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";

describe("genesis init -> export -> init (auth and bank)", () => {
  it("reproduces the same state and app_hash", async () => {
    const alice = rawKeyFromSeed("g-alice");
    const bob = rawKeyFromSeed("g-bob");
    const a = await createTestChain({
      accounts: [
        {
          address: alice.address,
          coins: [
            { denom: "utcu", amount: 5_000_000n },
            { denom: "uother", amount: 7n },
          ],
        },
      ],
    });
    await a.deliver([
      signTx(alice, {
        chainId: a.chainId,
        accountNumber: 0n,
        sequence: 0n,
        msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "1000" }])],
        fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n },
      }),
    ]);
    const exported = exportAppState(a);
    const b = await importAppState(exported);
    const again = exportAppState(b);
    assert.deepEqual(again, exported);
    assert.equal(
      Buffer.from(b.app.appHash).toString("hex"),
      Buffer.from(a.app.appHash).toString("hex"),
      "same state, same app_hash",
    );
  });

  it("refuses invalid genesis states with a clear error", async () => {
    const alice = rawKeyFromSeed("g-alice");
    const bad: Array<[string, (g: Record<string, unknown>) => void, RegExp]> = [
      [
        "supply that does not match balances",
        (s) => ((s["bank"] as { supply: unknown }).supply = [{ denom: "utcu", amount: "1" }]),
        /does not equal the sum of balances/,
      ],
      [
        "a duplicate balance",
        (s) => {
          const bk = s["bank"] as { balances: unknown[] };
          bk.balances.push(bk.balances[0]);
        },
        /duplicate/,
      ],
      [
        "a negative-looking amount",
        (s) =>
          ((s["bank"] as { balances: Array<{ coins: unknown }> }).balances[0]!.coins = [
            { denom: "utcu", amount: "-1" },
          ]),
        /invalid amount/,
      ],
      [
        "a bad min gas price",
        (s) => ((s["auth"] as { params: { min_gas_price: string } }).params.min_gas_price = "abc"),
        /invalid decimal/,
      ],
    ];
    for (const [name, edit, re] of bad) {
      await assert.rejects(
        createTestChain({
          accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 5n }] }],
          editGenesis: (doc) => edit(doc.app_state),
        }),
        re,
        name,
      );
    }
  });
});
