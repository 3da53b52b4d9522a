import { createHash } from "node:crypto";
import nacl from "tweetnacl";
import { moduleAddress, validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import type { Invariant, MsgRoute, QueryHandler } from "../sdk/module.js";
import type { KVStore } from "../sdk/store.js";
import { auditorRewardPool } from "./auditVerdicts.js";
import { jobsErrors } from "./errors.js";
import { jobEvent } from "./events.js";
import type { JobsKeeper } from "./keeper.js";
import {
  AuditStatus,
  codecs,
  JobState,
  Outcome,
  type DeliveryClaim,
  type MsgAnswerClaim,
  type MsgClaimNonDelivery,
  type MsgDisputeAnswer,
} from "./types.js";

// On-chain non-delivery claims (issue 11, item 2; docs/jobs.md, "Non-delivery claims"). The
// output travels off chain, so a worker could take its pay and never serve it. The requester may
// claim, with a deposit and a fresh X25519 key; the worker answers by posting its output sealed
// to that key; the requester may dispute the answer by revealing the key's secret, and the chain
// then opens the answer itself and compares its sha256 with the digest the worker committed to.
//   no answer in time      → the worker loses claim_slash_fraction of its bond, paid to the
//                            requester up to what it paid the worker; the deposit is returned;
//   disproved answer       → the same;
//   answer, no dispute     → the deposit goes to the community pool: the chain cannot tell a
//                            false claim (the output was served) from a worker that serves only
//                            when claimed, so neither side may gain by it — paying the deposit
//                            to the worker made withholding until claimed pay (bench/sim/market.ts);
//   a dispute the answer survives → the deposit goes to the worker (only a requester that already
//                            holds the committed output, read from the answer, disputes it).

export type { DeliveryClaim };
export const ClaimStatus = { open: 0, answered: 1, delivered: 2, upheld: 3, disproved: 4 } as const;
/** ClaimStatus by number, for display. */
export const claimStatusNames = ["open", "answered", "delivered", "upheld", "disproved"];
export const claimsAccount = "jobs_claims";
const statusNames = ["open", "answered", "delivered", "upheld", "disproved"];

export const claimCodecs = {
  claim: codecs.deliveryClaim,
  msgClaimNonDelivery: codecs.msgClaimNonDelivery,
  msgClaimNonDeliveryResponse: codecs.msgClaimNonDeliveryResponse,
  msgAnswerClaim: codecs.msgAnswerClaim,
  msgAnswerClaimResponse: codecs.msgAnswerClaimResponse,
  msgDisputeAnswer: codecs.msgDisputeAnswer,
  msgDisputeAnswerResponse: codecs.msgDisputeAnswerResponse,
  queryClaimRequest: codecs.queryClaimRequest,
  queryClaimResponse: codecs.queryClaimResponse,
};

/** Genesis import: the claim and, while it is not closed, its window's queue entry. */
export function restoreClaim(store: KVStore, k: JobsKeeper, cl: DeliveryClaim): void {
  k.saveClaim(store, cl);
  if (cl.status === ClaimStatus.open) k.queueClaim(store, BigInt(cl.answerDeadline), BigInt(cl.jobId), cl.provider);
  if (cl.status === ClaimStatus.answered)
    k.queueClaim(store, BigInt(cl.disputeDeadline), BigInt(cl.jobId), cl.provider);
}

/** The coins held for claims: the deposits of claims not closed. */
export function claimDeposits(store: KVStore, k: JobsKeeper): bigint {
  let t = 0n;
  for (const cl of k.claims(store))
    if (cl.status === ClaimStatus.open || cl.status === ClaimStatus.answered) t += BigInt(cl.deposit);
  return t;
}

const idRe = /^[1-9][0-9]{0,19}$/;

function mustGetClaim(k: JobsKeeper, store: KVStore, id: string, provider: string): DeliveryClaim {
  const cl = k.getClaim(store, BigInt(id), provider);
  if (cl === null) throw jobsErrors.noClaim.wrap(`job ${id}, worker ${provider}`);
  return cl;
}

/** Slashes the worker for not delivering; the requester gets up to what it paid; the deposit comes back. */
function uphold(ctx: Context, k: JobsKeeper, cl: DeliveryClaim, status: number, reason: string): void {
  const p = k.params(ctx.store);
  const cut = k.registry.slashProviderBond(ctx, cl.provider, p.claimSlashFraction, `job ${cl.jobId}: ${reason}`, {
    address: cl.requester,
    cap: BigInt(cl.paid),
  });
  const paidBack = cut < BigInt(cl.paid) ? cut : BigInt(cl.paid);
  cl.slashed = cut.toString();
  cl.compensated = paidBack.toString();
  k.bank.transfer(ctx, moduleAddress(claimsAccount), cl.requester, [
    { denom: k.denom(ctx.store), amount: BigInt(cl.deposit) },
  ]);
  k.reputation.recordOutcome(ctx, cl.provider, "noShow");
  close(ctx, k, cl, status, reason);
}

function close(ctx: Context, k: JobsKeeper, cl: DeliveryClaim, status: number, reason: string): void {
  cl.status = status;
  cl.sealedOutput = new Uint8Array(); // nothing kept that anybody still needs
  k.saveClaim(ctx.store, cl);
  ctx.events.emit(
    jobEvent.deliveryClaim(BigInt(cl.jobId), cl.provider, cl.requester, statusNames[status]!, [
      ["reason", reason],
      ["slashed", cl.slashed || "0"],
      ["compensated", cl.compensated || "0"],
    ]),
  );
}

export function claimMsgRoutes(k: JobsKeeper): MsgRoute<unknown>[] {
  const claim: MsgRoute<MsgClaimNonDelivery> = {
    typeUrl: claimCodecs.msgClaimNonDelivery.typeUrl,
    decode: (b) => claimCodecs.msgClaimNonDelivery.decode(b),
    reencode: (b) => claimCodecs.msgClaimNonDelivery.reencode(b),
    signers: (m) => [m.requester],
    validateBasic(m) {
      validateAddress(m.requester);
      validateAddress(m.provider);
      if (!idRe.test(m.jobId)) throw jobsErrors.invalidJob.wrap("job id must be a positive integer");
      if (m.x25519Pubkey.length !== 32)
        throw jobsErrors.invalidJob.wrap("the claim key is a 32-byte X25519 public key");
    },
    handle(ctx, m) {
      const p = k.params(ctx.store);
      const j = k.getJob(ctx.store, BigInt(m.jobId));
      if (j === null)
        throw (k.getReceipt(ctx.store, BigInt(m.jobId)) !== null ? jobsErrors.jobPruned : jobsErrors.jobNotFound).wrap(
          `job ${m.jobId}`,
        );
      if (j.requester !== m.requester) throw jobsErrors.notRequester.wrap();
      // A vindicated result (an UNUSABLE job whose audit found the reports false) is paid as an
      // accepted one, so its delivery can be claimed too.
      if (j.state !== JobState.settled && !(j.state === JobState.unusable && j.audit === AuditStatus.rejected))
        throw jobsErrors.badState.wrap("only an accepted output (a settled or vindicated result) can be claimed");
      const a = j.assignments.find((x) => x.provider === m.provider);
      if (a === undefined || a.outcome !== Outcome.accepted)
        throw jobsErrors.notAssignee.wrap(`${m.provider} has no accepted result in job ${j.id}`);
      // A vindicated result became claimable when its audit resolved (the job's last history
      // entry, written then; nothing is written after it), not when the job ended UNUSABLE.
      const from = j.state === JobState.unusable ? (j.history.at(-1)?.height ?? j.finalHeight) : j.finalHeight;
      if (ctx.height > from + p.claimWindow)
        throw jobsErrors.windowClosed.wrap(`claims on job ${j.id} closed at height ${from + p.claimWindow}`);
      if (k.getClaim(ctx.store, j.id, m.provider) !== null) throw jobsErrors.alreadyClaimed.wrap();
      // Rough size of the payload from the sketch's element count: the answer must fit a tx.
      if (BigInt(a.sketch?.length ?? "0") * 8n + 4096n > p.maxClaimOutputBytes)
        throw jobsErrors.claimOutputTooLarge.wrap(
          `${a.sketch?.length} output elements; at most ${p.maxClaimOutputBytes} bytes can be answered on chain`,
        );
      const denom = k.denom(ctx.store);
      k.bank.transfer(ctx, m.requester, moduleAddress(claimsAccount), [{ denom, amount: p.claimDeposit }]);
      const deadline = ctx.height + p.claimAnswerWindow;
      k.saveClaim(ctx.store, {
        jobId: j.id.toString(),
        provider: m.provider,
        requester: m.requester,
        x25519Pubkey: m.x25519Pubkey,
        digest: a.digest,
        deposit: p.claimDeposit.toString(),
        paid: a.paid.toString(),
        claimedHeight: ctx.height.toString(),
        answerDeadline: deadline.toString(),
        answeredHeight: "0",
        sealedOutput: new Uint8Array(),
        disputeDeadline: "0",
        status: ClaimStatus.open,
        slashed: "0",
        compensated: "0",
      });
      k.queueClaim(ctx.store, deadline, j.id, m.provider);
      ctx.events.emit(
        jobEvent.deliveryClaim(j.id, m.provider, m.requester, "open", [["deadline", deadline.toString()]]),
      );
      return {
        typeUrl: claimCodecs.msgClaimNonDeliveryResponse.typeUrl,
        value: claimCodecs.msgClaimNonDeliveryResponse.encode({}),
      };
    },
  };

  const answer: MsgRoute<MsgAnswerClaim> = {
    typeUrl: claimCodecs.msgAnswerClaim.typeUrl,
    decode: (b) => claimCodecs.msgAnswerClaim.decode(b),
    reencode: (b) => claimCodecs.msgAnswerClaim.reencode(b),
    signers: (m) => [m.provider],
    validateBasic(m) {
      validateAddress(m.provider);
      if (!idRe.test(m.jobId)) throw jobsErrors.invalidJob.wrap("job id must be a positive integer");
      if (m.sealedOutput.length <= 72)
        throw jobsErrors.invalidResult.wrap(
          "the answer is the output sealed to the claim key: ephemeral key ‖ nonce ‖ box",
        );
    },
    handle(ctx, m) {
      const p = k.params(ctx.store);
      const cl = mustGetClaim(k, ctx.store, m.jobId, m.provider);
      if (cl.status !== ClaimStatus.open) throw jobsErrors.noClaim.wrap("the claim was already answered or closed");
      if (BigInt(m.sealedOutput.length) > p.maxClaimOutputBytes + 72n)
        throw jobsErrors.claimOutputTooLarge.wrap(`${m.sealedOutput.length} > ${p.maxClaimOutputBytes} bytes`);
      k.unqueueClaim(ctx.store, BigInt(cl.answerDeadline), BigInt(cl.jobId), cl.provider);
      cl.status = ClaimStatus.answered;
      cl.sealedOutput = m.sealedOutput;
      cl.answeredHeight = ctx.height.toString();
      cl.disputeDeadline = (ctx.height + p.claimDisputeWindow).toString();
      k.queueClaim(ctx.store, BigInt(cl.disputeDeadline), BigInt(cl.jobId), cl.provider);
      k.saveClaim(ctx.store, cl);
      ctx.events.emit(
        jobEvent.deliveryClaim(BigInt(cl.jobId), cl.provider, cl.requester, "answered", [
          ["deadline", cl.disputeDeadline],
        ]),
      );
      return {
        typeUrl: claimCodecs.msgAnswerClaimResponse.typeUrl,
        value: claimCodecs.msgAnswerClaimResponse.encode({}),
      };
    },
  };

  const dispute: MsgRoute<MsgDisputeAnswer> = {
    typeUrl: claimCodecs.msgDisputeAnswer.typeUrl,
    decode: (b) => claimCodecs.msgDisputeAnswer.decode(b),
    reencode: (b) => claimCodecs.msgDisputeAnswer.reencode(b),
    signers: (m) => [m.requester],
    validateBasic(m) {
      validateAddress(m.requester);
      validateAddress(m.provider);
      if (!idRe.test(m.jobId)) throw jobsErrors.invalidJob.wrap("job id must be a positive integer");
      if (m.x25519Secret.length !== 32) throw jobsErrors.badClaimKey.wrap("an X25519 secret is 32 bytes");
    },
    handle(ctx, m) {
      const cl = mustGetClaim(k, ctx.store, m.jobId, m.provider);
      if (cl.requester !== m.requester) throw jobsErrors.notRequester.wrap();
      if (cl.status !== ClaimStatus.answered)
        throw jobsErrors.noClaim.wrap("only an answered claim can be disputed, within its dispute window");
      const pub = nacl.box.keyPair.fromSecretKey(m.x25519Secret).publicKey;
      if (Buffer.compare(Buffer.from(pub), Buffer.from(cl.x25519Pubkey)) !== 0) throw jobsErrors.badClaimKey.wrap();
      const s = cl.sealedOutput;
      const plain = nacl.box.open(s.subarray(56), s.subarray(32, 56), s.subarray(0, 32), m.x25519Secret);
      k.unqueueClaim(ctx.store, BigInt(cl.disputeDeadline), BigInt(cl.jobId), cl.provider);
      const matches =
        plain !== null && Buffer.compare(createHash("sha256").update(plain).digest(), Buffer.from(cl.digest)) === 0;
      if (matches) {
        // The answer was the committed output: the dispute (and the claim) was false.
        k.bank.transfer(ctx, moduleAddress(claimsAccount), cl.provider, [
          { denom: k.denom(ctx.store), amount: BigInt(cl.deposit) },
        ]);
        close(
          ctx,
          k,
          cl,
          ClaimStatus.delivered,
          "disputed, but the answer opens to the committed output; the deposit goes to the worker",
        );
      } else
        uphold(
          ctx,
          k,
          cl,
          ClaimStatus.disproved,
          plain === null ? "the answer does not open with the claim key" : "the answer is not the committed output",
        );
      return {
        typeUrl: claimCodecs.msgDisputeAnswerResponse.typeUrl,
        value: claimCodecs.msgDisputeAnswerResponse.encode({}),
      };
    },
  };
  return [claim, answer, dispute] as MsgRoute<unknown>[];
}

/** End-block: claims whose window ended (bounded by what is due this height). */
export function closeDueClaims(ctx: Context, k: JobsKeeper): void {
  for (const { id, provider } of k.takeDueClaims(ctx.store, ctx.height)) {
    const cl = k.getClaim(ctx.store, id, provider);
    if (cl === null) continue;
    if (cl.status === ClaimStatus.open)
      uphold(ctx, k, cl, ClaimStatus.upheld, `no answer within ${k.params(ctx.store).claimAnswerWindow} blocks`);
    else if (cl.status === ClaimStatus.answered) {
      k.bank.transfer(ctx, moduleAddress(claimsAccount), moduleAddress(auditorRewardPool), [
        { denom: k.denom(ctx.store), amount: BigInt(cl.deposit) },
      ]);
      close(ctx, k, cl, ClaimStatus.delivered, "answered and not disputed; the deposit goes to the community pool");
    }
  }
}

export function claimQueries(k: JobsKeeper): Record<string, QueryHandler> {
  return {
    "/tcompute.jobs.v1.Query/Claim": (ctx, data) => {
      const { jobId, provider } = claimCodecs.queryClaimRequest.decode(data);
      if (!idRe.test(jobId)) throw jobsErrors.invalidJob.wrap("job id must be a positive integer");
      validateAddress(provider);
      return claimCodecs.queryClaimResponse.encode({ claim: k.getClaim(ctx.store, BigInt(jobId), provider) });
    },
  };
}

/** The claims account holds exactly the deposits of claims not closed. */
export function claimsInvariant(k: JobsKeeper): Invariant {
  return {
    name: "jobs/claims",
    check(ctx) {
      const denom = k.denom(ctx.store);
      const have = k.bank.getBalance(ctx.store, moduleAddress(claimsAccount), denom);
      const owed = claimDeposits(ctx.store, k);
      return have === owed ? [] : [`jobs_claims holds ${have}${denom}, open claims' deposits are ${owed}`];
    },
  };
}
