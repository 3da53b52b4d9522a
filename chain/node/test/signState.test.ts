import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { nopLogger } from "../../../modules/sdk/context.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { signerErrors } from "../../consensus/privValidator.js";
import { makeTestHome } from "../../testkit/nodeProcess.js";
import { homePaths, loadConfig } from "../../types/nodeConfig.js";
import { createNode } from "../node.js";

// A validator node does not start from a sign state it cannot trust (issue 16, defect 7).
describe("a node with corrupt or stale signer state refuses to start", function () {
  this.timeout(60_000);

  async function homeWithBlocks(): Promise<{ home: string; statePath: string; early: string }> {
    const home = await makeTestHome({ accounts: [] });
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "20ms";
    const statePath = homePaths(home.home).privValidatorState;
    const node = await createNode({ home: home.home, config }, { logger: nopLogger });
    await node.start();
    let early = "";
    while (node.blockStore.height < 4n) {
      if (early === "" && node.blockStore.height >= 1n) early = readFileSync(statePath, "utf8");
      await new Promise((r) => setTimeout(r, 10));
    }
    await node.stop();
    return { home: home.home, statePath, early };
  }

  const start = (home: string) => createNode({ home, config: loadConfig(home) }, { logger: nopLogger });

  it("starts again from the state it wrote itself", async () => {
    const h = await homeWithBlocks();
    const node = await start(h.home);
    await node.start();
    await node.stop();
  });

  it("a NaN round, a missing step, or a truncated file: coded error privval 4 with the way out", async () => {
    const h = await homeWithBlocks();
    const j = JSON.parse(readFileSync(h.statePath, "utf8")) as Record<string, unknown>;
    const { step: _s, ...noStep } = j;
    for (const text of [
      JSON.stringify({ ...j, round: "NaN" }),
      JSON.stringify(noStep),
      readFileSync(h.statePath, "utf8").slice(0, 20),
    ]) {
      writeFileSync(h.statePath, text);
      await assert.rejects(
        start(h.home),
        (e: unknown) => e instanceof CodedError && e.is(signerErrors.corrupt) && /Way out/.test(e.message),
      );
    }
  });

  it("an older copy of the state (height going backwards) or a deleted one: coded error privval 5", async () => {
    const h = await homeWithBlocks();
    writeFileSync(h.statePath, h.early);
    await assert.rejects(
      start(h.home),
      (e: unknown) =>
        e instanceof CodedError &&
        e.is(signerErrors.behind) &&
        /height going backwards/.test(e.message) &&
        /Way out/.test(e.message),
    );
    writeFileSync(h.statePath, JSON.stringify({ height: "0", round: 0, step: 0, signature: "", signbytes: "" }));
    await assert.rejects(start(h.home), (e: unknown) => e instanceof CodedError && e.is(signerErrors.behind));
    rmSync(h.statePath);
    await assert.rejects(start(h.home), (e: unknown) => e instanceof CodedError && e.is(signerErrors.behind));
  });
});
