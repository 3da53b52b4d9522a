import assert from "node:assert/strict";
import { runMarket } from "../../../bench/sim/market.js";

// The economic property the design rests on, on a short run of the market simulation
// (npm run sim:market runs a longer one): no cheating strategy earns more than honest work.

describe("market simulation: cheating does not pay", function () {
  this.timeout(120_000);

  it("honest providers earn; lazy, colluding and spoofing providers lose more than they make", async () => {
    const r = await runMarket({ blocks: 60, jobsPerBlock: 3, providers: { honest: 5, lazy: 2, colluding: 2, spoofing: 1 }, auditRatePpm: 50_000 });
    const by = Object.fromEntries(r.strategies.map((s) => [s.strategy, s]));
    assert.ok(r.settled > 0.9 * r.submitted, `${r.settled} of ${r.submitted} settled`);
    assert.ok(by["honest"]!.netPerProvider > 0n, "honest work pays");
    for (const name of ["lazy", "colluding", "spoofing"]) {
      assert.ok(by[name]!.netPerProvider < by["honest"]!.netPerProvider, `${name} earns less than honest`);
      assert.ok(by[name]!.slashed > 0n, `${name} was slashed`);
    }
  });
});
