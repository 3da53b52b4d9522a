import assert from "node:assert/strict";
import {
  QueryDelegationRewardsRequest,
  QueryDelegationRewardsResponse,
  QueryValidatorCommissionRequest,
  QueryValidatorCommissionResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import {
  MsgWithdrawDelegatorReward,
  MsgWithdrawValidatorCommission,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import {
  QueryBalanceRequest,
  QueryBalanceResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { BranchStore } from "../../../chain/store/branchStore.js";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { AccountKeeper } from "../../auth/keeper.js";
import { BankKeeper } from "../../bank/keeper.js";
import { moduleAddress } from "../../sdk/address.js";
import { decOne } from "../../sdk/coins.js";
import { testContext } from "../../sdk/test/fixtures.js";
import { emissionsQueryCodecs } from "../queryServer.js";
import { StakingKeeper, consensusAddress } from "../../staking/keeper.js";
import {
  any,
  consKey,
  createValidatorMsg,
  dec,
  delegateMsg,
  funded,
  ops,
  txHelpers,
  valoper,
} from "../../../chain/testkit/fixtures.js";
import { communityPoolAccount, distributionAccount, EmissionsKeeper, providerPoolAccount } from "../keeper.js";
import { writeParams, defaultParams } from "../params.js";

const totals = emissionsQueryCodecs.totals;

describe("emissions: issuance and rewards", () => {
  let chain: TestChain;
  const { ok, q } = txHelpers(() => chain);
  const balance = (address: string) =>
    q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(), (b) =>
      BigInt(QueryBalanceResponse.decode(b).balance!.amount),
    );
  const supply = () =>
    q("/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest.encode({ denom: "utcu" }).finish(), (b) =>
      BigInt(QuerySupplyOfResponse.decode(b).amount.amount),
    );
  const minted = () =>
    q("/tcompute.emissions.v1.Query/Totals", new Uint8Array(), (b) => BigInt(totals.decode(b).minted));

  function start(params: Record<string, string>): Promise<TestChain> {
    return createTestChain({
      accounts: funded(ops),
      editGenesis: (d) =>
        Object.assign((d.app_state["emissions"] as { params: Record<string, string> }).params, params),
    });
  }

  it("mints exactly the decaying, capped schedule over 10,000 blocks", async function () {
    this.timeout(120_000);
    chain = await start({
      initial_per_block: "1000003",
      decay_every_blocks: "1000",
      decay_factor: "0.9",
      cap: "6000000000",
      validators_share: "0",
      providers_share: "0",
    });
    const before = await supply();
    // The schedule, computed independently: rate_{k+1} = floor(rate_k * 0.9), capped in total.
    let rate = 1_000_003n;
    let expected = 0n;
    for (let h = 1n; h <= 10_000n; h++) {
      let amount = rate;
      if (expected + amount > 6_000_000_000n) amount = 6_000_000_000n - expected;
      expected += amount;
      if (h % 1000n === 0n) rate = (rate * 9n) / 10n;
    }
    for (let h = 0; h < 10_000; h++) await chain.deliver([]);
    assert.equal(await minted(), expected);
    assert.equal(await supply(), before + expected, "minted coins exist, nothing else was created");
    assert.equal(expected, 6_000_000_000n, "the cap was reached within 10,000 blocks");
    assert.equal(
      await balance(moduleAddress(communityPoolAccount)),
      expected,
      "with no validator or provider share, all of it went to the community pool",
    );
  });

  it("splits rewards by signed power and commission, and what is split adds up to what was minted", async () => {
    chain = await start({
      initial_per_block: "1000000",
      validators_share: "0.6",
      providers_share: "0.3",
      fee_burn_share: "0",
      epoch_blocks: "1000000",
    });
    await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]); // power 10, commission 10%
    await ok(ops[1]!, [createValidatorMsg(1, 30_000_000n)]); // power 30
    // Awkward share counts, so that per-block divisions leave remainders (the invariant that the
    // distribution account covers every pending reward runs after each block).
    await ok(ops[2]!, [delegateMsg(ops[2]!, valoper(ops[0]!), 3_333_337n)]);
    await ok(ops[2]!, [delegateMsg(ops[2]!, valoper(ops[1]!), 7_777_777n)]);
    const pools = async () =>
      (await balance(moduleAddress(distributionAccount))) +
      (await balance(moduleAddress(communityPoolAccount))) +
      (await balance(moduleAddress(providerPoolAccount)));
    const before = await pools();
    const fees = await balance(moduleAddress("fee_collector"));
    const votes = [
      { address: consensusAddress(consKey(0)), power: 13n, signed: true },
      { address: consensusAddress(consKey(1)), power: 37n, signed: true },
    ];
    for (let i = 0; i < 50; i++) await chain.deliver([], { votes });
    assert.equal((await pools()) - before, 50n * 1_000_000n + fees, "every minted coin and fee is in a pool");
    const rewards = (d: number, v: number) =>
      q(
        "/cosmos.distribution.v1beta1.Query/DelegationRewards",
        QueryDelegationRewardsRequest.encode({
          delegatorAddress: ops[d]!.address,
          validatorAddress: valoper(ops[v]!),
        }).finish(),
        (b) => BigInt(QueryDelegationRewardsResponse.decode(b).rewards[0]?.amount ?? "0") / decOne,
      );
    const commission = (i: number) =>
      q(
        "/cosmos.distribution.v1beta1.Query/ValidatorCommission",
        QueryValidatorCommissionRequest.encode({ validatorAddress: valoper(ops[i]!) }).finish(),
        (b) => BigInt(QueryValidatorCommissionResponse.decode(b).commission!.commission[0]!.amount) / decOne,
      );
    const [c0, c1] = [await commission(0), await commission(1)];
    const share0 = c0 + (await rewards(0, 0)) + (await rewards(2, 0));
    const share1 = c1 + (await rewards(1, 1)) + (await rewards(2, 1));
    // 60% of 50 TCU plus the fees, split 13 : 37 by signed power, 10% commission each.
    const total = (50n * 1_000_000n * 6n) / 10n + fees;
    assert.ok(share0 + share1 <= total && total - (share0 + share1) < 200n, `split ${share0 + share1} of ${total}`);
    assert.ok(c0 * 10n <= share0 + 50n && share0 <= c0 * 10n + 50n, `commission ${c0} is 10% of ${share0}`);
    const skew = share1 * 13n - share0 * 37n;
    assert.ok(skew < 13n * 37n * 20n && skew > -13n * 37n * 20n, `v1 : v0 = 37 : 13 (${share1} : ${share0})`);
    const [r0] = [await rewards(0, 0)];
    // Withdrawals pay exactly the pending amounts.
    const b0 = await balance(ops[0]!.address);
    await ok(ops[0]!, [
      any(
        "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
        MsgWithdrawDelegatorReward.encode({
          delegatorAddress: ops[0]!.address,
          validatorAddress: valoper(ops[0]!),
        }).finish(),
      ),
      any(
        "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
        MsgWithdrawValidatorCommission.encode({ validatorAddress: valoper(ops[0]!) }).finish(),
      ),
    ]);
    const gained = (await balance(ops[0]!.address)) - b0 + 1000n; // fee
    assert.ok(
      gained >= r0 + c0 && gained <= r0 + c0 + 200_000n,
      `withdrew ${gained}, pending was ${r0 + c0} (+ one more block's worth)`,
    );
  });

  it("survives export and import with rewards pending", async () => {
    chain = await start({ initial_per_block: "1000000", fee_burn_share: "0.5" });
    await ok(ops[0]!, [
      createValidatorMsg(0, 10_000_000n, {
        commission: { rate: dec("0.05"), maxRate: dec("0.2"), maxChangeRate: dec("0.01") },
      }),
    ]);
    for (let i = 0; i < 5; i++)
      await chain.deliver([], { votes: [{ address: consensusAddress(consKey(0)), power: 10n, signed: true }] });
    const exported = JSON.parse(JSON.stringify(exportAppState(chain))) as Record<string, unknown>;
    const again = await importAppState(exported);
    assert.deepEqual(JSON.parse(JSON.stringify(exportAppState(again))), exported);
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
  });
});

describe("emissions: the provider pool", () => {
  it("burns the protocol fee from each payment and shares the pool by what was burned, each capped below what it burned; self-dealing earns nothing", () => {
    const accounts = new AccountKeeper();
    const bank = new BankKeeper(accounts, new Set());
    const staking = new StakingKeeper(bank);
    const k = new EmissionsKeeper(bank, staking);
    const ctxAt = (height: bigint) => testContext("block", { store, height, seconds: 1000n + height });
    const store = new BranchStore(new MemoryStore());
    writeParams(store, {
      ...defaultParams(),
      initialPerBlock: 1000n,
      validatorsShare: 0n,
      providersShare: (decOne * 3n) / 10n,
      feeBurnShare: 0n,
      epochBlocks: 10n,
      providerCapMultiple: (decOne * 9n) / 10n,
      jobFeeBurnShare: decOne / 10n,
    });
    const [a, b, c] = [0, 1, 2].map((i) => rawKeyFromSeed(`pp-${i}`).address) as [string, string, string];
    for (const x of [a, b, c]) bank.initBalance(store, x, { denom: "utcu", amount: 1_000_000n });
    bank.setSupply(store, "utcu", 3_000_000n);
    for (let h = 1n; h <= 9n; h++) k.beginBlock(ctxAt(h), { lastCommit: [], misbehavior: [] });
    const ctx = ctxAt(9n);
    k.recordVerifiedWork(ctx, a, 100n, b, 5000n); // burns 500: weight 500, cap 450
    k.recordVerifiedWork(ctx, b, 50n, b, 10_000n); // its own job: burns 1,000, weight 0
    k.recordVerifiedWork(ctx, c, 50_000n, a, 20_000n); // burns 2,000: weight 2,000, cap 1,800 (its units weigh nothing)
    assert.equal(bank.getSupply(store, "utcu"), 3_000_000n + 9000n - 3500n, "the protocol fees were burned");
    k.beginBlock(ctxAt(10n), { lastCommit: [], misbehavior: [] }); // epoch end: pool 3,000
    assert.equal(bank.getBalance(store, a, "utcu"), 1_000_000n - 500n + 450n, "a's share (600) is capped at 0.9 × 500");
    assert.equal(bank.getBalance(store, b, "utcu"), 1_000_000n - 1000n);
    assert.equal(
      bank.getBalance(store, c, "utcu"),
      1_000_000n - 2000n + 1800n,
      "c's share (2,400) is capped at 0.9 × 2,000",
    );
    assert.equal(bank.getBalance(store, moduleAddress(providerPoolAccount), "utcu"), 0n);
    assert.equal(
      bank.getBalance(store, moduleAddress(communityPoolAccount), "utcu"),
      10n * 700n + 750n,
      "the community share and the capped-off remainder",
    );
    assert.deepEqual([...k.allWork(store)], [], "the epoch's records are cleared");
  });
});
