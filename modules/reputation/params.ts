import { reputationErrors } from "./errors.js";
import { scoreOne, type ReputationParams } from "./types.js";

export function defaultParams(): ReputationParams {
  return {
    neutral: 500_000,
    gainAgree: 20_000,
    lossDisagree: 100_000,
    lossNoShow: 50_000,
    gainAuditPass: 30_000,
    lossAuditFail: 300_000,
    decayIntervalBlocks: "1000",
    decayRate: 100_000,
    maxConsecutiveFaults: 3,
    // A fifth of a no-show's loss: a provider that declines often is matched less often, and
    // one that declines to leave a lone result without a majority (sending the job to audit)
    // pays for each such decline. Not a fault: an honest worker short of memory is not jailed.
    lossDecline: 10_000,
  };
}

export function validateParams(p: ReputationParams): void {
  const bad = (m: string) => reputationErrors.invalidRequest.wrap(`reputation: ${m}`);
  for (const [k, v] of Object.entries(p)) {
    if (k === "decayIntervalBlocks") continue;
    if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > scoreOne)
      throw bad(`${k} must be an integer between 0 and ${scoreOne}`);
  }
  if (!/^[1-9][0-9]{0,15}$/.test(p.decayIntervalBlocks)) throw bad("decay_interval_blocks must be a positive integer");
  if (p.maxConsecutiveFaults < 1) throw bad("max_consecutive_faults must be positive");
}
