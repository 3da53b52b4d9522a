import { Deposit, Proposal, ProposalStatus, Vote, type TallyResult } from "cosmjs-types/cosmos/gov/v1/gov";
import type { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import * as q1 from "cosmjs-types/cosmos/gov/v1/query";
import { MsgExecLegacyContent } from "cosmjs-types/cosmos/gov/v1/tx";
import * as b1 from "cosmjs-types/cosmos/gov/v1beta1/gov";
import * as qb from "cosmjs-types/cosmos/gov/v1beta1/query";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { validateAddress } from "../sdk/address.js";
import { sdkErrors } from "../sdk/errors.js";
import type { QueryHandler } from "../sdk/module.js";
import { paginateStore } from "../sdk/pagination.js";
import { utf8, type KVStore } from "../sdk/store.js";
import type { GovKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { paramsToProto } from "./params.js";

// cosmos.gov.v1.Query, and cosmos.gov.v1beta1.Query (what cosmjs's setupGovExtension calls),
// answered from the same v1 state: v1beta1 proposals carry their first message as content
// (the SDK's ConvertToLegacyProposal), LegacyDec fields travel as 18-decimal atomics.

function decodeReq<T>(decode: (b: Uint8Array) => T, bytes: Uint8Array, name: string): T {
  try {
    return decode(bytes);
  } catch (e) {
    throw sdkErrors.txDecode.wrap(`${name}: ${(e as Error).message}`);
  }
}

const zeroTally: TallyResult = { yesCount: "0", abstainCount: "0", noCount: "0", noWithVetoCount: "0" };

function requireId(id: bigint): void {
  if (id === 0n) throw sdkErrors.invalidRequest.wrap("proposal id can not be 0");
}

/** Atomics of an 18-decimal string ("0.5" -> "500000000000000000"). */
function atomics(dec: string): string {
  const [i, f = ""] = dec.split(".");
  return (BigInt(i!) * 10n ** 18n + BigInt(f.padEnd(18, "0") || "0")).toString();
}

export function liveTally(k: GovKeeper, store: KVStore, p: Proposal): TallyResult {
  if (p.status === ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD) return zeroTally;
  if (p.status === ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD) {
    const t = k.tally(store, p);
    return {
      yesCount: t.yes.toString(),
      abstainCount: t.abstain.toString(),
      noCount: t.no.toString(),
      noWithVetoCount: t.noWithVeto.toString(),
    };
  }
  return p.finalTallyResult ?? zeroTally;
}

/** A page of proposals by id, read in the store; a status, voter or depositor filter decodes each proposal read. */
function proposalsPage(
  k: GovKeeper,
  store: KVStore,
  status: number,
  voter: string,
  depositor: string,
  req: PageRequest | undefined,
) {
  if (voter !== "") validateAddress(voter);
  if (depositor !== "") validateAddress(depositor);
  const filtered = status !== ProposalStatus.PROPOSAL_STATUS_UNSPECIFIED || voter !== "" || depositor !== "";
  return paginateStore(
    store,
    keys.proposalPrefix,
    req,
    (_id, raw) => {
      const p = Proposal.decode(raw);
      if (status !== ProposalStatus.PROPOSAL_STATUS_UNSPECIFIED && p.status !== status) return null;
      if (voter !== "" && k.getVote(store, p.id, voter) === null) return null;
      if (depositor !== "" && k.getDeposit(store, p.id, depositor) === null) return null;
      return p;
    },
    filtered,
  );
}

const votesPage = (store: KVStore, id: bigint, req: PageRequest | undefined) =>
  paginateStore(store, keys.votesOf(id), req, (_voter, raw) => Vote.decode(raw));
const depositsPage = (store: KVStore, id: bigint, req: PageRequest | undefined) =>
  paginateStore(store, keys.depositsOf(id), req, (_depositor, raw) => Deposit.decode(raw));

// ---- v1beta1 conversions ----

const textProposalTypeUrl = "/cosmos.gov.v1beta1.TextProposal";

export function toLegacyProposal(p: Proposal): b1.Proposal {
  let content: Any | undefined;
  const legacy = p.messages.find((m) => m.typeUrl === "/cosmos.gov.v1.MsgExecLegacyContent");
  if (legacy !== undefined) {
    content = legacyContentOf(legacy.value);
  } else if (p.messages.length > 0) {
    content = p.messages[0];
  } else {
    content = {
      typeUrl: textProposalTypeUrl,
      value: b1.TextProposal.encode({ title: p.title, description: p.summary }).finish(),
    };
  }
  const t = p.finalTallyResult ?? zeroTally;
  return {
    proposalId: p.id,
    content,
    status: p.status,
    finalTallyResult: { yes: t.yesCount, abstain: t.abstainCount, no: t.noCount, noWithVeto: t.noWithVetoCount },
    submitTime: p.submitTime ?? { seconds: 0n, nanos: 0 },
    depositEndTime: p.depositEndTime ?? { seconds: 0n, nanos: 0 },
    totalDeposit: p.totalDeposit,
    votingStartTime: p.votingStartTime ?? { seconds: 0n, nanos: 0 },
    votingEndTime: p.votingEndTime ?? { seconds: 0n, nanos: 0 },
  };
}

function legacyContentOf(bytes: Uint8Array): Any | undefined {
  try {
    return MsgExecLegacyContent.decode(bytes).content;
  } catch {
    return undefined;
  }
}

function toLegacyVote(v: Vote): b1.Vote {
  const options = v.options.map((o) => ({ option: o.option, weight: atomics(o.weight) }));
  const single = options.length === 1 && options[0]!.weight === (10n ** 18n).toString();
  return {
    proposalId: v.proposalId,
    voter: v.voter,
    option: single ? options[0]!.option : b1.VoteOption.VOTE_OPTION_UNSPECIFIED,
    options,
  };
}

export function govQueries(k: GovKeeper): Record<string, QueryHandler> {
  const mustProposal = (store: KVStore, id: bigint): Proposal => {
    requireId(id);
    const p = k.getProposal(store, id);
    if (p === null) throw sdkErrors.notFound.wrap(`proposal ${id} doesn't exist`);
    return p;
  };
  const mustVote = (store: KVStore, id: bigint, voter: string): Vote => {
    requireId(id);
    validateAddress(voter);
    const v = k.getVote(store, id, voter);
    if (v === null) throw sdkErrors.notFound.wrap(`voter: ${voter} not found for proposal: ${id}`);
    return v;
  };
  const mustDeposit = (store: KVStore, id: bigint, depositor: string) => {
    requireId(id);
    validateAddress(depositor);
    const d = k.getDeposit(store, id, depositor);
    if (d === null) throw sdkErrors.notFound.wrap(`depositor: ${depositor} not found for proposal: ${id}`);
    return d;
  };
  return {
    "/cosmos.gov.v1.Query/Constitution": (ctx) =>
      q1.QueryConstitutionResponse.encode({ constitution: k.constitution(ctx.store) }).finish(),
    "/cosmos.gov.v1.Query/Proposal": (ctx, data) => {
      const r = decodeReq(q1.QueryProposalRequest.decode, data, "QueryProposalRequest");
      return q1.QueryProposalResponse.encode({ proposal: mustProposal(ctx.store, r.proposalId) }).finish();
    },
    "/cosmos.gov.v1.Query/Proposals": (ctx, data) => {
      const r = decodeReq(q1.QueryProposalsRequest.decode, data, "QueryProposalsRequest");
      const { page, pagination } = proposalsPage(k, ctx.store, r.proposalStatus, r.voter, r.depositor, r.pagination);
      return q1.QueryProposalsResponse.encode({ proposals: page, pagination }).finish();
    },
    "/cosmos.gov.v1.Query/Vote": (ctx, data) => {
      const r = decodeReq(q1.QueryVoteRequest.decode, data, "QueryVoteRequest");
      return q1.QueryVoteResponse.encode({ vote: mustVote(ctx.store, r.proposalId, r.voter) }).finish();
    },
    "/cosmos.gov.v1.Query/Votes": (ctx, data) => {
      const r = decodeReq(q1.QueryVotesRequest.decode, data, "QueryVotesRequest");
      requireId(r.proposalId);
      const { page, pagination } = votesPage(ctx.store, r.proposalId, r.pagination);
      return q1.QueryVotesResponse.encode({ votes: page, pagination }).finish();
    },
    "/cosmos.gov.v1.Query/Params": (ctx, data) => {
      const r = decodeReq(q1.QueryParamsRequest.decode, data, "QueryParamsRequest");
      const p = paramsToProto(k.params(ctx.store));
      const res: q1.QueryParamsResponse = {
        depositParams: undefined,
        votingParams: undefined,
        tallyParams: undefined,
        params: p,
      };
      if (r.paramsType === "deposit")
        res.depositParams = { minDeposit: p.minDeposit, maxDepositPeriod: p.maxDepositPeriod };
      else if (r.paramsType === "voting") res.votingParams = { votingPeriod: p.votingPeriod };
      else if (r.paramsType === "tallying")
        res.tallyParams = { quorum: p.quorum, threshold: p.threshold, vetoThreshold: p.vetoThreshold };
      else if (r.paramsType !== "") throw sdkErrors.invalidRequest.wrap(`unknown params type: ${r.paramsType}`);
      return q1.QueryParamsResponse.encode(res).finish();
    },
    "/cosmos.gov.v1.Query/Deposit": (ctx, data) => {
      const r = decodeReq(q1.QueryDepositRequest.decode, data, "QueryDepositRequest");
      return q1.QueryDepositResponse.encode({ deposit: mustDeposit(ctx.store, r.proposalId, r.depositor) }).finish();
    },
    "/cosmos.gov.v1.Query/Deposits": (ctx, data) => {
      const r = decodeReq(q1.QueryDepositsRequest.decode, data, "QueryDepositsRequest");
      requireId(r.proposalId);
      const { page, pagination } = depositsPage(ctx.store, r.proposalId, r.pagination);
      return q1.QueryDepositsResponse.encode({ deposits: page, pagination }).finish();
    },
    "/cosmos.gov.v1.Query/TallyResult": (ctx, data) => {
      const r = decodeReq(q1.QueryTallyResultRequest.decode, data, "QueryTallyResultRequest");
      return q1.QueryTallyResultResponse.encode({
        tally: liveTally(k, ctx.store, mustProposal(ctx.store, r.proposalId)),
      }).finish();
    },

    // ---- v1beta1 ----
    "/cosmos.gov.v1beta1.Query/Proposal": (ctx, data) => {
      const r = decodeReq(qb.QueryProposalRequest.decode, data, "QueryProposalRequest");
      return qb.QueryProposalResponse.encode({
        proposal: toLegacyProposal(mustProposal(ctx.store, r.proposalId)),
      }).finish();
    },
    "/cosmos.gov.v1beta1.Query/Proposals": (ctx, data) => {
      const r = decodeReq(qb.QueryProposalsRequest.decode, data, "QueryProposalsRequest");
      const { page, pagination } = proposalsPage(k, ctx.store, r.proposalStatus, r.voter, r.depositor, r.pagination);
      return qb.QueryProposalsResponse.encode({ proposals: page.map(toLegacyProposal), pagination }).finish();
    },
    "/cosmos.gov.v1beta1.Query/Vote": (ctx, data) => {
      const r = decodeReq(qb.QueryVoteRequest.decode, data, "QueryVoteRequest");
      return qb.QueryVoteResponse.encode({ vote: toLegacyVote(mustVote(ctx.store, r.proposalId, r.voter)) }).finish();
    },
    "/cosmos.gov.v1beta1.Query/Votes": (ctx, data) => {
      const r = decodeReq(qb.QueryVotesRequest.decode, data, "QueryVotesRequest");
      requireId(r.proposalId);
      const { page, pagination } = votesPage(ctx.store, r.proposalId, r.pagination);
      return qb.QueryVotesResponse.encode({ votes: page.map(toLegacyVote), pagination }).finish();
    },
    "/cosmos.gov.v1beta1.Query/Params": (ctx, data) => {
      const r = decodeReq(qb.QueryParamsRequest.decode, data, "QueryParamsRequest");
      const p = paramsToProto(k.params(ctx.store));
      const dec = (s: string) => utf8(atomics(s));
      const res: qb.QueryParamsResponse = {
        votingParams: { votingPeriod: { seconds: 0n, nanos: 0 } },
        depositParams: { minDeposit: [], maxDepositPeriod: { seconds: 0n, nanos: 0 } },
        tallyParams: { quorum: new Uint8Array(), threshold: new Uint8Array(), vetoThreshold: new Uint8Array() },
      };
      if (r.paramsType === "deposit")
        res.depositParams = { minDeposit: p.minDeposit, maxDepositPeriod: p.maxDepositPeriod! };
      else if (r.paramsType === "voting") res.votingParams = { votingPeriod: p.votingPeriod! };
      else if (r.paramsType === "tallying")
        res.tallyParams = { quorum: dec(p.quorum), threshold: dec(p.threshold), vetoThreshold: dec(p.vetoThreshold) };
      else throw sdkErrors.invalidRequest.wrap(`unknown params type: ${r.paramsType}`);
      return qb.QueryParamsResponse.encode(res).finish();
    },
    "/cosmos.gov.v1beta1.Query/Deposit": (ctx, data) => {
      const r = decodeReq(qb.QueryDepositRequest.decode, data, "QueryDepositRequest");
      return qb.QueryDepositResponse.encode({ deposit: mustDeposit(ctx.store, r.proposalId, r.depositor) }).finish();
    },
    "/cosmos.gov.v1beta1.Query/Deposits": (ctx, data) => {
      const r = decodeReq(qb.QueryDepositsRequest.decode, data, "QueryDepositsRequest");
      requireId(r.proposalId);
      const { page, pagination } = depositsPage(ctx.store, r.proposalId, r.pagination);
      return qb.QueryDepositsResponse.encode({ deposits: page, pagination }).finish();
    },
    "/cosmos.gov.v1beta1.Query/TallyResult": (ctx, data) => {
      const r = decodeReq(qb.QueryTallyResultRequest.decode, data, "QueryTallyResultRequest");
      const t = liveTally(k, ctx.store, mustProposal(ctx.store, r.proposalId));
      return qb.QueryTallyResultResponse.encode({
        tally: { yes: t.yesCount, abstain: t.abstainCount, no: t.noCount, noWithVeto: t.noWithVetoCount },
      }).finish();
    },
  };
}
