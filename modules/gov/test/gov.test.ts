import assert from "node:assert/strict";
import { ProposalStatus, VoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import {
  QueryParamsRequest,
  QueryParamsResponse,
  QueryProposalsRequest,
  QueryProposalsResponse,
  QueryTallyResultRequest,
  QueryTallyResultResponse,
  QueryVotesRequest,
  QueryVotesResponse,
} from "cosmjs-types/cosmos/gov/v1/query";
import * as qb from "cosmjs-types/cosmos/gov/v1beta1/query";
import * as v1beta1Tx from "cosmjs-types/cosmos/gov/v1beta1/tx";
import { MsgCancelProposal } from "cosmjs-types/cosmos/gov/v1/tx";
import type { TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { createTestChain } from "../../../chain/testkit/inProcessChain.js";
import { createHash } from "node:crypto";
import { encodeAddress } from "../../sdk/address.js";
import { AccountKeeper } from "../../auth/keeper.js";
import { BankKeeper } from "../../bank/keeper.js";
import { BranchStore } from "../../../chain/store/branchStore.js";
import { testContext } from "../../sdk/test/fixtures.js";
import { StakingKeeper } from "../../staking/keeper.js";
import { GovKeeper, govAddress } from "../keeper.js";
import { any, dave, dec, govChain, govHelpers, govTestParams, ops } from "./fixtures.js";

const {
  VOTE_OPTION_YES: YES,
  VOTE_OPTION_NO: NO,
  VOTE_OPTION_NO_WITH_VETO: VETO,
  VOTE_OPTION_ABSTAIN: ABSTAIN,
} = VoteOption;

describe("gov: x/gov v1 on an in-process chain", () => {
  let chain: TestChain;
  const h = govHelpers(() => chain);

  beforeEach(async () => {
    chain = await govChain();
  });

  it('derives the gov account as the SDK does: sha256("gov")[:20]', () => {
    assert.equal(govAddress(), encodeAddress(createHash("sha256").update("gov").digest().subarray(0, 20)));
  });

  it("a proposal with the minimum deposit enters voting; yes from the validators passes it and refunds the deposit", async () => {
    const before = await h.balance(dave.address);
    const id = await h.submit(dave, [], 1_000_000n);
    let p = await h.proposal(id);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD);
    assert.equal(await h.balance(govAddress()), 1_000_000n, "the gov account holds the deposit");
    await h.vote(ops[0]!, id, YES);
    await h.vote(ops[1]!, id, YES);
    await h.until(p.votingEndTime);
    p = await h.proposal(id);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    assert.deepEqual(
      p.finalTallyResult,
      { yesCount: "25000000", abstainCount: "0", noCount: "0", noWithVetoCount: "0" },
      "dave inherits ops[0]'s vote",
    );
    assert.equal(await h.balance(govAddress()), 0n);
    assert.equal(await h.balance(dave.address), before - 1000n, "deposit refunded; only the fee is gone");
  });

  it("quorum missed: a vote of 20% of the stake rejects the proposal, deposits refunded (burn_vote_quorum false)", async () => {
    const id = await h.submit(ops[1]!, [], 1_000_000n);
    await h.vote(dave, id, YES);
    const before = await h.balance(ops[1]!.address);
    await h.until((await h.proposal(id)).votingEndTime);
    const p = await h.proposal(id);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_REJECTED);
    assert.equal(p.finalTallyResult?.yesCount, "5000000");
    assert.equal(await h.balance(ops[1]!.address), before + 1_000_000n);
  });

  it("vetoed: more than a third NoWithVeto rejects and burns the deposit", async () => {
    const supply = await h.supplyAndFeeBurns();
    const id = await h.submit(dave, [], 2_000_000n);
    await h.vote(ops[0]!, id, VETO);
    await h.vote(ops[1]!, id, YES);
    await h.until((await h.proposal(id)).votingEndTime);
    const p = await h.proposal(id);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_REJECTED);
    assert.equal(p.finalTallyResult?.noWithVetoCount, "15000000");
    assert.equal(await h.balance(govAddress()), 0n);
    assert.equal(await h.supplyAndFeeBurns(), supply - 2_000_000n, "the deposit was burned");
  });

  it("weighted votes split a validator's power; the threshold counts non-abstaining power", async () => {
    const id = await h.submit(dave, [], 1_000_000n);
    await h.ok(ops[0]!, [
      h.weightedMsg(ops[0]!, id, [
        [YES, "0.6"],
        [NO, "0.4"],
      ]),
    ]);
    await h.ok(ops[1]!, [
      h.weightedMsg(ops[1]!, id, [
        [ABSTAIN, "0.5"],
        [NO, "0.5"],
      ]),
    ]);
    const live = await h.q(
      "/cosmos.gov.v1.Query/TallyResult",
      QueryTallyResultRequest.encode({ proposalId: id }).finish(),
      (b) => QueryTallyResultResponse.decode(b).tally,
    );
    assert.deepEqual(live, { yesCount: "9000000", abstainCount: "5000000", noCount: "11000000", noWithVetoCount: "0" });
    await h.until((await h.proposal(id)).votingEndTime);
    const p = await h.proposal(id);
    // yes 9 of 20 non-abstaining: not more than half
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_REJECTED);
    assert.deepEqual(p.finalTallyResult, live);
  });

  it("a v1beta1 weight (LegacyDec atomics) takes no leading zeros: amino JSON renders both alike", async () => {
    const id = await h.submit(dave, [], 1_000_000n);
    const legacy = (weight: string) =>
      any(
        "/cosmos.gov.v1beta1.MsgVoteWeighted",
        v1beta1Tx.MsgVoteWeighted.encode({
          proposalId: id,
          voter: ops[0]!.address,
          options: [{ option: YES, weight }],
        }).finish(),
      );
    await h.fails(ops[0]!, [legacy(`0${10n ** 18n}`)], "gov", 7);
    await h.ok(ops[0]!, [legacy(`${10n ** 18n}`)]);
  });

  it("a delegator's own vote overrides its validator's for its share", async () => {
    const id = await h.submit(ops[1]!, [], 1_000_000n);
    await h.vote(ops[0]!, id, YES);
    await h.vote(dave, id, NO);
    await h.until((await h.proposal(id)).votingEndTime);
    const p = await h.proposal(id);
    assert.deepEqual(p.finalTallyResult, {
      yesCount: "10000000",
      abstainCount: "0",
      noCount: "5000000",
      noWithVetoCount: "0",
    });
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_PASSED, "10 of 15 voting: passes");
  });

  it("an expedited proposal failing its higher threshold becomes regular, keeps its votes, and passes at the regular end", async () => {
    const id = await h.submit(dave, [], 5_000_000n, { expedited: true });
    let p = await h.proposal(id);
    assert.equal(p.expedited, true);
    assert.equal(p.votingEndTime!.seconds - p.votingStartTime!.seconds, 5n, "expedited voting period");
    await h.vote(ops[0]!, id, YES); // 15 of 25: 60% < 66.7%
    await h.vote(ops[1]!, id, NO);
    await h.until(p.votingEndTime);
    p = await h.proposal(id);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD);
    assert.equal(p.expedited, false);
    assert.equal(
      p.votingEndTime!.seconds - p.votingStartTime!.seconds,
      10n,
      "regular voting period from the same start",
    );
    assert.equal(await h.balance(govAddress()), 5_000_000n, "deposit kept");
    await h.until(p.votingEndTime);
    p = await h.proposal(id);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_PASSED, "60% > 50%");
  });

  it("an expedited proposal needs the expedited minimum deposit to start voting", async () => {
    const id = await h.submit(dave, [], 1_000_000n, { expedited: true });
    assert.equal((await h.proposal(id)).status, ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD);
    await h.ok(ops[0]!, [h.depositMsg(ops[0]!, id, 4_000_000n)]);
    assert.equal((await h.proposal(id)).status, ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD);
  });

  it("a proposal whose deposit period ends without the minimum is dropped and its deposits refunded", async () => {
    const id = await h.submit(dave, [], 500_000n);
    const before = await h.balance(dave.address);
    const p = await h.proposal(id);
    await h.until(p.depositEndTime);
    assert.equal(await h.proposalOrNull(id), null);
    assert.equal(await h.balance(dave.address), before + 500_000n);
  });

  it("passed proposals execute their messages atomically: gov's own params change", async () => {
    const next = { ...govTestParams(), votingPeriodSeconds: 20n };
    const id = await h.submit(dave, [h.govParamsUpdate(next)], 1_000_000n);
    await h.vote(ops[0]!, id, YES);
    await h.until((await h.proposal(id)).votingEndTime);
    assert.equal((await h.proposal(id)).status, ProposalStatus.PROPOSAL_STATUS_PASSED);
    const params = await h.q(
      "/cosmos.gov.v1.Query/Params",
      QueryParamsRequest.encode({ paramsType: "" }).finish(),
      (b) => QueryParamsResponse.decode(b).params!,
    );
    assert.deepEqual(params.votingPeriod, { seconds: 20n, nanos: 0 });
    const id2 = await h.submit(dave, [], 1_000_000n);
    const p2 = await h.proposal(id2);
    assert.equal(p2.votingEndTime!.seconds - p2.votingStartTime!.seconds, 20n, "the next proposal uses the new period");
  });

  it("a proposal whose second message fails changes nothing and records why", async () => {
    const next = { ...govTestParams(), votingPeriodSeconds: 20n };
    // The gov account holds nothing once deposits are refunded: the send fails.
    const id = await h.submit(dave, [h.govParamsUpdate(next), h.sendFromGov(dave.address, 1n)], 1_000_000n);
    await h.vote(ops[0]!, id, YES);
    await h.until((await h.proposal(id)).votingEndTime);
    const p = await h.proposal(id);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_FAILED);
    assert.match(p.failedReason, /insufficient funds/);
    const params = await h.q(
      "/cosmos.gov.v1.Query/Params",
      QueryParamsRequest.encode({ paramsType: "" }).finish(),
      (b) => QueryParamsResponse.decode(b).params!,
    );
    assert.deepEqual(params.votingPeriod, { seconds: 10n, nanos: 0 }, "the first message's change was rolled back");
  });

  it("refuses proposals whose messages are not gov's to sign, unroutable, or invalid (the SDK's codes)", async () => {
    const sendFromDave = any(
      "/cosmos.bank.v1beta1.MsgSend",
      (await import("cosmjs-types/cosmos/bank/v1beta1/tx")).MsgSend.encode({
        fromAddress: dave.address,
        toAddress: ops[0]!.address,
        amount: [{ denom: "utcu", amount: "1" }],
      }).finish(),
    );
    await h.fails(dave, [h.submitMsg(dave, [sendFromDave], 1_000_000n)], "gov", 13, /expected gov account/);
    await h.fails(
      dave,
      [h.submitMsg(dave, [any("/cosmos.nothing.v1.MsgNothing", new Uint8Array())], 1_000_000n)],
      "gov",
      10,
    );
    await h.fails(
      dave,
      [h.submitMsg(dave, [h.govParamsUpdate({ ...govTestParams(), threshold: 0n })], 1_000_000n)],
      "gov",
      12,
      /threshold/,
    );
    await h.fails(
      dave,
      [h.submitMsg(dave, [h.govParamsUpdate({ ...govTestParams(), expeditedThreshold: dec("0.4") })], 1_000_000n)],
      "gov",
      12,
      /expedited threshold/,
    );
  });

  it("refuses MsgUpdateParams sent directly by anyone but the gov account (gov 13)", async () => {
    const msg = h.govParamsUpdate({ ...govTestParams(), quorum: 0n }, dave.address);
    await h.fails(dave, [msg], "gov", 13, /invalid authority/);
  });

  it("refuses bad deposits and votes: dust, foreign denom, unknown or closed proposals, bad weights", async () => {
    const id = await h.submit(dave, [], 500_000n);
    await h.fails(ops[0]!, [h.depositMsg(ops[0]!, id, 9_999n)], "gov", 16, /at least one of/);
    await h.fails(ops[0]!, [h.depositMsg(ops[0]!, id, 10_000n, "uother")], "gov", 23);
    await h.fails(ops[0]!, [h.depositMsg(ops[0]!, 99n, 10_000n)], "gov", 2);
    await h.fails(ops[0]!, [h.voteMsg(ops[0]!, id, YES)], "gov", 3, /inactive/);
    await h.ok(ops[0]!, [h.depositMsg(ops[0]!, id, 500_000n)]);
    await h.fails(
      ops[0]!,
      [
        h.weightedMsg(ops[0]!, id, [
          [YES, "0.5"],
          [NO, "0.4"],
        ]),
      ],
      "gov",
      7,
      /lower than 1/,
    );
    await h.fails(
      ops[0]!,
      [
        h.weightedMsg(ops[0]!, id, [
          [YES, "0.5"],
          [YES, "0.5"],
        ]),
      ],
      "gov",
      7,
      /duplicated/,
    );
    await h.fails(
      ops[0]!,
      [
        h.weightedMsg(ops[0]!, id, [
          [YES, "0.7"],
          [NO, "0.4"],
        ]),
      ],
      "gov",
      7,
      /overflow/,
    );
    await h.fails(ops[0]!, [h.voteMsg(ops[0]!, id, 9)], "gov", 7);
  });

  it("a proposal cannot make the gov account deposit its own coins (that would break the deposit invariant)", async () => {
    // Proposal 1 deposits from the gov account to proposal 2, still in its deposit period then.
    const depositFromGov = h.depositMsg({ address: govAddress() } as never, 2n, 100_000n);
    const id = await h.submit(dave, [depositFromGov], 1_000_000n);
    assert.equal(await h.submit(ops[1]!, [], 500_000n), 2n);
    await h.vote(ops[0]!, id, YES);
    await h.until((await h.proposal(id)).votingEndTime);
    const p = await h.proposal(id);
    assert.equal(p.status, ProposalStatus.PROPOSAL_STATUS_FAILED);
    assert.match(p.failedReason, /cannot deposit/);
  });

  it("cancel: only the proposer, while open; half the deposits burned, half refunded", async () => {
    const id = await h.submit(dave, [], 1_000_000n);
    await h.ok(ops[0]!, [h.depositMsg(ops[0]!, id, 400_000n)]);
    const cancel = (k: typeof dave) =>
      any(
        "/cosmos.gov.v1.MsgCancelProposal",
        MsgCancelProposal.encode({ proposalId: id, proposer: k.address }).finish(),
      );
    await h.fails(ops[0]!, [cancel(ops[0]!)], "gov", 18);
    const supply = await h.supplyAndFeeBurns();
    const before = await h.balance(ops[0]!.address);
    await h.ok(dave, [cancel(dave)]);
    assert.equal(await h.proposalOrNull(id), null);
    assert.equal(await h.balance(ops[0]!.address), before + 200_000n);
    assert.equal(await h.supplyAndFeeBurns(), supply - 700_000n, "half of 1.4 TCU burned");
    assert.equal(await h.balance(govAddress()), 0n);
  });

  it("queries proposals by status, voter and depositor with pagination, on v1 and v1beta1", async () => {
    const a = await h.submit(dave, [], 1_000_000n);
    const b = await h.submit(ops[0]!, [], 500_000n);
    const c = await h.submit(ops[1]!, [], 1_000_000n);
    await h.vote(ops[0]!, a, YES);
    await h.ok(dave, [h.depositMsg(dave, b, 100_000n)]);
    const ids = async (req: Partial<QueryProposalsRequest>) =>
      h.q(
        "/cosmos.gov.v1.Query/Proposals",
        QueryProposalsRequest.encode(QueryProposalsRequest.fromPartial(req)).finish(),
        (x) => QueryProposalsResponse.decode(x),
      );
    assert.deepEqual(
      (await ids({})).proposals.map((p) => p.id),
      [a, b, c],
    );
    assert.deepEqual(
      (await ids({ proposalStatus: ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD })).proposals.map((p) => p.id),
      [b],
    );
    assert.deepEqual(
      (await ids({ voter: ops[0]!.address })).proposals.map((p) => p.id),
      [a],
    );
    assert.deepEqual(
      (await ids({ depositor: dave.address })).proposals.map((p) => p.id),
      [a, b],
    );
    const page1 = await ids({
      pagination: { key: new Uint8Array(), offset: 0n, limit: 2n, countTotal: true, reverse: false },
    });
    assert.deepEqual(
      page1.proposals.map((p) => p.id),
      [a, b],
    );
    assert.equal(page1.pagination?.total, 3n);
    const page2 = await ids({
      pagination: { key: page1.pagination!.nextKey, offset: 0n, limit: 2n, countTotal: false, reverse: false },
    });
    assert.deepEqual(
      page2.proposals.map((p) => p.id),
      [c],
    );
    const votes = await h.q(
      "/cosmos.gov.v1.Query/Votes",
      QueryVotesRequest.encode({ proposalId: a }).finish(),
      (x) => QueryVotesResponse.decode(x).votes,
    );
    assert.deepEqual(
      votes.map((v) => v.voter),
      [ops[0]!.address],
    );
    const legacy = await h.q(
      "/cosmos.gov.v1beta1.Query/Proposals",
      qb.QueryProposalsRequest.encode(qb.QueryProposalsRequest.fromPartial({})).finish(),
      (x) => qb.QueryProposalsResponse.decode(x),
    );
    assert.deepEqual(
      legacy.proposals.map((p) => [p.proposalId, p.content?.typeUrl]),
      [a, b, c].map((id) => [id, "/cosmos.gov.v1beta1.TextProposal"]),
    );
    const lv = await h.q(
      "/cosmos.gov.v1beta1.Query/Vote",
      qb.QueryVoteRequest.encode({ proposalId: a, voter: ops[0]!.address }).finish(),
      (x) => qb.QueryVoteResponse.decode(x).vote!,
    );
    assert.deepEqual(
      lv.options,
      [{ option: YES, weight: "1000000000000000000" }],
      "v1beta1 weights are LegacyDec atomics",
    );
    const tally = await h.q(
      "/cosmos.gov.v1beta1.Query/Params",
      qb.QueryParamsRequest.encode({ paramsType: "tallying" }).finish(),
      (x) => qb.QueryParamsResponse.decode(x).tallyParams!,
    );
    assert.equal(Buffer.from(tally.quorum).toString(), "334000000000000000");
    const bad = await chain.query("/cosmos.gov.v1.Query/Proposal", new Uint8Array([0x08, 0x00]));
    assert.notEqual(bad.code, 0, "proposal id 0 refused");
  });

  it("genesis: export → import round trip with open proposals, votes and deposits (same app hash)", async () => {
    const a = await h.submit(dave, [h.govParamsUpdate({ ...govTestParams(), votingPeriodSeconds: 30n })], 1_000_000n);
    await h.vote(ops[0]!, a, YES);
    await h.ok(dave, [
      h.weightedMsg(dave, a, [
        [YES, "0.25"],
        [NO, "0.75"],
      ]),
    ]);
    await h.submit(ops[1]!, [], 300_000n);
    const exported = exportAppState(chain);
    const gov = exported["gov"] as {
      proposals: Array<{ messages: Array<Record<string, unknown>> }>;
      votes: unknown[];
      deposits: unknown[];
      starting_proposal_id: string;
    };
    assert.equal(gov.proposals[0]!.messages[0]!["@type"], "/cosmos.gov.v1.MsgUpdateParams");
    assert.equal((gov.proposals[0]!.messages[0]!["params"] as Record<string, unknown>)["voting_period"], "30s");
    assert.equal(gov.votes.length, 2);
    assert.equal(gov.deposits.length, 2);
    assert.equal(gov.starting_proposal_id, "3");
    const b = await importAppState(exported);
    const again = exportAppState(b);
    assert.deepEqual(again, exported);
    assert.equal(Buffer.from(b.app.appHash).toString("hex"), Buffer.from(chain.app.appHash).toString("hex"));
  });

  it("the invariant (run after every block here) catches a gov account holding more or less than the open deposits", async () => {
    const id = await h.submit(dave, [], 500_000n);
    const check = (mutate: (store: BranchStore, k: GovKeeper) => void) =>
      chain.app.withCommittedContext((ctx, modules) => {
        const store = new BranchStore(ctx.store);
        const gov = modules.find((m) => m.name === "gov")!;
        const k = new GovKeeper(
          new BankKeeper(new AccountKeeper(), new Set()),
          new StakingKeeper(new BankKeeper(new AccountKeeper(), new Set())),
          (s) => new BranchStore(s),
        );
        mutate(store, k);
        return gov.invariants.flatMap((inv) => inv.check(testContext("query", { store, block: ctx.block })));
      });
    assert.deepEqual(
      check(() => {}),
      [],
    );
    const broken = check((store, k) =>
      k.setDeposit(store, { proposalId: id, depositor: ops[0]!.address, amount: [{ denom: "utcu", amount: "1" }] }),
    );
    assert.match(broken.join(), /gov account holds 500000utcu, open deposits sum to 500001utcu/);
  });

  it("refuses a genesis whose gov account balance differs from its deposits, or with bad params", async () => {
    await assert.rejects(
      createTestChain({
        editGenesis: (d) => ((d.app_state["gov"] as { params: { quorum: string } }).params.quorum = "1.5"),
      }),
      /quorum/,
    );
    await assert.rejects(
      createTestChain({
        editGenesis: (d) => ((d.app_state["gov"] as { starting_proposal_id: string }).starting_proposal_id = "0"),
      }),
      /starting proposal id/,
    );
    const rich = { address: govAddress(), coins: [{ denom: "utcu", amount: 5n }] };
    await assert.rejects(createTestChain({ accounts: [rich] }), /open deposits/);
  });
});
