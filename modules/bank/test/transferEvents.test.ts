import assert from "node:assert/strict";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { moduleAddress } from "../../sdk/address.js";
import type { Context } from "../../sdk/context.js";
import { testContext } from "../../sdk/test/fixtures.js";
import { BankKeeper, feeCollectorName } from "../keeper.js";

// transfer formats the amount text once for its three events: they must stay exactly the events
// subCoins, addCoins and the transfer event emit (they are part of tx results and results hash).
describe("bank: transfer events", () => {
  function setup(): { keeper: BankKeeper; ctx: Context } {
    const keeper = new BankKeeper({ ensureAccount: () => null }, new Set());
    const store = new MemoryStore();
    keeper.setParams(store, { defaultSendEnabled: true });
    keeper.initBalance(store, "tc1alice", { denom: "stake", amount: 7n });
    keeper.initBalance(store, "tc1alice", { denom: "utcu", amount: 1000n });
    const ctx = testContext("deliver", { store, chainId: "c", height: 2n });
    return { keeper, ctx };
  }
  const attrs = (kv: Array<[string, string]>): Array<{ key: string; value: string; index: boolean }> =>
    kv.map(([key, value]) => ({ key, value, index: true }));

  it("emits coin_spent, coin_received, transfer with the same amount text, per coin list", () => {
    for (const coins of [
      [{ denom: "utcu", amount: 5n }],
      [
        { denom: "stake", amount: 3n },
        { denom: "utcu", amount: 12n },
      ],
      [{ denom: "utcu", amount: 0n }],
    ]) {
      const { keeper, ctx } = setup();
      keeper.send(ctx, "tc1alice", "tc1bob", coins);
      const amount = coins.map((c) => `${c.amount}${c.denom}`).join(",");
      assert.deepEqual(ctx.events.events, [
        {
          type: "coin_spent",
          attributes: attrs([
            ["spender", "tc1alice"],
            ["amount", amount],
          ]),
        },
        {
          type: "coin_received",
          attributes: attrs([
            ["receiver", "tc1bob"],
            ["amount", amount],
          ]),
        },
        {
          type: "transfer",
          attributes: attrs([
            ["recipient", "tc1bob"],
            ["sender", "tc1alice"],
            ["amount", amount],
          ]),
        },
      ]);
    }
  });

  it("the fee deduction's events equal subCoins + addCoins + transfer emitted one by one", () => {
    const fee = [
      { denom: "stake", amount: 1n },
      { denom: "utcu", amount: 250n },
    ];
    const a = setup();
    a.keeper.deductFee(a.ctx, "tc1alice", fee);
    const b = setup();
    const collector = moduleAddress(feeCollectorName);
    b.keeper.subCoins(b.ctx, "tc1alice", fee);
    b.keeper.addCoins(b.ctx, collector, fee);
    assert.deepEqual(a.ctx.events.events.slice(0, 2), b.ctx.events.events);
    assert.deepEqual(a.ctx.events.events[2], {
      type: "transfer",
      attributes: attrs([
        ["recipient", collector],
        ["sender", "tc1alice"],
        ["amount", "1stake,250utcu"],
      ]),
    });
    assert.equal(a.keeper.getBalance(a.ctx.store, "tc1alice", "utcu"), 750n);
    assert.equal(a.keeper.getBalance(a.ctx.store, collector, "utcu"), 250n);
  });
});
