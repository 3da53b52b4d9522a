import type { QueryClient } from "@cosmjs/stargate";
import { jobsCodecs, type Job } from "../../modules/jobs/index.js";
import { paramsFromPb, type JobsParams } from "../../modules/jobs/params.js";
import type { DeliveryClaim, JobState, Receipt } from "../../modules/jobs/types.js";
import { registryCodecs, type Model, type Provider } from "../../modules/registry/index.js";
import { reputationCodecs, type ReputationRecord } from "../../modules/reputation/index.js";
import { emissionsQueryCodecs } from "../../modules/emissions/index.js";

// Query extensions for @cosmjs/stargate's QueryClient, one per tcompute module, in the shape of
// cosmjs's own (setupBankExtension, ...): QueryClient.withExtensions(comet, setupJobsExtension, ...).

const page = (limit = 1000, reverse = false) => ({
  key: new Uint8Array(),
  offset: "0",
  limit: String(limit),
  countTotal: false,
  reverse,
});

async function ask<T>(base: QueryClient, path: string, data: Uint8Array, decode: (b: Uint8Array) => T): Promise<T> {
  const { value } = await base.queryAbci(path, data);
  return decode(value);
}

export interface JobsExtension {
  readonly jobs: {
    job(id: string): Promise<Job>;
    receipt(id: string): Promise<Receipt>;
    byRequester(requester: string, limit?: number): Promise<Job[]>;
    /** `newestFirst`: the page ends at the newest job (a worker's new assignments are the newest). */
    byProvider(provider: string, limit?: number, newestFirst?: boolean): Promise<Job[]>;
    byState(state: JobState, limit?: number, newestFirst?: boolean): Promise<Job[]>;
    /**
     * Every job whose audit is open (AUDITING, or SETTLED / UNUSABLE and sampled), newest first
     * (past `max`, 10,000, so that a node cannot make its caller read without end, the oldest are
     * left out: their windows close first), in pages of 50 (each job carries its inline inputs and
     * the validators' audit copies: a page must stay under the node's response limit).
     */
    openAudits(max?: number): Promise<Job[]>;
    escrow(): Promise<bigint>;
    /** The module's params (windows in blocks, fees, bounds), as the chain holds them now. */
    params(): Promise<JobsParams>;
    auditStats(validator: string): Promise<{ verdicts: bigint; auditsOpened: bigint }>;
    /** Jobs of this requester that ended unusable, and the fees paid for them. */
    requesterRecord(requester: string): Promise<{ unusableJobs: bigint; unusableFeesPaid: bigint }>;
    /** The non-delivery claim on this job's result by this provider, or null (docs/jobs.md, "Non-delivery claims"). */
    claim(jobId: string, provider: string): Promise<DeliveryClaim | null>;
    /** The audit keys of the validators bonded now (sealed jobs are sealed to them too). */
    auditKeys(): Promise<Array<{ validator: string; x25519Pubkey: Uint8Array; height: string }>>;
  };
}

export function setupJobsExtension(base: QueryClient): JobsExtension {
  const p = "/tcompute.jobs.v1.Query";
  return {
    jobs: {
      job: (id) =>
        ask(
          base,
          `${p}/Job`,
          jobsCodecs.queryJobRequest.encode({ id }),
          (b) => jobsCodecs.queryJobResponse.decode(b).job!,
        ),
      claim: (jobId, provider) =>
        ask(
          base,
          `${p}/Claim`,
          jobsCodecs.queryClaimRequest.encode({ jobId, provider }),
          (b) => jobsCodecs.queryClaimResponse.decode(b).claim ?? null,
        ),
      receipt: (id) =>
        ask(
          base,
          `${p}/Receipt`,
          jobsCodecs.queryReceiptRequest.encode({ id }),
          (b) => jobsCodecs.queryReceiptResponse.decode(b).receipt!,
        ),
      byRequester: (requester, limit) =>
        ask(
          base,
          `${p}/JobsByRequester`,
          jobsCodecs.queryJobsByRequesterRequest.encode({ requester, pagination: page(limit) }),
          (b) => jobsCodecs.queryJobsResponse.decode(b).jobs,
        ),
      byProvider: (provider, limit, newestFirst) =>
        ask(
          base,
          `${p}/JobsByProvider`,
          jobsCodecs.queryJobsByProviderRequest.encode({ provider, pagination: page(limit, newestFirst) }),
          (b) => jobsCodecs.queryJobsResponse.decode(b).jobs,
        ),
      byState: (state, limit, newestFirst) =>
        ask(
          base,
          `${p}/JobsByState`,
          jobsCodecs.queryJobsByStateRequest.encode({ state, pagination: page(limit, newestFirst) }),
          (b) => jobsCodecs.queryJobsResponse.decode(b).jobs,
        ),
      openAudits: async (max = 10_000) => {
        const out: Job[] = [];
        let key: Uint8Array = new Uint8Array();
        while (out.length < max) {
          const r = await ask(
            base,
            `${p}/OpenAudits`,
            jobsCodecs.queryOpenAuditsRequest.encode({
              pagination: { ...page(Math.min(50, max - out.length), true), key },
            }),
            (b) => jobsCodecs.queryJobsResponse.decode(b),
          );
          out.push(...r.jobs);
          key = r.pagination?.nextKey ?? new Uint8Array();
          if (key.length === 0 || r.jobs.length === 0) break;
        }
        return out;
      },
      escrow: () =>
        ask(base, `${p}/Escrow`, new Uint8Array(), (b) => BigInt(jobsCodecs.queryEscrowResponse.decode(b).total)),
      params: () =>
        ask(base, `${p}/Params`, new Uint8Array(), (b) =>
          paramsFromPb(jobsCodecs.queryParamsResponse.decode(b).params ?? jobsCodecs.params.decode(new Uint8Array())),
        ),
      auditStats: (validator) =>
        ask(base, `${p}/AuditStats`, jobsCodecs.queryAuditStatsRequest.encode({ validator }), (b) => {
          const r = jobsCodecs.queryAuditStatsResponse.decode(b);
          return { verdicts: BigInt(r.stats?.verdicts ?? "0"), auditsOpened: BigInt(r.auditsOpened) };
        }),
      auditKeys: () =>
        ask(base, `${p}/AuditKeys`, new Uint8Array(), (b) => jobsCodecs.queryAuditKeysResponse.decode(b).keys),
      requesterRecord: (requester) =>
        ask(base, `${p}/RequesterRecord`, jobsCodecs.queryRequesterRecordRequest.encode({ requester }), (b) => {
          const r = jobsCodecs.queryRequesterRecordResponse.decode(b).record;
          return { unusableJobs: BigInt(r?.unusableJobs ?? "0"), unusableFeesPaid: BigInt(r?.unusableFeesPaid ?? "0") };
        }),
    },
  };
}

export interface RegistryExtension {
  readonly registry: {
    model(hashOrName: string): Promise<Model>;
    models(): Promise<Model[]>;
    provider(owner: string): Promise<Provider>;
    providers(model?: string, status?: number): Promise<Provider[]>;
  };
}

export function setupRegistryExtension(base: QueryClient): RegistryExtension {
  const p = "/tcompute.registry.v1.Query";
  return {
    registry: {
      model: (id) =>
        /^[0-9a-f]{64}$/.test(id)
          ? ask(
              base,
              `${p}/Model`,
              registryCodecs.queryModelRequest.encode({ hash: id }),
              (b) => registryCodecs.queryModelResponse.decode(b).model!,
            )
          : ask(
              base,
              `${p}/ModelByName`,
              registryCodecs.queryModelByNameRequest.encode({ name: id }),
              (b) => registryCodecs.queryModelResponse.decode(b).model!,
            ),
      models: () =>
        ask(
          base,
          `${p}/Models`,
          registryCodecs.queryModelsRequest.encode({ pagination: page() }),
          (b) => registryCodecs.queryModelsResponse.decode(b).models,
        ),
      provider: (owner) =>
        ask(
          base,
          `${p}/Provider`,
          registryCodecs.queryProviderRequest.encode({ owner }),
          (b) => registryCodecs.queryProviderResponse.decode(b).provider!,
        ),
      providers: (model = "", status = 0) =>
        ask(
          base,
          `${p}/Providers`,
          registryCodecs.queryProvidersRequest.encode({ model, status, pagination: page() }),
          (b) => registryCodecs.queryProvidersResponse.decode(b).providers,
        ),
    },
  };
}

export interface ReputationExtension {
  readonly reputation: {
    of(provider: string): Promise<ReputationRecord>;
    ranked(limit?: number): Promise<ReputationRecord[]>;
  };
}

export function setupReputationExtension(base: QueryClient): ReputationExtension {
  const p = "/tcompute.reputation.v1.Query";
  return {
    reputation: {
      of: (provider) =>
        ask(
          base,
          `${p}/Reputation`,
          reputationCodecs.queryReputationRequest.encode({ provider }),
          (b) => reputationCodecs.queryReputationResponse.decode(b).record!,
        ),
      ranked: (limit = 100) =>
        ask(
          base,
          `${p}/Ranked`,
          reputationCodecs.queryRankedRequest.encode({ limit }),
          (b) => reputationCodecs.queryRankedResponse.decode(b).records,
        ),
    },
  };
}

export interface EmissionsExtension {
  readonly emissions: {
    totals(): Promise<{ minted: bigint; burnedFees: bigint; communityPool: bigint }>;
    schedule(): Promise<{ currentPerBlock: bigint; nextDecayHeight: bigint }>;
    providerPool(): Promise<{
      balance: bigint;
      nextPayoutHeight: bigint;
      work: Array<{ provider: string; units: bigint; eligibleFees: bigint }>;
    }>;
  };
}

/** Issuance: totals, the schedule and the provider pool (staking and distribution: cosmjs's own extensions). */
export function setupEmissionsExtension(base: QueryClient): EmissionsExtension {
  const p = "/tcompute.emissions.v1.Query";
  const { totals, schedule, providerPool: pool } = emissionsQueryCodecs;
  return {
    emissions: {
      totals: () =>
        ask(base, `${p}/Totals`, new Uint8Array(), (b) => {
          const r = totals.decode(b);
          return { minted: BigInt(r.minted), burnedFees: BigInt(r.burnedFees), communityPool: BigInt(r.communityPool) };
        }),
      schedule: () =>
        ask(base, `${p}/Schedule`, new Uint8Array(), (b) => {
          const r = schedule.decode(b);
          return { currentPerBlock: BigInt(r.currentPerBlock), nextDecayHeight: BigInt(r.nextDecayHeight) };
        }),
      providerPool: () =>
        ask(base, `${p}/ProviderPool`, new Uint8Array(), (b) => {
          const r = pool.decode(b);
          return {
            balance: BigInt(r.balance),
            nextPayoutHeight: BigInt(r.nextPayoutHeight),
            work: r.work.map((w) => ({
              provider: w.provider,
              units: BigInt(w.units),
              eligibleFees: BigInt(w.eligibleFees),
            })),
          };
        }),
    },
  };
}
