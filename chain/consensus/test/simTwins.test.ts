import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { driverMutants, mutants, mutate, removeScratch, scratchCopy, StaleMutantError } from "../sim/mutants.js";
import {
  isStalePolAttack,
  runSimulation,
  twinsScenarioFromSeed,
  type SimOptions,
  type SimResult,
} from "../sim/simulator.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

// Twins-style adversaries (twin copies of a key in two partitions, fake proof-of-lock rounds,
// invalid and equivocating proposals, forged commits, amnesia, votes for far rounds, the lock
// attack's targeted delays): a correct core passes every seed, and a core with a broken rule is
// caught (`npm run sim:mutants` runs the whole list).
describe("consensus simulator: Twins-style adversaries and mutants", function () {
  this.timeout(120_000);

  it("200 Twins seeds: safety, validity, liveness after GST, evidence in blocks", () => {
    const seen = { twins: 0, lockAttack: 0, fakePol: 0, forge: 0, amnesia: 0, slow: 0, n5or7: 0, stalePol: 0 };
    for (let seed = 1; seed <= 200; seed++) {
      const s = twinsScenarioFromSeed(seed);
      const r = runSimulation(s);
      assert.ok(r.safe, `seed ${seed}: ${r.violation} (replay: npm run sim -- --mode twins --seed ${seed})`);
      assert.ok(
        r.live,
        `seed ${seed}: ${r.decidedHeights} of ${s.targetHeight} heights ${r.violation} (replay: npm run sim -- --mode twins --seed ${seed})`,
      );
      for (const v of r.detectedEquivocators)
        assert.ok(r.evidenceIncluded.includes(v), `seed ${seed}: evidence against ${v} never reached a block`);
      const advs = Object.values(s.adversaries ?? {});
      if (advs.some((a) => a.twins !== undefined)) seen.twins++;
      if ((s.delays ?? []).some((d) => d.kinds.includes("commit"))) seen.lockAttack++;
      if (advs.some((a) => a.fakePol === true)) seen.fakePol++;
      if (advs.some((a) => a.forgeCommits === true)) seen.forge++;
      if (advs.some((a) => a.amnesiaEveryMs !== undefined)) seen.amnesia++;
      if (s.postGstDelayMs !== undefined) seen.slow++;
      if (s.validators > 4) seen.n5or7++;
      if (isStalePolAttack(s)) seen.stalePol++;
    }
    // The seeds exercise what they claim to.
    for (const [k, v] of Object.entries(seen)) assert.ok(v >= 15, `${k}: only ${v} of 200 seeds`);
  });

  it("replays a Twins seed exactly", () => {
    assert.deepEqual(runSimulation(twinsScenarioFromSeed(8)), runSimulation(twinsScenarioFromSeed(8)));
  });

  it("every mutant's anchor occurs exactly once; a stale anchor fails loudly", () => {
    assert.ok(mutants.length >= 10);
    assert.ok(driverMutants.length >= 10);
    for (const m of [...mutants, ...driverMutants]) {
      const text = readFileSync(join(root, m.file), "utf8");
      assert.notEqual(mutate(text, m), text, m.name);
    }
    assert.throws(() => mutate("nothing here", mutants[0]!), StaleMutantError);
    assert.throws(() => mutate(`${mutants[0]!.from}${mutants[0]!.from}`, mutants[0]!), StaleMutantError);
  });

  it("every anchor survives formatting: it matches the file as prettier formats it, and reflowed", async () => {
    const prettier = await import("prettier");
    const all = [...mutants, ...driverMutants];
    for (const file of new Set(all.map((m) => m.file))) {
      const path = join(root, file);
      const text = readFileSync(path, "utf8");
      const config = (await prettier.resolveConfig(path)) ?? {};
      const formatted = await prettier.format(text, { ...config, filepath: path });
      // Every line broken as narrow as prettier can make it (a future, longer line reflowed).
      const narrow = await prettier.format(text, { ...config, filepath: path, printWidth: 40 });
      for (const m of all.filter((x) => x.file === file)) {
        assert.notEqual(mutate(formatted, m), formatted, `${m.name} after prettier`);
        assert.notEqual(mutate(narrow, m), narrow, `${m.name} at print width 40`);
      }
    }
    // Whitespace and trailing commas aside only: other changes still make an anchor stale.
    const m = mutants[0]!;
    assert.throws(() => mutate(m.from.replace("VoteType", "VoteKind"), m), StaleMutantError);
    assert.equal(mutate(`x\n${m.from.replaceAll(" ", "\n  ")}\ny`, m), `x\n${m.to}\ny`);
  });

  it("kills the simple-majority quorum mutant", async () => {
    const m = mutants.find((x) => x.name === "quorum-majority")!;
    const dir = scratchCopy(root, m);
    try {
      const sim = (await import(pathToFileURL(join(dir, "chain/consensus/sim/simulator.ts")).href)) as {
        runSimulation: (o: SimOptions) => SimResult;
        twinsScenarioFromSeed: (seed: number) => SimOptions;
      };
      let killedBy = 0;
      for (let seed = 1; seed <= 200 && killedBy === 0; seed++) {
        const r = sim.runSimulation(sim.twinsScenarioFromSeed(seed));
        if (!r.safe || !r.live) killedBy = seed;
      }
      assert.ok(killedBy > 0, "a 1/2 quorum survived 200 Twins seeds");
      // The same seeds pass with the real quorum.
      for (let seed = 1; seed <= killedBy; seed++) assert.ok(runSimulation(twinsScenarioFromSeed(seed)).safe);
    } finally {
      removeScratch(dir);
    }
  });
});
