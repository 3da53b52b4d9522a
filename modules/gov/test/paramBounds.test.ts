import assert from "node:assert/strict";
import { MsgUpdateParams as SlashingUpdate } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgUpdateParams as StakingUpdate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { msgUpdateParamsCodec as emissionsUpdate } from "../../emissions/govMsgs.js";
import { defaultParams as emissionsDefaults, paramsToPb as emissionsToPb } from "../../emissions/params.js";
import { msgUpdateParamsCodec as jobsUpdate } from "../../jobs/updateParams.js";
import { defaultParams as jobsDefaults, paramsToPb as jobsToPb, type JobsParams } from "../../jobs/params.js";
import { msgUpdateParamsCodec as registryUpdate } from "../../registry/updateParams.js";
import { defaultParams as registryDefaults, paramsToPb as registryToPb } from "../../registry/params.js";
import { CodedError } from "../../sdk/errors.js";
import { prefixRange, utf8 } from "../../sdk/store.js";
import { paramsToProto as stakingToProto, defaultParams as stakingDefaults } from "../../staking/params.js";
import { govAddress } from "../keeper.js";
import { maxPeriodSeconds, type GovParams } from "../params.js";
import { any, dave, govChain, govHelpers, govParamsJson, govTestParams } from "./fixtures.js";

// Params that could stall the chain or grow its state without bound (a voting period of 10^12
// seconds, a million unbonding entries per pair, a window of 10^15 blocks) are refused with a
// coded error, at genesis validation and in MsgUpdateParams, and change nothing.

const gov = govAddress();
const year = 365n * 24n * 3600n;
const slashingParams = (over: { window?: bigint; jail?: bigint }) => ({
  signedBlocksWindow: over.window ?? 100n,
  minSignedPerWindow: utf8("500000000000000000"),
  downtimeJailDuration: { seconds: over.jail ?? 600n, nanos: 0 },
  slashFractionDoubleSign: utf8("50000000000000000"),
  slashFractionDowntime: utf8("10000000000000000"),
});

/** Each over-bound change as the MsgUpdateParams a proposal would carry, and as genesis JSON. */
const cases: Array<{ name: string; msg: Any; genesis: (s: Record<string, unknown>) => void }> = [
  ...(["maxDepositPeriodSeconds", "votingPeriodSeconds"] as const).map((k) => {
    const p: GovParams = { ...govTestParams(), [k]: maxPeriodSeconds + 1n };
    return {
      name: `gov ${k}`,
      msg: govHelpers(() => null as unknown as TestChain).govParamsUpdate(p),
      genesis: (s: Record<string, unknown>) => Object.assign((s["gov"] as { params: object }).params, govParamsJson(p)),
    };
  }),
  {
    name: "gov voting period of 10^12 s",
    msg: govHelpers(() => null as unknown as TestChain).govParamsUpdate({
      ...govTestParams(),
      votingPeriodSeconds: 10n ** 12n,
      expeditedVotingPeriodSeconds: 10n ** 12n - 1n,
    }),
    genesis: (s) =>
      Object.assign((s["gov"] as { params: object }).params, {
        voting_period: "1000000000000s",
        expedited_voting_period: "999999999999s",
      }),
  },
  {
    name: "staking unbonding_time",
    msg: any(
      "/cosmos.staking.v1beta1.MsgUpdateParams",
      StakingUpdate.encode({
        authority: gov,
        params: stakingToProto({ ...stakingDefaults(), unbondingTimeSeconds: year + 1n }),
      }).finish(),
    ),
    genesis: (s) => Object.assign((s["staking"] as { params: object }).params, { unbonding_time: `${year + 1n}s` }),
  },
  {
    name: "staking max_entries",
    msg: any(
      "/cosmos.staking.v1beta1.MsgUpdateParams",
      StakingUpdate.encode({
        authority: gov,
        params: stakingToProto({ ...stakingDefaults(), maxEntries: 1_000_000 }),
      }).finish(),
    ),
    genesis: (s) => Object.assign((s["staking"] as { params: object }).params, { max_entries: 1_000_000 }),
  },
  {
    name: "staking historical_entries",
    msg: any(
      "/cosmos.staking.v1beta1.MsgUpdateParams",
      StakingUpdate.encode({
        authority: gov,
        params: stakingToProto({ ...stakingDefaults(), historicalEntries: 10_001 }),
      }).finish(),
    ),
    genesis: (s) => Object.assign((s["staking"] as { params: object }).params, { historical_entries: 10_001 }),
  },
  {
    name: "slashing signed_blocks_window",
    msg: any(
      "/cosmos.slashing.v1beta1.MsgUpdateParams",
      SlashingUpdate.encode({ authority: gov, params: slashingParams({ window: 10n ** 15n }) }).finish(),
    ),
    genesis: (s) =>
      Object.assign((s["slashing"] as { params: object }).params, { signed_blocks_window: "1000000000000000" }),
  },
  {
    name: "slashing downtime_jail_duration",
    msg: any(
      "/cosmos.slashing.v1beta1.MsgUpdateParams",
      SlashingUpdate.encode({ authority: gov, params: slashingParams({ jail: year + 1n }) }).finish(),
    ),
    genesis: (s) =>
      Object.assign((s["slashing"] as { params: object }).params, { downtime_jail_duration: `${year + 1n}s` }),
  },
  {
    name: "registry provider_unbonding_seconds",
    msg: any(
      registryUpdate.typeUrl,
      registryUpdate.encode({
        authority: gov,
        params: registryToPb({ ...registryDefaults(), providerUnbondingSeconds: year + 1n }),
      }),
    ),
    genesis: (s) =>
      Object.assign((s["registry"] as { params: object }).params, {
        provider_unbonding_seconds: (year + 1n).toString(),
      }),
  },
  ...(
    [
      "maxDeadlineBlocks",
      "commitWindow",
      "revealWindow",
      "auditWindow",
      "retentionBlocks",
      "claimWindow",
      "claimAnswerWindow",
      "claimDisputeWindow",
    ] as const
  ).map((k) => ({
    name: `jobs ${k}`,
    msg: any(
      jobsUpdate.typeUrl,
      jobsUpdate.encode({ authority: gov, params: jobsToPb({ ...jobsDefaults(), [k]: 1_000_001n } as JobsParams) }),
    ),
    genesis: (s: Record<string, unknown>) =>
      Object.assign((s["jobs"] as { params: object }).params, {
        [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]: "1000001",
      }),
  })),
  {
    name: "emissions epoch_blocks",
    msg: any(
      emissionsUpdate.typeUrl,
      emissionsUpdate.encode({
        authority: gov,
        params: emissionsToPb({ ...emissionsDefaults(), epochBlocks: 1_000_001n }),
      }),
    ),
    genesis: (s) => Object.assign((s["emissions"] as { params: object }).params, { epoch_blocks: "1000001" }),
  },
];

describe("params bounds: no duration or count that could stall the chain or grow its state", () => {
  let chain: TestChain;
  const h = govHelpers(() => chain);
  /** Every module's params and gov's proposals: what an accepted change would have touched. */
  const dump = () =>
    chain.app.withCommittedContext((ctx, modules) => ({
      params: [...prefixRange(ctx.store, "")]
        .filter(([k]) => /^[a-z]+\/params$/.test(k))
        .map(([k, v]) => `${k}=${Buffer.from(v).toString("hex")}`),
      proposals: (modules.find((m) => m.name === "gov")!.exportGenesis(ctx) as { proposals: unknown[] }).proposals
        .length,
    }));

  it("genesis validation refuses each over-bound param with a coded error", async () => {
    for (const c of cases) {
      await assert.rejects(
        createTestChain({ editGenesis: (d) => c.genesis(d.app_state) }),
        (e: unknown) => {
          assert.ok(e instanceof CodedError, `${c.name}: ${String(e)}`);
          assert.match(e.message, /at most|1 to|0 to|between/, c.name);
          return true;
        },
        c.name,
      );
    }
  });

  it("a proposal carrying an over-bound MsgUpdateParams is refused at submission (gov 12) and changes nothing", async () => {
    chain = await govChain();
    for (const c of cases) {
      const before = dump();
      assert.ok(before.params.length >= 6, before.params.join(" "));
      await h.fails(dave, [h.submitMsg(dave, [c.msg], 1_000_000n)], "gov", 12, /at most|1 to|0 to|between/);
      assert.deepEqual(dump(), before, `${c.name}: no params changed, no proposal stored`);
    }
  });

  it("the bounds themselves are accepted", async () => {
    chain = await govChain();
    const ok: Any[] = [
      h.govParamsUpdate({
        ...govTestParams(),
        maxDepositPeriodSeconds: maxPeriodSeconds,
        votingPeriodSeconds: maxPeriodSeconds,
        expeditedVotingPeriodSeconds: maxPeriodSeconds - 1n,
      }),
      any(
        "/cosmos.staking.v1beta1.MsgUpdateParams",
        StakingUpdate.encode({
          authority: gov,
          params: stakingToProto({
            ...stakingDefaults(),
            unbondingTimeSeconds: year,
            maxEntries: 100,
            historicalEntries: 10_000,
          }),
        }).finish(),
      ),
      any(
        "/cosmos.slashing.v1beta1.MsgUpdateParams",
        SlashingUpdate.encode({ authority: gov, params: slashingParams({ window: 1_000_000n, jail: year }) }).finish(),
      ),
    ];
    await h.submit(dave, ok, 1_000_000n);
  });
});
