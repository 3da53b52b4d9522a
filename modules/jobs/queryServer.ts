import { bech32Prefix, validateAddress } from "../sdk/address.js";
import type { QueryHandler } from "../sdk/module.js";
import { pageRequestFromPb, pageResponseToPb, type PageRequestPb } from "../sdk/pagination.js";
import { jobToPb } from "./domain.js";
import { jobsErrors } from "./errors.js";
import type { JobsKeeper } from "./keeper.js";
import type { KVStore } from "../sdk/store.js";
import { paramsToPb } from "./params.js";
import { codecs, type JobState } from "./types.js";

// tcompute.jobs.v1.Query paths. Lists are paginated the Cosmos way (key or offset, limit).

function listed(
  k: JobsKeeper,
  store: KVStore,
  index: Parameters<JobsKeeper["jobsPage"]>[1],
  req: PageRequestPb | null,
): Uint8Array {
  const { page, pagination } = k.jobsPage(store, index, pageRequestFromPb(req));
  return codecs.queryJobsResponse.encode({
    jobs: page.map((j) => jobToPb(k.withAuditCopies(store, j))),
    pagination: pageResponseToPb(pagination),
  });
}

function checkId(id: string): bigint {
  if (!/^[1-9][0-9]{0,19}$/.test(id)) throw jobsErrors.invalidJob.wrap("id must be a positive integer");
  return BigInt(id);
}

export function jobsQueries(k: JobsKeeper): Record<string, QueryHandler> {
  const base = "/tcompute.jobs.v1.Query";
  return {
    [`${base}/Job`]: (ctx, data) => {
      const { id } = codecs.queryJobRequest.decode(data);
      const n = checkId(id);
      const job = k.getJob(ctx.store, n);
      if (job === null) {
        if (k.getReceipt(ctx.store, n) !== null)
          throw jobsErrors.jobPruned.wrap(`job ${id}: query /tcompute.jobs.v1.Query/Receipt`);
        throw jobsErrors.jobNotFound.wrap(id);
      }
      return codecs.queryJobResponse.encode({ job: jobToPb(k.withAuditCopies(ctx.store, job)) });
    },
    [`${base}/Receipt`]: (ctx, data) => {
      const { id } = codecs.queryReceiptRequest.decode(data);
      const receipt = k.getReceipt(ctx.store, checkId(id));
      if (receipt === null) throw jobsErrors.jobNotFound.wrap(`no receipt for job ${id} (not pruned yet, or unknown)`);
      return codecs.queryReceiptResponse.encode({ receipt });
    },
    [`${base}/JobsByRequester`]: (ctx, data) => {
      const req = codecs.queryJobsByRequesterRequest.decode(data);
      return listed(k, ctx.store, { requester: validateAddress(req.requester) }, req.pagination);
    },
    [`${base}/JobsByProvider`]: (ctx, data) => {
      const req = codecs.queryJobsByProviderRequest.decode(data);
      return listed(k, ctx.store, { provider: validateAddress(req.provider) }, req.pagination);
    },
    [`${base}/JobsByState`]: (ctx, data) => {
      const req = codecs.queryJobsByStateRequest.decode(data);
      if (!Number.isInteger(req.state) || req.state < 1 || req.state > 9)
        throw jobsErrors.invalidJob.wrap("state must be 1 (pending) to 9 (unusable)");
      return listed(k, ctx.store, { state: req.state as JobState }, req.pagination);
    },
    [`${base}/OpenAudits`]: (ctx, data) =>
      listed(k, ctx.store, { openAudit: true }, codecs.queryOpenAuditsRequest.decode(data).pagination),
    [`${base}/Params`]: (ctx) => codecs.queryParamsResponse.encode({ params: paramsToPb(k.params(ctx.store)) }),
    [`${base}/Escrow`]: (ctx) => codecs.queryEscrowResponse.encode({ total: k.escrowTotal(ctx.store).toString() }),
    [`${base}/RequesterRecord`]: (ctx, data) => {
      const { requester } = codecs.queryRequesterRecordRequest.decode(data);
      return codecs.queryRequesterRecordResponse.encode({
        record: k.requesterRecord(ctx.store, validateAddress(requester)),
      });
    },
    [`${base}/AuditStats`]: (ctx, data) => {
      const { validator } = codecs.queryAuditStatsRequest.decode(data);
      validateAddress(validator, bech32Prefix.validator);
      return codecs.queryAuditStatsResponse.encode({
        stats: { validator, verdicts: k.verdictCount(ctx.store, validator).toString() },
        auditsOpened: k.auditsOpened(ctx.store).toString(),
      });
    },
  };
}
