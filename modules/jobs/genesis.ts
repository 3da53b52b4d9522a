import { bech32Prefix, validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import { asArray, asObject, asString, field, optField } from "../sdk/json.js";
import { jsonCodec } from "../sdk/proto.js";
import { jobFromPb, jobToPb, type Job } from "./domain.js";
import type { JobsKeeper, MatchCursors } from "./keeper.js";
import { defaultParams, paramsFromPb, paramsToPb, validateParams, writeParams, type JobsParams } from "./params.js";
import {
  AuditStatus,
  codecs,
  isFinal,
  type AuditKey,
  type DeliveryClaim,
  type Receipt,
  type RequesterRecord,
} from "./types.js";
import { challengeCodecs, restoreChallenge, type Challenge } from "./challenges.js";
import { claimCodecs, restoreClaim } from "./claims.js";
import { allAuditKeys, badX25519Key, setAuditKey } from "./auditKeys.js";

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

/** Challenges, only when there are any (so that a genesis without them stays as it was). */
function exportChallenges(k: JobsKeeper, store: Context["store"]): { challenges?: unknown[] } {
  const all = [...k.challenges(store)];
  return all.length === 0
    ? {}
    : { challenges: all.map((c) => challengeJson.toJson(challengeCodecs.challenge.encode(c))) };
}

/** Claims, only when there are any. */
function exportClaims(k: JobsKeeper, store: Context["store"]): { claims?: unknown[] } {
  const all = [...k.claims(store)];
  return all.length === 0 ? {} : { claims: all.map((c) => claimJson.toJson(claimCodecs.claim.encode(c))) };
}

/** Audit keys, only when there are any. */
function exportAuditKeys(store: Context["store"]): { audit_keys?: unknown[] } {
  const all = [...allAuditKeys(store)];
  return all.length === 0 ? {} : { audit_keys: all.map((a) => auditKeyJson.toJson(codecs.auditKey.encode(a))) };
}

const file = "jobs/v1/jobs.proto";
const paramsJson = jsonCodec(file, "tcompute.jobs.v1.Params");
const jobJson = jsonCodec(file, "tcompute.jobs.v1.Job");
const receiptJson = jsonCodec(file, "tcompute.jobs.v1.Receipt");
const recordJson = jsonCodec(file, "tcompute.jobs.v1.RequesterRecord");
const challengeJson = jsonCodec(file, "tcompute.jobs.v1.Challenge");
const claimJson = jsonCodec(file, "tcompute.jobs.v1.DeliveryClaim");
const auditKeyJson = jsonCodec(file, "tcompute.jobs.v1.AuditKey");
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
  /** Capability challenges (challenges.ts); absent in older genesis files. */
  challenges: Challenge[];
  /** Non-delivery claims (claims.ts); absent in older genesis files. */
  claims: DeliveryClaim[];
  /** Validators' audit keys (auditKeys.ts); absent in older genesis files. */
  auditKeys: AuditKey[];
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
  // One entry per id, a job or its receipt: a second would double its indexes, slots and queues.
  const ids = new Set<string>();
  for (const id of [...jobs.map((j) => j.id.toString()), ...receipts.map((r) => r.id)]) {
    if (!/^[1-9][0-9]{0,19}$/.test(id) || BigInt(id) >= BigInt(nextRaw))
      throw sdkErrors.invalidRequest.wrap(`jobs: job ${id} is not below next_id`);
    if (ids.has(id)) throw sdkErrors.invalidRequest.wrap(`jobs: job ${id} appears twice (as a job or a receipt)`);
    ids.add(id);
  }
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
  const challenges = asArray(optField(o, "challenges") ?? [], "jobs.challenges").map((c, i) => {
    const ch = challengeCodecs.challenge.decode(challengeJson.fromJson(c, `jobs.challenges[${i}]`));
    validateAddress(ch.provider);
    if (!jobs.some((j) => j.id.toString() === ch.jobId) && !receipts.some((r) => r.id === ch.jobId))
      throw sdkErrors.invalidRequest.wrap(`jobs.challenges[${i}]: no job ${ch.jobId}`);
    return ch;
  });
  const claims = asArray(optField(o, "claims") ?? [], "jobs.claims").map((c, i) => {
    const cl = claimCodecs.claim.decode(claimJson.fromJson(c, `jobs.claims[${i}]`));
    validateAddress(cl.provider);
    validateAddress(cl.requester);
    return cl;
  });
  const seenKeys = new Set<string>();
  const auditKeys = asArray(optField(o, "audit_keys") ?? [], "jobs.audit_keys").map((a, i) => {
    const key = codecs.auditKey.decode(auditKeyJson.fromJson(a, `jobs.audit_keys[${i}]`));
    validateAddress(key.validator, bech32Prefix.validator);
    const bad = badX25519Key(key.x25519Pubkey);
    if (bad !== null) throw sdkErrors.invalidRequest.wrap(`jobs.audit_keys[${i}]: ${bad}`);
    if (seenKeys.has(key.validator))
      throw sdkErrors.invalidRequest.wrap(`jobs.audit_keys[${i}]: ${key.validator} twice`);
    seenKeys.add(key.validator);
    return key;
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
    challenges,
    claims,
    auditKeys,
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
  for (const c of g.challenges) {
    const j = g.jobs.find((x) => x.id.toString() === c.jobId);
    restoreChallenge(ctx.store, k, c, j === undefined || (isFinal(j.state) && j.audit !== AuditStatus.open));
  }
  for (const cl of g.claims) restoreClaim(ctx.store, k, cl);
  for (const a of g.auditKeys) setAuditKey(ctx.store, a);
}

export function exportGenesis(ctx: Context, k: JobsKeeper) {
  return {
    params: paramsJson.toJson(codecs.params.encode(paramsToPb(k.params(ctx.store)))),
    next_id: k.nextId(ctx.store).toString(),
    jobs: [...k.jobs(ctx.store)].map((j) =>
      jobJson.toJson(codecs.job.encode(jobToPb(k.withAuditCopies(ctx.store, j)))),
    ),
    receipts: [...k.receipts(ctx.store)].map((r) => receiptJson.toJson(codecs.receipt.encode(r))),
    audits_opened: k.auditsOpened(ctx.store).toString(),
    verdicts: k.verdictCounts(ctx.store).map((v) => ({ validator: v.validator, count: v.count.toString() })),
    ...exportCursors(k, ctx.store),
    requester_records: [...k.requesterRecords(ctx.store)].map((r) =>
      recordJson.toJson(codecs.requesterRecord.encode(r)),
    ),
    ...exportChallenges(k, ctx.store),
    ...exportClaims(k, ctx.store),
    ...exportAuditKeys(ctx.store),
  };
}
