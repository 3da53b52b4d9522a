import type { DriverOptions } from "../driverContext.js";

/**
 * Driver options for tests that drive one driver context by hand (no signer, no WAL): timeouts
 * long enough that no step times out while a test feeds it messages.
 */
export function handDrivenOptions(chainId: string): DriverOptions {
  return {
    chainId,
    initialHeight: 1n,
    timeouts: {
      proposeMs: 1000,
      proposeDeltaMs: 100,
      prevoteMs: 1000,
      prevoteDeltaMs: 100,
      precommitMs: 1000,
      precommitDeltaMs: 100,
    },
    timeoutCommitMs: 100,
    signer: null,
    walPath: null,
  };
}
