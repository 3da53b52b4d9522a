import { validateAddress } from "../sdk/address.js";
import { event } from "../sdk/events.js";
import type { MsgRoute } from "../sdk/module.js";
import { jobsErrors } from "./errors.js";
import { parsePrice, type JobsKeeper } from "./keeper.js";
import { codecs, JobState, type MsgCancelJob, type MsgSubmitJob } from "./types.js";

// tcompute.jobs.v1 messages: submit (the whole maximum payment into escrow) and cancel.

export function jobsMsgRoutes(k: JobsKeeper): MsgRoute<unknown>[] {
  const submit: MsgRoute<MsgSubmitJob> = {
    typeUrl: codecs.msgSubmitJob.typeUrl,
    decode: (b) => codecs.msgSubmitJob.decode(b),
    signers: (m) => [m.requester],
    validateBasic(m) {
      validateAddress(m.requester);
      if (!/^[0-9a-f]{64}$/.test(m.model)) throw jobsErrors.invalidJob.wrap("model must be the sha256 hex of the model");
      const inline = m.inputInline.length > 0;
      const uri = m.inputUri !== "";
      if (inline === uri) throw jobsErrors.invalidJob.wrap("give the input inline or as a URI with its sha256, not both or neither");
      if (uri && (!/^[0-9a-f]{64}$/.test(m.inputSha256) || m.inputUri.length > 512)) throw jobsErrors.invalidJob.wrap("a URI input needs its sha256 (hex) and at most 512 characters");
      if (parsePrice(m.maxPricePerUnit) === null) throw jobsErrors.invalidJob.wrap("max_price_per_unit must be a coin, e.g. 5utcu");
      if (!/^[1-9][0-9]{0,15}$/.test(m.deadlineBlocks)) throw jobsErrors.invalidJob.wrap("deadline_blocks must be a positive integer");
      if (m.minReputation > 1_000_000) throw jobsErrors.invalidJob.wrap("min_reputation is at most 1000000 (= 1.0)");
    },
    handle(ctx, m) {
      const p = k.params(ctx.store);
      if (m.k < 1 || m.k > p.maxRedundancy) throw jobsErrors.invalidJob.wrap(`k must be 1 to ${p.maxRedundancy}`);
      if (m.inputInline.length > p.maxInlineInputBytes) throw jobsErrors.inputTooLarge.wrap(`${m.inputInline.length} > ${p.maxInlineInputBytes} bytes; pass a URI and sha256 instead`);
      if (BigInt(m.deadlineBlocks) > p.maxDeadlineBlocks) throw jobsErrors.invalidJob.wrap(`deadline_blocks is at most ${p.maxDeadlineBlocks}`);
      const model = k.registry.getModel(ctx.store, m.model);
      if (model === null) throw jobsErrors.unknownModel.wrap(m.model);
      const [price, denom] = parsePrice(m.maxPricePerUnit)!;
      const bondDenom = k.registry.params(ctx.store).bondDenom;
      if (denom !== bondDenom) throw jobsErrors.badDenom.wrap(`prices are in ${bondDenom}`);
      const escrow = BigInt(m.k) * price * BigInt(model.computeUnits);
      if (escrow > 0n) k.bank.transfer(ctx, m.requester, k.escrowAddress(), [{ denom, amount: escrow }]);
      const id = k.nextId(ctx.store);
      k.setNextId(ctx.store, id + 1n);
      const job = {
        id: id.toString(),
        requester: m.requester,
        model: m.model,
        inputInline: m.inputInline,
        inputUri: m.inputUri,
        inputSha256: m.inputSha256,
        k: m.k,
        maxPricePerUnit: m.maxPricePerUnit,
        deadlineHeight: (ctx.height + BigInt(m.deadlineBlocks)).toString(),
        minReputation: m.minReputation,
        state: JobState.pending,
        escrow: escrow.toString(),
        assignees: [],
        createdHeight: ctx.height.toString(),
        assignedHeight: "0",
        computeUnits: model.computeUnits,
        history: [{ height: ctx.height.toString(), state: JobState.pending, note: "submitted" }],
      };
      k.open(ctx, job);
      // Indexed, so that tx_search and subscriptions can follow a job.
      ctx.events.emit(event("job_submitted", [["id", job.id], ["requester", m.requester], ["model", m.model], ["escrow", `${escrow}${denom}`]]));
      return { typeUrl: codecs.msgSubmitJobResponse.typeUrl, value: codecs.msgSubmitJobResponse.encode({ id: job.id }) };
    },
  };

  const cancel: MsgRoute<MsgCancelJob> = {
    typeUrl: codecs.msgCancelJob.typeUrl,
    decode: (b) => codecs.msgCancelJob.decode(b),
    signers: (m) => [m.requester],
    validateBasic(m) {
      validateAddress(m.requester);
      if (!/^[1-9][0-9]{0,19}$/.test(m.id)) throw jobsErrors.invalidJob.wrap("id must be a positive integer");
    },
    handle(ctx, m) {
      const j = k.getJob(ctx.store, BigInt(m.id));
      if (j === null) throw jobsErrors.jobNotFound.wrap(m.id);
      if (j.requester !== m.requester) throw jobsErrors.notRequester.wrap();
      if (j.state !== JobState.pending) throw jobsErrors.badState.wrap("only a job not yet assigned can be cancelled");
      k.close(ctx, j, JobState.cancelled, "cancelled by the requester");
      return { typeUrl: codecs.msgCancelJobResponse.typeUrl, value: codecs.msgCancelJobResponse.encode({}) };
    },
  };
  return [submit, cancel] as MsgRoute<unknown>[];
}
