import type { Context } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import { asArray, asObject, asString, field, optField } from "../sdk/json.js";
import { jsonCodec } from "../sdk/proto.js";
import type { JobsKeeper } from "./keeper.js";
import { defaultParams, paramsFromPb, paramsToPb, validateParams, writeParams, type JobsParams } from "./params.js";
import { codecs, JobState, type Job } from "./types.js";

const file = "jobs/v1/jobs.proto";
const paramsJson = jsonCodec(file, "tcompute.jobs.v1.Params");
const jobJson = jsonCodec(file, "tcompute.jobs.v1.Job");

export function defaultGenesis() {
  return { params: paramsJson.toJson(codecs.params.encode(paramsToPb(defaultParams()))), next_id: "1", jobs: [] };
}

export function parseGenesis(json: unknown): { params: JobsParams; nextId: bigint; jobs: Job[] } {
  const o = asObject(json, "jobs");
  const params = paramsFromPb(codecs.params.decode(paramsJson.fromJson(field(o, "params", "jobs"), "jobs.params")));
  validateParams(params);
  const nextRaw = asString(optField(o, "next_id") ?? "1", "jobs.next_id");
  if (!/^[1-9][0-9]{0,19}$/.test(nextRaw)) throw sdkErrors.invalidRequest.wrap("jobs.next_id must be a positive integer");
  const jobs = asArray(optField(o, "jobs") ?? [], "jobs.jobs").map((j, i) => codecs.job.decode(jobJson.fromJson(j, `jobs.jobs[${i}]`)));
  for (const j of jobs) if (BigInt(j.id) >= BigInt(nextRaw)) throw sdkErrors.invalidRequest.wrap(`jobs: job ${j.id} is not below next_id`);
  return { params, nextId: BigInt(nextRaw), jobs };
}

/** The escrow account's balance comes with bank's genesis; the invariant checks it. */
export function initGenesis(ctx: Context, k: JobsKeeper, g: ReturnType<typeof parseGenesis>): void {
  writeParams(ctx.store, g.params);
  k.setNextId(ctx.store, g.nextId);
  for (const j of g.jobs) {
    if (j.state === JobState.pending || j.state === JobState.assigned) {
      k.open(ctx, j);
      if (j.state === JobState.assigned) k.restoreAssignment(ctx.store, j);
    } else k.setJob(ctx.store, j);
  }
}

export function exportGenesis(ctx: Context, k: JobsKeeper) {
  return {
    params: paramsJson.toJson(codecs.params.encode(paramsToPb(k.params(ctx.store)))),
    next_id: k.nextId(ctx.store).toString(),
    jobs: [...k.jobs(ctx.store)].map((j) => jobJson.toJson(codecs.job.encode(j))),
  };
}
