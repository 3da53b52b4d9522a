import assert from "node:assert/strict";
import { QuerySigningInfoRequest, QuerySigningInfoResponse } from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import {
  QueryValidatorSlashesRequest,
  QueryValidatorSlashesResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import {
  QueryPoolResponse,
  QueryUnbondingDelegationRequest,
  QueryUnbondingDelegationResponse,
  QueryValidatorRequest,
  QueryValidatorResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import { QuerySupplyOfRequest, QuerySupplyOfResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { bech32Prefix, encodeAddress } from "../../sdk/address.js";
import { consensusAddress } from "../../staking/keeper.js";
import {
  any,
  consKey,
  createValidatorMsg,
  dave,
  delegateMsg,
  funded,
  ops,
  txHelpers,
  undelegateMsg,
  valoper,
} from "../../../chain/testkit/fixtures.js";

const cons = (i: number) => consensusAddress(consKey(i));
const unjailMsg = (i: number) =>
  any("/cosmos.slashing.v1beta1.MsgUnjail", MsgUnjail.encode({ validatorAddr: valoper(ops[i]!) }).finish());

describe("slashing: downtime and double signs", () => {
  let chain: TestChain;
  const { ok, fails, q } = txHelpers(() => chain);
  const validator = (i: number) =>
    q(
      "/cosmos.staking.v1beta1.Query/Validator",
      QueryValidatorRequest.encode({ validatorAddr: valoper(ops[i]!) }).finish(),
      (b) => QueryValidatorResponse.decode(b).validator,
    );
  const supply = () =>
    q("/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest.encode({ denom: "utcu" }).finish(), (b) =>
      BigInt(QuerySupplyOfResponse.decode(b).amount.amount),
    );
  const signingInfo = (i: number) =>
    q(
      "/cosmos.slashing.v1beta1.Query/SigningInfo",
      QuerySigningInfoRequest.encode({ consAddress: encodeAddress(cons(i), bech32Prefix.consensus) }).finish(),
      (b) => QuerySigningInfoResponse.decode(b).valSigningInfo,
    );

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: funded([...ops, dave]),
      editGenesis: (d) => {
        const s = d.app_state["slashing"] as { params: Record<string, string> };
        s.params["signed_blocks_window"] = "10";
        s.params["min_signed_per_window"] = "0.5";
        s.params["downtime_jail_duration"] = "5s";
        s.params["slash_fraction_downtime"] = "0.01";
        s.params["slash_fraction_double_sign"] = "0.05";
        (d.app_state["staking"] as { params: { unbonding_time: string } }).params.unbonding_time = "100s";
        (d.app_state["emissions"] as { params: { fee_burn_share: string } }).params.fee_burn_share = "0"; // supply moves by slashes only
      },
    });
    await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
    await ok(ops[1]!, [createValidatorMsg(1, 10_000_000n)]);
  });

  /** Commits `n` empty blocks in which validator 1 signs and validator 0 signs if `zeroSigns`. */
  async function blocks(n: number, zeroSigns: boolean): Promise<void> {
    for (let i = 0; i < n; i++) {
      await chain.deliver([], {
        votes: [
          { address: cons(0), power: 10n, signed: zeroSigns },
          { address: cons(1), power: 10n, signed: true },
        ],
      });
    }
  }

  it("jails and slashes a validator that misses more than the window allows; it can unjail after the jail time", async () => {
    const supplyBefore = await supply();
    await blocks(3, true);
    await blocks(12, false);
    const v = await validator(0);
    assert.equal(v.jailed, true);
    assert.equal(v.tokens, "9900000", "1% of 10 TCU burned");
    assert.equal(await supply(), supplyBefore - 100_000n, "slashed tokens are burned");
    const si = await signingInfo(0);
    assert.ok(si.jailedUntil.seconds > 0n);
    assert.ok(si.missedBlocksCounter < 10n, "the window restarted at the jail");
    // Too early, then after the jail time.
    await fails(ops[0]!, [unjailMsg(0)], "slashing", 4, /jailed until/);
    await blocks(6, false);
    assert.equal((await validator(0)).tokens, "9900000", "not slashed again while jailed");
    await ok(ops[0]!, [unjailMsg(0)]);
    assert.equal((await validator(0)).jailed, false);
    // The other validator is untouched and cannot unjail what is not jailed.
    assert.equal((await validator(1)).tokens, "10000000");
    await fails(ops[1]!, [unjailMsg(1)], "slashing", 5);
  });

  it("does not jail a validator that signs enough of the window", async () => {
    for (let i = 0; i < 20; i++)
      await chain.deliver([], {
        votes: [
          { address: cons(0), power: 10n, signed: i % 3 !== 0 },
          { address: cons(1), power: 10n, signed: true },
        ],
      });
    assert.equal((await validator(0)).jailed, false);
    assert.equal((await validator(0)).tokens, "10000000");
  });

  it("slashes a double sign, tombstones the validator for good, and reaches stake that left after the infraction", async () => {
    await ok(dave, [delegateMsg(dave, valoper(ops[0]!), 10_000_000n)]);
    const infractionHeight = chain.app.height + 1n;
    await blocks(1, true);
    // Dave unbonds after the infraction: his unbonding entry must still pay its share.
    await ok(dave, [undelegateMsg(dave, valoper(ops[0]!), 4_000_000n)]);
    const supplyBefore = await supply();
    const res = await chain.deliver([], {
      misbehavior: [{ address: cons(0), power: 20n, height: infractionHeight, totalPower: 30n }],
    });
    assert.ok(
      res.events.some(
        (e) => e.type === "slash" && e.attributes.some((a) => a.key === "reason" && a.value === "double_sign"),
      ),
    );
    assert.deepEqual(
      res.validatorUpdates.map((u) => u.power),
      [0n],
      "removed from the set",
    );
    const v = await validator(0);
    assert.equal(v.jailed, true);
    // 5% of the 20 TCU it had at the infraction = 1 TCU: 0.2 from Dave's unbonding, 0.8 from the validator.
    const ubd = await q(
      "/cosmos.staking.v1beta1.Query/UnbondingDelegation",
      QueryUnbondingDelegationRequest.encode({ delegatorAddr: dave.address, validatorAddr: valoper(ops[0]!) }).finish(),
      (b) => QueryUnbondingDelegationResponse.decode(b).unbond,
    );
    assert.equal(ubd.entries[0]!.balance, "3800000");
    assert.equal(v.tokens, (16_000_000n - 800_000n).toString());
    assert.equal(await supply(), supplyBefore - 1_000_000n);
    assert.equal((await signingInfo(0)).tombstoned, true);
    // Distribution's ValidatorSlashes lists it: the height it was punished at, 5% as 18-decimal atomics.
    const slashes = await q(
      "/cosmos.distribution.v1beta1.Query/ValidatorSlashes",
      QueryValidatorSlashesRequest.encode({
        validatorAddress: valoper(ops[0]!),
        startingHeight: 1n,
        endingHeight: chain.app.height,
      }).finish(),
      (b) => QueryValidatorSlashesResponse.decode(b),
    );
    assert.deepEqual(slashes.slashes, [{ validatorPeriod: chain.app.height, fraction: "50000000000000000" }]);
    assert.equal(slashes.pagination?.total, 1n);
    // Reported again: not punished twice. Unjail is refused forever.
    await chain.deliver([], {
      misbehavior: [{ address: cons(0), power: 20n, height: infractionHeight, totalPower: 30n }],
    });
    assert.equal((await validator(0)).tokens, v.tokens);
    await blocks(20, false);
    await fails(ops[0]!, [unjailMsg(0)], "slashing", 4, /tombstoned/);
    // Pools still match the stake (the invariants run after every block too).
    const pool = await q(
      "/cosmos.staking.v1beta1.Query/Pool",
      new Uint8Array(),
      (b) => QueryPoolResponse.decode(b).pool,
    );
    assert.equal(pool.bondedTokens, "10000000");
  });

  it("ignores reports about addresses that are not staking validators", async () => {
    const res = await chain.deliver([], {
      misbehavior: [{ address: new Uint8Array(20).fill(9), power: 5n, height: 1n }],
      votes: [{ address: new Uint8Array(20).fill(9), power: 5n, signed: false }],
    });
    assert.equal(res.validatorUpdates.length, 0);
    assert.equal((await validator(0)).jailed, false);
  });

  it("exports and re-imports signing records, missed blocks and tombstones to the same state", async () => {
    await blocks(4, true);
    await blocks(3, false);
    await chain.deliver([], {
      misbehavior: [{ address: cons(1), power: 10n, height: chain.app.height, totalPower: 20n }],
    });
    const exported = JSON.parse(JSON.stringify(exportAppState(chain))) as Record<
      string,
      { signing_infos?: unknown[]; missed_blocks?: Array<{ missed_blocks: unknown[] }> }
    >;
    assert.equal(exported["slashing"]!.signing_infos!.length, 2);
    assert.ok(
      exported["slashing"]!.missed_blocks!.some((m) => m.missed_blocks.length === 3),
      "validator 0's three misses are exported",
    );
    const again = await importAppState(exported);
    assert.deepEqual(JSON.parse(JSON.stringify(exportAppState(again))), exported);
    assert.equal(Buffer.from(again.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
  });
});
