// node --import tsx localnet/bundleMain.ts: builds the tcd bundle if it is missing or stale and
// prints the script to run (cmd/tcd/tcd.mjs runs `localnet up` from it, so that the supervisor
// too runs without the TypeScript loader). Messages go to stderr; exits non-zero on failure.
import { relative } from "node:path";
import { ensureTcdBundle } from "./bundle.js";
import { repoRoot } from "./localnet.js";

const b = await ensureTcdBundle({ root: repoRoot });
if (b.built) process.stderr.write(`localnet: built ${relative(repoRoot, b.entry)} (the localnet runs from it)\n`);
process.stdout.write(`${b.entry}\n`);
