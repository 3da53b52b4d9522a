// npm run sim:mutants -- [--only name,name] [--seconds T] [--seeds N]
// Applies each named mutant (mutants.ts) to a scratch copy of the repository and runs the
// simulator on it until a seed fails (killed) or the budget runs out (survived). Exits non-zero
// if any mutant survives or an anchor is stale.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mutants, mutate, removeScratch, scratchCopy } from "./mutants.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const only = arg("only")?.split(",");
const seconds = Number(arg("seconds") ?? 120);
const seeds = Number(arg("seeds") ?? 1_000_000);
const list = mutants.filter((m) => only === undefined || only.includes(m.name));
if (only !== undefined && list.length !== only.length) throw new Error(`unknown mutant in --only ${only.join(",")}`);

// Every anchor first: a stale mutant fails before anything runs.
for (const m of list) mutate(readFileSync(join(root, m.file), "utf8"), m);

const rows: string[] = [];
let survived = 0;
const pad = (s: string, n: number) => s.padEnd(n);
process.stdout.write(`${pad("mutant", 26)} ${pad("result", 9)} ${pad("seed", 8)} ${pad("seeds run", 10)} time\n`);
for (const m of list) {
  const dir = scratchCopy(root, m);
  const started = performance.now();
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "chain/consensus/sim/cli.ts"), "--mode", "mixed", "--seeds", String(seeds), "--stop", "--seconds", String(seconds)], {
      cwd: dir,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const secs = (performance.now() - started) / 1000;
    const fail = /FAIL seed (\d+): (.*)/.exec(r.stdout);
    const ran = /(\d+) mixed seeds in/.exec(r.stdout)?.[1] ?? "?";
    const killed = r.status === 1 && fail !== null;
    if (!killed) survived++;
    const why = fail === null ? (r.status !== 0 && r.status !== 1 ? `crashed: ${r.stderr.slice(0, 300)}` : "") : fail[2]!.slice(0, 90);
    const row = `${pad(m.name, 26)} ${pad(killed ? "killed" : "SURVIVED", 9)} ${pad(fail?.[1] ?? "-", 8)} ${pad(ran, 10)} ${secs.toFixed(1)} s  ${why}`;
    rows.push(row);
    process.stdout.write(`${row}\n`);
  } finally {
    removeScratch(dir);
  }
}
process.stdout.write(`${list.length - survived} of ${list.length} mutants killed\n`);
process.exitCode = survived > 0 ? 1 : 0;
