import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../chain/types/nodeConfig.js";
import { localnetTimeoutCommit, nodeHome, setupLocalnet } from "../localnet.js";

describe("localnet setup: the block interval", function () {
  this.timeout(60_000);
  let dir = "";
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "tcd-localnet-setup-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const opts = (extra: { timeoutCommit?: string } = {}) => ({
    dir,
    validators: 2,
    rpcPort: 36657,
    reset: false,
    ...extra,
  });

  it("writes the localnet's timeout_commit into every node, and a given one into an existing localnet", async () => {
    await setupLocalnet(opts());
    for (const i of [0, 1]) assert.equal(loadConfig(nodeHome(dir, i)).consensus.timeout_commit, localnetTimeoutCommit);
    await setupLocalnet(opts({ timeoutCommit: "300ms" }));
    for (const i of [0, 1]) assert.equal(loadConfig(nodeHome(dir, i)).consensus.timeout_commit, "300ms");
    await setupLocalnet(opts());
    assert.equal(loadConfig(nodeHome(dir, 0)).consensus.timeout_commit, "300ms", "kept when not given");
  });

  it("refuses a bad or zero --timeout-commit", async () => {
    await assert.rejects(setupLocalnet(opts({ timeoutCommit: "soon" })), /invalid duration/);
    await assert.rejects(setupLocalnet(opts({ timeoutCommit: "0s" })), /must be positive/);
  });
});
