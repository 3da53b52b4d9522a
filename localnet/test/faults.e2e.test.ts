import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortBlock } from "../../chain/testkit/nodeProcess.js";
import { runTcd, tcdBin } from "../../chain/testkit/tcd.js";
import { until } from "../../chain/testkit/wait.js";

const run = (args: string[]) => runTcd(args);
const waitFor = (cond: () => Promise<boolean> | boolean, what: string, ms = 60_000) => until(cond, ms, what, 250);

// Issue 16, "Localnet under faults": a validator that dies is reported with its signal and the
// other nodes go on; `tcd localnet kill|restart|pause|resume|disconnect|reconnect <node>` perturb a running
// localnet, and the restarted, resumed or reconnected node catches up.

const tcd = tcdBin;

describe("a localnet under faults (e2e: 4 validators, one perturbed at a time)", function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), "tcd-faults-"));
  let up: ChildProcess;
  let out = "";
  let port = 0;

  /** A node's height from its RPC, or -1 when it does not answer. */
  async function height(i: number): Promise<number> {
    try {
      const r = await fetch(`http://127.0.0.1:${port + 10 * i}/status`, { signal: AbortSignal.timeout(1500) });
      const j = (await r.json()) as { result: { sync_info: { latest_block_height: string } } };
      return Number(j.result.sync_info.latest_block_height);
    } catch {
      return -1;
    }
  }
  const others = (skip: number) => [0, 1, 2, 3].filter((i) => i !== skip);
  /** The nodes other than `skip` all make `more` blocks. */
  async function othersGoOn(skip: number, more = 3): Promise<void> {
    const from = Math.max(...(await Promise.all(others(skip).map(height))));
    await waitFor(
      async () => (await Promise.all(others(skip).map(height))).every((h) => h >= from + more),
      `nodes other than node${skip} to make ${more} blocks after ${from}`,
    );
  }
  async function catchesUp(i: number): Promise<void> {
    const target = Math.max(...(await Promise.all(others(i).map(height))));
    await waitFor(async () => (await height(i)) >= target, `node${i} to catch up to height ${target}`, 120_000);
  }
  async function localnet(...args: string[]): Promise<string> {
    const r = await run(["localnet", ...args, "--dir", dir]);
    assert.equal(r.code, 0, `tcd localnet ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  }

  before(async () => {
    port = await freePortBlock(40); // 4 nodes, 10 ports each
    up = spawn(
      process.execPath,
      [
        tcd,
        "localnet",
        "up",
        "--dir",
        dir,
        "--rpc-port",
        String(port),
        "--validators",
        "4",
        "--workers",
        "0",
        "--no-demo",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    up.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    up.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    await waitFor(() => /is running/.test(out) || up.exitCode !== null, "the localnet to start", 120_000);
    assert.equal(up.exitCode, null, out);
    await waitFor(async () => (await height(0)) >= 2, "the first blocks");
  });

  after(async () => {
    if (up !== undefined && up.exitCode === null && up.signalCode === null) {
      up.kill("SIGINT");
      await new Promise((r) => up.once("exit", r));
    }
  });

  it("a SIGKILLed validator is reported with its signal; the rest go on; restarted, it catches up", async () => {
    assert.match(await localnet("kill", "node1"), /node1 killed by SIGKILL/);
    await waitFor(() => /node1 died: killed by SIGKILL; the other nodes go on/.test(out), "the death report");
    assert.equal(up.exitCode, null, "the localnet keeps running");
    await othersGoOn(1);
    assert.match(await localnet("status"), /node1 dead \(killed by SIGKILL\)/);
    assert.equal(await height(1), -1, "node1 is down");
    assert.match(await localnet("restart", "node1"), /node1 restarted \(was killed by SIGKILL\)/);
    await catchesUp(1);
    await othersGoOn(-1);
  });

  it("pause and resume (SIGSTOP, SIGCONT): the rest go on, the resumed node catches up", async () => {
    assert.match(await localnet("pause", "node2"), /node2 paused/);
    await othersGoOn(2);
    assert.match(await localnet("status"), /node2 paused/);
    assert.match(await localnet("resume", "node2"), /node2 resumed/);
    await catchesUp(2);
  });

  it("disconnect: the node drops and refuses its peers until reconnected, then catches up", async () => {
    // A window far longer than the check needs, so a slow machine cannot reach its end while the
    // others make their blocks; `reconnect` ends it.
    assert.match(
      await localnet("disconnect", "node3", "--seconds", "600"),
      /node3 disconnected from its peers for 600 s/,
    );
    const stuckAt = await height(3);
    await othersGoOn(3);
    // A block already received when the peers were dropped may still be applied; after that it
    // stays behind the others until it reconnects.
    const h3 = await height(3);
    const top = Math.max(...(await Promise.all(others(3).map(height))));
    assert.ok(
      h3 <= stuckAt + 2 && h3 < top,
      `node3 made no progress while disconnected (node3 ${stuckAt} → ${h3}, the others at ${top})`,
    );
    assert.match(await localnet("status"), /node3 h=[0-9]+ disconnected/);
    assert.match(await localnet("reconnect", "node3"), /node3 reconnected to its peers/);
    assert.doesNotMatch(await localnet("status"), /node3 h=[0-9]+ disconnected/);
    await catchesUp(3);
    await othersGoOn(-1);
  });

  it("refuses perturbations of nodes that do not exist or are not running, with a clear error", async () => {
    const r = await run(["localnet", "kill", "node9", "--dir", dir]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /node9: this localnet has node0 to node3/);
    const bad = await run(["localnet", "resume", "banana", "--dir", dir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /name a node as node0/);
  });

  it("Ctrl-C stops every node and the supervisor", async () => {
    up.kill("SIGINT");
    await new Promise((r) => up.once("exit", r));
    assert.match(out, /localnet stopped/);
    assert.doesNotMatch(out, /a node exited/);
    for (let i = 0; i < 4; i++) assert.equal(existsSync(join(dir, `node${i}.pid`)), false);
    assert.equal(existsSync(join(dir, "supervisor.json")), false);
    const r = await run(["localnet", "status", "--dir", dir]);
    assert.match(r.stderr, /no running `tcd localnet up`/);
  });
});

describe("a localnet interrupted while it starts (e2e)", function () {
  this.timeout(180_000);

  it("Ctrl-C between two nodes' starts stops the nodes already running and exits, leaving no orphan", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tcd-interrupted-"));
    const port = await freePortBlock(40);
    const up = spawn(
      process.execPath,
      [tcd, "localnet", "up", "--dir", dir, "--rpc-port", String(port), "--validators", "4", "--workers", "0"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    up.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    up.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    // node0 serves; the others start one after the other: interrupt now.
    await waitFor(() => /\[node0\] RPC listening/.test(out) || up.exitCode !== null, "node0 to serve", 120_000);
    assert.equal(/is running/.test(out), false, "interrupted before every node was up");
    const exited = new Promise<number | null>((r) => up.once("exit", (code) => r(code)));
    up.kill("SIGINT");
    await exited;
    assert.match(out, /localnet stopped/, out);
    // No process of this localnet is left (each node's command line names its home in `dir`).
    const left = readdirSync("/proc")
      .filter((d) => /^[0-9]+$/.test(d))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
        } catch {
          return false;
        }
      });
    assert.deepEqual(left, [], `processes of ${dir} left running:\n${out}`);
  });
});
