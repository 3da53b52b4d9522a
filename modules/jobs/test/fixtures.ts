import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { any } from "../../../chain/testkit/fixtures.js";
import type { RawKey } from "../../../client/sdk/signing.js";
import { codecs, type Job, type MsgSubmitJob } from "../types.js";

// What the jobs scenario tests share: the queries they read state with and the job they submit.

type Query = <T>(path: string, data: Uint8Array, decode: (b: Uint8Array) => T) => Promise<T>;

/** The job and utcu-balance queries, over txHelpers' `q`. */
export function jobQueries(q: Query): {
  job: (id: string) => Promise<Job>;
  balance: (address: string) => Promise<bigint>;
} {
  return {
    job: (id) =>
      q(
        "/tcompute.jobs.v1.Query/Job",
        codecs.queryJobRequest.encode({ id }),
        (b) => codecs.queryJobResponse.decode(b).job!,
      ),
    balance: (address) =>
      q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(), (b) =>
        BigInt(QueryBalanceResponse.decode(b).balance!.amount),
      ),
  };
}

/** A public k = 2 job on `model` with one inline input `[first, 2, 3]`, fields overridden by `over`. */
export function submitJobMsg(requester: RawKey, model: string, first = 1, over: Partial<MsgSubmitJob> = {}): Any {
  return any(
    codecs.msgSubmitJob.typeUrl,
    codecs.msgSubmitJob.encode({
      requester: requester.address,
      model,
      inputs: [{ inline: new Uint8Array([first, 2, 3]), uri: "", sha256: "" }],
      sealed: [],
      k: 2,
      maxPricePerUnit: "10utcu",
      deadlineBlocks: "5",
      minReputation: 0,
      gpu: null,
      ...over,
    }),
  );
}

/** The id of the job the first tx of `res` (a submit) created. */
export function submittedJobId(res: ResponseFinalizeBlock): string {
  return codecs.msgSubmitJobResponse.decode(TxMsgData.decode(res.txResults[0]!.data).msgResponses[0]!.value).ids[0]!;
}
