import assert from "node:assert/strict";
import { QueryHistoricalInfoRequest, QueryHistoricalInfoResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import {
  createValidatorMsg,
  dave,
  delegateMsg,
  funded,
  ops,
  txHelpers,
  valoper,
} from "../../../chain/testkit/fixtures.js";

// HistoricalInfo answers from the staking records as they were at that height (the SDK's
// TrackHistoricalInfo at every BeginBlock, pruned past historical_entries), not today's set.

describe("staking HistoricalInfo per height", () => {
  let chain: TestChain;
  const { ok } = txHelpers(() => chain);

  async function hist(height: bigint) {
    const r = await chain.query(
      "/cosmos.staking.v1beta1.Query/HistoricalInfo",
      QueryHistoricalInfoRequest.encode({ height }).finish(),
    );
    return r.code === 0
      ? QueryHistoricalInfoResponse.decode(r.value).hist!
      : { code: r.code, codespace: r.codespace, log: r.log };
  }
  const height = async () =>
    (await chain.app.info({ version: "", blockVersion: 11n, p2pVersion: 8n, abciVersion: "2.0.0" })).lastBlockHeight;

  async function setup(entries: number): Promise<void> {
    chain = await createTestChain({
      accounts: funded([...ops, dave]),
      editGenesis: (d) => {
        (d.app_state["staking"] as { params: { historical_entries: number } }).params.historical_entries = entries;
      },
    });
  }

  it("keeps the validators of a past height after the set changed", async () => {
    await setup(100);
    await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
    await chain.deliver([]); // the next BeginBlock records it
    const h1 = await height();
    const before = await hist(h1);
    assert.ok("valset" in before, "log" in before ? before.log : "");
    assert.deepEqual(
      before.valset.map((v) => [v.operatorAddress, v.tokens]),
      [[valoper(ops[0]!), "10000000"]],
    );
    assert.equal(before.header.height, h1);
    assert.equal(before.header.chainId, chain.chainId);

    // The set changes: a second, larger validator, and more stake on the first.
    await ok(ops[1]!, [createValidatorMsg(1, 30_000_000n)]);
    await ok(dave, [delegateMsg(dave, valoper(ops[0]!), 5_000_000n)]);
    await chain.deliver([]);
    const h2 = await height();
    const later = await hist(h2);
    assert.ok("valset" in later);
    assert.deepEqual(
      later.valset.map((v) => [v.operatorAddress, v.tokens]),
      [
        [valoper(ops[1]!), "30000000"],
        [valoper(ops[0]!), "15000000"],
      ],
      "by power, as the SDK sorts",
    );

    const again = await hist(h1);
    assert.ok("valset" in again);
    assert.deepEqual(
      again.valset.map((v) => [v.operatorAddress, v.tokens]),
      [[valoper(ops[0]!), "10000000"]],
      "the old height still shows the old set and the old tokens",
    );
  });

  it("prunes entries older than historical_entries blocks, and keeps none at 0", async () => {
    await setup(3);
    await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
    for (let i = 0; i < 5; i++) await chain.deliver([]);
    const h = await height();
    for (const k of [h, h - 1n, h - 2n]) assert.ok("valset" in (await hist(k)), `height ${k} kept`);
    const gone = await hist(h - 3n);
    assert.deepEqual(gone, {
      code: 22,
      codespace: "sdk",
      log: `rpc error: code = NotFound desc = historical info for height ${h - 3n} not found: key not found`,
    });
    const zero = await hist(0n);
    assert.ok("code" in zero && zero.code === 18, "height 0 is an invalid request");

    await setup(0);
    await chain.deliver([]);
    const none = await hist(await height());
    assert.ok("code" in none && none.code === 22);
  });
});
