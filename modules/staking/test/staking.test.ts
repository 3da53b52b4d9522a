import assert from "node:assert/strict";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import {
  QueryDelegationRequest,
  QueryDelegationResponse,
  QueryDelegatorDelegationsRequest,
  QueryDelegatorDelegationsResponse,
  QueryPoolResponse,
  QueryRedelegationsRequest,
  QueryRedelegationsResponse,
  QueryUnbondingDelegationRequest,
  QueryUnbondingDelegationResponse,
  QueryValidatorRequest,
  QueryValidatorResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { MsgEditValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import {
  any,
  consKey,
  createValidatorMsg,
  dave,
  dec,
  delegateMsg,
  funded,
  ops,
  redelegateMsg,
  txHelpers,
  undelegateMsg,
  valoper,
} from "../../../chain/testkit/fixtures.js";
import { moduleAddress } from "../../sdk/address.js";
import { prefixRange } from "../../sdk/store.js";

describe("staking on an in-process chain", () => {
  let chain: TestChain;

  const { tx, ok, fails, q } = txHelpers(() => chain);

  const validator = (v: string) =>
    q(
      "/cosmos.staking.v1beta1.Query/Validator",
      QueryValidatorRequest.encode({ validatorAddr: v }).finish(),
      (b) => QueryValidatorResponse.decode(b).validator,
    );
  const pool = () => q("/cosmos.staking.v1beta1.Query/Pool", new Uint8Array(), (b) => QueryPoolResponse.decode(b).pool);
  const balance = (address: string) =>
    q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(), (b) =>
      BigInt(QueryBalanceResponse.decode(b).balance!.amount),
    );
  const powerUpdates = (res: ResponseFinalizeBlock) => res.validatorUpdates.map((u) => [u.pubKey.ed25519![0], u.power]);

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: funded([...ops, dave]),
      editGenesis: (d) => {
        const p = (d.app_state["staking"] as { params: { unbonding_time: string; max_validators: number } }).params;
        p.unbonding_time = "5s"; // blocks are one second apart in the test chain
        p.max_validators = 2;
      },
    });
  });

  it("creates a validator: stake bonded, power handed to consensus, queries answer as cosmjs expects", async () => {
    const res = await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
    assert.deepEqual(powerUpdates(res), [[40, 10n]], "power = tokens / 10^6, effective at H+2");
    const v = await validator(valoper(ops[0]!));
    assert.equal(v.status, BondStatus.BOND_STATUS_BONDED);
    assert.equal(v.tokens, "10000000");
    assert.equal(v.delegatorShares, (10_000_000n * 10n ** 18n).toString());
    assert.deepEqual(await pool(), { bondedTokens: "10000000", notBondedTokens: "0" });
    assert.equal(await balance(moduleAddress("bonded_tokens_pool")), 10_000_000n);
    const list = await q(
      "/cosmos.staking.v1beta1.Query/Validators",
      QueryValidatorsRequest.encode({ status: "BOND_STATUS_BONDED" }).finish(),
      (b) => QueryValidatorsResponse.decode(b),
    );
    assert.deepEqual(
      list.validators.map((x) => x.operatorAddress),
      [valoper(ops[0]!)],
    );
    assert.ok(res.txResults[0]!.events.some((e) => e.type === "create_validator"));
    // The same operator or the same consensus key cannot register twice.
    await fails(ops[0]!, [createValidatorMsg(0, 10_000_000n)], "staking", 4);
    await fails(
      ops[1]!,
      [
        createValidatorMsg(1, 10_000_000n, {
          pubkey: any("/cosmos.crypto.ed25519.PubKey", Ed25519PubKey.encode({ key: consKey(0) }).finish()),
        }),
      ],
      "staking",
      5,
    );
  });

  it("delegates, undelegates through the unbonding period, and pays out at completion", async () => {
    await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
    const v0 = valoper(ops[0]!);
    const before = await balance(dave.address);
    const d = await ok(dave, [delegateMsg(dave, v0, 5_000_000n)]);
    assert.deepEqual(powerUpdates(d), [[40, 15n]]);
    const del = await q(
      "/cosmos.staking.v1beta1.Query/Delegation",
      QueryDelegationRequest.encode({ delegatorAddr: dave.address, validatorAddr: v0 }).finish(),
      (b) => QueryDelegationResponse.decode(b).delegationResponse!,
    );
    assert.equal(del.balance.amount, "5000000");
    const u = await ok(dave, [undelegateMsg(dave, v0, 2_000_000n)]);
    assert.deepEqual(powerUpdates(u), [[40, 13n]]);
    const ubd = await q(
      "/cosmos.staking.v1beta1.Query/UnbondingDelegation",
      QueryUnbondingDelegationRequest.encode({ delegatorAddr: dave.address, validatorAddr: v0 }).finish(),
      (b) => QueryUnbondingDelegationResponse.decode(b).unbond,
    );
    assert.equal(ubd.entries[0]!.balance, "2000000");
    assert.deepEqual(await pool(), { bondedTokens: "13000000", notBondedTokens: "2000000" });
    // Not paid yet; after 5 s of block time it is, with a complete_unbonding event.
    assert.equal(await balance(dave.address), before - 5_000_000n - 2000n);
    let paidAt: ResponseFinalizeBlock | null = null;
    for (let i = 0; i < 6 && paidAt === null; i++) {
      const r = await chain.deliver([]);
      if (r.events.some((e) => e.type === "complete_unbonding")) paidAt = r;
    }
    assert.ok(paidAt !== null, "unbonding completed");
    assert.equal(await balance(dave.address), before - 3_000_000n - 2000n);
    assert.deepEqual(await pool(), { bondedTokens: "13000000", notBondedTokens: "0" });
    const all = await q(
      "/cosmos.staking.v1beta1.Query/DelegatorDelegations",
      QueryDelegatorDelegationsRequest.encode({ delegatorAddr: dave.address }).finish(),
      (b) => QueryDelegatorDelegationsResponse.decode(b),
    );
    assert.deepEqual(
      all.delegationResponses.map((x) => x.balance.amount),
      ["3000000"],
    );
  });

  it("keeps only the top max_validators bonded and swaps them as stake moves", async () => {
    await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
    await ok(ops[1]!, [createValidatorMsg(1, 20_000_000n)]);
    const r = await ok(ops[2]!, [createValidatorMsg(2, 5_000_000n)]);
    assert.deepEqual(powerUpdates(r), [], "the third is outside the set of two");
    assert.equal((await validator(valoper(ops[2]!))).status, BondStatus.BOND_STATUS_UNBONDED);
    assert.deepEqual(await pool(), { bondedTokens: "30000000", notBondedTokens: "5000000" });
    // A delegation lifts op2 above op0: op0 leaves (power 0), op2 joins.
    const d = await ok(dave, [delegateMsg(dave, valoper(ops[2]!), 10_000_000n)]);
    assert.deepEqual(
      powerUpdates(d).sort(),
      [
        [40, 0n],
        [42, 15n],
      ].sort(),
    );
    assert.equal((await validator(valoper(ops[0]!))).status, BondStatus.BOND_STATUS_UNBONDING);
    assert.deepEqual(await pool(), { bondedTokens: "35000000", notBondedTokens: "10000000" });
  });

  it("redelegates between validators and refuses hopping on before maturity", async () => {
    await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
    await ok(ops[1]!, [createValidatorMsg(1, 10_000_000n)]);
    await ok(ops[2]!, [createValidatorMsg(2, 1_000_000n)]);
    const [v0, v1, v2] = ops.map(valoper) as [string, string, string];
    await ok(dave, [delegateMsg(dave, v0, 4_000_000n)]);
    const r = await ok(dave, [redelegateMsg(dave, v0, v1, 3_000_000n)]);
    assert.deepEqual(
      powerUpdates(r).sort(),
      [
        [40, 11n],
        [41, 13n],
      ].sort(),
    );
    const reds = await q(
      "/cosmos.staking.v1beta1.Query/Redelegations",
      QueryRedelegationsRequest.encode({
        delegatorAddr: dave.address,
        srcValidatorAddr: "",
        dstValidatorAddr: "",
      }).finish(),
      (b) => QueryRedelegationsResponse.decode(b),
    );
    assert.equal(reds.redelegationResponses[0]!.entries[0]!.balance, "3000000");
    await fails(dave, [redelegateMsg(dave, v1, v2, 1_000_000n)], "staking", 32);
    await fails(dave, [redelegateMsg(dave, v0, v0, 1_000_000n)], "staking", 29);
    // Unbonded v2 → bonded v1 moves tokens from the not-bonded pool to the bonded one.
    await ok(dave, [delegateMsg(dave, v2, 2_000_000n)]);
    const before = await pool();
    await ok(dave, [redelegateMsg(dave, v2, v0, 2_000_000n)]);
    const after = await pool();
    assert.equal(BigInt(after.bondedTokens) - BigInt(before.bondedTokens), 2_000_000n);
  });

  it("jails an operator that undelegates below its minimum self-delegation", async () => {
    await ok(ops[0]!, [createValidatorMsg(0, 3_000_000n)]);
    await ok(ops[1]!, [createValidatorMsg(1, 3_000_000n)]);
    const r = await ok(ops[0]!, [undelegateMsg(ops[0]!, valoper(ops[0]!), 2_500_000n)]);
    const v = await validator(valoper(ops[0]!));
    assert.equal(v.jailed, true);
    assert.deepEqual(powerUpdates(r), [[40, 0n]], "a jailed validator leaves the set");
  });

  it("edits description and commission within the rules", async () => {
    await ok(ops[0]!, [createValidatorMsg(0, 3_000_000n)]);
    const edit = (rate: string, minSelf = "") =>
      any(
        "/cosmos.staking.v1beta1.MsgEditValidator",
        MsgEditValidator.encode({
          description: {
            moniker: "renamed",
            identity: "[do-not-modify]",
            website: "https://x",
            securityContact: "[do-not-modify]",
            details: "[do-not-modify]",
          },
          validatorAddress: valoper(ops[0]!),
          commissionRate: rate,
          minSelfDelegation: minSelf,
        }).finish(),
      );
    await fails(ops[0]!, [edit(dec("0.25"))], "staking", 11, /max rate/);
    await fails(ops[0]!, [edit(dec("0.15"))], "staking", 15, /max change rate/);
    await fails(ops[0]!, [edit(dec("0.105"))], "staking", 12, /24h/);
    await ok(ops[0]!, [edit("")]);
    const v = await validator(valoper(ops[0]!));
    assert.equal(v.description.moniker, "renamed");
    assert.equal(v.description.website, "https://x");
    await fails(ops[0]!, [edit("", "500000")], "staking", 17);
  });

  it("refuses bad staking messages with a clear code and changes nothing", async () => {
    await ok(ops[0]!, [createValidatorMsg(0, 3_000_000n)]);
    const v0 = valoper(ops[0]!);
    const poolBefore = await pool();
    await fails(dave, [delegateMsg(dave, v0, 1_000n, "ufoo")], "staking", 101);
    await fails(dave, [delegateMsg(dave, valoper(dave), 1_000n)], "staking", 3);
    await fails(dave, [delegateMsg(dave, v0, 0n)], "sdk", 10);
    await fails(dave, [delegateMsg(dave, v0, 10n ** 12n)], "sdk", 5);
    await fails(dave, [undelegateMsg(dave, v0, 1_000n)], "staking", 19);
    await fails(ops[0]!, [undelegateMsg(ops[0]!, v0, 4_000_000n)], "staking", 22);
    await fails(
      ops[1]!,
      [createValidatorMsg(1, 3_000_000n, { pubkey: any("/cosmos.crypto.secp256k1.PubKey", new Uint8Array(35)) })],
      "staking",
      6,
    );
    await fails(
      ops[1]!,
      [
        createValidatorMsg(1, 3_000_000n, {
          commission: { rate: dec("0.3"), maxRate: dec("0.2"), maxChangeRate: dec("0.01") },
        }),
      ],
      "staking",
      11,
    );
    await fails(ops[1]!, [createValidatorMsg(1, 500_000n)], "staking", 16);
    // One encoding each (amino JSON renders both alike, modules/auth/txForm.ts): a rate with a
    // leading zero, an ed25519 key with a field appended.
    await fails(
      ops[1]!,
      [
        createValidatorMsg(1, 3_000_000n, {
          commission: { rate: `0${dec("0.1")}`, maxRate: dec("0.2"), maxChangeRate: dec("0.01") },
        }),
      ],
      "sdk",
      18,
    );
    await fails(
      ops[1]!,
      [
        createValidatorMsg(1, 3_000_000n, {
          pubkey: any(
            "/cosmos.crypto.ed25519.PubKey",
            Buffer.concat([Ed25519PubKey.encode({ key: consKey(1) }).finish(), Buffer.from([0x10, 0x01])]),
          ),
        }),
      ],
      "staking",
      6,
    );
    await fails(
      ops[1]!,
      [
        createValidatorMsg(1, 3_000_000n, {
          description: { moniker: "", identity: "", website: "", securityContact: "", details: "" },
        }),
      ],
      "sdk",
      18,
    );
    // Signed by someone else than the operator.
    const wrong = await tx(dave, [createValidatorMsg(1, 3_000_000n)]);
    assert.equal(wrong.txResults[0]!.codespace, "sdk");
    assert.deepEqual(await pool(), poolBefore);
  });

  it("exports staking state and re-imports it to the same state", async () => {
    await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
    await ok(dave, [delegateMsg(dave, valoper(ops[0]!), 4_000_000n)]);
    await ok(dave, [undelegateMsg(dave, valoper(ops[0]!), 1_000_000n)]);
    const exported = exportAppState(chain);
    const again = await importAppState(exported);
    assert.deepEqual(exportAppState(again), JSON.parse(JSON.stringify(exported)));
    const dump = (c: TestChain) =>
      c.app.withCommittedContext((ctx) =>
        Object.fromEntries([...prefixRange(ctx.store, "")].map(([k, v]) => [k, Buffer.from(v).toString("hex")])),
      );
    assert.deepEqual(dump(again), dump(chain));
    assert.deepEqual(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
  });
});
