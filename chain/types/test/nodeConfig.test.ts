import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodedError } from "../../../modules/sdk/errors.js";
import { configErrors, configPath, defaultConfig, loadConfig, validateConfig, type NodeConfig } from "../nodeConfig.js";

function refused(c: NodeConfig, re: RegExp): void {
  assert.throws(
    () => validateConfig(c),
    (e: unknown) => e instanceof CodedError && e.is(configErrors.invalid) && re.test(e.message),
  );
}

describe("node config: the mempool's pending-check shares", () => {
  it("defaults: 5,000 places, 2,500 per peer, 1,000 for clients only; valid", () => {
    const c = defaultConfig("x");
    assert.equal(c.mempool.max_pending_checks, 5_000);
    assert.equal(c.mempool.max_pending_checks_per_peer, 2_500);
    assert.equal(c.mempool.rpc_reserved_pending_checks, 1_000);
    assert.doesNotThrow(() => validateConfig(c));
  });

  it("refuses bad values", () => {
    const bad: Array<[Partial<NodeConfig["mempool"]>, RegExp]> = [
      [{ max_pending_checks_per_peer: 0 }, /max_pending_checks_per_peer must be a positive integer/],
      [{ max_pending_checks_per_peer: -3 }, /max_pending_checks_per_peer must be a positive integer/],
      [{ max_pending_checks_per_peer: 1.5 }, /max_pending_checks_per_peer must be a positive integer/],
      [{ rpc_reserved_pending_checks: -1 }, /rpc_reserved_pending_checks must be a non-negative integer/],
      [{ rpc_reserved_pending_checks: 0.5 }, /rpc_reserved_pending_checks must be a non-negative integer/],
      // Every place for clients: no peer's tx could ever be checked.
      [{ rpc_reserved_pending_checks: 5_000 }, /must be below max_pending_checks/],
      // More for one peer than all peers may hold.
      [
        { max_pending_checks_per_peer: 4_001 },
        /must be at most max_pending_checks - rpc_reserved_pending_checks \(4000\)/,
      ],
      // A smaller bound without smaller shares.
      [{ max_pending_checks: 1_000 }, /must be below max_pending_checks/],
    ];
    for (const [m, re] of bad) {
      const c = defaultConfig("x");
      Object.assign(c.mempool, m);
      refused(c, re);
    }
  });

  it("accepts a reserve of 0 and shares that fit", () => {
    const c = defaultConfig("x");
    Object.assign(c.mempool, {
      max_pending_checks: 1_000,
      max_pending_checks_per_peer: 1_000,
      rpc_reserved_pending_checks: 0,
    });
    assert.doesNotThrow(() => validateConfig(c));
    Object.assign(c.mempool, { max_pending_checks_per_peer: 400, rpc_reserved_pending_checks: 600 });
    assert.doesNotThrow(() => validateConfig(c));
  });

  it("reads them from config/tcd.json, and refuses a file with a bad one", () => {
    const home = mkdtempSync(join(tmpdir(), "tcd-config-"));
    try {
      mkdirSync(join(home, "config"), { recursive: true });
      writeFileSync(
        configPath(home),
        JSON.stringify({ mempool: { max_pending_checks_per_peer: 100, rpc_reserved_pending_checks: 50 } }),
      );
      const c = loadConfig(home);
      assert.equal(c.mempool.max_pending_checks_per_peer, 100);
      assert.equal(c.mempool.rpc_reserved_pending_checks, 50);
      writeFileSync(configPath(home), JSON.stringify({ mempool: { max_pending_checks_per_peer: "many" } }));
      assert.throws(() => loadConfig(home), /max_pending_checks_per_peer must be a number/);
      writeFileSync(configPath(home), JSON.stringify({ mempool: { rpc_reserved_pending_checks: 9_999 } }));
      assert.throws(() => loadConfig(home), /must be below max_pending_checks/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("derives the shares a file does not set from its max_pending_checks", () => {
    const home = mkdtempSync(join(tmpdir(), "tcd-config-"));
    try {
      mkdirSync(join(home, "config"), { recursive: true });
      // A file written before the shares existed, or one that lowers only the bound.
      writeFileSync(configPath(home), JSON.stringify({ mempool: { max_pending_checks: 1_000 } }));
      let c = loadConfig(home);
      assert.equal(c.mempool.max_pending_checks_per_peer, 500);
      assert.equal(c.mempool.rpc_reserved_pending_checks, 200);
      writeFileSync(configPath(home), JSON.stringify({ mempool: { max_pending_checks: 1 } }));
      c = loadConfig(home);
      assert.equal(c.mempool.max_pending_checks_per_peer, 1);
      assert.equal(c.mempool.rpc_reserved_pending_checks, 0);
      // A share the file does set is kept, and judged against the bound.
      writeFileSync(
        configPath(home),
        JSON.stringify({ mempool: { max_pending_checks: 1_000, max_pending_checks_per_peer: 900 } }),
      );
      assert.throws(() => loadConfig(home), /must be at most max_pending_checks - rpc_reserved_pending_checks \(800\)/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
