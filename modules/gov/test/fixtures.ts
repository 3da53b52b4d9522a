import assert from "node:assert/strict";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import {
  QueryBalanceRequest,
  QueryBalanceResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { Proposal } from "cosmjs-types/cosmos/gov/v1/gov";
import { QueryProposalRequest, QueryProposalResponse } from "cosmjs-types/cosmos/gov/v1/query";
import {
  MsgDeposit,
  MsgSubmitProposal,
  MsgSubmitProposalResponse,
  MsgUpdateParams,
  MsgVote,
  MsgVoteWeighted,
} from "cosmjs-types/cosmos/gov/v1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { createTestChain, testGenesisTime, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import type { RawKey } from "../../../client/sdk/signing.js";
import {
  any,
  createValidatorMsg,
  dave,
  delegateMsg,
  funded,
  ops,
  txHelpers,
  valoper,
} from "../../../chain/testkit/fixtures.js";
import { govAddress } from "../keeper.js";
import { defaultParams, paramsToProto, type GovParams } from "../params.js";
import { parseDec } from "../../sdk/coins.js";

// A chain for gov scenarios: two validators of 10 TCU each (ops[0], ops[1]), dave delegating 5 TCU
// to ops[0] (25 TCU bonded); periods of a few one-second blocks.

export { any, dave, ops, valoper };

export const govTestParams = (): GovParams => ({
  ...defaultParams(),
  minDeposit: [{ denom: "utcu", amount: 1_000_000n }],
  expeditedMinDeposit: [{ denom: "utcu", amount: 5_000_000n }],
  maxDepositPeriodSeconds: 10n,
  votingPeriodSeconds: 10n,
  expeditedVotingPeriodSeconds: 5n,
});

export function govParamsJson(p: GovParams) {
  return {
    min_deposit: p.minDeposit.map((c) => ({ denom: c.denom, amount: c.amount.toString() })),
    expedited_min_deposit: p.expeditedMinDeposit.map((c) => ({ denom: c.denom, amount: c.amount.toString() })),
    max_deposit_period: `${p.maxDepositPeriodSeconds}s`,
    voting_period: `${p.votingPeriodSeconds}s`,
    expedited_voting_period: `${p.expeditedVotingPeriodSeconds}s`,
  };
}

export async function govChain(edit?: (appState: Record<string, unknown>) => void): Promise<TestChain> {
  const chain = await createTestChain({
    accounts: funded([...ops, dave]),
    editGenesis: (d) => {
      const g = d.app_state["gov"] as { params: Record<string, unknown> };
      Object.assign(g.params, govParamsJson(govTestParams()));
      edit?.(d.app_state);
    },
  });
  const { ok } = txHelpers(() => chain);
  await ok(ops[0]!, [createValidatorMsg(0, 10_000_000n)]);
  await ok(ops[1]!, [createValidatorMsg(1, 10_000_000n)]);
  await ok(dave, [delegateMsg(dave, valoper(ops[0]!), 5_000_000n)]);
  return chain;
}

export const dec = (s: string) => parseDec(s);

export function govHelpers(chain: () => TestChain) {
  const h = txHelpers(chain);
  const submitMsg = (
    proposer: RawKey,
    messages: Any[],
    deposit: bigint,
    opts: { expedited?: boolean; title?: string } = {},
  ) =>
    any(
      "/cosmos.gov.v1.MsgSubmitProposal",
      MsgSubmitProposal.encode({
        messages,
        initialDeposit: deposit > 0n ? [{ denom: "utcu", amount: deposit.toString() }] : [],
        proposer: proposer.address,
        metadata: "",
        title: opts.title ?? "a proposal",
        summary: "what it does",
        expedited: opts.expedited ?? false,
      }).finish(),
    );
  async function submit(
    proposer: RawKey,
    messages: Any[],
    deposit: bigint,
    opts: { expedited?: boolean } = {},
  ): Promise<bigint> {
    const res = await h.ok(proposer, [submitMsg(proposer, messages, deposit, opts)]);
    const data = TxMsgData.decode(res.txResults[0]!.data);
    return MsgSubmitProposalResponse.decode(data.msgResponses[0]!.value).proposalId;
  }
  const voteMsg = (voter: RawKey, id: bigint, option: number) =>
    any(
      "/cosmos.gov.v1.MsgVote",
      MsgVote.encode({ proposalId: id, voter: voter.address, option, metadata: "" }).finish(),
    );
  const weightedMsg = (voter: RawKey, id: bigint, options: Array<[number, string]>) =>
    any(
      "/cosmos.gov.v1.MsgVoteWeighted",
      MsgVoteWeighted.encode({
        proposalId: id,
        voter: voter.address,
        options: options.map(([option, weight]) => ({ option, weight })),
        metadata: "",
      }).finish(),
    );
  const depositMsg = (from: RawKey, id: bigint, amount: bigint, denom = "utcu") =>
    any(
      "/cosmos.gov.v1.MsgDeposit",
      MsgDeposit.encode({
        proposalId: id,
        depositor: from.address,
        amount: [{ denom, amount: amount.toString() }],
      }).finish(),
    );
  const vote = (voter: RawKey, id: bigint, option: number) => h.ok(voter, [voteMsg(voter, id, option)]);
  async function proposal(id: bigint): Promise<Proposal> {
    return h.q(
      "/cosmos.gov.v1.Query/Proposal",
      QueryProposalRequest.encode({ proposalId: id }).finish(),
      (b) => QueryProposalResponse.decode(b).proposal!,
    );
  }
  async function proposalOrNull(id: bigint): Promise<Proposal | null> {
    const res = await chain().query(
      "/cosmos.gov.v1.Query/Proposal",
      QueryProposalRequest.encode({ proposalId: id }).finish(),
    );
    return res.code === 0 ? QueryProposalResponse.decode(res.value).proposal! : null;
  }
  const balance = (address: string) =>
    h.q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(), (b) =>
      BigInt(QueryBalanceResponse.decode(b).balance!.amount),
    );
  const supply = () =>
    h.q("/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest.encode({ denom: "utcu" }).finish(), (b) =>
      BigInt(QuerySupplyOfResponse.decode(b).amount!.amount),
    );
  /** Supply plus what fee burning took: changes only by mints and other burns. */
  async function supplyAndFeeBurns(): Promise<bigint> {
    const burned = chain().app.withCommittedContext(
      (ctx, modules) =>
        (modules.find((m) => m.name === "emissions")!.exportGenesis(ctx) as { burned_fees: string }).burned_fees,
    );
    return (await supply()) + BigInt(burned);
  }
  /** Empty blocks until the chain's block time passes `t` (blocks are a second apart). */
  async function until(t: { seconds: bigint } | undefined): Promise<void> {
    assert.ok(t !== undefined);
    for (let i = 0; i < 100; i++) {
      await chain().deliver([]);
      // The test chain's block time is genesis time + height seconds.
      if (testGenesisTime.seconds + chain().app.height >= t.seconds) return;
    }
    assert.fail("time did not advance");
  }
  const govParamsUpdate = (p: GovParams, authority = govAddress()) =>
    any("/cosmos.gov.v1.MsgUpdateParams", MsgUpdateParams.encode({ authority, params: paramsToProto(p) }).finish());
  const sendFromGov = (to: string, amount: bigint) =>
    any(
      "/cosmos.bank.v1beta1.MsgSend",
      MsgSend.encode({
        fromAddress: govAddress(),
        toAddress: to,
        amount: [{ denom: "utcu", amount: amount.toString() }],
      }).finish(),
    );
  return {
    ...h,
    supplyAndFeeBurns,
    submitMsg,
    submit,
    voteMsg,
    weightedMsg,
    depositMsg,
    vote,
    proposal,
    proposalOrNull,
    balance,
    supply,
    until,
    govParamsUpdate,
    sendFromGov,
  };
}
