import { findCometbft } from "../abci/binary.js";
import { freePort } from "./nodeProcess.js";

// The consensus engines an end-to-end test runs under: the built-in TypeScript engine, and a
// real CometBFT v0.38 child (skipped, with the reason in the suite title, without the binary).

export interface TestEngine {
  name: "tcompute" | "cometbft";
  /** Appended to a suite title: which engine, and why it is skipped if it is. */
  title: string;
  /** Why the engine cannot run here, or null. */
  missing: string | null;
  /** Extra `tcd start` arguments (a free ABCI port for CometBFT). */
  startArgs(): Promise<string[]>;
}

export function cometbftEngine(): TestEngine {
  const bin = findCometbft();
  const missing = "missing" in bin ? bin.missing : null;
  return {
    name: "cometbft",
    title:
      missing === null
        ? `under CometBFT ${(bin as { version: string }).version}`
        : `under CometBFT (skipped: ${missing})`,
    missing,
    startArgs: async () => ["--engine", "cometbft", "--abci", `tcp://127.0.0.1:${await freePort()}`],
  };
}

export function testEngines(): TestEngine[] {
  return [
    { name: "tcompute", title: "under the TypeScript engine", missing: null, startArgs: async () => [] },
    cometbftEngine(),
  ];
}
