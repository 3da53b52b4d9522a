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
}

export function defaultParams(): JobsParams {
  return { maxInlineInputBytes: 64 * 1024, maxRedundancy: 7, maxMatchesPerBlock: 100, maxDeadlineBlocks: 10_000n, commitWindow: 20n, revealWindow: 20n };
}

export function validateParams(p: JobsParams): void {
  const bad = (m: string) => jobsErrors.invalidParams.wrap(m);
  if (!Number.isSafeInteger(p.maxInlineInputBytes) || p.maxInlineInputBytes < 1 || p.maxInlineInputBytes > 1 << 20) throw bad("max_inline_input_bytes must be 1 to 1 MiB");
  if (p.maxRedundancy < 1 || p.maxRedundancy > 15) throw bad("max_redundancy must be 1 to 15");
  if (p.maxMatchesPerBlock < 1 || p.maxMatchesPerBlock > 10_000) throw bad("max_matches_per_block must be 1 to 10000");
  if (p.maxDeadlineBlocks < 1n || p.commitWindow < 1n || p.revealWindow < 1n) throw bad("deadlines and windows must be positive");
}

export function paramsToPb(p: JobsParams): JobsParamsPb {
  return { maxInlineInputBytes: String(p.maxInlineInputBytes), maxRedundancy: p.maxRedundancy, maxMatchesPerBlock: p.maxMatchesPerBlock, maxDeadlineBlocks: p.maxDeadlineBlocks.toString(), commitWindow: p.commitWindow.toString(), revealWindow: p.revealWindow.toString() };
}

export function paramsFromPb(p: JobsParamsPb): JobsParams {
  return { maxInlineInputBytes: Number(p.maxInlineInputBytes), maxRedundancy: p.maxRedundancy, maxMatchesPerBlock: p.maxMatchesPerBlock, maxDeadlineBlocks: BigInt(p.maxDeadlineBlocks || "0"), commitWindow: BigInt(p.commitWindow || "0"), revealWindow: BigInt(p.revealWindow || "0") };
}

export function readParams(store: KVStore): JobsParams {
  const raw = store.get("jobs/params");
  return raw === undefined ? defaultParams() : paramsFromPb(codecs.params.decode(raw));
}

export function writeParams(store: KVStore, p: JobsParams): void {
  validateParams(p);
  store.set("jobs/params", codecs.params.encode(paramsToPb(p)));
}
