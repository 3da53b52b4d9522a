import assert from "node:assert/strict";
import { BranchStore } from "../../../chain/store/branchStore.js";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { testContext } from "../../sdk/test/fixtures.js";
import { bankErrors } from "../errors.js";
import { BankKeeper } from "../keeper.js";

// bank remembers its decoded params per stored value: a change of params (a gov proposal, in a
// block's branch) must be seen at once, and the branch's parent must keep seeing its own value.
describe("bank: decoded params", () => {
  it("follows a change of params at once, per store, and callers cannot alter the memo", () => {
    const keeper = new BankKeeper({ ensureAccount: () => null }, new Set());
    const committed = new MemoryStore();
    keeper.setParams(committed, { defaultSendEnabled: true });
    keeper.initBalance(committed, "tc1alice", { denom: "utcu", amount: 10n });
    const got = keeper.getParams(committed);
    assert.equal(got.defaultSendEnabled, true);
    got.defaultSendEnabled = false; // a caller changing its copy
    assert.equal(keeper.getParams(committed).defaultSendEnabled, true);

    const block = new BranchStore(committed);
    keeper.setParams(block, { defaultSendEnabled: false });
    const ctx = testContext("deliver", { store: block, chainId: "c", height: 2n });
    assert.throws(
      () => keeper.send(ctx, "tc1alice", "tc1bob", [{ denom: "utcu", amount: 1n }]),
      (e: Error & { code?: number }) => e.code === bankErrors.sendDisabled.code,
    );
    assert.equal(keeper.getParams(committed).defaultSendEnabled, true, "the parent keeps its value");
    keeper.setParams(block, { defaultSendEnabled: true });
    keeper.send(ctx, "tc1alice", "tc1bob", [{ denom: "utcu", amount: 1n }]);
    assert.equal(keeper.getBalance(block, "tc1bob", "utcu"), 1n);
  });
});
