import assert from "node:assert/strict";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { MsgUpdateParams as GovUpdate } from "cosmjs-types/cosmos/gov/v1/tx";
import { MsgUpdateParams as SlashingUpdate } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgUpdateParams as StakingUpdate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { parseProposalFile, parseWeightedOptions } from "../../../client/cli/commands/gov.js";
import { defaultParams as jobsDefaults, paramsToPb as jobsToPb } from "../../jobs/params.js";
import { msgUpdateParamsCodec as jobsUpdate } from "../../jobs/updateParams.js";
import { utf8 } from "../../sdk/store.js";
import { defaultParams as stakingDefaults, paramsToProto as stakingToProto } from "../../staking/params.js";
import { govAddress } from "../keeper.js";
import { anyFromJson, anyToJson } from "../msgJson.js";
import { defaultParams, paramsToProto } from "../params.js";

describe("gov: messages as the SDK's JSON (genesis, proposal.json)", () => {
  const gov = govAddress();
  const cases = [
    {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: MsgSend.encode({ fromAddress: gov, toAddress: gov, amount: [{ denom: "utcu", amount: "5" }] }).finish(),
    },
    {
      typeUrl: "/cosmos.gov.v1.MsgUpdateParams",
      value: GovUpdate.encode({ authority: gov, params: paramsToProto(defaultParams()) }).finish(),
    },
    {
      typeUrl: "/cosmos.staking.v1beta1.MsgUpdateParams",
      value: StakingUpdate.encode({
        authority: gov,
        params: stakingToProto({ ...stakingDefaults(), minCommissionRate: 5n * 10n ** 16n }),
      }).finish(),
    },
    {
      typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
      value: SlashingUpdate.encode({
        authority: gov,
        params: {
          signedBlocksWindow: 100n,
          minSignedPerWindow: utf8("500000000000000000"),
          downtimeJailDuration: { seconds: 600n, nanos: 0 },
          slashFractionDoubleSign: utf8("50000000000000000"),
          slashFractionDowntime: utf8("10000000000000000"),
        },
      }).finish(),
    },
    { typeUrl: jobsUpdate.typeUrl, value: jobsUpdate.encode({ authority: gov, params: jobsToPb(jobsDefaults()) }) },
  ];

  it("round-trips Cosmos and tcompute messages byte for byte, with SDK field names, durations and decimals", () => {
    for (const c of cases) {
      const json = anyToJson(c);
      assert.equal(json["@type"], c.typeUrl);
      const back = anyFromJson(JSON.parse(JSON.stringify(json)), "m");
      assert.deepEqual(Buffer.from(back.value).toString("hex"), Buffer.from(c.value).toString("hex"), c.typeUrl);
    }
    const govJson = anyToJson(cases[1]!) as { params: Record<string, unknown> };
    assert.equal(govJson.params["voting_period"], "172800s");
    assert.equal(govJson.params["quorum"], "0.334000000000000000");
    const slashing = anyToJson(cases[3]!) as { params: Record<string, unknown> };
    assert.equal(slashing.params["min_signed_per_window"], "0.500000000000000000");
    assert.equal(slashing.params["downtime_jail_duration"], "600s");
    assert.equal(
      (anyToJson(cases[2]!) as { params: Record<string, unknown> }).params["min_commission_rate"],
      "0.050000000000000000",
    );
  });

  it("reads proposal.json; camelCase params of tcompute messages too; refuses unknown types and bad shapes", () => {
    const camel = jobsToPb({ ...jobsDefaults(), commitWindow: 30n });
    const p = parseProposalFile(
      JSON.stringify({
        messages: [{ "@type": jobsUpdate.typeUrl, authority: gov, params: camel }],
        metadata: "m",
        deposit: "10utcu",
        title: "t",
        summary: "s",
        expedited: true,
      }),
      "tc1x",
    );
    assert.equal(jobsUpdate.decode(p.messages[0]!.value).params?.commitWindow, "30");
    assert.deepEqual(p.initialDeposit, [{ denom: "utcu", amount: "10" }]);
    assert.equal(p.expedited, true);
    assert.throws(() => anyFromJson({ "@type": "/cosmos.nothing.v1.Msg", x: 1 }, "m"), /unknown message type/);
    assert.throws(() => anyFromJson({ "@type": "/cosmos.bank.v1beta1.MsgSend", fromAddress: gov }, "m"), /snake_case/);
    assert.throws(
      () =>
        anyFromJson(
          { "@type": "/cosmos.gov.v1.MsgUpdateParams", authority: gov, params: { voting_period: "2 days" } },
          "m",
        ),
      /duration/,
    );
    assert.throws(() => parseProposalFile("{", "tc1x"), /not JSON/);
    assert.deepEqual(
      parseWeightedOptions("yes=0.6,no=0.4").map((o) => [o.option, o.weight]),
      [
        [1, "0.600000000000000000"],
        [3, "0.400000000000000000"],
      ],
    );
    assert.throws(() => parseWeightedOptions("yes"), /yes=0.6/);
  });
});
