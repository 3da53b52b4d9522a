import { validateAddress } from "../sdk/address.js";
import type { QueryHandler } from "../sdk/module.js";
import { jobsErrors } from "./errors.js";
import type { JobsKeeper } from "./keeper.js";
import { paramsToPb } from "./params.js";
import { codecs } from "./types.js";

export function jobsQueries(k: JobsKeeper): Record<string, QueryHandler> {
  const base = "/tcompute.jobs.v1.Query";
  return {
    [`${base}/Job`]: (ctx, data) => {
      const { id } = codecs.queryJobRequest.decode(data);
      if (!/^[1-9][0-9]{0,19}$/.test(id)) throw jobsErrors.invalidJob.wrap("id must be a positive integer");
      const job = k.getJob(ctx.store, BigInt(id));
      if (job === null) throw jobsErrors.jobNotFound.wrap(id);
      return codecs.queryJobResponse.encode({ job });
    },
    [`${base}/JobsByRequester`]: (ctx, data) => {
      const { requester } = codecs.queryJobsByRequesterRequest.decode(data);
      return codecs.queryJobsResponse.encode({ jobs: [...k.jobsOf(ctx.store, validateAddress(requester))].slice(-1000) });
    },
    [`${base}/Params`]: (ctx) => codecs.queryParamsResponse.encode({ params: paramsToPb(k.params(ctx.store)) }),
    [`${base}/Escrow`]: (ctx) => codecs.queryEscrowResponse.encode({ total: k.escrowTotal(ctx.store).toString() }),
  };
}
