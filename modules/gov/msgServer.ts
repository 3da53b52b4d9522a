import { VoteOption, type WeightedVoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import {
  MsgCancelProposal,
  MsgCancelProposalResponse,
  MsgDeposit,
  MsgDepositResponse,
  MsgSubmitProposal,
  MsgSubmitProposalResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
  MsgVote,
  MsgVoteResponse,
  MsgVoteWeighted,
  MsgVoteWeightedResponse,
} from "cosmjs-types/cosmos/gov/v1/tx";
import * as v1beta1 from "cosmjs-types/cosmos/gov/v1beta1/tx";
import { validateAddress } from "../sdk/address.js";
import { coinsFromProto, decOne, formatDec, parseDec } from "../sdk/coins.js";
import { sdkErrors } from "../sdk/errors.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import { govErrors } from "./errors.js";
import { govAddress, maxMetadataLen, maxSummaryLen, maxTitleLen, type GovKeeper } from "./keeper.js";
import { paramsFromProto, validateParams } from "./params.js";

// cosmos.gov.v1.Msg, and the v1beta1 deposit and vote messages that cosmjs's default registry
// and older wallets send. One handler per message: ValidateBasic (stateless, early returns),
// then the keeper transition.

const validOption = (o: number): boolean =>
  o === VoteOption.VOTE_OPTION_YES ||
  o === VoteOption.VOTE_OPTION_ABSTAIN ||
  o === VoteOption.VOTE_OPTION_NO ||
  o === VoteOption.VOTE_OPTION_NO_WITH_VETO;

/** The SDK's MsgVoteWeighted checks: options valid, no duplicates, weights summing to exactly 1. */
export function validateWeightedOptions(options: readonly WeightedVoteOption[]): void {
  if (options.length === 0) throw sdkErrors.invalidRequest.wrap("no vote options");
  let total = 0n;
  const used = new Set<number>();
  for (const o of options) {
    if (!validOption(o.option)) throw govErrors.invalidVote.wrap(`option ${o.option}`);
    let w: bigint;
    try {
      w = parseDec(o.weight);
    } catch {
      throw govErrors.invalidVote.wrap(`invalid weight: ${JSON.stringify(o.weight)}`);
    }
    if (w <= 0n || w > decOne) throw govErrors.invalidVote.wrap(`weight ${o.weight} must be positive and at most 1`);
    if (used.has(o.option)) throw govErrors.invalidVote.wrap("duplicated vote option");
    used.add(o.option);
    total += w;
  }
  if (total > decOne) throw govErrors.invalidVote.wrap("total weight overflow 1.00");
  if (total < decOne) throw govErrors.invalidVote.wrap("total weight lower than 1.00");
}

function validateMetadata(metadata: string): void {
  if (Buffer.byteLength(metadata) > maxMetadataLen)
    throw govErrors.metadataTooLong.wrap(`metadata length ${Buffer.byteLength(metadata)} exceeds ${maxMetadataLen}`);
}

/** A v1beta1 weight is a LegacyDec on the wire: its 18-decimal atomics as an integer string. */
function legacyWeight(w: string): string {
  // No leading zeros: amino JSON renders "05…" and "5…" alike (modules/auth/txForm.ts).
  if (!/^(0|[1-9][0-9]{0,39})$/.test(w)) throw govErrors.invalidVote.wrap(`invalid weight: ${JSON.stringify(w)}`);
  return formatDec(BigInt(w));
}

export function govMsgRoutes(k: GovKeeper): MsgRoute<unknown>[] {
  const submit: MsgRoute<MsgSubmitProposal> = {
    typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
    decode: (b) => MsgSubmitProposal.decode(b),
    // The proposal's messages too: amino JSON signs their JSON, not their bytes.
    reencode: (b) => {
      const m = MsgSubmitProposal.decode(b);
      return MsgSubmitProposal.encode({ ...m, messages: k.canonicalMessages(m.messages) }).finish();
    },
    signers: (m) => [m.proposer],
    validateBasic(m) {
      validateAddress(m.proposer);
      coinsFromProto(m.initialDeposit);
      if (m.title === "") throw govErrors.invalidProposalContent.wrap("proposal title cannot be empty");
      if (m.summary === "") throw govErrors.invalidProposalContent.wrap("proposal summary cannot be empty");
      if (Buffer.byteLength(m.title) > maxTitleLen)
        throw govErrors.titleTooLong.wrap(`title length ${Buffer.byteLength(m.title)} exceeds ${maxTitleLen}`);
      if (Buffer.byteLength(m.summary) > maxSummaryLen)
        throw govErrors.summaryTooLong.wrap(`summary length ${Buffer.byteLength(m.summary)} exceeds ${maxSummaryLen}`);
      validateMetadata(m.metadata);
    },
    handle(ctx, m) {
      const deposit = coinsFromProto(m.initialDeposit);
      const p = k.params(ctx.store);
      k.validateInitialDeposit(p, deposit, m.expedited);
      if (m.proposer === govAddress()) throw govErrors.invalidProposer.wrap("the gov module account cannot propose");
      const proposal = k.submitProposal(ctx, {
        messages: m.messages,
        initialDeposit: deposit,
        proposer: m.proposer,
        metadata: m.metadata,
        title: m.title,
        summary: m.summary,
        expedited: m.expedited,
      });
      if (deposit.length > 0 && k.addDeposit(ctx, proposal.id, m.proposer, deposit)) {
        ctx.events.emit({
          type: "submit_proposal",
          attributes: [{ key: "voting_period_start", value: proposal.id.toString(), index: true }],
        });
      }
      return {
        typeUrl: "/cosmos.gov.v1.MsgSubmitProposalResponse",
        value: MsgSubmitProposalResponse.encode({ proposalId: proposal.id }).finish(),
      };
    },
  };
  const deposit: MsgRoute<MsgDeposit> = {
    typeUrl: "/cosmos.gov.v1.MsgDeposit",
    decode: (b) => MsgDeposit.decode(b),
    reencode: reencodeOf(MsgDeposit),
    signers: (m) => [m.depositor],
    validateBasic(m) {
      validateAddress(m.depositor);
      if (coinsFromProto(m.amount).length === 0) throw sdkErrors.invalidCoins.wrap("deposit amount must be positive");
    },
    handle(ctx, m) {
      k.addDeposit(ctx, m.proposalId, m.depositor, coinsFromProto(m.amount));
      return { typeUrl: "/cosmos.gov.v1.MsgDepositResponse", value: MsgDepositResponse.encode({}).finish() };
    },
  };
  const vote: MsgRoute<MsgVote> = {
    typeUrl: "/cosmos.gov.v1.MsgVote",
    decode: (b) => MsgVote.decode(b),
    reencode: reencodeOf(MsgVote),
    signers: (m) => [m.voter],
    validateBasic(m) {
      validateAddress(m.voter);
      if (!validOption(m.option)) throw govErrors.invalidVote.wrap(`option ${m.option}`);
      validateMetadata(m.metadata);
    },
    handle(ctx, m) {
      k.addVote(ctx, m.proposalId, m.voter, [{ option: m.option, weight: formatDec(decOne) }], m.metadata);
      return { typeUrl: "/cosmos.gov.v1.MsgVoteResponse", value: MsgVoteResponse.encode({}).finish() };
    },
  };
  const voteWeighted: MsgRoute<MsgVoteWeighted> = {
    typeUrl: "/cosmos.gov.v1.MsgVoteWeighted",
    decode: (b) => MsgVoteWeighted.decode(b),
    reencode: reencodeOf(MsgVoteWeighted),
    signers: (m) => [m.voter],
    validateBasic(m) {
      validateAddress(m.voter);
      validateWeightedOptions(m.options);
      validateMetadata(m.metadata);
    },
    handle(ctx, m) {
      k.addVote(
        ctx,
        m.proposalId,
        m.voter,
        m.options.map((o) => ({ option: o.option, weight: formatDec(parseDec(o.weight)) })),
        m.metadata,
      );
      return { typeUrl: "/cosmos.gov.v1.MsgVoteWeightedResponse", value: MsgVoteWeightedResponse.encode({}).finish() };
    },
  };
  const cancel: MsgRoute<MsgCancelProposal> = {
    typeUrl: "/cosmos.gov.v1.MsgCancelProposal",
    decode: (b) => MsgCancelProposal.decode(b),
    reencode: reencodeOf(MsgCancelProposal),
    signers: (m) => [m.proposer],
    validateBasic(m) {
      validateAddress(m.proposer);
    },
    handle(ctx, m) {
      k.cancelProposal(ctx, m.proposalId, m.proposer);
      return {
        typeUrl: "/cosmos.gov.v1.MsgCancelProposalResponse",
        value: MsgCancelProposalResponse.encode({
          proposalId: m.proposalId,
          canceledTime: ctx.block.time,
          canceledHeight: ctx.height,
        }).finish(),
      };
    },
  };
  const updateParams: MsgRoute<MsgUpdateParams> = {
    typeUrl: "/cosmos.gov.v1.MsgUpdateParams",
    decode: (b) => MsgUpdateParams.decode(b),
    reencode: reencodeOf(MsgUpdateParams),
    signers: (m) => [m.authority],
    validateBasic(m) {
      validateAddress(m.authority);
      validateParams(paramsFromProto(m.params));
    },
    handle(ctx, m) {
      if (m.authority !== govAddress())
        throw govErrors.invalidSigner.wrap(`invalid authority; expected ${govAddress()}, got ${m.authority}`);
      const next = paramsFromProto(m.params);
      // Cancelled deposits reach the destination by a module-level transfer: a module account
      // there would hold coins its own bookkeeping (and invariant) does not know of.
      if (next.proposalCancelDest !== "" && k.bank.blockedAddr(next.proposalCancelDest)) {
        throw sdkErrors.unauthorized.wrap(
          `proposal_cancel_dest ${next.proposalCancelDest} is not allowed to receive funds`,
        );
      }
      k.setParams(ctx.store, next);
      return { typeUrl: "/cosmos.gov.v1.MsgUpdateParamsResponse", value: MsgUpdateParamsResponse.encode({}).finish() };
    },
  };

  // v1beta1: the same transitions (the SDK's legacy msg server forwards to v1).
  const depositV1beta1: MsgRoute<v1beta1.MsgDeposit> = {
    typeUrl: "/cosmos.gov.v1beta1.MsgDeposit",
    decode: (b) => v1beta1.MsgDeposit.decode(b),
    reencode: reencodeOf(v1beta1.MsgDeposit),
    signers: (m) => [m.depositor],
    validateBasic: (m) => deposit.validateBasic(m),
    handle(ctx, m) {
      k.addDeposit(ctx, m.proposalId, m.depositor, coinsFromProto(m.amount));
      return {
        typeUrl: "/cosmos.gov.v1beta1.MsgDepositResponse",
        value: v1beta1.MsgDepositResponse.encode({}).finish(),
      };
    },
  };
  const voteV1beta1: MsgRoute<v1beta1.MsgVote> = {
    typeUrl: "/cosmos.gov.v1beta1.MsgVote",
    decode: (b) => v1beta1.MsgVote.decode(b),
    reencode: reencodeOf(v1beta1.MsgVote),
    signers: (m) => [m.voter],
    validateBasic(m) {
      validateAddress(m.voter);
      if (!validOption(m.option)) throw govErrors.invalidVote.wrap(`option ${m.option}`);
    },
    handle(ctx, m) {
      k.addVote(ctx, m.proposalId, m.voter, [{ option: m.option, weight: formatDec(decOne) }], "");
      return { typeUrl: "/cosmos.gov.v1beta1.MsgVoteResponse", value: v1beta1.MsgVoteResponse.encode({}).finish() };
    },
  };
  const voteWeightedV1beta1: MsgRoute<v1beta1.MsgVoteWeighted> = {
    typeUrl: "/cosmos.gov.v1beta1.MsgVoteWeighted",
    decode: (b) => v1beta1.MsgVoteWeighted.decode(b),
    reencode: reencodeOf(v1beta1.MsgVoteWeighted),
    signers: (m) => [m.voter],
    validateBasic(m) {
      validateAddress(m.voter);
      validateWeightedOptions(m.options.map((o) => ({ option: o.option, weight: legacyWeight(o.weight) })));
    },
    handle(ctx, m) {
      k.addVote(
        ctx,
        m.proposalId,
        m.voter,
        m.options.map((o) => ({ option: o.option, weight: legacyWeight(o.weight) })),
        "",
      );
      return {
        typeUrl: "/cosmos.gov.v1beta1.MsgVoteWeightedResponse",
        value: v1beta1.MsgVoteWeightedResponse.encode({}).finish(),
      };
    },
  };
  return [
    submit,
    deposit,
    vote,
    voteWeighted,
    cancel,
    updateParams,
    depositV1beta1,
    voteV1beta1,
    voteWeightedV1beta1,
  ] as MsgRoute<unknown>[];
}
