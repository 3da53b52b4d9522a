import { bech32Prefix, operatorAccount, validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import type { MsgRoute } from "../sdk/module.js";
import { commitmentOf, sketchFromPb, unusableCommitmentOf } from "./commitment.js";
import { answered, committed, heldOnChain, isOpen, type Assignment, type Job } from "./domain.js";
import { jobsErrors } from "./errors.js";
import { parsePrice, type JobsKeeper } from "./keeper.js";
import * as lifecycle from "./lifecycle.js";
import { ruleOf } from "./lifecycle.js";
import { outputLengthProblem } from "./outputShape.js";
import { revealsOpen, verdictCommitmentOf } from "./auditVerdicts.js";
import { checkAuditCopies, checkAuditCopiesBasic } from "./auditKeys.js";
import { proofCodecs, type MsgCommitVerdict, type MsgRevealVerdict } from "./proofTypes.js";
import {
  AuditStatus,
  codecs,
  JobState,
  jobStateNames,
  UnusableReason,
  type Input as InputPb,
  type MsgAuditVerdict,
  type MsgCancelJob,
  type MsgCommitResult,
  type MsgRevealResult,
  type MsgRevealUnusable,
  type MsgSubmitJob,
} from "./types.js";

// tcompute.jobs.v1 messages: submit (the whole maximum payment into escrow, batches split into
// shards), cancel, commit, reveal (a result, or that the input is unusable), and validators'
// audit verdicts. Each handler validates (early returns with a coded error, changing nothing)
// and then makes the change through one transition of lifecycle.ts.

const hex64 = /^[0-9a-f]{64}$/;
const idRe = /^[1-9][0-9]{0,19}$/;
/** tweetnacl box overhead: ephemeral public key, nonce, MAC. */
const sealOverhead = 32 + 24 + 16;

function checkInput(inp: InputPb, i: number, sealed: boolean): void {
  const where = `inputs[${i}]`;
  if (sealed) {
    if (inp.inline.length > 0 || inp.uri !== "" || (inp.size ?? "0") !== "0" || !hex64.test(inp.sha256))
      throw jobsErrors.invalidJob.wrap(`${where}: a sealed job's input carries only the sha256 of the plaintext`);
    return;
  }
  const inline = inp.inline.length > 0;
  const uri = inp.uri !== "";
  if (inline === uri)
    throw jobsErrors.invalidJob.wrap(
      `${where}: give the input inline or as a URI with its sha256, not both or neither`,
    );
  if (uri && (!hex64.test(inp.sha256) || inp.uri.length > 512))
    throw jobsErrors.invalidJob.wrap(`${where}: a URI input needs its sha256 (hex) and at most 512 characters`);
  if (inline && inp.sha256 !== "" && !hex64.test(inp.sha256))
    throw jobsErrors.invalidJob.wrap(`${where}: sha256 must be 64 hex characters`);
  const size = inp.size ?? "0";
  if (!/^[0-9]{1,13}$/.test(size) || BigInt(size) > 1n << 40n)
    throw jobsErrors.invalidJob.wrap(`${where}: size is a byte count up to 2^40`);
  if (size !== "0" && !uri) throw jobsErrors.invalidJob.wrap(`${where}: only a URI input declares its size`);
}

/** The job, or the right error: pruned (its receipt remains) or unknown. */
function mustGetJob(k: JobsKeeper, ctx: Context, id: string): Job {
  const j = k.getJob(ctx.store, BigInt(id));
  if (j !== null) return j;
  if (k.getReceipt(ctx.store, BigInt(id)) !== null) throw jobsErrors.jobPruned.wrap(`job ${id}; query its receipt`);
  throw jobsErrors.jobNotFound.wrap(id);
}

/** Commits and reveals only concern open jobs. */
function mustBeOpen(j: Job): void {
  if (!isOpen(j.state)) throw jobsErrors.badState.wrap(`job ${j.id} is ${jobStateNames[j.state]}`);
}

function checkId(id: string): void {
  if (!idRe.test(id)) throw jobsErrors.invalidJob.wrap("job id must be a positive integer");
}

export function jobsMsgRoutes(k: JobsKeeper): MsgRoute<unknown>[] {
  const submit: MsgRoute<MsgSubmitJob> = {
    typeUrl: codecs.msgSubmitJob.typeUrl,
    decode: (b) => codecs.msgSubmitJob.decode(b),
    reencode: (b) => codecs.msgSubmitJob.reencode(b),
    signers: (m) => [m.requester],
    validateBasic(m) {
      validateAddress(m.requester);
      if (!hex64.test(m.model)) throw jobsErrors.invalidJob.wrap("model must be the sha256 hex of the model");
      if (m.inputs.length === 0) throw jobsErrors.invalidJob.wrap("a job needs at least one input");
      const sealed = m.sealed.length > 0;
      if (sealed && m.inputs.length !== 1) throw jobsErrors.invalidJob.wrap("a sealed job has exactly one input");
      m.inputs.forEach((inp, i) => checkInput(inp, i, sealed));
      const seen = new Set<string>();
      for (const s of m.sealed) {
        validateAddress(s.provider);
        if (seen.has(s.provider)) throw jobsErrors.invalidJob.wrap(`sealed twice for ${s.provider}`);
        seen.add(s.provider);
        if (s.ciphertext.length <= sealOverhead)
          throw jobsErrors.invalidJob.wrap("a sealed input is ephemeral key ‖ nonce ‖ box");
      }
      if (parsePrice(m.maxPricePerUnit) === null)
        throw jobsErrors.invalidJob.wrap("max_price_per_unit must be a coin, e.g. 5utcu");
      if (!/^[1-9][0-9]{0,15}$/.test(m.deadlineBlocks))
        throw jobsErrors.invalidJob.wrap("deadline_blocks must be a positive integer");
      if (m.minReputation > 1_000_000) throw jobsErrors.invalidJob.wrap("min_reputation is at most 1000000 (= 1.0)");
      const keyHash = m.sketchKeyHash ?? new Uint8Array();
      // A sealed job's sketches are always keyed (docs/jobs.md, "Private sealed jobs"): public
      // signs would let an observer read a small sealed output off the revealed sketch.
      if (sealed && keyHash.length !== 32)
        throw jobsErrors.sketchKeyRequired.wrap(
          `sketch_key_hash must be the 32-byte sha256 of the sketch key the sealed copies carry, not ${keyHash.length} bytes`,
        );
      if (!sealed && keyHash.length > 0)
        throw jobsErrors.invalidJob.wrap("sketch_key_hash is the 32-byte sha256 of a sealed job's sketch key");
      checkAuditCopiesBasic(m.auditSealed ?? [], sealed);
    },
    handle(ctx, m) {
      const p = k.params(ctx.store);
      if (m.k < 1 || m.k > p.maxRedundancy) throw jobsErrors.invalidJob.wrap(`k must be 1 to ${p.maxRedundancy}`);
      if (m.inputs.length > p.maxBatchInputs)
        throw jobsErrors.invalidJob.wrap(`at most ${p.maxBatchInputs} inputs in one batch`);
      if (m.sealed.length > p.maxSealed) throw jobsErrors.invalidJob.wrap(`at most ${p.maxSealed} sealed copies`);
      if (m.sealed.length > 0 && m.sealed.length < m.k)
        throw jobsErrors.invalidJob.wrap(`k = ${m.k} needs at least as many sealed copies`);
      for (const inp of m.inputs)
        if (inp.inline.length > p.maxInlineInputBytes)
          throw jobsErrors.inputTooLarge.wrap(
            `${inp.inline.length} > ${p.maxInlineInputBytes} bytes; pass a URI and sha256 instead`,
          );
      for (const s of m.sealed)
        if (s.ciphertext.length > p.maxInlineInputBytes + sealOverhead)
          throw jobsErrors.inputTooLarge.wrap(`sealed input for ${s.provider} is over ${p.maxInlineInputBytes} bytes`);
      checkAuditCopies(k, ctx.store, m.auditSealed ?? [], BigInt(p.maxInlineInputBytes), m.sealed.length > 0);
      if (BigInt(m.deadlineBlocks) > p.maxDeadlineBlocks)
        throw jobsErrors.invalidJob.wrap(`deadline_blocks is at most ${p.maxDeadlineBlocks}`);
      const model = k.registry.getModel(ctx.store, m.model);
      if (model === null) throw jobsErrors.unknownModel.wrap(`${m.model}; register it first or check the hash`);
      const [price, denom] = parsePrice(m.maxPricePerUnit)!;
      const bondDenom = k.denom(ctx.store);
      if (denom !== bondDenom) throw jobsErrors.badDenom.wrap(`prices are in ${bondDenom}`);
      // A job that costs nothing to leave pending could be sent by the thousand (docs/jobs.md, "Matching").
      if (price < p.minPricePerUnit)
        throw jobsErrors.priceTooLow.wrap(`${price}${denom} < ${p.minPricePerUnit}${denom} per unit`);
      // Shards of at most max_inputs_per_shard inputs, matched and settled on their own.
      const shards: InputPb[][] = [];
      for (let i = 0; i < m.inputs.length; i += p.maxInputsPerShard)
        shards.push(m.inputs.slice(i, i + p.maxInputsPerShard));
      const waiting = k.pendingCount(ctx.store, m.requester);
      if (waiting + shards.length > p.maxPendingPerRequester)
        throw jobsErrors.tooManyPending.wrap(
          `${waiting} pending + ${shards.length} new > ${p.maxPendingPerRequester}; wait for some to be matched or cancel them`,
        );
      const first = k.nextId(ctx.store);
      const ids: string[] = [];
      let total = 0n;
      for (const [index, inputs] of shards.entries()) {
        const id = first + BigInt(index);
        const units = BigInt(model.computeUnits) * BigInt(inputs.length);
        const escrow = BigInt(m.k) * price * units;
        total += escrow;
        const job: Job = {
          id,
          requester: m.requester,
          model: m.model,
          inputs: inputs.map((i) => ({ inline: i.inline, uri: i.uri, sha256: i.sha256, size: BigInt(i.size ?? "0") })),
          sealed: m.sealed,
          k: m.k,
          maxPricePerUnit: m.maxPricePerUnit,
          deadlineHeight: ctx.height + BigInt(m.deadlineBlocks),
          minReputation: m.minReputation,
          gpu: m.gpu,
          state: JobState.pending,
          escrow,
          assignments: [],
          createdHeight: ctx.height,
          assignedHeight: 0n,
          phaseDeadline: 0n,
          computeUnits: units,
          history: [{ height: ctx.height, state: JobState.pending, note: "submitted" }],
          batchId: first,
          shardIndex: index,
          shardCount: shards.length,
          audit: AuditStatus.none,
          auditDeadline: 0n,
          verdicts: [],
          paid: 0n,
          refunded: 0n,
          compensated: 0n,
          finalHeight: 0n,
          auditors: [],
          verdictCommits: [],
          verdictRevealHeight: 0n,
          pruneHeight: 0n,
          sketchKeyHash: m.sketchKeyHash ?? new Uint8Array(),
          auditSealed: m.auditSealed ?? [],
        };
        lifecycle.create(ctx, k, job, `${escrow}${denom}`);
        ids.push(id.toString());
      }
      // One transfer for the whole batch: it fails as a whole when the balance is short.
      if (total > 0n) k.bank.transfer(ctx, m.requester, k.escrowAddress(), [{ denom, amount: total }]);
      k.setNextId(ctx.store, first + BigInt(shards.length));
      return { typeUrl: codecs.msgSubmitJobResponse.typeUrl, value: codecs.msgSubmitJobResponse.encode({ ids }) };
    },
  };

  const cancel: MsgRoute<MsgCancelJob> = {
    typeUrl: codecs.msgCancelJob.typeUrl,
    decode: (b) => codecs.msgCancelJob.decode(b),
    reencode: (b) => codecs.msgCancelJob.reencode(b),
    signers: (m) => [m.requester],
    validateBasic(m) {
      validateAddress(m.requester);
      checkId(m.id);
    },
    handle(ctx, m) {
      const j = mustGetJob(k, ctx, m.id);
      if (j.requester !== m.requester) throw jobsErrors.notRequester.wrap();
      if (j.state !== JobState.pending) throw jobsErrors.badState.wrap("only a job not yet assigned can be cancelled");
      lifecycle.cancel(ctx, k, j);
      return { typeUrl: codecs.msgCancelJobResponse.typeUrl, value: codecs.msgCancelJobResponse.encode({}) };
    },
  };

  const commit: MsgRoute<MsgCommitResult> = {
    typeUrl: codecs.msgCommitResult.typeUrl,
    decode: (b) => codecs.msgCommitResult.decode(b),
    reencode: (b) => codecs.msgCommitResult.reencode(b),
    signers: (m) => [m.provider],
    validateBasic(m) {
      validateAddress(m.provider);
      checkId(m.jobId);
      if (m.commitment.length !== 32) throw jobsErrors.invalidResult.wrap("a commitment is a 32-byte sha256");
    },
    handle(ctx, m) {
      const j = mustGetJob(k, ctx, m.jobId);
      mustBeOpen(j);
      const a = j.assignments.find((x) => x.provider === m.provider);
      if (a === undefined) throw jobsErrors.notAssignee.wrap(`${m.provider} is not assigned to job ${j.id}`);
      if (committed(a)) throw jobsErrors.alreadyCommitted.wrap();
      if (j.state !== JobState.assigned)
        throw jobsErrors.windowClosed.wrap(
          `the commit window of job ${j.id} closed at height ${j.history.find((h) => h.state === JobState.revealing)?.height ?? "?"}`,
        );
      lifecycle.commit(ctx, k, j, m.provider, m.commitment);
      return { typeUrl: codecs.msgCommitResultResponse.typeUrl, value: codecs.msgCommitResultResponse.encode({}) };
    },
  };

  const reveal: MsgRoute<MsgRevealResult> = {
    typeUrl: codecs.msgRevealResult.typeUrl,
    decode: (b) => codecs.msgRevealResult.decode(b),
    reencode: (b) => codecs.msgRevealResult.reencode(b),
    signers: (m) => [m.provider],
    validateBasic(m) {
      validateAddress(m.provider);
      checkId(m.jobId);
      if (m.salt.length !== 32) throw jobsErrors.invalidResult.wrap("the salt is 32 bytes");
      if (m.digest.length !== 32) throw jobsErrors.invalidResult.wrap("the digest is a 32-byte sha256 of the output");
      if (m.sketch === null) throw jobsErrors.invalidResult.wrap("a reveal carries the result's sketch");
      if (m.outputUri.length > 512) throw jobsErrors.invalidResult.wrap("output_uri is at most 512 characters");
    },
    handle(ctx, m) {
      const { j, a } = revealing(ctx, m.jobId, m.provider);
      const rule = ruleOf(k, ctx, j);
      const sketch = sketchFromPb(m.sketch!, rule.sketchSize);
      if (typeof sketch === "string") throw jobsErrors.invalidResult.wrap(sketch);
      if (sketch.components.length !== rule.sketchSize)
        throw jobsErrors.invalidResult.wrap(`this model's sketches have ${rule.sketchSize} components`);
      // The claim's size check trusts this length (claims.ts): it must be one the model can produce.
      const shapeProblem = outputLengthProblem(
        j,
        k.registry.getModel(ctx.store, j.model)?.outputs ?? [],
        sketch.length,
      );
      if (shapeProblem !== null) throw jobsErrors.outputShapeMismatch.wrap(shapeProblem);
      const expected = commitmentOf(j.id.toString(), m.provider, m.salt, m.digest, sketch);
      if (Buffer.compare(Buffer.from(expected), Buffer.from(a.commitment)) !== 0)
        throw jobsErrors.commitmentMismatch.wrap("salt, digest or sketch differ from what was committed");
      lifecycle.reveal(ctx, k, j, m.provider, {
        kind: "result",
        digest: m.digest,
        sketch: m.sketch!,
        outputUri: m.outputUri,
      });
      return { typeUrl: codecs.msgRevealResultResponse.typeUrl, value: codecs.msgRevealResultResponse.encode({}) };
    },
  };

  /** The job and the provider's assignment, when the provider may reveal now (a result or "unusable"). */
  function revealing(ctx: Context, jobId: string, provider: string): { j: Job; a: Assignment } {
    const j = mustGetJob(k, ctx, jobId);
    mustBeOpen(j);
    const a = j.assignments.find((x) => x.provider === provider);
    if (a === undefined) throw jobsErrors.notAssignee.wrap(`${provider} is not assigned to job ${j.id}`);
    if (!committed(a)) throw jobsErrors.noCommitment.wrap("commit first, within the commit window");
    if (answered(a)) throw jobsErrors.alreadyRevealed.wrap();
    if (j.state === JobState.assigned)
      throw jobsErrors.windowClosed.wrap("reveals open once every assignee committed or the commit window ended");
    if (j.state !== JobState.revealing) throw jobsErrors.windowClosed.wrap(`the reveal window of job ${j.id} is over`);
    return { j, a };
  }

  // "I could not use this input": the reveal of a commitment to unusable(reason, input index),
  // under the same windows and guards as a result's reveal (docs/jobs.md, "Unusable inputs").
  const revealUnusable: MsgRoute<MsgRevealUnusable> = {
    typeUrl: codecs.msgRevealUnusable.typeUrl,
    decode: (b) => codecs.msgRevealUnusable.decode(b),
    reencode: (b) => codecs.msgRevealUnusable.reencode(b),
    signers: (m) => [m.provider],
    validateBasic(m) {
      validateAddress(m.provider);
      checkId(m.jobId);
      if (m.salt.length !== 32) throw jobsErrors.invalidResult.wrap("the salt is 32 bytes");
      if (!Number.isInteger(m.reason) || m.reason < UnusableReason.unreachable || m.reason > UnusableReason.resources)
        throw jobsErrors.invalidResult.wrap(
          "reason must be one of UNUSABLE_REASON_UNREACHABLE (1) to UNUSABLE_REASON_RESOURCES (8)",
        );
    },
    handle(ctx, m) {
      const { j, a } = revealing(ctx, m.jobId, m.provider);
      if (m.inputIndex >= j.inputs.length)
        throw jobsErrors.invalidResult.wrap(`job ${j.id} has ${j.inputs.length} input(s)`);
      if (m.reason === UnusableReason.unopenable && j.sealed.length === 0)
        throw jobsErrors.invalidResult.wrap("only a sealed job's input can be unopenable");
      // Nothing is fetched for bytes on chain (inline, or a sealed copy): "unreachable" or
      // "refused" there is false, and unauditable, so a sybil majority could take the fee with it.
      const input = j.inputs[m.inputIndex]!;
      const fetched = !heldOnChain(j, input) && input.uri !== "";
      if ((m.reason === UnusableReason.unreachable || m.reason === UnusableReason.refused) && !fetched)
        throw jobsErrors.invalidResult.wrap(
          `input ${m.inputIndex} is on chain, not fetched: it cannot be unreachable or refused`,
        );
      const expected = unusableCommitmentOf(j.id.toString(), m.provider, m.salt, m.reason, m.inputIndex);
      if (Buffer.compare(Buffer.from(expected), Buffer.from(a.commitment)) !== 0)
        throw jobsErrors.commitmentMismatch.wrap("salt, reason or input index differ from what was committed");
      lifecycle.reveal(ctx, k, j, m.provider, { kind: "unusable", reason: m.reason, inputIndex: m.inputIndex });
      return { typeUrl: codecs.msgRevealUnusableResponse.typeUrl, value: codecs.msgRevealUnusableResponse.encode({}) };
    },
  };

  const verdict: MsgRoute<MsgAuditVerdict> = {
    typeUrl: codecs.msgAuditVerdict.typeUrl,
    decode: (b) => codecs.msgAuditVerdict.decode(b),
    reencode: (b) => codecs.msgAuditVerdict.reencode(b),
    signers: (m) => [operatorAccount(m.validator)],
    validateBasic(m) {
      validateAddress(m.validator, bech32Prefix.validator);
      checkId(m.jobId);
      if (!m.unable && (m.sketch === null || m.digest.length !== 32))
        throw jobsErrors.invalidResult.wrap("a verdict carries the validator's sketch and digest, or unable");
    },
    handle() {
      // A plain verdict could be copied by a later validator (issue 11): only commit–reveal counts
      // (auditVerdicts.ts). The message still decodes, so that an old auditor gets this answer.
      throw jobsErrors.verdictsCommitted.wrap("send MsgCommitVerdict in the commit phase, then MsgRevealVerdict");
    },
  };
  return [submit, cancel, commit, reveal, revealUnusable, verdict] as MsgRoute<unknown>[];
}

function mustBeAuditing(k: JobsKeeper, store: Context["store"], id: string, validator: string): Job {
  const j = k.getJob(store, BigInt(id));
  if (j === null)
    throw (k.getReceipt(store, BigInt(id)) !== null ? jobsErrors.jobPruned : jobsErrors.jobNotFound).wrap(`job ${id}`);
  if (j.audit !== AuditStatus.open) throw jobsErrors.notAudited.wrap(`job ${j.id}`);
  if (!j.auditors.includes(validator))
    throw jobsErrors.notValidator.wrap(
      `${validator} is not an auditor of job ${j.id} (the validators bonded when its audit opened)`,
    );
  return j;
}

/** Audit verdicts by commit–reveal (auditVerdicts.ts): MsgCommitVerdict, then MsgRevealVerdict. */
export function verdictMsgRoutes(k: JobsKeeper): MsgRoute<unknown>[] {
  const commit: MsgRoute<MsgCommitVerdict> = {
    typeUrl: proofCodecs.msgCommitVerdict.typeUrl,
    decode: (b) => proofCodecs.msgCommitVerdict.decode(b),
    reencode: (b) => proofCodecs.msgCommitVerdict.reencode(b),
    signers: (m) => [operatorAccount(m.validator)],
    validateBasic(m) {
      validateAddress(m.validator, bech32Prefix.validator);
      if (!idRe.test(m.jobId)) throw jobsErrors.invalidJob.wrap("job id must be a positive integer");
      if (m.commitment.length !== 32) throw jobsErrors.invalidResult.wrap("a verdict commitment is a 32-byte sha256");
    },
    handle(ctx, m) {
      const j = mustBeAuditing(k, ctx.store, m.jobId, m.validator);
      if (j.verdictCommits.some((c) => c.validator === m.validator))
        throw jobsErrors.alreadyVoted.wrap("this validator already committed a verdict");
      if (revealsOpen(ctx.height, j))
        throw jobsErrors.windowClosed.wrap(
          `verdict commitments for job ${j.id} closed at height ${j.verdictRevealHeight}`,
        );
      if (!lifecycle.commitVerdict(ctx, k, j, m.validator, m.commitment))
        throw new Error(`jobs: commitVerdict refused on job ${j.id} after its checks`);
      return {
        typeUrl: proofCodecs.msgCommitVerdictResponse.typeUrl,
        value: proofCodecs.msgCommitVerdictResponse.encode({}),
      };
    },
  };

  const reveal: MsgRoute<MsgRevealVerdict> = {
    typeUrl: proofCodecs.msgRevealVerdict.typeUrl,
    decode: (b) => proofCodecs.msgRevealVerdict.decode(b),
    reencode: (b) => proofCodecs.msgRevealVerdict.reencode(b),
    signers: (m) => [operatorAccount(m.validator)],
    validateBasic(m) {
      validateAddress(m.validator, bech32Prefix.validator);
      if (!idRe.test(m.jobId)) throw jobsErrors.invalidJob.wrap("job id must be a positive integer");
      if (m.salt.length !== 32) throw jobsErrors.invalidResult.wrap("the salt is 32 bytes");
      if (!m.unable && (m.sketch === null || (m.auditSketch ?? null) === null || m.digest.length !== 32))
        throw jobsErrors.invalidResult.wrap(
          "a verdict carries the validator's sketch, audit sketch and digest, or unable",
        );
    },
    handle(ctx, m) {
      const j = mustBeAuditing(k, ctx.store, m.jobId, m.validator);
      const c = j.verdictCommits.find((x) => x.validator === m.validator);
      if (c === undefined) throw jobsErrors.noCommitment.wrap("commit the verdict first, within the commit phase");
      if (j.verdicts.some((v) => v.validator === m.validator)) throw jobsErrors.alreadyVoted.wrap();
      if (!revealsOpen(ctx.height, j))
        throw jobsErrors.windowClosed.wrap(
          `verdicts for job ${j.id} are revealed from height ${j.verdictRevealHeight}`,
        );
      let expected: Uint8Array;
      if (m.unable) expected = verdictCommitmentOf(j.id.toString(), m.validator, m.salt, { unable: true });
      else {
        const size = ruleOf(k, ctx, j).sketchSize;
        const s = sketchFromPb(m.sketch!, size);
        if (typeof s === "string") throw jobsErrors.invalidResult.wrap(s);
        const as = sketchFromPb(m.auditSketch!, size);
        if (typeof as === "string") throw jobsErrors.invalidResult.wrap(`audit sketch: ${as}`);
        expected = verdictCommitmentOf(j.id.toString(), m.validator, m.salt, {
          unable: false,
          digest: m.digest,
          sketch: s,
          auditSketch: as,
        });
      }
      if (Buffer.compare(Buffer.from(expected), Buffer.from(c.commitment)) !== 0)
        throw jobsErrors.commitmentMismatch.wrap("salt or verdict differ from what was committed");
      const v = {
        validator: m.validator,
        sketch: m.unable ? null : m.sketch,
        digest: m.unable ? new Uint8Array() : m.digest,
        unable: m.unable,
        height: ctx.height,
        auditSketch: m.unable ? null : m.auditSketch!,
      };
      if (!lifecycle.addVerdict(ctx, k, j, v))
        throw new Error(`jobs: addVerdict refused on job ${j.id} after its checks`);
      return {
        typeUrl: proofCodecs.msgRevealVerdictResponse.typeUrl,
        value: proofCodecs.msgRevealVerdictResponse.encode({}),
      };
    },
  };
  return [commit, reveal] as MsgRoute<unknown>[];
}
