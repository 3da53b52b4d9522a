import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { MsgUpdateParams as AuthUpdate } from "cosmjs-types/cosmos/auth/v1beta1/tx";
import { MsgSend, MsgUpdateParams as BankUpdate } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { MsgCommunityPoolSpend, MsgUpdateParams as DistrUpdate } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { ProposalStatus, VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import { MsgUpdateParams as SlashingUpdate } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgUpdateParams as StakingUpdate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { TestChain } from "../../../chain/testkit/inProcessChain.js";
import { registerModel, registerProviders } from "../../../chain/testkit/providers.js";
import { msgUpdateParamsCodec as emissionsUpdate } from "../../emissions/govMsgs.js";
import { defaultParams as emissionsDefaults, paramsToPb as emissionsToPb } from "../../emissions/params.js";
import { msgUpdateParamsCodec as jobsUpdate } from "../../jobs/updateParams.js";
import { defaultParams as jobsDefaults, paramsToPb as jobsToPb } from "../../jobs/params.js";
import { codecs as jobsCodecs, type MsgSubmitJob } from "../../jobs/types.js";
import { msgUpdateParamsCodec as registryUpdate } from "../../registry/updateParams.js";
import { defaultParams as registryDefaults, paramsToPb as registryToPb } from "../../registry/params.js";
import { msgUpdateParamsCodec as reputationUpdate } from "../../reputation/updateParams.js";
import { defaultParams as reputationDefaults } from "../../reputation/params.js";
import { moduleAddress } from "../../sdk/address.js";
import { utf8 } from "../../sdk/store.js";
import { paramsToProto as stakingToProto, defaultParams as stakingDefaults } from "../../staking/params.js";
import { govAddress } from "../keeper.js";
import { any, dave, govChain, govHelpers, ops } from "./fixtures.js";

const gov = govAddress();
const model = createHash("sha256").update("gov-model").digest("hex");

/** Every module's MsgUpdateParams with valid params, for the given authority. */
function updates(authority: string): Any[] {
  return [
    any(
      "/cosmos.bank.v1beta1.MsgUpdateParams",
      BankUpdate.encode({ authority, params: { sendEnabled: [], defaultSendEnabled: false } }).finish(),
    ),
    any(
      "/cosmos.staking.v1beta1.MsgUpdateParams",
      StakingUpdate.encode({ authority, params: stakingToProto({ ...stakingDefaults(), maxValidators: 7 }) }).finish(),
    ),
    any(
      "/cosmos.slashing.v1beta1.MsgUpdateParams",
      SlashingUpdate.encode({
        authority,
        params: {
          signedBlocksWindow: 50n,
          minSignedPerWindow: utf8("400000000000000000"),
          downtimeJailDuration: { seconds: 60n, nanos: 0 },
          slashFractionDoubleSign: utf8("50000000000000000"),
          slashFractionDowntime: utf8("10000000000000000"),
        },
      }).finish(),
    ),
    any(
      "/cosmos.auth.v1beta1.MsgUpdateParams",
      AuthUpdate.encode({
        authority,
        params: {
          maxMemoCharacters: 100n,
          txSigLimit: 7n,
          txSizeCostPerByte: 10n,
          sigVerifyCostEd25519: 590n,
          sigVerifyCostSecp256k1: 1000n,
        },
      }).finish(),
    ),
    any(
      "/cosmos.distribution.v1beta1.MsgUpdateParams",
      DistrUpdate.encode({
        authority,
        params: { communityTax: "0", baseProposerReward: "0", bonusProposerReward: "0", withdrawAddrEnabled: false },
      }).finish(),
    ),
    any(
      registryUpdate.typeUrl,
      registryUpdate.encode({ authority, params: registryToPb({ ...registryDefaults(), maxSlots: 9 }) }),
    ),
    any(
      jobsUpdate.typeUrl,
      jobsUpdate.encode({ authority, params: jobsToPb({ ...jobsDefaults(), commitWindow: 7n }) }),
    ),
    any(
      reputationUpdate.typeUrl,
      reputationUpdate.encode({ authority, params: { ...reputationDefaults(), gainAgree: 1234 } }),
    ),
    any(
      emissionsUpdate.typeUrl,
      emissionsUpdate.encode({
        authority,
        params: emissionsToPb({ ...emissionsDefaults(), initialPerBlock: 0n, epochBlocks: 50n }),
      }),
    ),
  ];
}

describe("gov: MsgUpdateParams on every module and community-pool spends", () => {
  let chain: TestChain;
  const h = govHelpers(() => chain);
  const exported = (name: string) =>
    chain.app.withCommittedContext((ctx, modules) => modules.find((m) => m.name === name)!.exportGenesis(ctx)) as {
      params: Record<string, unknown>;
    };

  /** Submits, has ops[0] (60% of the stake) vote yes, and waits for the end of voting. */
  async function pass(messages: Any[]): Promise<{ status: ProposalStatus; failedReason: string }> {
    const id = await h.submit(dave, messages, 1_000_000n);
    await h.vote(ops[0]!, id, VoteOption.VOTE_OPTION_YES);
    await h.until((await h.proposal(id)).votingEndTime);
    return h.proposal(id);
  }

  beforeEach(async () => {
    chain = await govChain((s) => {
      const bank = s["bank"] as {
        balances: Array<{ address: string; coins: Array<{ denom: string; amount: string }> }>;
        supply: Array<{ denom: string; amount: string }>;
      };
      bank.balances.push({ address: moduleAddress("community_pool"), coins: [{ denom: "utcu", amount: "5000" }] });
      bank.balances.sort((a, b) => (a.address < b.address ? -1 : 1));
      bank.supply = bank.supply.map((c) => ({ denom: c.denom, amount: (BigInt(c.amount) + 5000n).toString() }));
    });
  });

  it("refuses every module's MsgUpdateParams sent by anyone but the gov account (gov 13), changing nothing", async () => {
    for (const m of updates(dave.address)) {
      const before = exported("jobs");
      await h.fails(dave, [m], "gov", 13, /invalid authority/);
      assert.deepEqual(exported("jobs"), before, m.typeUrl);
    }
  });

  it("a direct tx naming the gov account as authority fails in the ante handler: nobody can sign for it", async () => {
    const before = exported("jobs");
    for (const m of updates(gov)) {
      const res = await h.tx(dave, [m]);
      assert.notEqual(res.txResults[0]!.code, 0, m.typeUrl);
      assert.equal(res.txResults[0]!.codespace, "sdk", `${m.typeUrl}: ${res.txResults[0]!.log}`);
    }
    assert.deepEqual(exported("jobs"), before);
  });

  it("one proposal changes the params of bank, staking, slashing, auth, registry, jobs, reputation and emissions", async () => {
    const p = await pass(updates(gov));
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_PASSED, p.failedReason);
    assert.equal((exported("bank").params as { default_send_enabled: boolean }).default_send_enabled, false);
    assert.equal(exported("staking").params["max_validators"], 7);
    assert.equal(exported("slashing").params["signed_blocks_window"], "50");
    assert.equal(exported("slashing").params["min_signed_per_window"], "0.400000000000000000");
    assert.equal(exported("auth").params["max_memo_characters"], "100");
    assert.equal(exported("auth").params["fee_denom"], "utcu", "the fee floor is kept");
    assert.equal(exported("registry").params["max_slots"], 9);
    assert.equal(exported("jobs").params["commit_window"], "7");
    assert.equal(exported("reputation").params["gain_agree"], 1234);
    assert.equal(exported("emissions").params["epoch_blocks"], "50");
    // send disabled by governance: a plain transfer now fails
    await h.fails(
      dave,
      [
        any(
          "/cosmos.bank.v1beta1.MsgSend",
          MsgSend.encode({
            fromAddress: dave.address,
            toAddress: ops[0]!.address,
            amount: [{ denom: "utcu", amount: "1" }],
          }).finish(),
        ),
      ],
      "bank",
      5,
    );
  });

  it("a jobs params change takes effect at execution: the next job uses the new commit window", async () => {
    await registerModel(h.ok, dave, model, {
      name: "gm",
      inputs: [{ name: "x", dtype: "float32", shape: [-1, 4] }],
      outputs: [{ name: "y", dtype: "float32", shape: [-1, 4] }],
      computeUnits: "1",
    });
    await registerProviders(h.ok, [ops[2]!], {
      moniker: "p",
      models: [model],
      pricePerUnit: "1utcu",
      slots: 4,
      x25519Pubkey: new Uint8Array(32).fill(3),
      bond: 10_000_000n,
    });
    const submitJob = async () => {
      const msg: MsgSubmitJob = {
        requester: dave.address,
        model,
        inputs: [{ inline: new Uint8Array([1, 2, 3]), uri: "", sha256: "" }],
        sealed: [],
        k: 1,
        maxPricePerUnit: "5utcu",
        deadlineBlocks: "100",
        minReputation: 0,
        gpu: null,
      };
      const res = await h.ok(dave, [any(jobsCodecs.msgSubmitJob.typeUrl, jobsCodecs.msgSubmitJob.encode(msg))]);
      void res;
      await chain.deliver([]); // matching runs at end-block
      const jobs = chain.app.withCommittedContext((ctx, modules) =>
        modules.find((m) => m.name === "jobs")!.exportGenesis(ctx),
      ) as { jobs: Array<{ id: string; assigned_height: string; phase_deadline: string }> };
      return jobs.jobs[jobs.jobs.length - 1]!;
    };
    const window = (j: { assigned_height: string; phase_deadline: string }) =>
      BigInt(j.phase_deadline) - BigInt(j.assigned_height);
    const before = await submitJob();
    assert.equal(window(before), 20n, "default commit window");
    const p = await pass([
      any(
        jobsUpdate.typeUrl,
        jobsUpdate.encode({ authority: gov, params: jobsToPb({ ...jobsDefaults(), commitWindow: 7n }) }),
      ),
    ]);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_PASSED, p.failedReason);
    assert.equal(window(await submitJob()), 7n, "the job opened after execution uses the new window");
  });

  it("bad params are refused at submission (gov 12, the module's own validation) for every module", async () => {
    const bad: Any[] = [
      any(
        "/cosmos.bank.v1beta1.MsgUpdateParams",
        BankUpdate.encode({
          authority: gov,
          params: { sendEnabled: [{ denom: "utcu", enabled: false }], defaultSendEnabled: true },
        }).finish(),
      ),
      any(
        "/cosmos.staking.v1beta1.MsgUpdateParams",
        StakingUpdate.encode({
          authority: gov,
          params: stakingToProto({ ...stakingDefaults(), maxValidators: 0 }),
        }).finish(),
      ),
      any(
        "/cosmos.slashing.v1beta1.MsgUpdateParams",
        SlashingUpdate.encode({
          authority: gov,
          params: {
            signedBlocksWindow: 0n,
            minSignedPerWindow: utf8("1"),
            downtimeJailDuration: { seconds: 60n, nanos: 0 },
            slashFractionDoubleSign: utf8("1"),
            slashFractionDowntime: utf8("1"),
          },
        }).finish(),
      ),
      any(
        "/cosmos.auth.v1beta1.MsgUpdateParams",
        AuthUpdate.encode({
          authority: gov,
          params: {
            maxMemoCharacters: 0n,
            txSigLimit: 7n,
            txSizeCostPerByte: 10n,
            sigVerifyCostEd25519: 590n,
            sigVerifyCostSecp256k1: 1000n,
          },
        }).finish(),
      ),
      any(
        "/cosmos.distribution.v1beta1.MsgUpdateParams",
        DistrUpdate.encode({
          authority: gov,
          params: {
            communityTax: "2000000000000000000",
            baseProposerReward: "0",
            bonusProposerReward: "0",
            withdrawAddrEnabled: false,
          },
        }).finish(),
      ),
      any(
        registryUpdate.typeUrl,
        registryUpdate.encode({ authority: gov, params: registryToPb({ ...registryDefaults(), minProviderBond: 0n }) }),
      ),
      any(
        jobsUpdate.typeUrl,
        jobsUpdate.encode({ authority: gov, params: jobsToPb({ ...jobsDefaults(), maxRedundancy: 99 }) }),
      ),
      any(
        reputationUpdate.typeUrl,
        reputationUpdate.encode({ authority: gov, params: { ...reputationDefaults(), maxConsecutiveFaults: 0 } }),
      ),
      any(
        emissionsUpdate.typeUrl,
        emissionsUpdate.encode({ authority: gov, params: emissionsToPb({ ...emissionsDefaults(), epochBlocks: 0n }) }),
      ),
      any(jobsUpdate.typeUrl, jobsUpdate.encode({ authority: gov, params: null })),
    ];
    for (const m of bad) await h.fails(dave, [h.submitMsg(dave, [m], 1_000_000n)], "gov", 12);
  });

  it("a change of distribution params tcompute does not have fails at execution and changes nothing", async () => {
    const p = await pass([
      any(
        jobsUpdate.typeUrl,
        jobsUpdate.encode({ authority: gov, params: jobsToPb({ ...jobsDefaults(), commitWindow: 9n }) }),
      ),
      any(
        "/cosmos.distribution.v1beta1.MsgUpdateParams",
        DistrUpdate.encode({
          authority: gov,
          params: {
            communityTax: "20000000000000000",
            baseProposerReward: "0",
            bonusProposerReward: "0",
            withdrawAddrEnabled: false,
          },
        }).finish(),
      ),
    ]);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_FAILED);
    assert.match(p.failedReason, /fixed/);
    assert.equal(
      exported("jobs").params["commit_window"],
      "20",
      "the jobs change in the same proposal was rolled back",
    );
  });

  it("MsgCommunityPoolSpend pays from the community pool through governance; too much or to a module account fails", async () => {
    const spend = (recipient: string, amount: bigint) =>
      any(
        "/cosmos.distribution.v1beta1.MsgCommunityPoolSpend",
        MsgCommunityPoolSpend.encode({
          authority: gov,
          recipient,
          amount: [{ denom: "utcu", amount: amount.toString() }],
        }).finish(),
      );
    const pool = () => h.balance(moduleAddress("community_pool"));
    // The pool also receives a share of every block's fees, so it only grows between spends.
    assert.ok((await pool()) >= 5000n);
    const before = await h.balance(ops[2]!.address);
    assert.equal((await pass([spend(ops[2]!.address, 3000n)])).status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    assert.equal(await h.balance(ops[2]!.address), before + 3000n);
    const tooMuch = await pass([spend(ops[2]!.address, 1_000_000_000_000n)]);
    assert.equal(tooMuch.status, ProposalStatus.PROPOSAL_STATUS_FAILED);
    assert.match(tooMuch.failedReason, /community pool does not have sufficient coins/);
    const toModule = await pass([spend(moduleAddress("jobs_escrow"), 1n)]);
    assert.equal(toModule.status, ProposalStatus.PROPOSAL_STATUS_FAILED);
    assert.match(toModule.failedReason, /not allowed to receive external funds/);
    assert.equal(await h.balance(moduleAddress("jobs_escrow")), 0n);
    await h.fails(
      dave,
      [spend(dave.address, 1n)].map((m) => ({
        ...m,
        value: MsgCommunityPoolSpend.encode({
          ...MsgCommunityPoolSpend.decode(m.value),
          authority: dave.address,
        }).finish(),
      })),
      "gov",
      13,
    );
  });

  it("a proposal carried into genesis with bad params fails at execution, changing nothing", async () => {
    const badJobs = { "@type": jobsUpdate.typeUrl, authority: gov, params: { ...jobsToPbJson(), max_redundancy: 99 } };
    chain = await govChain((s) => {
      const g = s["gov"] as { starting_proposal_id: string; proposals: unknown[] };
      g.starting_proposal_id = "2";
      g.proposals = [
        {
          id: "1",
          messages: [badJobs],
          status: "PROPOSAL_STATUS_VOTING_PERIOD",
          submit_time: "2026-01-01T00:00:00.000000000Z",
          deposit_end_time: "2026-01-01T00:00:10.000000000Z",
          voting_start_time: "2026-01-01T00:00:00.000000000Z",
          voting_end_time: "2026-01-01T00:00:12.000000000Z",
          total_deposit: [],
          title: "t",
          summary: "s",
          proposer: dave.address,
        },
      ];
    });
    await h.vote(ops[0]!, 1n, VoteOption.VOTE_OPTION_YES);
    await h.until((await h.proposal(1n)).votingEndTime);
    const p = await h.proposal(1n);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_FAILED);
    assert.match(p.failedReason, /max_redundancy/);
    assert.equal(exported("jobs").params["max_redundancy"], 7);
  });
});

function jobsToPbJson(): Record<string, unknown> {
  const p = jobsToPb(jobsDefaults());
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
}
