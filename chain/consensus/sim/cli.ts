// npm run sim -- [--seeds N] [--from S] [--seed S] [--mode driver|all|classic|twins|mixed] [--stop] [--seconds T] [--verbose]
// Runs the consensus simulator over many seeded scenarios; prints any failing seed, which
// replays identically with --seed. `driver` (the default) runs the real consensus drivers
// (driverSim.ts); `classic`, `twins` and `mixed` the pure core (simulator.ts, much faster);
// `all` interleaves driver seeds with mixed core seeds (four times the time on the core's).
import { driverScenarioFromSeed, runDriverSimulation } from "./driverSim.js";
import { runSimulation, scenarioFor, type ScenarioMode } from "./simulator.js";

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

type Mode = ScenarioMode | "driver" | "all";
const single = arg("seed");
const from = arg("from") ?? 1;
const count = single !== undefined ? 1 : (arg("seeds") ?? 200);
const verbose = process.argv.includes("--verbose");
const modeIndex = process.argv.indexOf("--mode");
const mode = (modeIndex >= 0 ? process.argv[modeIndex + 1] : "driver") as Mode;
if (!["classic", "twins", "mixed", "driver", "all"].includes(mode))
  throw new Error(`--mode: driver, all, classic, twins or mixed, not ${mode}`);
/** Stop at the first failing seed (sim:mutants), or after this many seconds. */
const stop = process.argv.includes("--stop");
const seconds = arg("seconds") ?? Infinity;

interface Tally {
  ran: number;
  failed: number;
  heights: number;
  rounds: number;
  messages: number;
  evidenceCases: number;
  evidenceFound: number;
}
const tally = (): Tally => ({
  ran: 0,
  failed: 0,
  heights: 0,
  rounds: 0,
  messages: 0,
  evidenceCases: 0,
  evidenceFound: 0,
});
const core = tally();
const driver = tally();
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;

function fail(kind: string, seed: number, line: string, replayMode: string): void {
  process.stdout.write(
    `FAIL ${kind} seed ${seed}: ${line}\n  replay: npm run sim -- --mode ${replayMode} --seed ${seed}\n`,
  );
}

function runCore(seed: number, m: ScenarioMode): void {
  const scenario = scenarioFor(seed, m);
  const r = runSimulation(scenario);
  core.ran++;
  core.heights += r.decidedHeights;
  core.rounds += r.roundsPerHeight * r.decidedHeights;
  core.messages += r.messages;
  const missing = r.detectedEquivocators.filter((e) => !r.evidenceIncluded.includes(e));
  if (r.detectedEquivocators.length > 0) {
    core.evidenceCases++;
    if (missing.length === 0) core.evidenceFound++;
  }
  if (verbose || single !== undefined) process.stdout.write(`${JSON.stringify({ ...r, scenario })}\n`);
  if (!r.safe || !r.live || missing.length > 0) {
    core.failed++;
    fail(
      m,
      seed,
      `safe=${r.safe} live=${r.live} heights=${r.decidedHeights} missing evidence=${missing.join(",")} ${r.violation}`,
      m,
    );
  }
}

async function runDriver(seed: number): Promise<void> {
  const scenario = driverScenarioFromSeed(seed);
  const r = await runDriverSimulation(scenario);
  driver.ran++;
  driver.heights += r.decidedHeights;
  driver.rounds += r.roundsPerHeight * r.decidedHeights;
  driver.messages += r.messages;
  if (verbose || single !== undefined) process.stdout.write(`${JSON.stringify({ ...r, scenario })}\n`);
  if (!r.safe || !r.live) {
    driver.failed++;
    fail("driver", seed, `safe=${r.safe} live=${r.live} heights=${r.decidedHeights} ${r.violation}`, "driver");
  }
}

let nextCore = from;
for (let i = 0; i < count; i++) {
  if ((stop && core.failed + driver.failed > 0) || elapsed() > seconds) break;
  const seed = single ?? from + i;
  if (mode === "driver") await runDriver(seed);
  else if (mode === "all") {
    // One driver seed, then core seeds for four times its time (the core's seeds are ~50x
    // cheaper, and its lock attacks need thousands of them): each seed still replays alone.
    const t0 = performance.now();
    await runDriver(seed);
    const until = performance.now() + 4 * (performance.now() - t0);
    while (performance.now() < until && !(stop && core.failed + driver.failed > 0)) runCore(nextCore++, "mixed");
  } else runCore(seed, mode);
}
const secs = elapsed();
const summary = (name: string, t: Tally) =>
  `${t.ran} ${name} seeds in ${secs.toFixed(1)} s (${(t.ran / secs).toFixed(t.ran / secs < 10 ? 1 : 0)} seeds/s): ${t.ran - t.failed} passed, ${t.failed} failed; ` +
  `${t.heights} heights decided, ${(t.rounds / Math.max(1, t.heights)).toFixed(2)} rounds per height, ${t.messages} messages` +
  (name === "driver" ? "" : `; seen equivocation reached a block in ${t.evidenceFound} of ${t.evidenceCases} runs`);
if (driver.ran > 0) process.stdout.write(`${summary("driver", driver)}\n`);
if (core.ran > 0) process.stdout.write(`${summary(mode === "all" ? "mixed" : mode, core)}\n`);
process.exitCode = core.failed + driver.failed > 0 ? 1 : 0;
