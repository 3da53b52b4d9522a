import assert from "node:assert/strict";
import type { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { encodeAddress } from "../../sdk/address.js";
import { coinsFromProto } from "../../sdk/coins.js";
import { testContext } from "../../sdk/test/fixtures.js";
import { BankKeeper } from "../keeper.js";
import { bankMsgRoutes } from "../msgServer.js";

// A MsgSend's amount is parsed once per decoded message and shared by validateBasic and handle
// (every run of the tx). A bad amount must fail every time, and the shared coins must be the
// parse's and must not be changeable by the code they are passed to.
describe("bank: MsgSend's amount, parsed once per message", () => {
  const alice = encodeAddress(new Uint8Array(20).fill(1));
  const bob = encodeAddress(new Uint8Array(20).fill(2));
  function setup() {
    const keeper = new BankKeeper({ ensureAccount: () => null } as never, new Set());
    const store = new MemoryStore();
    keeper.setParams(store, { defaultSendEnabled: true });
    keeper.initBalance(store, alice, { denom: "utcu", amount: 1000n });
    const send = bankMsgRoutes(keeper).find((r) => r.typeUrl === "/cosmos.bank.v1beta1.MsgSend")!;
    return { keeper, store, send };
  }

  it("fails validateBasic on a bad amount at every call, not only the first", () => {
    const { send } = setup();
    for (const amount of [[{ denom: "utcu", amount: "-1" }], [{ denom: "u", amount: "5" }]]) {
      const m: MsgSend = { fromAddress: alice, toAddress: bob, amount };
      for (let i = 0; i < 3; i++)
        assert.throws(() => send.validateBasic(m), /invalid/, `${JSON.stringify(amount)} call ${i}`);
    }
  });

  it("moves the parsed amount at every handle, the same as a fresh parse", () => {
    const { keeper, store, send } = setup();
    const m: MsgSend = { fromAddress: alice, toAddress: bob, amount: [{ denom: "utcu", amount: "7" }] };
    send.validateBasic(m);
    for (let i = 1; i <= 3; i++) {
      send.handle(testContext("deliver", { store, chainId: "c", height: 2n }), m);
      assert.equal(keeper.getBalance(store, bob, "utcu"), 7n * BigInt(i));
    }
    assert.deepEqual(coinsFromProto(m.amount), [{ denom: "utcu", amount: 7n }]);
  });
});
