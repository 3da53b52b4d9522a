import { validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import { asArray, asObject, asString, field, optField } from "../sdk/json.js";
import { jsonCodec } from "../sdk/proto.js";
import { jobFromPb, jobToPb, type Job } from "./domain.js";
import type { JobsKeeper, MatchCursors } from "./keeper.js";
import { defaultParams, paramsFromPb, paramsToPb, validateParams, writeParams, type JobsParams } from "./params.js";
import { codecs, type Receipt, type RequesterRecord } from "./types.js";

/** Matching's cursors, only when there are any (so that a genesis without them stays as it was). */
function exportCursors(
  k: JobsKeeper,
  store: Context["store"],
): { matching?: { after_requester: string; resume: Array<{ requester: string; after_id: string }> } } {
  const c = k.readCursors(store);
  if (c.afterRequester === "" && c.resume.length === 0) return {};
  return {
    matching: {
      after_requester: c.afterRequester,
      resume: c.resume.map((r) => ({ requester: r.requester, after_id: r.afterId.toString() })),
    },
  };
}

const file = "jobs/v1/jobs.proto";
const paramsJson = jsonCodec(file, "tcompute.jobs.v1.Params");
const jobJson = jsonCodec(file, "tcompute.jobs.v1.Job");
const receiptJson = jsonCodec(file, "tcompute.jobs.v1.Receipt");
const recordJson = jsonCodec(file, "tcompute.jobs.v1.RequesterRecord");
const count = /^[0-9]{1,20}$/;

export function defaultGenesis() {
  return {
    params: paramsJson.toJson(codecs.params.encode(paramsToPb(defaultParams()))),
    next_id: "1",
    jobs: [],
    receipts: [],
    audits_opened: "0",
    verdicts: [],
    requester_records: [],
  };
}

export interface JobsGenesis {
  params: JobsParams;
  nextId: bigint;
  jobs: Job[];
  receipts: Receipt[];
  auditsOpened: bigint;
  verdicts: Array<{ validator: string; count: bigint }>;
  matching: MatchCursors;
  requesterRecords: RequesterRecord[];
}

export function parseGenesis(json: unknown): JobsGenesis {
  const o = asObject(json, "jobs");
  const params = paramsFromPb(codecs.params.decode(paramsJson.fromJson(field(o, "params", "jobs"), "jobs.params")));
  validateParams(params);
  const nextRaw = asString(optField(o, "next_id") ?? "1", "jobs.next_id");
  if (!/^[1-9][0-9]{0,19}$/.test(nextRaw))
    throw sdkErrors.invalidRequest.wrap("jobs.next_id must be a positive integer");
  const jobs = asArray(optField(o, "jobs") ?? [], "jobs.jobs").map((j, i) =>
    jobFromPb(codecs.job.decode(jobJson.fromJson(j, `jobs.jobs[${i}]`))),
  );
  const receipts = asArray(optField(o, "receipts") ?? [], "jobs.receipts").map((r, i) =>
    codecs.receipt.decode(receiptJson.fromJson(r, `jobs.receipts[${i}]`)),
  );
  for (const id of [...jobs.map((j) => j.id.toString()), ...receipts.map((r) => r.id)])
    if (!/^[1-9][0-9]{0,19}$/.test(id) || BigInt(id) >= BigInt(nextRaw))
      throw sdkErrors.invalidRequest.wrap(`jobs: job ${id} is not below next_id`);
  const audits = asString(optField(o, "audits_opened") ?? "0", "jobs.audits_opened");
  if (!count.test(audits)) throw sdkErrors.invalidRequest.wrap("jobs.audits_opened must be a count");
  const verdicts = asArray(optField(o, "verdicts") ?? [], "jobs.verdicts").map((v, i) => {
    const e = asObject(v, `jobs.verdicts[${i}]`);
    const c = asString(field(e, "count", `jobs.verdicts[${i}]`), `jobs.verdicts[${i}].count`);
    if (!count.test(c)) throw sdkErrors.invalidRequest.wrap(`jobs.verdicts[${i}].count must be a count`);
    return {
      validator: asString(field(e, "validator", `jobs.verdicts[${i}]`), `jobs.verdicts[${i}].validator`),
      count: BigInt(c),
    };
  });
  // Where matching resumes (keeper.ts, the pending index); absent: from the start.
  const m = asObject(optField(o, "matching") ?? {}, "jobs.matching");
  const afterRequester = asString(optField(m, "after_requester") ?? "", "jobs.matching.after_requester");
  if (afterRequester !== "") validateAddress(afterRequester);
  const resume = asArray(optField(m, "resume") ?? [], "jobs.matching.resume").map((v, i) => {
    const e = asObject(v, `jobs.matching.resume[${i}]`);
    const id = asString(field(e, "after_id", `jobs.matching.resume[${i}]`), `jobs.matching.resume[${i}].after_id`);
    if (!count.test(id)) throw sdkErrors.invalidRequest.wrap(`jobs.matching.resume[${i}].after_id must be a job id`);
    return {
      requester: validateAddress(
        asString(field(e, "requester", `jobs.matching.resume[${i}]`), `jobs.matching.resume[${i}].requester`),
      ),
      afterId: BigInt(id),
    };
  });
  const requesterRecords = asArray(optField(o, "requester_records") ?? [], "jobs.requester_records").map((r, i) => {
    const rec = codecs.requesterRecord.decode(recordJson.fromJson(r, `jobs.requester_records[${i}]`));
    validateAddress(rec.requester);
    if (!count.test(rec.unusableJobs) || !count.test(rec.unusableFeesPaid))
      throw sdkErrors.invalidRequest.wrap(`jobs.requester_records[${i}]: counts must be whole numbers`);
    return rec;
  });
  return {
    params,
    nextId: BigInt(nextRaw),
    jobs,
    receipts,
    auditsOpened: BigInt(audits),
    verdicts,
    matching: { afterRequester, resume },
    requesterRecords,
  };
}

/** The escrow account's balance comes with bank's genesis; the invariant checks it. */
export function initGenesis(ctx: Context, k: JobsKeeper, g: JobsGenesis): void {
  writeParams(ctx.store, g.params);
  k.setNextId(ctx.store, g.nextId);
  for (const j of g.jobs) k.restore(ctx.store, j);
  for (const r of g.receipts) k.setReceipt(ctx.store, r);
  k.restoreAuditCounters(ctx.store, g.auditsOpened, g.verdicts);
  k.writeCursors(ctx.store, g.matching);
  for (const r of g.requesterRecords) k.setRequesterRecord(ctx.store, r);
}

export function exportGenesis(ctx: Context, k: JobsKeeper) {
  return {
    params: paramsJson.toJson(codecs.params.encode(paramsToPb(k.params(ctx.store)))),
    next_id: k.nextId(ctx.store).toString(),
    jobs: [...k.jobs(ctx.store)].map((j) => jobJson.toJson(codecs.job.encode(jobToPb(j)))),
    receipts: [...k.receipts(ctx.store)].map((r) => receiptJson.toJson(codecs.receipt.encode(r))),
    audits_opened: k.auditsOpened(ctx.store).toString(),
    verdicts: k.verdictCounts(ctx.store).map((v) => ({ validator: v.validator, count: v.count.toString() })),
    ...exportCursors(k, ctx.store),
    requester_records: [...k.requesterRecords(ctx.store)].map((r) =>
      recordJson.toJson(codecs.requesterRecord.encode(r)),
    ),
  };
}
