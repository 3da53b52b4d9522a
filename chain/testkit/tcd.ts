import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, and the `tcd` command in it. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const tcdBin = join(repoRoot, "cmd", "tcd", "tcd.mjs");

export interface TcdResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tcd args` to its exit, with `stdin` as its standard input and `env` added. */
export function runTcd(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<TcdResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tcdBin, ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(opts.stdin ?? "");
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
