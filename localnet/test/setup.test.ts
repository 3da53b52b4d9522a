import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../chain/types/nodeConfig.js";
import { localnetTimeoutCommit, nodeHome, setupLocalnet, startLocalnet } from "../localnet.js";

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

describe("localnet start: a node that never serves", function () {
  this.timeout(60_000);
  let dir = "";
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "tcd-localnet-hang-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("fails with localnet code 3 after nodeStartTimeoutMs and stops it, instead of waiting forever", async () => {
    await setupLocalnet({ dir, validators: 1, rpcPort: 36757, reset: false });
    // A "node" that stays alive and silent, as one did whose REST port was taken.
    const marker = `tcd-hang-${process.pid}-${Date.now()}`;
    const lines: string[] = [];
    await assert.rejects(
      startLocalnet(
        {
          dir,
          validators: 1,
          rpcPort: 36757,
          reset: false,
          nodeStartTimeoutMs: 1500,
          tcd: ["-e", `setInterval(() => {}, 1000) // ${marker}`],
        },
        (l) => lines.push(l),
      ),
      (e: Error & { code?: number; codespace?: string }) => {
        assert.equal(e.codespace, "localnet");
        assert.match(e.message, /node0 did not serve RPC within 1500 ms/);
        assert.equal(e.code, 3);
        return true;
      },
    );
    assert.equal(existsSync(join(dir, "node0.pid")), false, "its pid file is gone with it");
    const alive = readdirSync("/proc")
      .filter((d) => /^[0-9]+$/.test(d))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
        } catch {
          return false;
        }
      });
    assert.deepEqual(alive, [], "the silent process was stopped");
    assert.deepEqual(
      lines.filter((l) => /died/.test(l)),
      [],
      "a stop on purpose is not reported as a death",
    );
  });
});
