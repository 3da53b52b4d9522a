import {
  ProposalStatus,
  type Deposit,
  type Proposal,
  type Vote,
  type WeightedVoteOption,
} from "cosmjs-types/cosmos/gov/v1/gov";
import { validateAddress } from "../sdk/address.js";
import { coinsFromProto, coinsToProto, formatCoins, normalizeCoins, type Coin } from "../sdk/coins.js";
import type { Context, Timestamp } from "../sdk/context.js";
import { asArray, asBool, asObject, asString, asUint, field, optField, type JsonObject } from "../sdk/json.js";
import { formatTime, parseTime } from "../sdk/time.js";
import { govErrors } from "./errors.js";
import { govAddress, statusName, type GovKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { anyFromJson, anyToJson } from "./msgJson.js";
import { validateWeightedOptions } from "./msgServer.js";
import { coinsFromJson, defaultParams, paramsFromJson, paramsToJson, type GovParams } from "./params.js";

// app_state.gov in the SDK's shape (cosmos.gov.v1.GenesisState): starting_proposal_id, deposits,
// votes, proposals, params, constitution (and the deprecated *_params, always null).

export function defaultGenesis() {
  return {
    starting_proposal_id: "1",
    deposits: [],
    votes: [],
    proposals: [],
    deposit_params: null,
    voting_params: null,
    tally_params: null,
    params: paramsToJson(defaultParams()),
    constitution: "",
  };
}

export interface ParsedGovGenesis {
  startingProposalId: bigint;
  params: GovParams;
  proposals: Proposal[];
  deposits: Deposit[];
  votes: Vote[];
  constitution: string;
}

const statusByName = new Map(Object.entries(statusName).map(([n, s]) => [s, Number(n)]));
const optionByName = new Map([
  ["VOTE_OPTION_YES", 1],
  ["VOTE_OPTION_ABSTAIN", 2],
  ["VOTE_OPTION_NO", 3],
  ["VOTE_OPTION_NO_WITH_VETO", 4],
]);
const optionName = new Map([...optionByName].map(([n, v]) => [v, n]));

const bad = (m: string) => govErrors.invalidGenesis.wrap(m);
const time = (v: unknown, path: string): Timestamp | undefined => {
  if (v === undefined || v === null) return undefined;
  try {
    return parseTime(asString(v, path));
  } catch (e) {
    throw bad(`${path}: ${(e as Error).message}`);
  }
};
const coinsJson = (cs: ReadonlyArray<{ denom: string; amount: string }>) =>
  cs.map((c) => ({ denom: c.denom, amount: c.amount }));

function optionsFromJson(v: unknown, path: string): WeightedVoteOption[] {
  return asArray(v, path).map((x, i) => {
    const o = asObject(x, `${path}[${i}]`);
    const name = asString(field(o, "option", `${path}[${i}]`), `${path}[${i}].option`);
    const option = optionByName.get(name);
    if (option === undefined) throw bad(`${path}[${i}].option: unknown ${name}`);
    return { option, weight: asString(field(o, "weight", `${path}[${i}]`), `${path}[${i}].weight`) };
  });
}

function proposalFromJson(o: JsonObject, path: string): Proposal {
  const statusStr = asString(field(o, "status", path), `${path}.status`);
  const status = statusByName.get(statusStr);
  if (status === undefined || status === ProposalStatus.PROPOSAL_STATUS_UNSPECIFIED)
    throw bad(`${path}.status: ${statusStr}`);
  const tally = optField(o, "final_tally_result");
  const t = tally === undefined || tally === null ? null : asObject(tally, `${path}.final_tally_result`);
  const tv = (k: string) =>
    t === null ? "0" : asUint(field(t, k, `${path}.final_tally_result`), `${path}.final_tally_result.${k}`).toString();
  const proposer = asString(optField(o, "proposer") ?? "", `${path}.proposer`);
  if (proposer !== "") validateAddress(proposer);
  return {
    id: asUint(field(o, "id", path), `${path}.id`),
    messages: asArray(optField(o, "messages") ?? [], `${path}.messages`).map((m, i) =>
      anyFromJson(m, `${path}.messages[${i}]`),
    ),
    status,
    finalTallyResult: {
      yesCount: tv("yes_count"),
      abstainCount: tv("abstain_count"),
      noCount: tv("no_count"),
      noWithVetoCount: tv("no_with_veto_count"),
    },
    submitTime: time(optField(o, "submit_time"), `${path}.submit_time`),
    depositEndTime: time(optField(o, "deposit_end_time"), `${path}.deposit_end_time`),
    totalDeposit: coinsToProto(coinsFromJson(optField(o, "total_deposit") ?? [], `${path}.total_deposit`)),
    votingStartTime: time(optField(o, "voting_start_time"), `${path}.voting_start_time`),
    votingEndTime: time(optField(o, "voting_end_time"), `${path}.voting_end_time`),
    metadata: asString(optField(o, "metadata") ?? "", `${path}.metadata`),
    title: asString(optField(o, "title") ?? "", `${path}.title`),
    summary: asString(optField(o, "summary") ?? "", `${path}.summary`),
    proposer,
    expedited: asBool(optField(o, "expedited") ?? false, `${path}.expedited`),
    failedReason: asString(optField(o, "failed_reason") ?? "", `${path}.failed_reason`),
  };
}

/** Parses and validates as the SDK's ValidateGenesis: params, unique ids, references, options. */
export function parseGenesis(json: unknown): ParsedGovGenesis {
  const o = asObject(json, "gov");
  const startingProposalId = asUint(field(o, "starting_proposal_id", "gov"), "gov.starting_proposal_id");
  if (startingProposalId === 0n) throw bad("starting proposal id must be greater than 0");
  const params = paramsFromJson(field(o, "params", "gov"), "gov.params");
  const list = (k: string) => asArray(optField(o, k) ?? [], `gov.${k}`).map((x, i) => asObject(x, `gov.${k}[${i}]`));
  const proposals = list("proposals").map((x, i) => proposalFromJson(x, `gov.proposals[${i}]`));
  const ids = new Set<bigint>();
  for (const p of proposals) {
    if (ids.has(p.id)) throw bad(`duplicate proposal id: ${p.id}`);
    if (p.id >= startingProposalId)
      throw bad(`proposal id ${p.id} is not below starting_proposal_id ${startingProposalId}`);
    if (p.status === ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD && p.depositEndTime === undefined)
      throw bad(`proposal ${p.id}: deposit_end_time missing`);
    if (
      p.status === ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD &&
      (p.votingEndTime === undefined || p.votingStartTime === undefined)
    )
      throw bad(`proposal ${p.id}: voting times missing`);
    ids.add(p.id);
  }
  const open = new Set(
    proposals
      .filter(
        (p) =>
          p.status === ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD ||
          p.status === ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD,
      )
      .map((p) => p.id),
  );
  const seen = new Set<string>();
  const deposits: Deposit[] = list("deposits").map((x, i) => {
    const path = `gov.deposits[${i}]`;
    const proposalId = asUint(field(x, "proposal_id", path), `${path}.proposal_id`);
    const depositor = validateAddress(asString(field(x, "depositor", path), `${path}.depositor`));
    if (!open.has(proposalId)) throw bad(`${path}: deposit on proposal ${proposalId}, which is not open`);
    if (seen.has(`${proposalId}/${depositor}`)) throw bad(`${path}: duplicate deposit`);
    seen.add(`${proposalId}/${depositor}`);
    const amount = coinsFromJson(field(x, "amount", path), `${path}.amount`);
    if (amount.length === 0) throw bad(`${path}: empty deposit`);
    return { proposalId, depositor, amount: coinsToProto(amount) };
  });
  const votes: Vote[] = list("votes").map((x, i) => {
    const path = `gov.votes[${i}]`;
    const proposalId = asUint(field(x, "proposal_id", path), `${path}.proposal_id`);
    const voter = validateAddress(asString(field(x, "voter", path), `${path}.voter`));
    const p = proposals.find((q) => q.id === proposalId);
    if (p === undefined || p.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD)
      throw bad(`${path}: vote on proposal ${proposalId}, which is not in its voting period`);
    if (seen.has(`v${proposalId}/${voter}`)) throw bad(`${path}: duplicate vote`);
    seen.add(`v${proposalId}/${voter}`);
    const options = optionsFromJson(field(x, "options", path), `${path}.options`);
    validateWeightedOptions(options);
    return { proposalId, voter, options, metadata: asString(optField(x, "metadata") ?? "", `${path}.metadata`) };
  });
  return {
    startingProposalId,
    params,
    proposals,
    deposits,
    votes,
    constitution: asString(optField(o, "constitution") ?? "", "gov.constitution"),
  };
}

/** The gov account's balance comes with bank's genesis and must equal the open deposits. */
export function initGenesis(ctx: Context, k: GovKeeper, g: ParsedGovGenesis): void {
  k.setParams(ctx.store, g.params);
  k.setNextProposalId(ctx.store, g.startingProposalId);
  k.setConstitution(ctx.store, g.constitution);
  let total: Coin[] = [];
  for (const d of g.deposits) {
    k.setDeposit(ctx.store, d);
    total = normalizeCoins([...total, ...coinsFromProto(d.amount)]);
  }
  for (const v of g.votes) k.setVote(ctx.store, v);
  for (const p of g.proposals) {
    if (p.status === ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD)
      ctx.store.set(keys.inactiveQueue(p.depositEndTime!, p.id), new Uint8Array());
    if (p.status === ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD)
      ctx.store.set(keys.activeQueue(p.votingEndTime!, p.id), new Uint8Array());
    k.setProposal(ctx.store, p);
  }
  const held = k.bank.getAllBalances(ctx.store, govAddress());
  if (formatCoins(held) !== formatCoins(total))
    throw bad(
      `expected gov module account balance ${formatCoins(total) || "0"} (the open deposits), got ${formatCoins(held) || "0"}`,
    );
}

const ts = (t: Timestamp | undefined) => (t === undefined ? null : formatTime(t));

/** A proposal as the SDK's JSON shows it (genesis, `tcd q gov proposal`). */
export function proposalToJson(p: Proposal) {
  return {
    id: p.id.toString(),
    messages: p.messages.map(anyToJson),
    status: statusName[p.status] ?? "PROPOSAL_STATUS_UNSPECIFIED",
    final_tally_result: {
      yes_count: p.finalTallyResult?.yesCount ?? "0",
      abstain_count: p.finalTallyResult?.abstainCount ?? "0",
      no_count: p.finalTallyResult?.noCount ?? "0",
      no_with_veto_count: p.finalTallyResult?.noWithVetoCount ?? "0",
    },
    submit_time: ts(p.submitTime),
    deposit_end_time: ts(p.depositEndTime),
    total_deposit: coinsJson(p.totalDeposit),
    voting_start_time: ts(p.votingStartTime),
    voting_end_time: ts(p.votingEndTime),
    metadata: p.metadata,
    title: p.title,
    summary: p.summary,
    proposer: p.proposer,
    expedited: p.expedited,
    failed_reason: p.failedReason,
  };
}

export function voteToJson(v: Vote) {
  return {
    proposal_id: v.proposalId.toString(),
    voter: v.voter,
    options: v.options.map((o) => ({
      option: optionName.get(o.option) ?? "VOTE_OPTION_UNSPECIFIED",
      weight: o.weight,
    })),
    metadata: v.metadata,
  };
}

export function depositToJson(d: Deposit) {
  return { proposal_id: d.proposalId.toString(), depositor: d.depositor, amount: coinsJson(d.amount) };
}

export function exportGenesis(ctx: Context, k: GovKeeper) {
  return {
    starting_proposal_id: k.nextProposalId(ctx.store).toString(),
    deposits: [...k.allDeposits(ctx.store)].map(depositToJson),
    votes: [...k.allVotes(ctx.store)].map(voteToJson),
    proposals: [...k.proposals(ctx.store)].map(proposalToJson),
    deposit_params: null,
    voting_params: null,
    tally_params: null,
    params: paramsToJson(k.params(ctx.store)),
    constitution: k.constitution(ctx.store),
  };
}
