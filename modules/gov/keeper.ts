import { Deposit, Proposal, ProposalStatus, Vote, type WeightedVoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { MsgSubmitProposal } from "cosmjs-types/cosmos/gov/v1/tx";
import { bech32Prefix, decodeAddress, encodeAddress, moduleAddress } from "../sdk/address.js";
import {
  addCoins,
  coinsFromProto,
  coinsToProto,
  formatCoins,
  mulDecFloor,
  normalizeCoins,
  type Coin,
} from "../sdk/coins.js";
import type { Context, Timestamp } from "../sdk/context.js";
import { CodedError, toCodedError } from "../sdk/errors.js";
import { event } from "../sdk/events.js";
import { reencodeOf } from "../sdk/module.js";
import { fromUtf8, prefixRange, utf8, type KVStore } from "../sdk/store.js";
import { govErrors } from "./errors.js";
import { attributeKeys, attributeValues, eventTypes } from "./events.js";
import type { BankForGov, Brancher, ProposalRouter, StakingForGov } from "./expectedKeepers.js";
import { keys, timeKey } from "./keys.js";
import { allGte, readParams, writeParams, type GovParams } from "./params.js";
import { tally, type TallyOutcome, type TallyVote } from "./tally.js";

// x/gov v1: proposals carrying messages signed by the gov module account, deposits held by
// that account, votes, and the tally at the end of the voting period. Only this file touches
// the gov store prefixes.

export const govModuleName = "gov";
/** The gov module account: the SDK's authtypes.NewModuleAddress("gov") = sha256("gov")[:20]. */
export const govAddress = (): string => moduleAddress(govModuleName);

/** The SDK's DefaultConfig: metadata and title up to 255 bytes, a summary up to 10200. */
export const maxMetadataLen = 255;
export const maxTitleLen = 255;
export const maxSummaryLen = 10_200;

export function addSeconds(t: Timestamp, s: bigint): Timestamp {
  return { seconds: t.seconds + s, nanos: t.nanos };
}

function timeLte(a: Timestamp, b: Timestamp): boolean {
  return a.seconds < b.seconds || (a.seconds === b.seconds && a.nanos <= b.nanos);
}

export const statusName: Record<number, string> = {
  [ProposalStatus.PROPOSAL_STATUS_UNSPECIFIED]: "PROPOSAL_STATUS_UNSPECIFIED",
  [ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD]: "PROPOSAL_STATUS_DEPOSIT_PERIOD",
  [ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD]: "PROPOSAL_STATUS_VOTING_PERIOD",
  [ProposalStatus.PROPOSAL_STATUS_PASSED]: "PROPOSAL_STATUS_PASSED",
  [ProposalStatus.PROPOSAL_STATUS_REJECTED]: "PROPOSAL_STATUS_REJECTED",
  [ProposalStatus.PROPOSAL_STATUS_FAILED]: "PROPOSAL_STATUS_FAILED",
};

const voteOptionName: Record<number, string> = {
  1: "VOTE_OPTION_YES",
  2: "VOTE_OPTION_ABSTAIN",
  3: "VOTE_OPTION_NO",
  4: "VOTE_OPTION_NO_WITH_VETO",
};

/** The SDK's WeightedVoteOptions.String(), as the proposal_vote event's option attribute. */
export function formatOptions(options: readonly WeightedVoteOption[]): string {
  return options.map((o) => `option:${voteOptionName[o.option] ?? String(o.option)} weight:"${o.weight}"`).join("\n");
}

export interface SubmitRequest {
  messages: readonly Any[];
  initialDeposit: Coin[];
  proposer: string;
  metadata: string;
  title: string;
  summary: string;
  expedited: boolean;
}

export class GovKeeper {
  private router: ProposalRouter | null = null;

  constructor(
    readonly bank: BankForGov,
    readonly staking: StakingForGov,
    private readonly branch: Brancher,
  ) {}

  /** Set once at wiring time: the router holds every module's messages, gov's included. */
  setRouter(r: ProposalRouter): void {
    if (this.router !== null) throw new Error("gov router is already set");
    this.router = r;
  }

  private route(typeUrl: string) {
    if (this.router === null) throw new Error("gov router not set");
    return this.router(typeUrl);
  }

  /**
   * A proposal's messages with each value re-encoded by its route (MsgRoute.reencode), so that
   * an amino-signed proposal is taken in one encoding only (modules/auth/txForm.ts). One level:
   * a proposal inside a proposal is re-encoded without its own messages being walked, so no tx
   * chooses a recursion depth; unroutable messages are left as they are (submission refuses them).
   */
  canonicalMessages(messages: readonly Any[]): Any[] {
    return messages.map((m) => {
      if (m.typeUrl === "/cosmos.gov.v1.MsgSubmitProposal")
        return { typeUrl: m.typeUrl, value: reencodeOf(MsgSubmitProposal)(m.value) };
      const route = this.route(m.typeUrl);
      return route === undefined ? m : { typeUrl: m.typeUrl, value: route.reencode(m.value) };
    });
  }

  // ---- params, ids, constitution ----

  params(store: KVStore): GovParams {
    return readParams(store);
  }

  setParams(store: KVStore, p: GovParams): void {
    writeParams(store, p);
  }

  nextProposalId(store: KVStore): bigint {
    const raw = store.get(keys.nextProposalId);
    return raw === undefined ? 1n : BigInt(fromUtf8(raw));
  }

  setNextProposalId(store: KVStore, id: bigint): void {
    store.set(keys.nextProposalId, utf8(id.toString()));
  }

  constitution(store: KVStore): string {
    const raw = store.get(keys.constitution);
    return raw === undefined ? "" : fromUtf8(raw);
  }

  setConstitution(store: KVStore, c: string): void {
    if (c === "") store.delete(keys.constitution);
    else store.set(keys.constitution, utf8(c));
  }

  // ---- proposals, deposits, votes ----

  getProposal(store: KVStore, id: bigint): Proposal | null {
    const raw = store.get(keys.proposal(id));
    return raw === undefined ? null : Proposal.decode(raw);
  }

  mustGetProposal(store: KVStore, id: bigint): Proposal {
    const p = this.getProposal(store, id);
    if (p === null) throw govErrors.unknownProposal.wrap(`proposal ${id} doesn't exist`);
    return p;
  }

  setProposal(store: KVStore, p: Proposal): void {
    store.set(keys.proposal(p.id), Proposal.encode(p).finish());
  }

  /** Deletes a proposal and its queue entries (votes and deposits are handled by the caller). */
  deleteProposal(store: KVStore, p: Proposal): void {
    if (p.depositEndTime !== undefined) store.delete(keys.inactiveQueue(p.depositEndTime, p.id));
    if (p.votingEndTime !== undefined) store.delete(keys.activeQueue(p.votingEndTime, p.id));
    store.delete(keys.proposal(p.id));
  }

  *proposals(store: KVStore): IterableIterator<Proposal> {
    for (const [, raw] of prefixRange(store, keys.proposalPrefix)) yield Proposal.decode(raw);
  }

  getDeposit(store: KVStore, id: bigint, depositor: string): Deposit | null {
    const raw = store.get(keys.deposit(id, depositor));
    return raw === undefined ? null : Deposit.decode(raw);
  }

  setDeposit(store: KVStore, d: Deposit): void {
    store.set(keys.deposit(d.proposalId, d.depositor), Deposit.encode(d).finish());
  }

  depositsOf(store: KVStore, id: bigint): Deposit[] {
    return [...prefixRange(store, keys.depositsOf(id))].map(([, raw]) => Deposit.decode(raw));
  }

  *allDeposits(store: KVStore): IterableIterator<Deposit> {
    for (const [, raw] of prefixRange(store, keys.depositPrefix)) yield Deposit.decode(raw);
  }

  getVote(store: KVStore, id: bigint, voter: string): Vote | null {
    const raw = store.get(keys.vote(id, voter));
    return raw === undefined ? null : Vote.decode(raw);
  }

  setVote(store: KVStore, v: Vote): void {
    store.set(keys.vote(v.proposalId, v.voter), Vote.encode(v).finish());
  }

  votesOf(store: KVStore, id: bigint): Vote[] {
    return [...prefixRange(store, keys.votesOf(id))].map(([, raw]) => Vote.decode(raw));
  }

  *allVotes(store: KVStore): IterableIterator<Vote> {
    for (const [, raw] of prefixRange(store, keys.votePrefix)) yield Vote.decode(raw);
  }

  private deleteVotes(store: KVStore, id: bigint): void {
    for (const [k] of [...prefixRange(store, keys.votesOf(id))]) store.delete(k);
  }

  /** The SDK's GetMinDepositFromParams. */
  minDepositFor(p: GovParams, expedited: boolean): Coin[] {
    return expedited ? p.expeditedMinDeposit : p.minDeposit;
  }

  // ---- transitions ----

  /**
   * Checks each message as the SDK's SubmitProposal does: routed, its only signer the gov
   * account, its ValidateBasic passing. Then stores the proposal in its deposit period.
   */
  submitProposal(ctx: Context, req: SubmitRequest): Proposal {
    const gov = govAddress();
    for (const [i, m] of req.messages.entries()) {
      const route = this.route(m.typeUrl);
      if (route === undefined) throw govErrors.unroutableProposalMsg.wrap(`message ${i}: ${m.typeUrl}`);
      let msg: unknown;
      try {
        msg = route.decode(m.value);
      } catch (e) {
        throw govErrors.invalidProposalMsg.wrap(`message ${i} (${m.typeUrl}): ${toCodedError(e).message}`);
      }
      const signers = route.signers(msg);
      if (signers.length !== 1)
        throw govErrors.invalidSigner.wrap(`message ${i} (${m.typeUrl}) has ${signers.length} signers`);
      if (signers[0] !== gov) throw govErrors.invalidSigner.wrap(signers[0]);
      try {
        route.validateBasic(msg);
      } catch (e) {
        throw govErrors.invalidProposalMsg.wrap(`message ${i} (${m.typeUrl}): ${toCodedError(e).message}`);
      }
    }
    const p = this.params(ctx.store);
    const id = this.nextProposalId(ctx.store);
    const submitTime = ctx.block.time;
    const depositEndTime = addSeconds(submitTime, p.maxDepositPeriodSeconds);
    const proposal: Proposal = {
      id,
      messages: [...req.messages],
      status: ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD,
      finalTallyResult: { yesCount: "0", abstainCount: "0", noCount: "0", noWithVetoCount: "0" },
      submitTime,
      depositEndTime,
      totalDeposit: [],
      votingStartTime: undefined,
      votingEndTime: undefined,
      metadata: req.metadata,
      title: req.title,
      summary: req.summary,
      proposer: req.proposer,
      expedited: req.expedited,
      failedReason: "",
    };
    this.setProposal(ctx.store, proposal);
    ctx.store.set(keys.inactiveQueue(depositEndTime, id), new Uint8Array());
    this.setNextProposalId(ctx.store, id + 1n);
    ctx.events.emit(
      event(eventTypes.submitProposal, [
        [attributeKeys.proposalId, id.toString()],
        [attributeKeys.proposalProposer, req.proposer],
        [attributeKeys.proposalMessages, req.messages.map((m) => `,${m.typeUrl}`).join("")],
      ]),
    );
    return proposal;
  }

  /** The SDK's validateInitialDeposit: at least min_initial_deposit_ratio of the minimum. */
  validateInitialDeposit(p: GovParams, deposit: readonly Coin[], expedited: boolean): void {
    if (p.minInitialDepositRatio === 0n) return;
    const need = this.minDepositFor(p, expedited).map((c) => ({
      denom: c.denom,
      amount: mulDecFloor(c.amount, p.minInitialDepositRatio),
    }));
    if (!allGte(deposit, need))
      throw govErrors.minDepositTooSmall.wrap(`was (${formatCoins(deposit)}), need (${formatCoins(need)})`);
  }

  /** Deposit denoms must be among the minimum deposit's (the SDK's validateDepositDenom). */
  private validateDepositDenom(p: GovParams, deposit: readonly Coin[]): void {
    const allowed = new Set(p.minDeposit.map((c) => c.denom));
    for (const c of deposit) {
      if (!allowed.has(c.denom))
        throw govErrors.invalidDepositDenom.wrap(
          `deposited ${formatCoins(deposit)}, but gov accepts only the following denom(s): ${[...allowed].join(", ")}`,
        );
    }
  }

  /**
   * Moves the deposit into the gov account and records it; starts the voting period when the
   * total reaches the minimum. Returns whether voting started.
   */
  addDeposit(ctx: Context, id: bigint, depositor: string, amount: Coin[]): boolean {
    const proposal = this.mustGetProposal(ctx.store, id);
    if (
      proposal.status !== ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD &&
      proposal.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD
    ) {
      throw govErrors.inactiveProposal.wrap(`${id}`);
    }
    // The gov account's own coins are the open deposits: it cannot deposit them again (that would
    // count coins twice), as a proposal message could otherwise make it do.
    if (depositor === govAddress()) throw govErrors.invalidProposer.wrap("the gov module account cannot deposit");
    const p = this.params(ctx.store);
    this.validateDepositDenom(p, amount);
    const min = this.minDepositFor(p, proposal.expedited);
    if (p.minDepositRatio > 0n) {
      const thresholds = min.map((c) => ({ denom: c.denom, amount: mulDecFloor(c.amount, p.minDepositRatio) }));
      const met = thresholds.some((t) => amount.some((c) => c.denom === t.denom && c.amount >= t.amount));
      if (!met)
        throw govErrors.minDepositTooSmall.wrap(
          `received ${formatCoins(amount)} but need at least one of the following: ${thresholds.map((t) => `${t.amount}${t.denom}`).join(",")}`,
        );
    }
    this.bank.transfer(ctx, depositor, govAddress(), amount);
    proposal.totalDeposit = coinsToProto(addCoins(coinsFromProto(proposal.totalDeposit), amount));
    this.setProposal(ctx.store, proposal);
    let activated = false;
    if (
      proposal.status === ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD &&
      allGte(coinsFromProto(proposal.totalDeposit), min)
    ) {
      this.activateVotingPeriod(ctx, proposal);
      activated = true;
    }
    const prev = this.getDeposit(ctx.store, id, depositor);
    const total = prev === null ? amount : addCoins(coinsFromProto(prev.amount), amount);
    this.setDeposit(ctx.store, { proposalId: id, depositor, amount: coinsToProto(total) });
    ctx.events.emit(
      event(eventTypes.proposalDeposit, [
        [attributeKeys.depositor, depositor],
        [attributeKeys.amount, formatCoins(amount)],
        [attributeKeys.proposalId, id.toString()],
      ]),
    );
    return activated;
  }

  activateVotingPeriod(ctx: Context, proposal: Proposal): void {
    if (proposal.status !== ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD) return;
    const p = this.params(ctx.store);
    const start = ctx.block.time;
    const end = addSeconds(start, proposal.expedited ? p.expeditedVotingPeriodSeconds : p.votingPeriodSeconds);
    if (proposal.depositEndTime !== undefined)
      ctx.store.delete(keys.inactiveQueue(proposal.depositEndTime, proposal.id));
    proposal.votingStartTime = start;
    proposal.votingEndTime = end;
    proposal.status = ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD;
    this.setProposal(ctx.store, proposal);
    ctx.store.set(keys.activeQueue(end, proposal.id), new Uint8Array());
  }

  /** Records (or replaces) a vote; options were checked by the message's ValidateBasic. */
  addVote(ctx: Context, id: bigint, voter: string, options: WeightedVoteOption[], metadata: string): void {
    const proposal = this.mustGetProposal(ctx.store, id);
    if (proposal.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD)
      throw govErrors.inactiveProposal.wrap(`${id}`);
    if (metadata.length > maxMetadataLen)
      throw govErrors.metadataTooLong.wrap(`got ${metadata.length}, max ${maxMetadataLen}`);
    this.setVote(ctx.store, { proposalId: id, voter, options, metadata });
    ctx.events.emit(
      event(eventTypes.proposalVote, [
        [attributeKeys.voter, voter],
        [attributeKeys.option, formatOptions(options)],
        [attributeKeys.proposalId, id.toString()],
      ]),
    );
  }

  /** The SDK's CancelProposal: only the proposer, only while open; a share of deposits charged. */
  cancelProposal(ctx: Context, id: bigint, proposer: string): void {
    const proposal = this.mustGetProposal(ctx.store, id);
    if (proposal.proposer !== proposer) throw govErrors.invalidProposer.wrap(`invalid proposer ${proposer}`);
    if (
      proposal.status !== ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD &&
      proposal.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD
    ) {
      throw govErrors.invalidProposal.wrap("proposal should be in the deposit or voting period");
    }
    if (proposal.votingEndTime !== undefined && !timeLte(ctx.block.time, proposal.votingEndTime)) {
      throw govErrors.votingPeriodEnded.wrap(`voting period is already ended for this proposal ${id}`);
    }
    const p = this.params(ctx.store);
    this.chargeDeposits(ctx, id, p.proposalCancelDest, p.proposalCancelRatio);
    this.deleteVotes(ctx.store, id);
    this.deleteProposal(ctx.store, proposal);
    ctx.events.emit(
      event(eventTypes.cancelProposal, [
        [attributeKeys.sender, proposer],
        [attributeKeys.proposalId, id.toString()],
      ]),
    );
  }

  /** Refunds (1 - rate) of each deposit; the charged rest is burned, or sent to `dest`. */
  private chargeDeposits(ctx: Context, id: bigint, dest: string, rate: bigint): void {
    let charged: Coin[] = [];
    for (const d of this.depositsOf(ctx.store, id)) {
      const amount = coinsFromProto(d.amount);
      const charge = normalizeCoins(amount.map((c) => ({ denom: c.denom, amount: mulDecFloor(c.amount, rate) })));
      const refund = normalizeCoins(
        amount.map((c) => ({ denom: c.denom, amount: c.amount - mulDecFloor(c.amount, rate) })),
      );
      if (refund.length > 0) this.bank.transfer(ctx, govAddress(), d.depositor, refund);
      charged = addCoins(charged, charge);
      ctx.store.delete(keys.deposit(id, d.depositor));
    }
    if (charged.length === 0) return;
    if (dest === "") this.bank.burn(ctx, govModuleName, charged);
    else this.bank.transfer(ctx, govAddress(), dest, charged);
  }

  refundAndDeleteDeposits(ctx: Context, id: bigint): void {
    for (const d of this.depositsOf(ctx.store, id)) {
      const amount = coinsFromProto(d.amount);
      if (amount.length > 0) this.bank.transfer(ctx, govAddress(), d.depositor, amount);
      ctx.store.delete(keys.deposit(id, d.depositor));
    }
  }

  deleteAndBurnDeposits(ctx: Context, id: bigint): void {
    let total: Coin[] = [];
    for (const d of this.depositsOf(ctx.store, id)) {
      total = addCoins(total, coinsFromProto(d.amount));
      ctx.store.delete(keys.deposit(id, d.depositor));
    }
    if (total.length > 0) this.bank.burn(ctx, govModuleName, total);
  }

  /** The tally of a proposal's current votes by the current bonded stake. */
  tally(store: KVStore, proposal: Proposal): TallyOutcome {
    const votes: TallyVote[] = this.votesOf(store, proposal.id).map((v) => ({
      voter: v.voter,
      voterValoper: encodeAddress(decodeAddress(v.voter), bech32Prefix.validator),
      options: v.options,
      delegations: [...this.staking.delegationsOf(store, v.voter)],
    }));
    return tally([...this.staking.validators(store)], votes, this.params(store), proposal.expedited);
  }

  // ---- end-block ----

  /** Ids due in a time queue at `now` (end time ≤ now), in (time, id) order. */
  private due(store: KVStore, prefix: string, now: Timestamp): Array<{ key: string; id: bigint }> {
    // After the time part comes "/" (0x2f); "0" (0x30) bounds every key whose time is ≤ now.
    return [...store.range(prefix, `${prefix}${timeKey(now)}0`)].map(([k]) => ({
      key: k,
      id: BigInt(`0x${k.slice(k.lastIndexOf("/") + 1)}`),
    }));
  }

  /** The SDK's EndBlocker: drop proposals whose deposit period ended, tally those whose voting did. */
  endBlock(ctx: Context): void {
    const now = ctx.block.time;
    for (const { key, id } of this.due(ctx.store, keys.inactiveQueuePrefix, now)) {
      ctx.store.delete(key);
      const proposal = this.getProposal(ctx.store, id);
      if (proposal === null || proposal.status !== ProposalStatus.PROPOSAL_STATUS_DEPOSIT_PERIOD) continue;
      if (this.params(ctx.store).burnProposalDepositPrevote) this.deleteAndBurnDeposits(ctx, id);
      else this.refundAndDeleteDeposits(ctx, id);
      this.deleteProposal(ctx.store, proposal);
      ctx.events.emit(
        event(eventTypes.inactiveProposal, [
          [attributeKeys.proposalId, id.toString()],
          [attributeKeys.proposalResult, attributeValues.proposalDropped],
        ]),
      );
      ctx.logger.info("proposal did not meet minimum deposit; deleted", { proposal: id.toString() });
    }
    for (const { key, id } of this.due(ctx.store, keys.activeQueuePrefix, now)) {
      ctx.store.delete(key);
      const proposal = this.getProposal(ctx.store, id);
      if (proposal === null || proposal.status !== ProposalStatus.PROPOSAL_STATUS_VOTING_PERIOD) continue;
      this.finishVoting(ctx, proposal);
    }
  }

  /** One proposal's end of voting: tally, settle deposits, run its messages or not. */
  private finishVoting(ctx: Context, proposal: Proposal): void {
    const outcome = this.tally(ctx.store, proposal);
    const convert = proposal.expedited && !outcome.passes;
    // A failing expedited proposal becomes a regular one: its deposits and votes stay.
    if (!convert) {
      if (outcome.burnDeposits) this.deleteAndBurnDeposits(ctx, proposal.id);
      else this.refundAndDeleteDeposits(ctx, proposal.id);
      this.deleteVotes(ctx.store, proposal.id);
    }
    let result: string;
    let log: string;
    if (outcome.passes) {
      const failure = this.execute(ctx, proposal);
      if (failure === null) {
        proposal.status = ProposalStatus.PROPOSAL_STATUS_PASSED;
        result = attributeValues.proposalPassed;
        log = "passed";
      } else {
        proposal.status = ProposalStatus.PROPOSAL_STATUS_FAILED;
        proposal.failedReason = failure.reason;
        result = attributeValues.proposalFailed;
        log = `passed, but msg ${failure.index} (${failure.typeUrl}) failed on execution: ${failure.reason}`;
      }
    } else if (convert) {
      const p = this.params(ctx.store);
      proposal.expedited = false;
      const end = addSeconds(proposal.votingStartTime ?? ctx.block.time, p.votingPeriodSeconds);
      proposal.votingEndTime = end;
      ctx.store.set(keys.activeQueue(end, proposal.id), new Uint8Array());
      result = attributeValues.expeditedProposalRejected;
      log = "expedited proposal converted to regular";
    } else {
      proposal.status = ProposalStatus.PROPOSAL_STATUS_REJECTED;
      proposal.failedReason = "proposal did not get enough votes to pass";
      result = attributeValues.proposalRejected;
      log = "rejected";
    }
    proposal.finalTallyResult = {
      yesCount: outcome.yes.toString(),
      abstainCount: outcome.abstain.toString(),
      noCount: outcome.no.toString(),
      noWithVetoCount: outcome.noWithVeto.toString(),
    };
    this.setProposal(ctx.store, proposal);
    ctx.events.emit(
      event(eventTypes.activeProposal, [
        [attributeKeys.proposalId, proposal.id.toString()],
        [attributeKeys.proposalResult, result],
        [attributeKeys.proposalLog, log],
      ]),
    );
    ctx.logger.info("proposal tallied", { proposal: proposal.id.toString(), result: log });
  }

  /**
   * Runs the messages on a branch, in order, each through its ValidateBasic and handler; the
   * branch and its events reach the block only if every message succeeds.
   */
  private execute(ctx: Context, proposal: Proposal): { index: number; typeUrl: string; reason: string } | null {
    const branch = this.branch(ctx.store);
    const bctx = ctx.withStore(branch);
    for (const [i, m] of proposal.messages.entries()) {
      try {
        const route = this.route(m.typeUrl);
        if (route === undefined) throw govErrors.unroutableProposalMsg.wrap(m.typeUrl);
        const msg = route.decode(m.value);
        route.validateBasic(msg);
        route.handle(bctx, msg);
      } catch (e) {
        const err = e instanceof CodedError ? e : toCodedError(e);
        return { index: i, typeUrl: m.typeUrl, reason: err.message };
      }
    }
    branch.write();
    ctx.events.emitAll(bctx.events.events);
    return null;
  }

  /** Coins held by the gov account and the sum of open deposits (the invariant's two sides). */
  depositTotals(store: KVStore): { held: Coin[]; deposits: Coin[] } {
    let deposits: Coin[] = [];
    for (const d of this.allDeposits(store)) deposits = addCoins(deposits, coinsFromProto(d.amount));
    return { held: this.bank.getAllBalances(store, govAddress()), deposits };
  }
}
