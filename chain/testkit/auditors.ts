import { createHash } from "node:crypto";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { bech32Prefix, decodeAddress, encodeAddress, moduleAddress } from "../../modules/sdk/address.js";
import type { RawKey } from "../../client/sdk/signing.js";
import { auditorRewardPool, auditSignsId, verdictCommitmentOf } from "../../modules/jobs/auditVerdicts.js";
import { sketchToPb } from "../../modules/jobs/commitment.js";
import { proofCodecs } from "../../modules/jobs/proofTypes.js";
import { computeSketch, type ComparisonRule } from "../../modules/jobs/sketch.js";
import { createTestChain, type TestChain } from "./inProcessChain.js";
import { AuditStatus, codecs, type Job } from "../../modules/jobs/types.js";
import { createValidatorMsg, funded, ops } from "./fixtures.js";
import type { Send } from "./providers.js";
import { any, signedBy } from "./simWorkers.js";

// Simulated auditing validators (scenario tests and the market simulation): each commits its
// verdict while commitments are open and reveals it once reveals are, as the auditing worker does;
// and the chain the audit scenario tests start from (createAuditChain, bondValidators).

export const valoperOf = (key: RawKey) => encodeAddress(decodeAddress(key.address), bech32Prefix.validator);

/**
 * The chain the audit scenario tests start from: each key funded with 1000 TCU (in order), the
 * auditor reward pool with `pool`, and jobs params under which every job is audited (short
 * windows, `reward` per agreeing verdict, 0.1% of stake for a skipped audit); `jobs` overrides
 * any of them.
 */
export function createAuditChain(o: {
  keys: readonly RawKey[];
  pool: bigint;
  reward: bigint;
  jobs?: Record<string, unknown>;
}): Promise<TestChain> {
  return createTestChain({
    accounts: [
      ...funded(o.keys),
      { address: moduleAddress(auditorRewardPool), coins: [{ denom: "utcu", amount: o.pool }] },
    ],
    editGenesis: (d) => {
      Object.assign(
        (d.app_state["jobs"] as { params: Record<string, unknown> }).params,
        {
          commit_window: "3",
          reveal_window: "3",
          audit_window: "12",
          audit_commit_window: "6",
          retention_blocks: "50",
          audit_rate_ppm: 1_000_000,
          audit_rate_single_ppm: 1_000_000,
          audit_rate_low_reputation_ppm: 0,
          auditor_reward: o.reward.toString(),
          audit_miss_slash_fraction: "0.001",
        },
        o.jobs ?? {},
      );
    },
  });
}

/**
 * The fixtures' operators ops[0], ops[1], … bond `powers` (default 40, 30 and 30 TCU: two of them
 * hold more than 2/3 of the power, no one alone 1/3), one tx each in order.
 */
export async function bondValidators(
  send: Send,
  powers: readonly bigint[] = [40_000_000n, 30_000_000n, 30_000_000n],
): Promise<void> {
  for (const [i, amount] of powers.entries()) await send(ops[i]!, [createValidatorMsg(i, amount)]);
}

/** The commit and the reveal message of one verdict (a sketch of `output`, or unable). */
export function verdictMsgs(
  validator: string,
  jobId: string,
  verdict:
    | {
        output: ArrayLike<number>;
        rule: ComparisonRule;
        sketchKey?: Uint8Array;
        /** The output its audit sketch is of (default `output`): a lazy auditor's guess. */
        auditOutput?: ArrayLike<number>;
      }
    | "unable",
  salt = createHash("sha256").update(`verdict-salt/${validator}/${jobId}`).digest(),
): { commit: Any; reveal: Any } {
  const digest = new Uint8Array(32).fill(1);
  if (verdict === "unable") {
    return {
      commit: any(
        proofCodecs.msgCommitVerdict.typeUrl,
        proofCodecs.msgCommitVerdict.encode({
          validator,
          jobId,
          commitment: verdictCommitmentOf(jobId, validator, salt, { unable: true }),
        }),
      ),
      reveal: any(
        proofCodecs.msgRevealVerdict.typeUrl,
        proofCodecs.msgRevealVerdict.encode({
          validator,
          jobId,
          salt,
          sketch: null,
          digest: new Uint8Array(),
          unable: true,
        }),
      ),
    };
  }
  const sketch = computeSketch(jobId, verdict.output, verdict.rule, verdict.sketchKey);
  const auditSketch = computeSketch(
    auditSignsId(jobId),
    verdict.auditOutput ?? verdict.output,
    verdict.rule,
    verdict.sketchKey,
  );
  return {
    commit: any(
      proofCodecs.msgCommitVerdict.typeUrl,
      proofCodecs.msgCommitVerdict.encode({
        validator,
        jobId,
        commitment: verdictCommitmentOf(jobId, validator, salt, { unable: false, digest, sketch, auditSketch }),
      }),
    ),
    reveal: any(
      proofCodecs.msgRevealVerdict.typeUrl,
      proofCodecs.msgRevealVerdict.encode({
        validator,
        jobId,
        salt,
        sketch: sketchToPb(sketch),
        digest,
        unable: false,
        auditSketch: sketchToPb(auditSketch),
      }),
    ),
  };
}

/** An auditor that re-runs (by `output`) every open audit it is asked for: commits, then reveals. */
export class SimAuditor {
  private readonly reveals = new Map<string, Any>();
  runs = 0;

  constructor(
    readonly key: RawKey,
    readonly output: (j: Job) => ArrayLike<number> | null,
    readonly rule: (model: string) => ComparisonRule,
    /** Called for each job it re-runs (not for "unable"). */
    readonly onRun?: (jobId: string) => void,
  ) {}

  get valoper(): string {
    return valoperOf(this.key);
  }

  /** The messages for the block at `height`, given the jobs with an open audit. */
  messages(open: readonly Job[], height: bigint): Any[] {
    const msgs: Any[] = [];
    for (const j of open) {
      if (j.audit !== AuditStatus.open || !(j.auditors ?? []).includes(this.valoper)) continue;
      const committed = (j.verdictCommits ?? []).some((c) => c.validator === this.valoper);
      const revealsOpen = height >= BigInt(j.verdictRevealHeight || "0");
      if (!committed && !revealsOpen && !this.reveals.has(j.id)) {
        const out = this.output(j);
        this.runs++;
        if (out !== null) this.onRun?.(j.id);
        const m = verdictMsgs(this.valoper, j.id, out === null ? "unable" : { output: out, rule: this.rule(j.model) });
        this.reveals.set(j.id, m.reveal);
        msgs.push(m.commit);
      } else if (committed && revealsOpen && !j.verdicts.some((v) => v.validator === this.valoper)) {
        const r = this.reveals.get(j.id);
        if (r !== undefined) msgs.push(r);
        this.reveals.delete(j.id);
      }
    }
    return msgs;
  }
}

/**
 * Scenario helper: `auditors` commit their verdicts on `jobId` (one block each), blocks pass until
 * reveals open, then they reveal (one block each). Throws when a tx is refused.
 */
export async function auditBy(
  chain: TestChain,
  auditors: readonly RawKey[],
  jobId: string,
  verdict:
    | {
        output: ArrayLike<number>;
        rule: ComparisonRule;
        sketchKey?: Uint8Array;
        /** The output its audit sketch is of (default `output`): a lazy auditor's guess. */
        auditOutput?: ArrayLike<number>;
      }
    | "unable",
): Promise<void> {
  const pairs = auditors.map((key) => ({ key, m: verdictMsgs(valoperOf(key), jobId, verdict) }));
  const send = async (key: RawKey, msg: Any) => {
    const r = (await chain.deliver([await signedBy(chain, key, [msg])])).txResults[0]!;
    if (r.code !== 0) throw new Error(`verdict tx refused: ${r.codespace}/${r.code} ${r.log}`);
  };
  for (const { key, m } of pairs) await send(key, m.commit);
  await untilRevealsOpen(chain, jobId);
  for (const { key, m } of pairs) await send(key, m.reveal);
}

/** Delivers empty blocks until the next block may carry reveals of the job's verdicts. */
export async function untilRevealsOpen(chain: TestChain, jobId: string): Promise<void> {
  const res = await chain.query("/tcompute.jobs.v1.Query/Job", codecs.queryJobRequest.encode({ id: jobId }));
  const j = codecs.queryJobResponse.decode(res.value).job!;
  while (chain.app.height + 1n < BigInt(j.verdictRevealHeight || "0")) await chain.deliver([]);
}
