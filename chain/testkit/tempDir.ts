import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Temporary directories for tests and benchmarks, removed when the process exits, so that a
// run of the suite does not leave node homes (hundreds of MB each run) in /tmp.
// TCOMPUTE_KEEP_TMP=1 keeps them for a post-mortem.

const made = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  made.clear();
}

/** mkdtemp under the OS temp directory; the directory is removed at process exit. */
export function testTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.env.TCOMPUTE_KEEP_TMP === "1") return dir;
  made.add(dir);
  if (!hooked) {
    hooked = true;
    process.once("exit", removeAll);
  }
  return dir;
}
