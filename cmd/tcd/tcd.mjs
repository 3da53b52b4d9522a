#!/usr/bin/env node
// The `tcd` command: loads the TypeScript sources through tsx, then runs the CLI. `tcd localnet
// up` runs from the bundle of the CLI instead (built first if need be, by a short-lived child
// that has tsx), like the localnet's nodes and workers: no TypeScript loader in any of its
// processes (docs/performance.md, issue 17 step 3). --no-bundle runs it from the sources.
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const entry = localnetBundle(process.argv.slice(2));
if (entry !== null) {
  await import(pathToFileURL(entry).href);
} else {
  (await import("tsx/esm/api")).register();
  await import("./main.ts");
}

/** The bundle's entry for `localnet up` (null: run from the sources). */
function localnetBundle(args) {
  if (args[0] !== "localnet" || args[1] !== "up" || args.includes("--no-bundle")) return null;
  try {
    const out = execFileSync(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), fileURLToPath(new URL("../../localnet/bundleMain.ts", import.meta.url))],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    return out.trim().split("\n").pop() || null;
  } catch {
    process.stderr.write("localnet: the tcd bundle could not be built; running from the sources\n");
    return null;
  }
}
