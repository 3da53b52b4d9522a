import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate, generatedDir } from "../../../proto/generate.js";

describe("generated proto types and codecs", () => {
  it("are what `npm run proto:gen` makes of proto/**/*.proto (regenerate and commit after editing a .proto)", function () {
    this.timeout(120_000);
    const tmp = mkdtempSync(join(tmpdir(), "tc-proto-check-"));
    try {
      generate(tmp);
      for (const f of ["protos.js", "protos.d.ts"]) {
        const fresh = readFileSync(join(tmp, f), "utf8");
        const committed = readFileSync(join(generatedDir, f), "utf8");
        assert.ok(fresh === committed, `modules/sdk/generated/${f} is stale: run npm run proto:gen`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
