// npm run sim:mutants -- [--only name,name] [--seconds T] [--seeds N] [--mode all|driver|mixed]
// npm run sim:mutants -- --driver [--only name,name] [--killers]
// Applies each named mutant (mutants.ts) to a scratch copy of the repository and runs the
// simulator on it until a seed fails (killed) or the budget runs out (survived). The core's
// mutants run `--mode all` by default (the real drivers, and the pure core's Twins seeds); with
// --driver, the driver's mutants, run `--mode driver` (the real drivers only). --killers runs
// the driver's mutants against their in-process attack tests instead (chain/testkit networks of
// real nodes, which must fail on the mutant after passing on the real code).
// Exits non-zero if any mutant survives or an anchor is stale.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  driverMutants,
  mutants,
  mutate,
  removeScratch,
  scratchCopy,
  type DriverMutant,
  type Mutant,
} from "./mutants.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const only = arg("only")?.split(",");
const seconds = Number(arg("seconds") ?? 120);
const seeds = Number(arg("seeds") ?? 1_000_000);
const modeArg = process.argv.indexOf("--mode");
if (process.argv.includes("--driver") && process.argv.includes("--killers")) runDriverMutants();
else if (process.argv.includes("--driver"))
  runSimMutants(driverMutants, modeArg >= 0 ? process.argv[modeArg + 1]! : "driver");
else runSimMutants(mutants, modeArg >= 0 ? process.argv[modeArg + 1]! : "all");

function runSimMutants(all: readonly Mutant[], mode: string): void {
  const list = all.filter((m) => only === undefined || only.includes(m.name));
  if (only !== undefined && list.length !== only.length) throw new Error(`unknown mutant in --only ${only.join(",")}`);

  // Every anchor first: a stale mutant fails before anything runs.
  for (const m of list) mutate(readFileSync(join(root, m.file), "utf8"), m);

  const rows: string[] = [];
  let survived = 0;
  const pad = (s: string, n: number) => s.padEnd(n);
  process.stdout.write(
    `${pad("mutant", 26)} ${pad("result", 9)} ${pad("killed by", 14)} ${pad("seeds run", 10)} time\n`,
  );
  for (const m of list) {
    const dir = scratchCopy(root, m);
    const started = performance.now();
    try {
      const r = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(dir, "chain/consensus/sim/cli.ts"),
          "--mode",
          mode,
          "--seeds",
          String(seeds),
          "--stop",
          "--seconds",
          String(seconds),
        ],
        {
          cwd: dir,
          encoding: "utf8",
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const secs = (performance.now() - started) / 1000;
      const fail = /FAIL (\S+) seed (\d+): (.*)/.exec(r.stdout);
      const ran = [...r.stdout.matchAll(/(\d+) (\w+) seeds in/g)].map((x) => `${x[1]} ${x[2]}`).join(", ") || "?";
      const killed = r.status === 1 && fail !== null;
      if (!killed) survived++;
      const why =
        fail === null
          ? r.status !== 0 && r.status !== 1
            ? `crashed: ${r.stderr.slice(0, 300)}`
            : ""
          : fail[3]!.slice(0, 110);
      const by = fail === null ? "-" : `${fail[1]} ${fail[2]}`;
      const row = `${pad(m.name, 26)} ${pad(killed ? "killed" : "SURVIVED", 9)} ${pad(by, 14)} ${pad(ran, 10)} ${secs.toFixed(1)} s  ${why}`;
      rows.push(row);
      process.stdout.write(`${row}\n`);
    } finally {
      removeScratch(dir);
    }
  }
  process.stdout.write(`${list.length - survived} of ${list.length} mutants killed\n`);
  process.exitCode = survived > 0 ? 1 : 0;
}

/** Runs a driver mutant's killers (mocha, in the scratch copy); true if they all pass. */
function killersPass(dir: string, m: DriverMutant): { pass: boolean; why: string } {
  for (const k of m.killers) {
    const r = spawnSync(
      process.execPath,
      [
        join(dir, "node_modules/mocha/bin/mocha.js"),
        "--no-config",
        "--node-option",
        "import=tsx",
        "--timeout",
        "90000",
        "--exit",
        ...(k.grep === undefined ? [] : ["--grep", k.grep]),
        join(dir, k.file),
      ],
      {
        cwd: dir,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      },
    );
    const passing = /(\d+) passing/.exec(r.stdout)?.[1] ?? "0";
    if (r.status !== 0 || passing === "0") {
      // The first failure's message, from mocha's report after "N failing".
      const report = r.stdout.slice(Math.max(0, r.stdout.lastIndexOf(" failing")));
      const failure = /1\) [^\n]*\n[^\n]*\n\s+([^\n]+)/.exec(report)?.[1] ?? r.stderr.slice(0, 120);
      return { pass: false, why: `${k.file.split("/").pop()}: ${failure.trim().slice(0, 90)}` };
    }
  }
  return { pass: true, why: "" };
}

function runDriverMutants(): void {
  const list = driverMutants.filter((m) => only === undefined || only.includes(m.name));
  if (only !== undefined && list.length !== only.length)
    throw new Error(`unknown driver mutant in --only ${only.join(",")}`);
  for (const m of list) mutate(readFileSync(join(root, m.file), "utf8"), m);
  const pad = (s: string, n: number) => s.padEnd(n);
  // The killers pass on the real code first: a killer that fails anyway kills nothing.
  const baseline = [...new Map(list.flatMap((m) => m.killers).map((k) => [`${k.file}/${k.grep ?? ""}`, k])).values()];
  const b = killersPass(root, { ...list[0]!, killers: baseline });
  if (!b.pass) {
    process.stdout.write(`the killers fail on the real code: ${b.why}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${pad("driver mutant", 28)} ${pad("result", 9)} ${pad("time", 8)} killed by\n`);
  let survived = 0;
  for (const m of list) {
    const dir = scratchCopy(root, m);
    const started = performance.now();
    try {
      const r = killersPass(dir, m);
      if (r.pass) survived++;
      const secs = (performance.now() - started) / 1000;
      process.stdout.write(
        `${pad(m.name, 28)} ${pad(r.pass ? "SURVIVED" : "killed", 9)} ${pad(`${secs.toFixed(1)} s`, 8)} ${r.why}\n`,
      );
    } finally {
      removeScratch(dir);
    }
  }
  process.stdout.write(`${list.length - survived} of ${list.length} driver mutants killed\n`);
  process.exitCode = survived > 0 ? 1 : 0;
}
