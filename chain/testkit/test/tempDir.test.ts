import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The test kit's temporary directories (node homes, networks) go when the process that made
// them exits, unless TCOMPUTE_KEEP_TMP=1 asks to keep them.

const moduleUrl = new URL("../tempDir.ts", import.meta.url).href;

function makeInChild(env: NodeJS.ProcessEnv): string {
  const script = `import { testTempDir } from ${JSON.stringify(moduleUrl)};
import { writeFileSync } from "node:fs";
const d = testTempDir("tc-tmpdir-test-");
writeFileSync(d + "/file", "x");
process.stdout.write(d);`;
  return execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, ...env },
    cwd: fileURLToPath(new URL("../../..", import.meta.url)),
  }).toString();
}

describe("testkit temporary directories", () => {
  it("are removed, with their contents, when the process exits", () => {
    const dir = makeInChild({ TCOMPUTE_KEEP_TMP: "" });
    assert.match(dir, /tc-tmpdir-test-/);
    assert.equal(existsSync(dir), false);
  });

  it("are kept when TCOMPUTE_KEEP_TMP=1", () => {
    const dir = makeInChild({ TCOMPUTE_KEEP_TMP: "1" });
    try {
      assert.equal(existsSync(`${dir}/file`), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
