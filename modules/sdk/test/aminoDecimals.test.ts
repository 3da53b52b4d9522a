import assert from "node:assert/strict";
import { MsgUpdateParams as MsgUpdateSlashingParams } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgUpdateParams as MsgUpdateStakingParams } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { aminoMsgOf } from "../amino.js";
import { CodedError } from "../errors.js";

// A LegacyDec carried as atomics renders into amino JSON as a decimal: "050…", "50…", "", "0",
// "0x0" would read alike, so one signature would cover several encodings (several tx hashes).
// Only the SDK's form renders; anything else is refused (sdk 2) and the ante refuses the tx.

const authority = "tc10d07y265gmmuvt4z0w9aw880jnsr700j6z2zm3";
const isTxDecode = (e: unknown) => e instanceof CodedError && e.codespace === "sdk" && e.code === 2;

function stakingWith(minCommissionRate: string) {
  return {
    typeUrl: "/cosmos.staking.v1beta1.MsgUpdateParams",
    value: MsgUpdateStakingParams.encode({
      authority,
      params: {
        unbondingTime: { seconds: 100n, nanos: 0 },
        maxValidators: 10,
        maxEntries: 7,
        historicalEntries: 100,
        bondDenom: "utcu",
        minCommissionRate,
      },
    }).finish(),
  };
}

function slashingWith(minSignedPerWindow: string) {
  return {
    typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
    value: MsgUpdateSlashingParams.encode({
      authority,
      params: {
        signedBlocksWindow: 100n,
        minSignedPerWindow: Buffer.from(minSignedPerWindow),
        downtimeJailDuration: { seconds: 60n, nanos: 0 },
        slashFractionDoubleSign: Buffer.from("50000000000000000"),
        slashFractionDowntime: Buffer.from("0"),
      },
    }).finish(),
  };
}

describe("amino JSON: LegacyDec atomics render in one form only", () => {
  it("renders the SDK's form: digits without a leading zero, and 0", () => {
    const params = (m: ReturnType<typeof aminoMsgOf>) => (m.value as { params: Record<string, unknown> }).params;
    assert.equal(params(aminoMsgOf(stakingWith("50000000000000000")))["min_commission_rate"], "0.050000000000000000");
    assert.equal(params(aminoMsgOf(stakingWith("0")))["min_commission_rate"], "0.000000000000000000");
    assert.equal(
      params(aminoMsgOf(slashingWith("500000000000000000")))["min_signed_per_window"],
      "0.500000000000000000",
    );
  });

  it("refuses a leading zero, an empty value, hex and spaces (sdk 2) rather than render them alike", () => {
    for (const v of ["050000000000000000", "", "00", "0x0", " 5", "5 ", "-5", "1e18"]) {
      assert.throws(() => aminoMsgOf(stakingWith(v)), isTxDecode, `min_commission_rate ${JSON.stringify(v)}`);
      assert.throws(() => aminoMsgOf(slashingWith(v)), isTxDecode, `min_signed_per_window ${JSON.stringify(v)}`);
    }
  });
});
