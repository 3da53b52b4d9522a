import { decOne, formatDec, parseDec } from "../sdk/coins.js";
import type { KVStore } from "../sdk/store.js";
import { jobsErrors } from "./errors.js";
import { codecs, type JobsParamsPb } from "./types.js";

export interface JobsParams {
  maxInlineInputBytes: number;
  maxRedundancy: number;
  maxMatchesPerBlock: number;
  maxDeadlineBlocks: bigint;
  commitWindow: bigint;
  revealWindow: bigint;
  auditWindow: bigint;
  maxInputsPerShard: number;
  maxBatchInputs: number;
  maxSealed: number;
  /** 18-decimal fractions of the provider bond. */
  slashFractionWrongResult: bigint;
  slashFractionNoShow: bigint;
  slashFractionFraud: bigint;
  auditRatePpm: number;
  auditRateSinglePpm: number;
  auditRateLowReputationPpm: number;
  retentionBlocks: bigint;
  /** Matching (matching.ts): the lowest price per unit a job may offer, in the bond denom. */
  minPricePerUnit: bigint;
  maxPendingPerRequester: number;
  maxMatchScansPerBlock: number;
  maxMissesPerRequester: number;
  /** Unusable inputs: the fee per answering assignee (18-decimal fraction of its pay), and the reporters it needs. */
  unusableFeeFraction: bigint;
  unusableFeeMinReporters: number;
  /** Audits (auditVerdicts.ts): blocks of the audit window for commitments; reward per agreeing verdict; stake fraction lost per missed audit. */
  auditCommitWindow: bigint;
  auditorReward: bigint;
  auditMissSlashFraction: bigint;
  /** Capability challenges (challenges.ts). */
  challengeEpochBlocks: bigint;
  challengesPerEpoch: number;
  challengeBudgetPerEpoch: bigint;
  challengeSlackBlocks: bigint;
  gpuThroughput: Array<{ vendor: string; model: string; unitsPerBlock: bigint }>;
  defaultGpuUnitsPerBlock: bigint;
  challengeSlashFraction: bigint;
  /** Non-delivery claims (claims.ts). */
  claimWindow: bigint;
  claimDeposit: bigint;
  claimAnswerWindow: bigint;
  claimDisputeWindow: bigint;
  maxClaimOutputBytes: bigint;
  claimSlashFraction: bigint;
}

export function defaultParams(): JobsParams {
  return {
    maxInlineInputBytes: 64 * 1024,
    maxRedundancy: 7,
    maxMatchesPerBlock: 100,
    maxDeadlineBlocks: 10_000n,
    commitWindow: 20n,
    revealWindow: 20n,
    auditWindow: 30n,
    maxInputsPerShard: 10,
    maxBatchInputs: 1000,
    maxSealed: 16,
    slashFractionWrongResult: decOne / 20n, // 5%
    slashFractionNoShow: decOne / 100n, // 1%
    slashFractionFraud: decOne / 2n, // 50%
    auditRatePpm: 20_000, // 2%
    auditRateSinglePpm: 40_000, // 4% of k = 1 jobs (docs/economics.md, "Audit rates")
    auditRateLowReputationPpm: 100_000, // +10% at reputation 0, +5% at the neutral 0.5
    retentionBlocks: 1000n,
    minPricePerUnit: 1n,
    maxPendingPerRequester: 1000,
    maxMatchScansPerBlock: 1000,
    maxMissesPerRequester: 10,
    unusableFeeFraction: decOne / 10n, // 10% of the assignee's pay
    unusableFeeMinReporters: 2,
    auditCommitWindow: 20n,
    auditorReward: 1000n,
    // 0.03% of the stake: above what auditing costs a validator net of auditor_reward, at the
    // smallest stake npm run sim:market plays (docs/economics.md, "Auditors").
    auditMissSlashFraction: (decOne * 3n) / 10_000n,
    challengeEpochBlocks: 100n,
    challengesPerEpoch: 1,
    challengeBudgetPerEpoch: 1_000_000n,
    challengeSlackBlocks: 3n,
    gpuThroughput: [
      { vendor: "nvidia", model: "H100", unitsPerBlock: 100_000n },
      { vendor: "nvidia", model: "A100", unitsPerBlock: 50_000n },
      { vendor: "nvidia", model: "L4", unitsPerBlock: 10_000n },
      { vendor: "nvidia", model: "T4", unitsPerBlock: 5_000n },
    ],
    defaultGpuUnitsPerBlock: 1_000n,
    challengeSlashFraction: decOne / 10n, // 10% of the bond
    claimWindow: 500n,
    claimDeposit: 10_000n,
    claimAnswerWindow: 50n,
    claimDisputeWindow: 50n,
    maxClaimOutputBytes: 512n * 1024n,
    claimSlashFraction: decOne / 20n, // 5% of the bond
  };
}

export function validateParams(p: JobsParams): void {
  const bad = (m: string) => jobsErrors.invalidParams.wrap(m);
  const ppm = (n: number) => Number.isSafeInteger(n) && n >= 0 && n <= 1_000_000;
  if (!Number.isSafeInteger(p.maxInlineInputBytes) || p.maxInlineInputBytes < 1 || p.maxInlineInputBytes > 1 << 20)
    throw bad("max_inline_input_bytes must be 1 to 1 MiB");
  if (p.maxRedundancy < 1 || p.maxRedundancy > 15) throw bad("max_redundancy must be 1 to 15");
  if (p.maxMatchesPerBlock < 1 || p.maxMatchesPerBlock > 10_000) throw bad("max_matches_per_block must be 1 to 10000");
  // Deadlines are heights: a window no block reaches would keep a job, or a claim and its
  // deposit, open for good.
  if (
    [
      p.maxDeadlineBlocks,
      p.commitWindow,
      p.revealWindow,
      p.auditWindow,
      p.retentionBlocks,
      p.claimWindow,
      p.claimAnswerWindow,
      p.claimDisputeWindow,
    ].some((b) => b < 1n || b > 1_000_000n)
  )
    throw bad("deadlines, windows (the claim windows too) and retention must be 1 to 1000000 blocks");
  if (p.maxInputsPerShard < 1 || p.maxBatchInputs < 1 || p.maxBatchInputs > 100_000)
    throw bad("max_inputs_per_shard must be positive and max_batch_inputs 1 to 100000");
  if (p.maxSealed < 1 || p.maxSealed > 64) throw bad("max_sealed must be 1 to 64");
  for (const [n, f] of [
    ["slash_fraction_wrong_result", p.slashFractionWrongResult],
    ["slash_fraction_no_show", p.slashFractionNoShow],
    ["slash_fraction_fraud", p.slashFractionFraud],
  ] as const) {
    if (f < 0n || f > decOne) throw bad(`${n} must be between 0 and 1`);
  }
  if (!ppm(p.auditRatePpm) || !ppm(p.auditRateSinglePpm) || !ppm(p.auditRateLowReputationPpm))
    throw bad("audit rates are parts per million, 0 to 1000000");
  if (p.minPricePerUnit < 1n)
    throw bad("min_price_per_unit must be positive (a free job costs nothing to leave pending)");
  const intIn = (n: number, lo: number, hi: number) => Number.isSafeInteger(n) && n >= lo && n <= hi;
  if (!intIn(p.maxPendingPerRequester, 1, 1_000_000)) throw bad("max_pending_per_requester must be 1 to 1000000");
  if (!intIn(p.maxMatchScansPerBlock, 1, 100_000)) throw bad("max_match_scans_per_block must be 1 to 100000");
  if (!intIn(p.maxMissesPerRequester, 1, 10_000)) throw bad("max_misses_per_requester must be 1 to 10000");
  if (p.unusableFeeFraction < 0n || p.unusableFeeFraction >= decOne / 2n)
    throw bad("unusable_fee_fraction must be at least 0 and below 0.5");
  if (
    !Number.isSafeInteger(p.unusableFeeMinReporters) ||
    p.unusableFeeMinReporters < 1 ||
    p.unusableFeeMinReporters > 15
  )
    throw bad("unusable_fee_min_reporters must be 1 to 15");
  // The commit phase is the first min(audit_commit_window, audit_window − 1) blocks (auditVerdicts.ts).
  if (p.auditWindow < 2n || p.auditCommitWindow < 1n)
    throw bad(
      "audit_window must be at least 2 and audit_commit_window at least 1 (verdicts are committed, then revealed)",
    );
  if (p.auditorReward < 0n || p.auditorReward > 10n ** 30n) throw bad("auditor_reward must be 0 to 10^30");
  if (p.auditMissSlashFraction < 0n || p.auditMissSlashFraction > decOne / 100n)
    throw bad("audit_miss_slash_fraction must be 0 to 0.01");
  if (p.challengeEpochBlocks < 0n || !intIn(p.challengesPerEpoch, 0, 100))
    throw bad("challenge_epoch_blocks must be 0 (off) or more and challenges_per_epoch 0 to 100");
  if (
    p.challengeBudgetPerEpoch < 0n ||
    p.challengeBudgetPerEpoch > 10n ** 30n ||
    p.challengeSlackBlocks < 0n ||
    p.challengeSlackBlocks > 10_000n
  )
    throw bad("challenge_budget_per_epoch must be 0 to 10^30 and challenge_slack_blocks 0 to 10000");
  if (
    p.gpuThroughput.length > 100 ||
    p.gpuThroughput.some((g) => g.unitsPerBlock < 1n || g.vendor.length > 64 || g.model.length > 64) ||
    p.defaultGpuUnitsPerBlock < 1n
  )
    throw bad(
      "gpu_throughput: at most 100 entries, each at least 1 unit per block; default_gpu_units_per_block at least 1",
    );
  if (p.challengeSlashFraction < 0n || p.challengeSlashFraction > decOne)
    throw bad("challenge_slash_fraction must be between 0 and 1");
  if (p.claimDeposit < 1n || p.claimDeposit > 10n ** 30n)
    throw bad("claim_deposit must be positive (a free claim costs a false claimer nothing)");
  if (p.maxClaimOutputBytes < 1024n || p.maxClaimOutputBytes > 4n << 20n)
    throw bad("max_claim_output_bytes must be 1 KiB to 4 MiB");
  if (p.claimSlashFraction < 0n || p.claimSlashFraction > decOne)
    throw bad("claim_slash_fraction must be between 0 and 1");
}

export function paramsToPb(p: JobsParams): JobsParamsPb {
  return {
    maxInlineInputBytes: String(p.maxInlineInputBytes),
    maxRedundancy: p.maxRedundancy,
    maxMatchesPerBlock: p.maxMatchesPerBlock,
    maxDeadlineBlocks: p.maxDeadlineBlocks.toString(),
    commitWindow: p.commitWindow.toString(),
    revealWindow: p.revealWindow.toString(),
    auditWindow: p.auditWindow.toString(),
    maxInputsPerShard: p.maxInputsPerShard,
    maxBatchInputs: p.maxBatchInputs,
    maxSealed: p.maxSealed,
    slashFractionWrongResult: formatDec(p.slashFractionWrongResult),
    slashFractionNoShow: formatDec(p.slashFractionNoShow),
    slashFractionFraud: formatDec(p.slashFractionFraud),
    auditRatePpm: p.auditRatePpm,
    auditRateSinglePpm: p.auditRateSinglePpm,
    auditRateLowReputationPpm: p.auditRateLowReputationPpm,
    retentionBlocks: p.retentionBlocks.toString(),
    minPricePerUnit: p.minPricePerUnit.toString(),
    maxPendingPerRequester: p.maxPendingPerRequester,
    maxMatchScansPerBlock: p.maxMatchScansPerBlock,
    maxMissesPerRequester: p.maxMissesPerRequester,
    unusableFeeFraction: formatDec(p.unusableFeeFraction),
    unusableFeeMinReporters: p.unusableFeeMinReporters,
    auditCommitWindow: p.auditCommitWindow.toString(),
    auditorReward: p.auditorReward.toString(),
    auditMissSlashFraction: formatDec(p.auditMissSlashFraction),
    challengeEpochBlocks: p.challengeEpochBlocks.toString(),
    challengesPerEpoch: p.challengesPerEpoch,
    challengeBudgetPerEpoch: p.challengeBudgetPerEpoch.toString(),
    challengeSlackBlocks: p.challengeSlackBlocks.toString(),
    gpuThroughput: p.gpuThroughput.map((g) => ({
      vendor: g.vendor,
      model: g.model,
      unitsPerBlock: g.unitsPerBlock.toString(),
    })),
    defaultGpuUnitsPerBlock: p.defaultGpuUnitsPerBlock.toString(),
    challengeSlashFraction: formatDec(p.challengeSlashFraction),
    claimWindow: p.claimWindow.toString(),
    claimDeposit: p.claimDeposit.toString(),
    claimAnswerWindow: p.claimAnswerWindow.toString(),
    claimDisputeWindow: p.claimDisputeWindow.toString(),
    maxClaimOutputBytes: p.maxClaimOutputBytes.toString(),
    claimSlashFraction: formatDec(p.claimSlashFraction),
  };
}

export function paramsFromPb(p: JobsParamsPb): JobsParams {
  const d = defaultParams();
  const int = (s: string, name: string) => {
    if (!/^[0-9]{1,19}$/.test(s)) throw jobsErrors.invalidParams.wrap(`${name} must be a non-negative integer`);
    return BigInt(s);
  };
  const dec = (s: string, name: string) => {
    try {
      return parseDec(s);
    } catch {
      throw jobsErrors.invalidParams.wrap(`${name} must be a decimal such as 0.05`);
    }
  };
  return {
    maxInlineInputBytes: Number(int(p.maxInlineInputBytes || "0", "max_inline_input_bytes")),
    maxRedundancy: p.maxRedundancy,
    maxMatchesPerBlock: p.maxMatchesPerBlock,
    maxDeadlineBlocks: int(p.maxDeadlineBlocks || "0", "max_deadline_blocks"),
    commitWindow: int(p.commitWindow || "0", "commit_window"),
    revealWindow: int(p.revealWindow || "0", "reveal_window"),
    auditWindow: int(p.auditWindow || "0", "audit_window"),
    maxInputsPerShard: p.maxInputsPerShard,
    maxBatchInputs: p.maxBatchInputs,
    maxSealed: p.maxSealed,
    slashFractionWrongResult: dec(p.slashFractionWrongResult || "0", "slash_fraction_wrong_result"),
    slashFractionNoShow: dec(p.slashFractionNoShow || "0", "slash_fraction_no_show"),
    slashFractionFraud: dec(p.slashFractionFraud || "0", "slash_fraction_fraud"),
    auditRatePpm: p.auditRatePpm,
    auditRateSinglePpm: p.auditRateSinglePpm,
    auditRateLowReputationPpm: p.auditRateLowReputationPpm,
    retentionBlocks: int(p.retentionBlocks || "0", "retention_blocks"),
    // Absent (a genesis written before these params existed): the defaults.
    minPricePerUnit:
      p.minPricePerUnit === "" || p.minPricePerUnit === undefined
        ? d.minPricePerUnit
        : int(p.minPricePerUnit, "min_price_per_unit"),
    maxPendingPerRequester: p.maxPendingPerRequester || d.maxPendingPerRequester,
    maxMatchScansPerBlock: p.maxMatchScansPerBlock || d.maxMatchScansPerBlock,
    maxMissesPerRequester: p.maxMissesPerRequester || d.maxMissesPerRequester,
    unusableFeeFraction: dec(p.unusableFeeFraction || "0", "unusable_fee_fraction"),
    unusableFeeMinReporters: p.unusableFeeMinReporters,
    // Absent (a genesis written before these params existed): the defaults.
    auditCommitWindow:
      p.auditCommitWindow === "" || p.auditCommitWindow === undefined
        ? d.auditCommitWindow
        : int(p.auditCommitWindow, "audit_commit_window"),
    auditorReward:
      p.auditorReward === "" || p.auditorReward === undefined
        ? d.auditorReward
        : int(p.auditorReward, "auditor_reward"),
    auditMissSlashFraction:
      p.auditMissSlashFraction === "" || p.auditMissSlashFraction === undefined
        ? d.auditMissSlashFraction
        : dec(p.auditMissSlashFraction, "audit_miss_slash_fraction"),
    challengeEpochBlocks:
      p.challengeEpochBlocks === "" || p.challengeEpochBlocks === undefined
        ? d.challengeEpochBlocks
        : int(p.challengeEpochBlocks, "challenge_epoch_blocks"),
    challengesPerEpoch:
      p.challengeEpochBlocks === "" || p.challengeEpochBlocks === undefined
        ? d.challengesPerEpoch
        : (p.challengesPerEpoch ?? 0),
    challengeBudgetPerEpoch:
      p.challengeBudgetPerEpoch === "" || p.challengeBudgetPerEpoch === undefined
        ? d.challengeBudgetPerEpoch
        : int(p.challengeBudgetPerEpoch, "challenge_budget_per_epoch"),
    challengeSlackBlocks:
      p.challengeSlackBlocks === "" || p.challengeSlackBlocks === undefined
        ? d.challengeSlackBlocks
        : int(p.challengeSlackBlocks, "challenge_slack_blocks"),
    gpuThroughput:
      p.challengeEpochBlocks === "" || p.challengeEpochBlocks === undefined
        ? d.gpuThroughput
        : (p.gpuThroughput ?? []).map((g) => ({
            vendor: g.vendor,
            model: g.model,
            unitsPerBlock: int(g.unitsPerBlock || "0", "gpu_throughput.units_per_block"),
          })),
    defaultGpuUnitsPerBlock:
      p.defaultGpuUnitsPerBlock === "" || p.defaultGpuUnitsPerBlock === undefined
        ? d.defaultGpuUnitsPerBlock
        : int(p.defaultGpuUnitsPerBlock, "default_gpu_units_per_block"),
    challengeSlashFraction:
      p.challengeSlashFraction === "" || p.challengeSlashFraction === undefined
        ? d.challengeSlashFraction
        : dec(p.challengeSlashFraction, "challenge_slash_fraction"),
    claimWindow:
      p.claimWindow === "" || p.claimWindow === undefined ? d.claimWindow : int(p.claimWindow, "claim_window"),
    claimDeposit:
      p.claimDeposit === "" || p.claimDeposit === undefined ? d.claimDeposit : int(p.claimDeposit, "claim_deposit"),
    claimAnswerWindow:
      p.claimAnswerWindow === "" || p.claimAnswerWindow === undefined
        ? d.claimAnswerWindow
        : int(p.claimAnswerWindow, "claim_answer_window"),
    claimDisputeWindow:
      p.claimDisputeWindow === "" || p.claimDisputeWindow === undefined
        ? d.claimDisputeWindow
        : int(p.claimDisputeWindow, "claim_dispute_window"),
    maxClaimOutputBytes:
      p.maxClaimOutputBytes === "" || p.maxClaimOutputBytes === undefined
        ? d.maxClaimOutputBytes
        : int(p.maxClaimOutputBytes, "max_claim_output_bytes"),
    claimSlashFraction:
      p.claimSlashFraction === "" || p.claimSlashFraction === undefined
        ? d.claimSlashFraction
        : dec(p.claimSlashFraction, "claim_slash_fraction"),
  };
}

export function readParams(store: KVStore): JobsParams {
  const raw = store.get("jobs/params");
  return raw === undefined ? defaultParams() : paramsFromPb(codecs.params.decode(raw));
}

export function writeParams(store: KVStore, p: JobsParams): void {
  validateParams(p);
  store.set("jobs/params", codecs.params.encode(paramsToPb(p)));
}
