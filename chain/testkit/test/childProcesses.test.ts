import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

// Nodes that the test kit starts die with the process that started them, whether it exits or is
// stopped by a signal (a benchmark interrupted with Ctrl-C left four validators running).

const moduleUrl = new URL("../childProcesses.ts", import.meta.url).href;
const root = fileURLToPath(new URL("../../..", import.meta.url));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}

/** A parent that starts a sleeping grandchild through killWithParent, prints its pid, then `then`. */
function startParent(then: "exit" | "wait"): Promise<{ parent: ReturnType<typeof spawn>; childPid: number }> {
  const script = `import { killWithParent } from ${JSON.stringify(moduleUrl)};
import { spawn } from "node:child_process";
const c = killWithParent(spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }));
process.stdout.write(String(c.pid) + "\\n");
${then === "exit" ? "setTimeout(() => process.exit(0), 200);" : "setInterval(() => {}, 1000);"}`;
  const parent = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    parent.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m !== null) resolve({ parent, childPid: Number(m[1]) });
    });
    parent.once("exit", (code) => {
      if (!/^\d+\n/.test(out)) reject(new Error(`parent exited (${code}) before starting its child`));
    });
  });
}

describe("testkit child processes", () => {
  it("are killed when the parent exits", async () => {
    const { childPid } = await startParent("exit");
    assert.equal(await waitGone(childPid), true, "the child outlived its parent");
  });

  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    it(`are killed when the parent is stopped by ${sig}`, async () => {
      const { parent, childPid } = await startParent("wait");
      const exited = new Promise<number | null>((r) => parent.once("exit", (code) => r(code)));
      parent.kill(sig);
      assert.equal(await exited, sig === "SIGTERM" ? 143 : 130);
      assert.equal(await waitGone(childPid), true, "the child outlived its parent");
    });
  }
});
