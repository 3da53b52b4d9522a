import type { OfflineSigner } from "@cosmjs/proto-signing";
import {
  GasPrice,
  QueryClient,
  setupBankExtension,
  setupDistributionExtension,
  setupStakingExtension,
  SigningStargateClient,
  type BankExtension,
  type DistributionExtension,
  type DeliverTxResponse,
  type StakingExtension,
  type StdFee,
  StargateClient,
  type IndexedTx,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import nacl from "tweetnacl";
import { claimCodecs, ClaimStatus, isFinal, jobsCodecs, JobState, type Job } from "../../modules/jobs/index.js";
import type { AuditSealedInput, GpuRequirement, Input, MsgSubmitJob, SealedInput } from "../../modules/jobs/types.js";
import { ProviderStatus } from "../../modules/registry/index.js";
import type { MsgRegisterModel, MsgRegisterProvider } from "../../modules/registry/types.js";

import type { Tensor } from "../models/tensors.js";
import { fetchAcceptedOutput } from "./outputs.js";
import { openClaimAnswer, sealToCandidates, type X25519Key } from "./sealing.js";
import {
  setupEmissionsExtension,
  setupJobsExtension,
  setupRegistryExtension,
  setupReputationExtension,
  type EmissionsExtension,
  type JobsExtension,
  type RegistryExtension,
  type ReputationExtension,
} from "./queries.js";
import { tcomputeAminoTypes, tcomputeRegistry } from "./registry.js";
import type { RawKey } from "./signing.js";

/** The rule the chain compares with when a model registers none (modules/jobs/settlement.ts). */
const defaultRule = { sketchSize: 16, tolerance: 0, topK: 0 };

// TcomputeClient: @cosmjs/stargate's SigningStargateClient with tcompute's registry, a QueryClient
// with every module's extension, and typed helpers for the marketplace's common paths.

export interface MsgSubmitJobEncodeObject {
  readonly typeUrl: "/tcompute.jobs.v1.MsgSubmitJob";
  readonly value: MsgSubmitJob;
}
export interface MsgRegisterModelEncodeObject {
  readonly typeUrl: "/tcompute.registry.v1.MsgRegisterModel";
  readonly value: MsgRegisterModel;
}
export interface MsgRegisterProviderEncodeObject {
  readonly typeUrl: "/tcompute.registry.v1.MsgRegisterProvider";
  readonly value: MsgRegisterProvider;
}

export type TcomputeQueryClient = QueryClient &
  BankExtension &
  StakingExtension &
  DistributionExtension &
  EmissionsExtension &
  JobsExtension &
  RegistryExtension &
  ReputationExtension;

export interface SubmitJobOptions {
  model: string;
  /** Each input's bytes (a tensor bundle), or a URI with its sha256. */
  inputs: Array<Uint8Array | { uri: string; sha256: string }>;
  k?: number;
  maxPricePerUnit: string;
  deadlineBlocks?: number;
  minReputation?: number;
  gpu?: GpuRequirement;
  /**
   * Seal the one input (bytes) to the candidate providers' X25519 keys (client/sdk/sealing.ts
   * sealToCandidates): only its sha256 goes on chain, and only those providers can be assigned.
   */
  sealed?: boolean;
  /** With `sealed`: at most this many candidates (the chain's `max_sealed`, 16 by default). */
  maxSealed?: number;
}

export class JobNotSettled extends Error {
  constructor(readonly job: Job) {
    super(
      `job ${job.id} ended ${["", "pending", "assigned", "settled", "failed", "expired", "cancelled", "revealing", "auditing"][job.state]}`,
    );
  }
}

/** An ABCI query the node answered with a non-zero code. */
export class QueryFailed extends Error {
  constructor(
    readonly path: string,
    readonly code: number,
    readonly codespace: string,
    readonly log: string,
  ) {
    super(`${log} (${codespace} code ${code})`);
  }
}

/** A job not final when waitForJob's time ran out; `job` is its last state seen. */
export class JobWaitTimeout extends Error {
  constructor(readonly job: Job) {
    super(`job ${job.id} is still not final`);
  }
}

/** How a transaction pays: a fee, or a multiplier on simulated gas at the client's gas price. */
export interface SendOptions {
  fee?: StdFee | number;
  memo?: string;
}

export class TcomputeClient {
  private constructor(
    private readonly signer: SigningStargateClient | null,
    readonly query: TcomputeQueryClient,
    private readonly comet: Comet38Client,
    private readonly reader: StargateClient = signer ?? StargateClient.create(comet),
  ) {}

  static async connectWithSigner(
    endpoint: string,
    signer: OfflineSigner,
    options: { gasPrice?: string } = {},
  ): Promise<TcomputeClient> {
    const signing = await SigningStargateClient.connectWithSigner(endpoint, signer, {
      registry: tcomputeRegistry(),
      aminoTypes: tcomputeAminoTypes(),
      gasPrice: GasPrice.fromString(options.gasPrice ?? "0.0025utcu"),
    });
    return new TcomputeClient(signing, ...(await TcomputeClient.queryParts(endpoint)));
  }

  /** A client that queries and waits, and signs nothing. */
  static async connect(endpoint: string): Promise<TcomputeClient> {
    return new TcomputeClient(null, ...(await TcomputeClient.queryParts(endpoint)));
  }

  private static async queryParts(endpoint: string): Promise<[TcomputeQueryClient, Comet38Client]> {
    const comet = await Comet38Client.connect(endpoint);
    const query = QueryClient.withExtensions(
      comet,
      setupBankExtension,
      setupStakingExtension,
      setupDistributionExtension,
      setupEmissionsExtension,
      setupJobsExtension,
      setupRegistryExtension,
      setupReputationExtension,
    );
    return [query, comet];
  }

  /** The signing client (connectWithSigner only). */
  get signing(): SigningStargateClient {
    if (this.signer === null) throw new Error("this client has no signer: connect with connectWithSigner");
    return this.signer;
  }

  disconnect(): void {
    this.signer?.disconnect();
    this.comet.disconnect();
  }

  async chainId(): Promise<string> {
    return this.reader.getChainId();
  }

  /** A committed transaction by hash (uppercase hex), with its result and events; null if none. */
  async getTx(hash: string): Promise<IndexedTx | null> {
    return this.reader.getTx(hash);
  }

  /** Committed txs matching a tx_search query (`delivery_claim.provider='…' AND tx.height>=N`), every page. */
  async searchTxs(query: string): Promise<IndexedTx[]> {
    return this.reader.searchTx(query);
  }

  /** The latest committed height. */
  async height(): Promise<number> {
    return this.reader.getHeight();
  }

  /**
   * Signs `msgs` as `sender` and broadcasts them, waiting for the block; returns the result
   * whatever its code. The fee defaults to 1.5 × simulated gas at the client's gas price.
   */
  async broadcast(
    sender: string,
    msgs: Array<{ typeUrl: string; value: unknown }>,
    o: SendOptions = {},
  ): Promise<DeliverTxResponse> {
    return this.signing.signAndBroadcast(sender, msgs, o.fee ?? 1.5, o.memo ?? "");
  }

  /** One raw ABCI query (a gRPC path and its request bytes); QueryFailed on a non-zero code. */
  async abciQuery(path: string, data: Uint8Array): Promise<Uint8Array> {
    const res = await this.comet.abciQuery({ path, data });
    if (res.code !== 0) throw new QueryFailed(path, res.code ?? 0, res.codespace ?? "", res.log ?? "");
    return res.value;
  }

  private async send(sender: string, msgs: Array<{ typeUrl: string; value: unknown }>): Promise<DeliverTxResponse> {
    const res = await this.broadcast(sender, msgs);
    if (res.code !== 0) throw new Error(`tx ${res.transactionHash} failed with code ${res.code}: ${res.rawLog ?? ""}`);
    return res;
  }

  /** Submits a job (a batch when several inputs) and returns its shard ids. */
  async submitJob(requester: string, o: SubmitJobOptions): Promise<string[]> {
    const model = /^[0-9a-f]{64}$/.test(o.model) ? o.model : (await this.query.registry.model(o.model)).hash;
    let inputs: Input[] = o.inputs.map((i) =>
      i instanceof Uint8Array
        ? { inline: i, uri: "", sha256: "" }
        : { inline: new Uint8Array(), uri: i.uri, sha256: i.sha256 },
    );
    let sealed: SealedInput[] = [];
    let sketchKeyHash: Uint8Array = new Uint8Array();
    let auditSealed: AuditSealedInput[] = [];
    if (o.sealed === true) {
      const plain = o.inputs[0];
      if (o.inputs.length !== 1 || !(plain instanceof Uint8Array))
        throw new Error("a sealed job has exactly one input, given as bytes");
      const s = sealToCandidates(plain, {
        model,
        k: o.k ?? 3,
        maxPricePerUnit: o.maxPricePerUnit,
        providers: await this.query.registry.providers(model, ProviderStatus.active),
        maxSealed: o.maxSealed,
        auditors: await this.query.jobs.auditKeys(),
      });
      inputs = [s.input];
      sealed = s.sealed;
      sketchKeyHash = s.sketchKeyHash;
      auditSealed = s.auditSealed;
    }
    const msg: MsgSubmitJobEncodeObject = {
      typeUrl: "/tcompute.jobs.v1.MsgSubmitJob",
      value: {
        requester,
        model,
        inputs,
        sealed,
        k: o.k ?? 3,
        maxPricePerUnit: o.maxPricePerUnit,
        deadlineBlocks: String(o.deadlineBlocks ?? 100),
        minReputation: Math.round((o.minReputation ?? 0) * 1_000_000),
        gpu: o.gpu ?? null,
        sketchKeyHash,
        auditSealed,
      },
    };
    const res = await this.send(requester, [msg]);
    return jobsCodecs.msgSubmitJobResponse.decode(res.msgResponses[0]!.value).ids;
  }

  /**
   * Follows a job until it is final; throws JobNotSettled unless it settled (or, with
   * `anyFinal`, returns it however it ended), JobWaitTimeout when `timeoutMs` runs out.
   */
  async waitForJob(
    id: string,
    o: {
      timeoutMs?: number;
      pollMs?: number;
      anyFinal?: boolean;
      onTransition?: (state: JobState, note: string, height: string) => void;
    } = {},
  ): Promise<Job> {
    const deadline = Date.now() + (o.timeoutMs ?? 300_000);
    let seen = 0;
    for (;;) {
      const j = await this.query.jobs.job(id);
      for (; seen < j.history.length; seen++)
        o.onTransition?.(j.history[seen]!.state, j.history[seen]!.note, j.history[seen]!.height);
      if (isFinal(j.state)) {
        if (j.state !== JobState.settled && o.anyFinal !== true) throw new JobNotSettled(j);
        return j;
      }
      if (Date.now() > deadline) throw new JobWaitTimeout(j);
      await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
    }
  }

  /**
   * The accepted output of a settled job, fetched from a worker that produced it, opened and
   * checked against that worker's committed digest and sketch (another accepted worker is tried
   * when one serves a wrong output; OutputMismatchError when none serves the committed one).
   */
  async fetchOutput(key: RawKey, job: Job): Promise<Array<Record<string, Tensor>>> {
    const model = await this.query.registry.model(job.model);
    return (await fetchAcceptedOutput(key, job, model.rule ?? defaultRule)).outputs;
  }

  /**
   * Claims on chain that `provider` did not deliver its accepted output of job `jobId`
   * (docs/jobs.md, "Non-delivery claims"), with the claim deposit and a fresh X25519 key. Keep
   * the key: the worker's answer is sealed to it (claimAnswer), and a dispute reveals its secret.
   * `claimKeyOf(accountKey, chainId, jobId, provider)` gives a key that need not be kept (the CLI's).
   */
  async claimNonDelivery(
    requester: string,
    jobId: string,
    provider: string,
    key: X25519Key = nacl.box.keyPair(),
  ): Promise<X25519Key> {
    await this.send(requester, [
      {
        typeUrl: claimCodecs.msgClaimNonDelivery.typeUrl,
        value: { requester, jobId, provider, x25519Pubkey: key.publicKey },
      },
    ]);
    return key;
  }

  /**
   * The answer to a claim, opened with its key: the output payload and whether its sha256 is the
   * digest the worker committed to (if not, dispute it: disputeAnswer). Null while unanswered.
   */
  async claimAnswer(
    jobId: string,
    provider: string,
    key: X25519Key,
  ): Promise<{ status: number; payload: Uint8Array | null; matches: boolean } | null> {
    const cl = await this.query.jobs.claim(jobId, provider);
    if (cl === null) return null;
    if (cl.status === ClaimStatus.open) return null;
    return { status: cl.status, ...openClaimAnswer(cl, key) };
  }

  /** Disputes a claim's answer by revealing the claim key's secret: the chain opens it and compares. */
  async disputeAnswer(requester: string, jobId: string, provider: string, key: X25519Key): Promise<DeliverTxResponse> {
    return this.send(requester, [
      {
        typeUrl: claimCodecs.msgDisputeAnswer.typeUrl,
        value: { requester, jobId, provider, x25519Secret: key.secretKey },
      },
    ]);
  }

  async registerModel(value: MsgRegisterModel): Promise<DeliverTxResponse> {
    const msg: MsgRegisterModelEncodeObject = { typeUrl: "/tcompute.registry.v1.MsgRegisterModel", value };
    return this.send(value.owner, [msg]);
  }

  async registerProvider(value: MsgRegisterProvider): Promise<DeliverTxResponse> {
    const msg: MsgRegisterProviderEncodeObject = { typeUrl: "/tcompute.registry.v1.MsgRegisterProvider", value };
    return this.send(value.owner, [msg]);
  }
}
