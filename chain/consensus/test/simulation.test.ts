import assert from "node:assert/strict";
import { runSimulation, scenarioFromSeed } from "../sim/simulator.js";

// Seeded networks with faults: every seed must be safe, live after the network heals, and put
// every equivocation a correct node saw into a decided block. `npm run sim -- --mode classic --seeds N` runs
// more; a failing seed prints itself and replays with `npm run sim -- --mode classic --seed S`.
describe("consensus under a simulated network with faults and byzantine validators", function () {
  this.timeout(120_000);

  it("300 seeded scenarios: safety, liveness after GST, evidence in blocks", () => {
    let withEquivocation = 0;
    let withCrash = 0;
    let withPartition = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const scenario = scenarioFromSeed(seed);
      const r = runSimulation(scenario);
      assert.ok(r.safe, `seed ${seed}: ${r.violation} (replay: npm run sim -- --mode classic --seed ${seed})`);
      assert.ok(
        r.live,
        `seed ${seed}: only ${r.decidedHeights} of ${scenario.targetHeight} heights (replay: npm run sim -- --mode classic --seed ${seed})`,
      );
      for (const v of r.detectedEquivocators)
        assert.ok(r.evidenceIncluded.includes(v), `seed ${seed}: evidence against ${v} never reached a block`);
      if (r.detectedEquivocators.length > 0) withEquivocation++;
      if (scenario.crashes.length > 0) withCrash++;
      if (scenario.partitions.length > 0) withPartition++;
    }
    // The seeds must actually exercise the faults they claim to.
    assert.ok(
      withEquivocation > 50 && withCrash > 50 && withPartition > 50,
      `${withEquivocation} / ${withCrash} / ${withPartition}`,
    );
  });

  it("replays a seed exactly", () => {
    const a = runSimulation(scenarioFromSeed(42));
    const b = runSimulation(scenarioFromSeed(42));
    assert.deepEqual(a, b);
  });

  it("loses liveness but never safety when more than a third of the power is silent", () => {
    const s = scenarioFromSeed(7);
    const r = runSimulation({
      ...s,
      validators: 4,
      byzantine: { 0: "silent", 1: "silent" },
      crashes: [],
      maxTimeMs: s.gstMs + 5000,
    });
    assert.ok(r.safe);
    assert.equal(r.live, false);
    assert.equal(r.decidedHeights, 0);
  });
});
