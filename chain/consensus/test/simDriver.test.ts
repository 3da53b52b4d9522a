import assert from "node:assert/strict";
import {
  driverScenarioFromSeed,
  runDriverSimulation,
  type DriverSimOptions,
  type DriverSimResult,
} from "../sim/driverSim.js";

// The simulator's driver mode: real consensus drivers (validation, block building, signing, the
// WAL and its replay) on a virtual clock over a simulated network. A correct driver passes every
// seed whatever the adversaries do; `npm run sim` runs more seeds, `npm run sim:mutants --
// --driver` shows that each driver mutant fails some seed.
describe("consensus simulator: the real drivers under adversaries", function () {
  this.timeout(120_000);

  /** The first seed of each adversary and fault, so that each is run at least once. */
  function coveringSeeds(): number[] {
    const want = new Map<string, (s: DriverSimOptions) => boolean>([
      ["twins", (s) => s.byzantine.includes("twins")],
      ["equivocate", (s) => s.byzantine.includes("equivocate")],
      ["flood", (s) => s.byzantine.includes("flood")],
      ["invalid", (s) => s.byzantine.includes("invalid")],
      ["impostor", (s) => s.byzantine.includes("impostor")],
      ["forge", (s) => s.byzantine.includes("forge")],
      ["backdate", (s) => s.byzantine.includes("backdate")],
      ["amnesia", (s) => s.byzantine.includes("amnesia")],
      ["fakeBodies", (s) => s.attacker === "fakeBodies"],
      ["fakeSync", (s) => s.attacker === "fakeSync"],
      ["crash", (s) => s.crashes.length > 0],
      ["walFailure", (s) => s.walFailures.length > 0],
      ["partition", (s) => s.partitions.length > 0],
      ["seven", (s) => s.validators === 7],
    ]);
    const seeds = new Set<number>([33]);
    for (const [, has] of want) {
      let seed = 1;
      while (!has(driverScenarioFromSeed(seed))) seed++;
      seeds.add(seed);
    }
    return [...seeds].sort((a, b) => a - b);
  }

  it("every adversary and fault at least once: safety, validity, checks of every commit, liveness", async () => {
    // Seed 33 (a crash, a backdating validator, a keyless peer serving tampered synced blocks):
    // before the fix in reactor.ts a node that had executed a height and was waiting out
    // timeout_commit judged a correct peer's catch-up block of that height invalid and banned it.
    const seeds = coveringSeeds();
    assert.ok(seeds.length >= 8 && seeds.length <= 16, `${seeds.length} seeds`);
    for (const seed of seeds) {
      const s = driverScenarioFromSeed(seed);
      const r = await runDriverSimulation(s);
      const replay = `(replay: npm run sim -- --seed ${seed})`;
      assert.ok(r.safe, `seed ${seed}: ${r.violation} ${replay}`);
      assert.ok(r.live, `seed ${seed}: ${r.decidedHeights} of ${s.targetHeight} heights ${r.violation} ${replay}`);
      assert.equal(r.violation, "", `seed ${seed} ${replay}`);
    }
  });

  it("replays a seed exactly", async () => {
    const s = driverScenarioFromSeed(5);
    const a: DriverSimResult = await runDriverSimulation(s);
    const b: DriverSimResult = await runDriverSimulation(s);
    assert.deepEqual(a, b);
    assert.ok(a.decidedHeights >= s.targetHeight && a.messages > 100);
  });
});
