import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import {
  claimCodecs,
  ClaimStatus,
  claimStatusNames,
  isFinal,
  jobsCodecs,
  JobState,
  proofCodecs,
  verdictCommitmentOf,
  type Job,
} from "../../../modules/jobs/index.js";
import { jobStateNames, unusableReasonNames, type GpuRequirement, type Input } from "../../../modules/jobs/types.js";
import { registryCodecs, ProviderStatus } from "../../../modules/registry/index.js";
import { reputationCodecs } from "../../../modules/reputation/index.js";
import { parseCoins } from "../../../modules/sdk/coins.js";
import { bech32Prefix, decodeAddress, encodeAddress } from "../../../modules/sdk/address.js";
import { cliErrors, flags, keyring, print, type GlobalFlags } from "../context.js";
import { chainQuery, queryErrors, withClient } from "../query.js";
import { JobWaitTimeout } from "../../sdk/client.js";
import { sendTx, txFlags, type TxOptions } from "../tx.js";
import { fetchAcceptedOutput, rawKeyFromMnemonic } from "../../sdk/outputs.js";
import { claimKeyOf, openClaimAnswer, sealToCandidates, type X25519Key } from "../../sdk/sealing.js";

// tcd tx jobs submit|cancel, tcd q jobs ..., tcd q reputation ...

const base = "/tcompute.jobs.v1.Query";
const collect = (v: string, prev: string[]) => [...prev, v];
const page = (limit: string, key: string) => ({
  key: key === "" ? new Uint8Array() : Buffer.from(key, "base64"),
  offset: "0",
  limit,
  countTotal: true,
});

/** A model given by hash or by registered name → its hash. */
async function resolveModel(f: GlobalFlags, id: string): Promise<string> {
  if (/^[0-9a-fA-F]{64}$/.test(id)) return id.toLowerCase();
  try {
    return registryCodecs.queryModelResponse.decode(
      await chainQuery(
        f,
        "/tcompute.registry.v1.Query/ModelByName",
        registryCodecs.queryModelByNameRequest.encode({ name: id }),
      ),
    ).model!.hash;
  } catch (e) {
    throw cliErrors.usage.wrap(
      `--model ${JSON.stringify(id)}: ${(e as Error).message}; list models with: tcd q registry models`,
    );
  }
}

/** Without --max-price: the k-th lowest ask among active providers of the model (so k can be matched). */
async function defaultPrice(f: GlobalFlags, model: string, k: number): Promise<string> {
  const res = registryCodecs.queryProvidersResponse.decode(
    await chainQuery(
      f,
      "/tcompute.registry.v1.Query/Providers",
      registryCodecs.queryProvidersRequest.encode({
        model,
        status: ProviderStatus.active,
        pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: false },
      }),
    ),
  );
  const asks = res.providers
    .map((p) => parseCoins(p.pricePerUnit)[0]!)
    .sort((a, b) => (a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0));
  if (asks.length < k)
    throw cliErrors.usage.wrap(
      `only ${asks.length} active provider(s) serve this model; lower --k or wait for providers (tcd q registry providers --model ${model})`,
    );
  return `${asks[k - 1]!.amount}${asks[k - 1]!.denom}`;
}

function parseGpuReq(s: string): GpuRequirement {
  const m = /^([^:]{0,64}):([^:]{0,64}):([0-9]{0,9}):([0-9]{0,4})$/.exec(s);
  if (m === null)
    throw cliErrors.usage.wrap(
      `--gpu ${JSON.stringify(s)}: use vendor:model:minMiB:minCount, empty parts match anything, e.g. nvidia::24000:1`,
    );
  return { vendor: m[1]!, model: m[2]!, minMemoryMib: Number(m[3] || "0"), minCount: Number(m[4] || "0") };
}

export async function getJob(f: GlobalFlags, id: string): Promise<Job> {
  return jobsCodecs.queryJobResponse.decode(
    await chainQuery(f, `${base}/Job`, jobsCodecs.queryJobRequest.encode({ id })),
  ).job!;
}

function describeJob(j: Job): string {
  const lines = [
    `job ${j.id}: ${jobStateNames[j.state]}${j.batchId !== j.id ? ` (shard ${j.shardIndex + 1}/${j.shardCount} of batch ${j.batchId})` : ""}`,
    `model ${j.model}`,
    `escrow ${j.escrow}, paid ${j.paid}, refunded ${j.refunded}${j.compensated !== "0" ? `, compensated ${j.compensated}` : ""}`,
  ];
  for (const a of j.assignments)
    lines.push(
      `  ${a.provider} on ${a.gpu || "?"}: ${a.outcome === 0 && (a.unusable ?? 0) !== 0 && isFinal(j.state) ? `answered ${unusableReasonNames[a.unusable ?? 0] ?? a.unusable}` : (["pending", "accepted", "rejected", "no-show", "fraud", "unusable"][a.outcome] ?? `outcome ${a.outcome}`)}${a.paid !== "0" ? `, paid ${a.paid}` : ""}${a.slashed !== "0" ? `, slashed ${a.slashed}` : ""}${a.outputUri !== "" ? `, output ${a.outputUri}` : ""}`,
    );
  for (const h of j.history) lines.push(`  @${h.height} ${jobStateNames[h.state]}: ${h.note}`);
  return lines.join("\n");
}

/** Follows a job until it is final (TcomputeClient.waitForJob), printing each transition. */
async function followJob(f: GlobalFlags, id: string, timeoutMs: number, onStep: (line: string) => void): Promise<Job> {
  try {
    return await withClient(f, (c) =>
      c.waitForJob(id, {
        timeoutMs,
        anyFinal: true,
        onTransition: (state, note, height) => onStep(`job ${id} @${height}: ${jobStateNames[state]} (${note})`),
      }),
    );
  } catch (e) {
    if (e instanceof JobWaitTimeout)
      throw queryErrors.failed.wrap(
        `job ${id} is still ${jobStateNames[e.job.state]}; follow it with: tcd q jobs get ${id}`,
      );
    throw e;
  }
}

/** Fetches a settled job's output as its requester (the key signs the request) and writes it. */
async function saveOutput(f: GlobalFlags, from: string, j: Job, file: string): Promise<string> {
  const wallet = await (await keyring(f, true)).wallet(from);
  const key = await rawKeyFromMnemonic(wallet.mnemonic);
  if (key.address !== j.requester)
    throw cliErrors.usage.wrap(`only the requester (${j.requester}) can fetch job ${j.id}'s output`);
  let out: Awaited<ReturnType<typeof fetchAcceptedOutput>>;
  try {
    const model = registryCodecs.queryModelResponse.decode(
      await chainQuery(
        f,
        "/tcompute.registry.v1.Query/Model",
        registryCodecs.queryModelRequest.encode({ hash: j.model }),
      ),
    ).model!;
    // Checked against the worker's committed digest and sketch; a wrong output is refused and
    // the next accepted worker tried.
    out = await fetchAcceptedOutput(key, j, model.rule ?? { sketchSize: 16, tolerance: 0, topK: 0 });
  } catch (e) {
    throw queryErrors.failed.wrap(`no worker served job ${j.id}'s output: ${(e as Error).message}`);
  }
  writeFileSync(file, out.bytes);
  return out.outputs
    .map(
      (o, i) =>
        `input ${i}: ` +
        Object.entries(o)
          .map(([n, t]) => `${n} ${t.dtype}[${t.shape.join("×")}]`)
          .join(", "),
    )
    .join("\n");
}

interface SubmitFlags extends TxOptions {
  outputFile?: string;
  model: string;
  input: string[];
  inputUri?: string;
  inputSha256?: string;
  inputSize?: string;
  k: string;
  maxPrice?: string;
  deadline: string;
  minReputation: string;
  gpu?: string;
  sealed: boolean;
  wait: boolean;
  timeout: string;
}

/**
 * The claim key of `from` (a key in the keyring) on `provider`'s result of job `id`: derived
 * from the account key (claimKeyOf), so the claim, reading its answer and a dispute need nothing
 * kept in between.
 */
async function claimKeyFor(
  f: GlobalFlags,
  from: string,
  id: string,
  provider: string,
  claimChainId?: string,
): Promise<{ requester: string; key: X25519Key }> {
  if (!/^[1-9][0-9]{0,19}$/.test(id)) throw cliErrors.usage.wrap("the job id is a positive integer");
  try {
    decodeAddress(provider);
  } catch (e) {
    throw cliErrors.usage.wrap(`provider ${JSON.stringify(provider)}: ${(e as Error).message}`);
  }
  const account = await rawKeyFromMnemonic((await (await keyring(f, true)).wallet(from)).mnemonic);
  // The chain the claim was made on: the node's, unless it moved to a new chain id by export.
  const chainId = claimChainId ?? (await withClient(f, (c) => c.chainId()));
  return { requester: account.address, key: claimKeyOf(account.privKey, chainId, id, provider) };
}

/** A usage error unless the claim was made with `key` (the CLI's derived one, not an SDK caller's own). */
function assertClaimKey(claim: { x25519Pubkey: Uint8Array }, key: X25519Key, from: string): void {
  if (!Buffer.from(claim.x25519Pubkey).equals(Buffer.from(key.publicKey)))
    throw cliErrors.usage.wrap(
      `the claim was not made with the key tcd derives from ${from} (made with another key, e.g. through the SDK with its own): open or dispute it with that key`,
    );
}

/** The claim on chain, or a usage error saying there is none. */
async function getClaim(f: GlobalFlags, id: string, provider: string) {
  const claim = claimCodecs.queryClaimResponse.decode(
    await chainQuery(f, `${base}/Claim`, claimCodecs.queryClaimRequest.encode({ jobId: id, provider })),
  ).claim;
  if (claim === undefined || claim === null)
    throw queryErrors.failed.wrap(`no claim on job ${id}'s result by ${provider}`);
  return claim;
}

export function registerJobsCommands(tx: Command, qry: Command): void {
  const t = tx.command("jobs").description("inference jobs");
  txFlags(
    t
      .command("submit <from-key>")
      .description("submit an inference job; the whole maximum payment goes into escrow at once")
      .requiredOption(
        "--model <sha256|owner/name|name>",
        "the registered model (a bare name only when one owner registered it)",
      )
      .option("--input <file>", "an input file (a tensor bundle); repeat for a batch", collect, [])
      .option("--input-uri <uri>", "or: where workers fetch the input")
      .option("--input-sha256 <hex>", "with --input-uri: the sha256 of the input bytes")
      .option("--input-size <bytes>", "with --input-uri: the input's size (workers read no more than this)")
      .option("--k <n>", "redundancy: independent workers whose results must agree", "3")
      .option("--max-price <coin>", "most you pay per compute unit per worker (default: what k providers ask)")
      .option("--deadline <blocks>", "give up if not matched within this many blocks", "100")
      .option("--min-reputation <score>", "reputation floor between 0 and 1", "0")
      .option("--gpu <vendor:model:minMiB:minCount>", "a GPU the workers must have")
      .option(
        "--sealed",
        "seal the one --input file to the candidate providers' X25519 keys; only its sha256 goes on chain",
        false,
      )
      .option("--wait", "follow the job until it settles and print the result and cost", false)
      .option("--timeout <seconds>", "with --wait: how long to follow", "300")
      .option("--output-file <file>", "with --wait: write the result (a ResultPayload of tensor bundles) here"),
  ).action(async (from: string, o: SubmitFlags, cmd: Command) => {
    const f = flags(cmd);
    const inputs: Input[] = o.input.map((file) => {
      try {
        return { inline: readFileSync(file), uri: "", sha256: "" };
      } catch (e) {
        throw cliErrors.usage.wrap(`--input ${file}: ${(e as Error).message}`);
      }
    });
    if (o.inputUri !== undefined) {
      if (o.inputSha256 === undefined || !/^[0-9a-fA-F]{64}$/.test(o.inputSha256))
        throw cliErrors.usage.wrap("--input-uri needs --input-sha256 <64 hex characters>");
      if (o.inputSize !== undefined && !/^[0-9]{1,13}$/.test(o.inputSize))
        throw cliErrors.usage.wrap("--input-size is a byte count");
      inputs.push({
        inline: new Uint8Array(),
        uri: o.inputUri,
        sha256: o.inputSha256.toLowerCase(),
        size: o.inputSize ?? "0",
      });
    }
    if (inputs.length === 0)
      throw cliErrors.usage.wrap("give --input <file> (repeat for a batch) or --input-uri with --input-sha256");
    if (!/^[1-9][0-9]?$/.test(o.k)) throw cliErrors.usage.wrap("--k is a small positive number");
    const rep = Number(o.minReputation);
    if (!(rep >= 0 && rep <= 1)) throw cliErrors.usage.wrap("--min-reputation is between 0 and 1");
    const model = await resolveModel(f, o.model);
    const maxPricePerUnit = o.maxPrice !== undefined ? o.maxPrice : await defaultPrice(f, model, Number(o.k));
    const requester = (await keyring(f, false)).show(from).address;
    let sealed: Array<{ provider: string; ciphertext: Uint8Array }> = [];
    let sketchKeyHash: Uint8Array = new Uint8Array();
    let auditSealed: Array<{ validator: string; ciphertext: Uint8Array }> = [];
    if (o.sealed) {
      if (inputs.length !== 1 || inputs[0]!.inline.length === 0)
        throw cliErrors.usage.wrap("--sealed takes exactly one --input file (not a batch, not --input-uri)");
      const providers = registryCodecs.queryProvidersResponse.decode(
        await chainQuery(
          f,
          "/tcompute.registry.v1.Query/Providers",
          registryCodecs.queryProvidersRequest.encode({
            model,
            status: ProviderStatus.active,
            pagination: { key: new Uint8Array(), offset: "0", limit: "1000", countTotal: false },
          }),
        ),
      ).providers;
      // The bonded validators' audit keys: the input is sealed to them too, so they can audit it.
      const auditors = jobsCodecs.queryAuditKeysResponse.decode(
        await chainQuery(f, "/tcompute.jobs.v1.Query/AuditKeys", new Uint8Array()),
      ).keys;
      let s: ReturnType<typeof sealToCandidates>;
      try {
        s = sealToCandidates(inputs[0]!.inline, { model, k: Number(o.k), maxPricePerUnit, providers, auditors });
      } catch (e) {
        throw cliErrors.usage.wrap(`--sealed: ${(e as Error).message}`);
      }
      inputs.splice(0, 1, s.input);
      sealed = s.sealed;
      sketchKeyHash = s.sketchKeyHash;
      auditSealed = s.auditSealed;
    }
    const value = {
      requester,
      model,
      inputs,
      sealed,
      k: Number(o.k),
      maxPricePerUnit,
      deadlineBlocks: o.deadline,
      minReputation: Math.round(rep * 1_000_000),
      gpu: o.gpu === undefined ? null : parseGpuReq(o.gpu),
      sketchKeyHash,
      auditSealed,
    };
    const res = await sendTx(f, from, [{ typeUrl: jobsCodecs.msgSubmitJob.typeUrl, value }], o, true);
    const ids = jobsCodecs.msgSubmitJobResponse.decode(res.msgResponses[0]!.value).ids;
    if (!o.wait) {
      print(
        f,
        { txhash: res.transactionHash, height: res.height, job_ids: ids },
        `txhash: ${res.transactionHash}\njob id(s): ${ids.join(", ")}\nfollow with: tcd q jobs get ${ids[0]}`,
      );
      return;
    }
    const step = (line: string) => {
      if (f.output !== "json") process.stdout.write(line + "\n");
    };
    step(`submitted in block ${res.height} (tx ${res.transactionHash}); job id(s) ${ids.join(", ")}`);
    const jobs: Job[] = [];
    for (const id of ids) jobs.push(await followJob(f, id, Number(o.timeout) * 1000, step));
    const paid = jobs.reduce((s, j) => s + BigInt(j.paid), 0n);
    const [, denom] = /^[0-9]+(.*)$/.exec(maxPricePerUnit)!;
    print(
      f,
      { job_ids: ids, jobs },
      jobs.map(describeJob).join("\n\n") +
        `\n\ncost: ${paid}${denom} paid to workers (plus the tx fee); refunded ${jobs.reduce((s, j) => s + BigInt(j.refunded), 0n)}${denom}`,
    );
    if (jobs.some((j) => j.state !== JobState.settled))
      throw queryErrors.failed.wrap(
        `job(s) ${jobs
          .filter((j) => j.state !== JobState.settled)
          .map((j) => j.id)
          .join(", ")} did not settle`,
      );
    if (o.outputFile !== undefined) {
      for (const [i, j] of jobs.entries()) {
        const file = jobs.length === 1 ? o.outputFile : `${o.outputFile}.${i}`;
        step(`result of job ${j.id} → ${file}\n${await saveOutput(f, from, j, file)}`);
      }
    }
  });
  txFlags(t.command("cancel <from-key> <job-id>").description("cancel a job not yet assigned (full refund)")).action(
    async (from: string, id: string, o: TxOptions, cmd: Command) => {
      const f = flags(cmd);
      await sendTx(
        f,
        from,
        [
          {
            typeUrl: jobsCodecs.msgCancelJob.typeUrl,
            value: { requester: (await keyring(f, false)).show(from).address, id },
          },
        ],
        o,
      );
    },
  );

  // Non-delivery claims (docs/jobs.md, "Non-delivery claims"): the claim key comes from the
  // requester's key (claimKeyFor), so `q jobs claim --from` and `tx jobs dispute` find it again.
  txFlags(
    t
      .command("claim <from-key> <job-id> <provider>")
      .description(
        "claim that a worker did not deliver its accepted output (pays the claim deposit; the worker must post the output sealed to your claim key)",
      ),
  ).action(async (from: string, id: string, provider: string, o: TxOptions, cmd: Command) => {
    const f = flags(cmd);
    const { requester, key } = await claimKeyFor(f, from, id, provider);
    const res = await sendTx(
      f,
      from,
      [
        {
          typeUrl: claimCodecs.msgClaimNonDelivery.typeUrl,
          value: { requester, jobId: id, provider, x25519Pubkey: key.publicKey },
        },
      ],
      o,
      true,
    );
    print(
      f,
      { txhash: res.transactionHash, height: res.height, job_id: id, provider },
      `txhash: ${res.transactionHash}\nclaimed in block ${res.height}\n` +
        `read the answer with: tcd q jobs claim ${id} ${provider} --from ${from} --output-file <file>`,
    );
  });
  txFlags(
    t
      .command("dispute <from-key> <job-id> <provider>")
      .description(
        "dispute a claim's answer: reveals the claim key so that the chain opens the answer and compares it with the committed digest",
      )
      .option(
        "--force",
        "send it even when the answer opens to the committed output (the dispute then fails: the deposit goes to the worker)",
        false,
      )
      .option("--claim-chain-id <id>", "the chain id the claim was made on, if the chain has moved to a new one since"),
  ).action(
    async (
      from: string,
      id: string,
      provider: string,
      o: TxOptions & { force: boolean; claimChainId?: string },
      cmd: Command,
    ) => {
      const f = flags(cmd);
      const { requester, key } = await claimKeyFor(f, from, id, provider, o.claimChainId);
      const claim = await getClaim(f, id, provider);
      if (claim.requester !== requester)
        throw cliErrors.usage.wrap(`the claim is ${claim.requester}'s, not ${from}'s (${requester})`);
      assertClaimKey(claim, key, from);
      if (claim.status !== ClaimStatus.answered)
        throw cliErrors.usage.wrap(
          `the claim is ${claimStatusNames[claim.status] ?? claim.status}: only an answered claim can be disputed`,
        );
      // Checked here first: a dispute of the committed output fails on chain and costs the deposit.
      if (openClaimAnswer(claim, key).matches && !o.force)
        throw cliErrors.usage.wrap(
          "the answer opens to the committed output: a dispute would fail and the deposit go to the worker (--force sends it anyway)",
        );
      await sendTx(
        f,
        from,
        [
          {
            typeUrl: claimCodecs.msgDisputeAnswer.typeUrl,
            value: { requester, jobId: id, provider, x25519Secret: key.secretKey },
          },
        ],
        o,
      );
    },
  );

  // What workers send; here for operators who run their own worker or need to act by hand.
  const sketchArg = (json: string) => {
    try {
      const o = JSON.parse(json) as { components: Array<string | number>; topK?: number[]; length: string | number };
      return { components: o.components.map(String), topK: o.topK ?? [], length: String(o.length) };
    } catch (e) {
      throw cliErrors.usage.wrap(
        `--sketch must be JSON like {"components":["12","-3",...],"topK":[],"length":"64"}: ${(e as Error).message}`,
      );
    }
  };
  const hexArg = (name: string, v: string, bytes: number) => {
    if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(v))
      throw cliErrors.usage.wrap(`${name} must be ${bytes} bytes of hex`);
    return new Uint8Array(Buffer.from(v, "hex"));
  };
  txFlags(
    t
      .command("commit <from-key> <job-id> <commitment-hex>")
      .description("commit to a result (sha256 of job id, provider, salt, digest, sketch: docs/jobs.md)"),
  ).action(async (from: string, id: string, commitment: string, o: TxOptions, cmd: Command) => {
    const f = flags(cmd);
    await sendTx(
      f,
      from,
      [
        {
          typeUrl: jobsCodecs.msgCommitResult.typeUrl,
          value: {
            provider: (await keyring(f, false)).show(from).address,
            jobId: id,
            commitment: hexArg("commitment", commitment, 32),
          },
        },
      ],
      o,
    );
  });
  txFlags(
    t
      .command("reveal <from-key> <job-id>")
      .description("reveal a committed result")
      .requiredOption("--salt <hex>", "the 32-byte salt of the commitment")
      .requiredOption("--digest <hex>", "sha256 of the result payload")
      .requiredOption("--sketch <json>", "the result's sketch")
      .option("--output-uri <uri>", "where the requester fetches the output", ""),
  ).action(
    async (
      from: string,
      id: string,
      o: TxOptions & { salt: string; digest: string; sketch: string; outputUri: string },
      cmd: Command,
    ) => {
      const f = flags(cmd);
      await sendTx(
        f,
        from,
        [
          {
            typeUrl: jobsCodecs.msgRevealResult.typeUrl,
            value: {
              provider: (await keyring(f, false)).show(from).address,
              jobId: id,
              salt: hexArg("--salt", o.salt, 32),
              digest: hexArg("--digest", o.digest, 32),
              sketch: sketchArg(o.sketch),
              outputUri: o.outputUri,
            },
          },
        ],
        o,
      );
    },
  );
  txFlags(
    t
      .command("register-audit-key <from-key>")
      .description(
        "register (or replace) a bonded validator's X25519 audit key, signed by its operator key (the auditing worker does this by itself)",
      )
      .requiredOption("--x25519-pubkey <hex>", "the 32-byte X25519 public key"),
  ).action(async (from: string, o: TxOptions & { x25519Pubkey: string }, cmd: Command) => {
    const f = flags(cmd);
    const account = (await keyring(f, false)).show(from).address;
    const validator = encodeAddress(decodeAddress(account), bech32Prefix.validator);
    await sendTx(
      f,
      from,
      [
        {
          typeUrl: jobsCodecs.msgRegisterAuditKey.typeUrl,
          value: { validator, x25519Pubkey: hexArg("--x25519-pubkey", o.x25519Pubkey, 32) },
        },
      ],
      o,
    );
  });
  txFlags(
    t
      .command("audit-verdict <from-key> <job-id>")
      .description(
        "a validator's verdict on a job open for audit, signed by its operator key: committed first (--phase commit), revealed once reveals open (--phase reveal, same --salt and verdict)",
      )
      .requiredOption("--phase <commit|reveal>", "commit the verdict, or reveal the committed one")
      .requiredOption("--salt <hex>", "32 random bytes hiding the verdict until the reveal (keep them for it)")
      .option("--sketch <json>", "the validator's own sketch of the output")
      .option(
        "--audit-sketch <json>",
        'its sketch of the same output under the audit signs (computeSketch("<job-id>/audit", …))',
      )
      .option("--digest <hex>", "sha256 of its result payload")
      .option("--unable", "the validator cannot run this job", false),
  ).action(
    async (
      from: string,
      id: string,
      o: TxOptions & {
        phase: string;
        salt: string;
        sketch?: string;
        auditSketch?: string;
        digest?: string;
        unable: boolean;
      },
      cmd: Command,
    ) => {
      const f = flags(cmd);
      if (!o.unable && (o.sketch === undefined || o.auditSketch === undefined || o.digest === undefined))
        throw cliErrors.usage.wrap("give --sketch, --audit-sketch and --digest, or --unable");
      if (o.phase !== "commit" && o.phase !== "reveal") throw cliErrors.usage.wrap("--phase is commit or reveal");
      const account = (await keyring(f, false)).show(from).address;
      const validator = encodeAddress(decodeAddress(account), bech32Prefix.validator);
      const salt = hexArg("--salt", o.salt, 32);
      const sketch = o.unable ? null : sketchArg(o.sketch!);
      const auditSketch = o.unable ? null : sketchArg(o.auditSketch!);
      const digest = o.unable ? new Uint8Array() : hexArg("--digest", o.digest!, 32);
      if (o.phase === "reveal") {
        await sendTx(
          f,
          from,
          [
            {
              typeUrl: proofCodecs.msgRevealVerdict.typeUrl,
              value: { validator, jobId: id, salt, sketch, digest, unable: o.unable, auditSketch },
            },
          ],
          o,
        );
        return;
      }
      const commitment =
        sketch === null || auditSketch === null
          ? verdictCommitmentOf(id, validator, salt, { unable: true })
          : verdictCommitmentOf(id, validator, salt, {
              unable: false,
              digest,
              sketch: { components: sketch.components.map(BigInt), topK: sketch.topK, length: Number(sketch.length) },
              auditSketch: {
                components: auditSketch.components.map(BigInt),
                topK: auditSketch.topK,
                length: Number(auditSketch.length),
              },
            });
      await sendTx(
        f,
        from,
        [{ typeUrl: proofCodecs.msgCommitVerdict.typeUrl, value: { validator, jobId: id, commitment } }],
        o,
      );
    },
  );

  const qj = qry.command("jobs").description("inference jobs");
  qj.command("get <id>")
    .description("a job with its assignments and history (or its receipt once pruned)")
    .option(
      "--output-file <file>",
      "fetch the job's result from its worker into this file (needs --from, the requester's key)",
    )
    .option("--from <key>", "the requester's key, to sign the output request")
    .action(async (id: string, o: { outputFile?: string; from?: string }, cmd: Command) => {
      const f = flags(cmd);
      try {
        const j = await getJob(f, id);
        if (o.outputFile !== undefined) {
          if (o.from === undefined) throw cliErrors.usage.wrap("--output-file needs --from <the requester's key>");
          const summary = await saveOutput(f, o.from, j, o.outputFile);
          print(f, { id, output_file: o.outputFile }, `${describeJob(j)}\n\nresult → ${o.outputFile}\n${summary}`);
          return;
        }
        print(f, j, describeJob(j));
      } catch (e) {
        if (!/code 20\)/.test((e as Error).message)) throw e;
        print(
          f,
          jobsCodecs.queryReceiptResponse.decode(
            await chainQuery(f, `${base}/Receipt`, jobsCodecs.queryReceiptRequest.encode({ id })),
          ),
        );
      }
    });
  qj.command("list")
    .description("jobs by requester, by provider or by state")
    .option("--requester <address>")
    .option("--provider <address>")
    .option("--state <state>", "pending, assigned, revealing, auditing, settled, failed, expired or cancelled")
    .option("--limit <n>", "jobs per page", "100")
    .option("--page-key <base64>", "next_key of the previous page", "")
    .action(
      async (
        o: { requester?: string; provider?: string; state?: string; limit: string; pageKey: string },
        cmd: Command,
      ) => {
        const f = flags(cmd);
        const given = [o.requester, o.provider, o.state].filter((x) => x !== undefined).length;
        if (given !== 1) throw cliErrors.usage.wrap("give exactly one of --requester, --provider or --state");
        const p = page(o.limit, o.pageKey);
        let bytes: Uint8Array;
        if (o.requester !== undefined)
          bytes = await chainQuery(
            f,
            `${base}/JobsByRequester`,
            jobsCodecs.queryJobsByRequesterRequest.encode({ requester: o.requester, pagination: p }),
          );
        else if (o.provider !== undefined)
          bytes = await chainQuery(
            f,
            `${base}/JobsByProvider`,
            jobsCodecs.queryJobsByProviderRequest.encode({ provider: o.provider, pagination: p }),
          );
        else {
          const state = Object.entries(jobStateNames).find(([, n]) => n === o.state)?.[0];
          if (state === undefined || state === "0")
            throw cliErrors.usage.wrap(
              "--state is pending, assigned, revealing, auditing, settled, failed, expired or cancelled",
            );
          bytes = await chainQuery(
            f,
            `${base}/JobsByState`,
            jobsCodecs.queryJobsByStateRequest.encode({ state: Number(state) as JobState, pagination: p }),
          );
        }
        const res = jobsCodecs.queryJobsResponse.decode(bytes);
        const next =
          res.pagination === null || res.pagination.nextKey.length === 0
            ? ""
            : Buffer.from(res.pagination.nextKey).toString("base64");
        print(
          f,
          res,
          res.jobs
            .map((j) => `${j.id}\t${jobStateNames[j.state]}\t${j.model.slice(0, 12)}…\tk=${j.k}\tpaid ${j.paid}`)
            .join("\n") + (next !== "" ? `\nmore: --page-key ${next}` : "") || "no jobs",
        );
      },
    );
  qj.command("claim <job-id> <provider>")
    .description(
      "a non-delivery claim; with --from (the requester's key) its answer is opened and checked against the committed digest",
    )
    .option("--from <key>", "the requester's key (the claim key is derived from it)")
    .option("--output-file <file>", "with --from: write the opened answer (the output payload) here")
    .option("--claim-chain-id <id>", "the chain id the claim was made on, if the chain has moved to a new one since")
    .action(
      async (
        id: string,
        provider: string,
        o: { from?: string; outputFile?: string; claimChainId?: string },
        cmd: Command,
      ) => {
        const f = flags(cmd);
        if (o.outputFile !== undefined && o.from === undefined)
          throw cliErrors.usage.wrap("--output-file needs --from <the requester's key>");
        const derived = o.from === undefined ? null : await claimKeyFor(f, o.from, id, provider, o.claimChainId);
        const claim = await getClaim(f, id, provider);
        const status = claimStatusNames[claim.status] ?? String(claim.status);
        const lines = [
          `claim on job ${id}'s result by ${provider}: ${status}`,
          `requester ${claim.requester}, deposit ${claim.deposit}, claimed at height ${claim.claimedHeight}`,
          claim.status === ClaimStatus.open
            ? `the worker must answer by height ${claim.answerDeadline}`
            : claim.answeredHeight !== "0" && claim.answeredHeight !== ""
              ? `answered at height ${claim.answeredHeight}; disputes until height ${claim.disputeDeadline}`
              : "",
        ].filter((l) => l !== "");
        let answer: { opened: boolean; matches_digest: boolean; output_file?: string } | undefined;
        // The requester's own claim made with another key: say so, rather than "dispute it".
        if (derived !== null && claim.requester === derived.requester) assertClaimKey(claim, derived.key, o.from!);
        if (derived !== null && claim.sealedOutput.length > 0) {
          const { payload, matches } = openClaimAnswer(claim, derived.key);
          answer = { opened: payload !== null, matches_digest: matches };
          if (payload === null)
            lines.push("the answer does not open with your claim key: dispute it (tcd tx jobs dispute)");
          else if (!matches)
            lines.push("the answer is not the committed output (its sha256 differs): dispute it (tcd tx jobs dispute)");
          else lines.push("the answer is the committed output");
          if (payload !== null && o.outputFile !== undefined) {
            writeFileSync(o.outputFile, payload);
            answer.output_file = o.outputFile;
            lines.push(`answer → ${o.outputFile}`);
          }
        }
        print(f, answer === undefined ? claim : { ...claim, answer }, lines.join("\n"));
      },
    );
  qj.command("params")
    .description("jobs params")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      print(f, jobsCodecs.queryParamsResponse.decode(await chainQuery(f, `${base}/Params`, new Uint8Array())));
    });
  qj.command("escrow")
    .description("total held in escrow for open jobs")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const r = jobsCodecs.queryEscrowResponse.decode(await chainQuery(f, `${base}/Escrow`, new Uint8Array()));
      print(f, r, r.total);
    });
  qj.command("requester-record <address>")
    .description("a requester's jobs that ended unusable (bad inputs) and the fees paid for them")
    .action(async (address: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      print(
        f,
        jobsCodecs.queryRequesterRecordResponse.decode(
          await chainQuery(
            f,
            `${base}/RequesterRecord`,
            jobsCodecs.queryRequesterRecordRequest.encode({ requester: address }),
          ),
        ),
      );
    });
  qj.command("audit-keys")
    .description("the X25519 audit keys of the validators bonded now (sealed jobs are sealed to them too)")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const { keys } = jobsCodecs.queryAuditKeysResponse.decode(
        await chainQuery(f, `${base}/AuditKeys`, new Uint8Array()),
      );
      const rows = keys.map((k) => ({
        validator: k.validator,
        x25519_pubkey: Buffer.from(k.x25519Pubkey).toString("hex"),
        height: k.height,
      }));
      print(f, { keys: rows }, rows.map((r) => `${r.validator} ${r.x25519_pubkey}`).join("\n") || "no audit keys");
    });
  qj.command("audit-stats <valoper>")
    .description("verdicts a validator gave, against audits opened")
    .action(async (valoper: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      print(
        f,
        jobsCodecs.queryAuditStatsResponse.decode(
          await chainQuery(f, `${base}/AuditStats`, jobsCodecs.queryAuditStatsRequest.encode({ validator: valoper })),
        ),
      );
    });

  const qr = qry.command("reputation").description("provider reputation (1.0 = 1000000)");
  qr.command("get <provider>")
    .description("a provider's score and record")
    .action(async (provider: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      print(
        f,
        reputationCodecs.queryReputationResponse.decode(
          await chainQuery(
            f,
            "/tcompute.reputation.v1.Query/Reputation",
            reputationCodecs.queryReputationRequest.encode({ provider }),
          ),
        ),
      );
    });
  qr.command("ranked")
    .description("providers, best first")
    .option("--limit <n>", "how many", "100")
    .action(async (o: { limit: string }, cmd: Command) => {
      const f = flags(cmd);
      const r = reputationCodecs.queryRankedResponse.decode(
        await chainQuery(
          f,
          "/tcompute.reputation.v1.Query/Ranked",
          reputationCodecs.queryRankedRequest.encode({ limit: Number(o.limit) }),
        ),
      );
      print(
        f,
        r,
        r.records
          .map(
            (x) =>
              `${x.provider}\t${(x.score / 1e6).toFixed(6)}\tagreed ${x.agreed}, disagreed ${x.disagreed}, no-shows ${x.noShows}, declines ${x.declines}`,
          )
          .join("\n") || "no providers yet",
      );
    });
  qr.command("params")
    .description("reputation params")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      print(
        f,
        reputationCodecs.queryParamsResponse.decode(
          await chainQuery(f, "/tcompute.reputation.v1.Query/Params", new Uint8Array()),
        ),
      );
    });
}
