// npm run sim -- [--seeds N] [--from S] [--seed S] [--mode classic|twins|mixed] [--stop] [--seconds T] [--verbose]
// Runs the consensus simulator over many seeded scenarios; prints any failing seed, which
// replays identically with --seed.
import { runSimulation, scenarioFor, type ScenarioMode, type SimResult } from "./simulator.js";

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

const single = arg("seed");
const from = arg("from") ?? 1;
const count = single !== undefined ? 1 : (arg("seeds") ?? 500);
const verbose = process.argv.includes("--verbose");
const modeIndex = process.argv.indexOf("--mode");
const mode = (modeIndex >= 0 ? process.argv[modeIndex + 1] : "mixed") as ScenarioMode;
if (mode !== "classic" && mode !== "twins" && mode !== "mixed")
  throw new Error(`--mode: classic, twins or mixed, not ${mode}`);
/** Stop at the first failing seed (sim:mutants), or after this many seconds. */
const stop = process.argv.includes("--stop");
const seconds = arg("seconds") ?? Infinity;
const failures: SimResult[] = [];
let heights = 0;
let rounds = 0;
let messages = 0;
let evidenceCases = 0;
let evidenceFound = 0;
const started = performance.now();
let ran = 0;
for (let i = 0; i < count; i++) {
  if ((stop && failures.length > 0) || (performance.now() - started) / 1000 > seconds) break;
  ran++;
  const seed = single ?? from + i;
  const scenario = scenarioFor(seed, mode);
  const r = runSimulation(scenario);
  heights += r.decidedHeights;
  rounds += r.roundsPerHeight * r.decidedHeights;
  messages += r.messages;
  const missing = r.detectedEquivocators.filter((e) => !r.evidenceIncluded.includes(e));
  if (r.detectedEquivocators.length > 0) {
    evidenceCases++;
    if (missing.length === 0) evidenceFound++;
  }
  if (verbose || single !== undefined)
    process.stdout.write(`${JSON.stringify({ ...r, scenario: { ...scenario, byzantine: scenario.byzantine } })}\n`);
  if (!r.safe || !r.live || missing.length > 0) {
    failures.push(r);
    process.stdout.write(
      `FAIL seed ${seed}: safe=${r.safe} live=${r.live} heights=${r.decidedHeights} missing evidence=${missing.join(",")} ${r.violation}\n  replay: npm run sim -- --seed ${seed}\n`,
    );
  }
}
const secs = (performance.now() - started) / 1000;
process.stdout.write(
  `${ran} ${mode} seeds in ${secs.toFixed(1)} s (${(ran / secs).toFixed(0)} seeds/s): ${ran - failures.length} passed, ${failures.length} failed; ` +
    `${heights} heights decided, ${(rounds / Math.max(1, heights)).toFixed(2)} rounds per height, ` +
    `${messages} messages; seen equivocation reached a block in ${evidenceFound} of ${evidenceCases} runs\n`,
);
process.exitCode = failures.length > 0 ? 1 : 0;
