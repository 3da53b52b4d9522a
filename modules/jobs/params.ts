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
  };
}

export function validateParams(p: JobsParams): void {
  const bad = (m: string) => jobsErrors.invalidParams.wrap(m);
  const ppm = (n: number) => Number.isSafeInteger(n) && n >= 0 && n <= 1_000_000;
  if (!Number.isSafeInteger(p.maxInlineInputBytes) || p.maxInlineInputBytes < 1 || p.maxInlineInputBytes > 1 << 20)
    throw bad("max_inline_input_bytes must be 1 to 1 MiB");
  if (p.maxRedundancy < 1 || p.maxRedundancy > 15) throw bad("max_redundancy must be 1 to 15");
  if (p.maxMatchesPerBlock < 1 || p.maxMatchesPerBlock > 10_000) throw bad("max_matches_per_block must be 1 to 10000");
  if (
    [p.maxDeadlineBlocks, p.commitWindow, p.revealWindow, p.auditWindow, p.retentionBlocks].some(
      (b) => b < 1n || b > 1_000_000n,
    )
  )
    throw bad("deadlines, windows and retention must be 1 to 1000000 blocks");
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
