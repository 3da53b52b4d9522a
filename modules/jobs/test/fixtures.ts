import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { any } from "../../../chain/testkit/fixtures.js";
import type { RawKey } from "../../../client/sdk/signing.js";
import { codecs as registryCodecs } from "../../registry/types.js";
import { moduleAddress } from "../../sdk/address.js";
import { computeSketch, type ComparisonRule, type Sketch } from "../sketch.js";
import { codecs, type Job, type MsgSubmitJob } from "../types.js";

// What the jobs scenario tests share: the queries they read state with and the job they submit.

type Query = <T>(path: string, data: Uint8Array, decode: (b: Uint8Array) => T) => Promise<T>;

/** The job, utcu-balance, escrow and provider-bond queries, over txHelpers' `q`. */
export function jobQueries(q: Query): {
  job: (id: string) => Promise<Job>;
  balance: (address: string) => Promise<bigint>;
  /** The jobs escrow account's utcu. */
  escrow: () => Promise<bigint>;
  /** A provider's bond, in utcu. */
  providerBond: (owner: string) => Promise<bigint>;
} {
  const balance = (address: string): Promise<bigint> =>
    q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: "utcu" }).finish(), (b) =>
      BigInt(QueryBalanceResponse.decode(b).balance!.amount),
    );
  return {
    job: (id) =>
      q(
        "/tcompute.jobs.v1.Query/Job",
        codecs.queryJobRequest.encode({ id }),
        (b) => codecs.queryJobResponse.decode(b).job!,
      ),
    balance,
    escrow: () => balance(moduleAddress("jobs_escrow")),
    providerBond: (owner) =>
      q("/tcompute.registry.v1.Query/Provider", registryCodecs.queryProviderRequest.encode({ owner }), (b) =>
        BigInt(registryCodecs.queryProviderResponse.decode(b).provider!.bond),
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

/**
 * What an observer computes from a revealed sketch whose signs are public (derived from
 * `signsId`, a job id): the least-squares output of `n` unknowns (n at most the sketch size).
 */
export function leastSquares(signsId: string, s: Sketch, n: number, rule: ComparisonRule): number[] {
  // Column i of the projection is the sketch of the unit vector e_i (public: signs from signsId).
  const cols = Array.from({ length: n }, (_, i) =>
    computeSketch(
      signsId,
      Array.from({ length: n }, (_, k) => (k === i ? 1 : 0)),
      rule,
    ).components.map(Number),
  );
  const p = s.components.map(Number);
  // Normal equations AᵀA x = Aᵀp, Gaussian elimination (tiny n).
  const m = Array.from({ length: n }, (_, r) => [
    ...Array.from({ length: n }, (_, c) => cols[r]!.reduce((acc, v, j) => acc + v * cols[c]![j]!, 0)),
    cols[r]!.reduce((acc, v, j) => acc + v * p[j]!, 0),
  ]);
  for (let c = 0; c < n; c++) {
    const piv = m[c]![c]!;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / piv;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / m[i]![i]!);
}
