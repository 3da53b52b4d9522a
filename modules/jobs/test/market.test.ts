import assert from "node:assert/strict";
import { judge, runMarket, type MarketReport, type OwnerReport } from "../../../bench/sim/market.js";

// The economic property the design rests on, on a short run of the market simulation with
// emissions on (npm run sim:market runs a longer one at the default audit rates): every adversary
// of issue 18 item 7 plays, no cheating strategy earns more than honest work, and no honest
// provider ends with less than it started. The short run samples audits at 15% so that the lazy
// and cartel providers are audited within it; the long run shows the same at the default 4%.

describe("market simulation: cheating does not pay, honest work does", function () {
  this.timeout(180_000);

  it("every adversary (lazy, copying, cartel, spoofing, wash trading, false unusable, never serving, withholding, garbage answers, griefing, false claims, no audits) ends poorer than honest work", async () => {
    const r = await runMarket({ blocks: 60, jobsPerBlock: 3, jobsParams: { audit_rate_single_ppm: 150_000 } });
    const by = (s: string) => r.owners.filter((o) => o.strategy === s);
    const honest = by("honest");
    assert.ok(honest.length > 0);
    for (const o of honest) assert.ok(o.net > 0n, `honest work pays: ${o.net}`);
    for (const o of honest) assert.equal(o.claimsLost, 0, "an honest provider never loses a claim");
    const floor = honest.reduce((m, o) => (o.net < m ? o.net : m), honest[0]!.net);
    for (const s of [
      "lazy",
      "copying",
      "cartel",
      "spoofing",
      "washTrader",
      "falseUnusable",
      "neverServes",
      "garbageAnswer",
    ]) {
      const [o] = by(s);
      assert.ok(o !== undefined, s);
      assert.ok(o.net < 0n && o.net < floor, `${s} ends poorer than any honest provider: ${o.net}`);
    }
    for (const s of ["lazy", "cartel"]) assert.ok(by(s)[0]!.frauds > 0, `${s} was caught by an audit`);
    assert.ok(
      by("copying")[0]!.noShows > 0 && by("copying")[0]!.accepted === 0,
      "a copier never gets a result accepted",
    );
    assert.ok(by("spoofing")[0]!.noShows > 0, "the spoofer misses the jobs it claimed hardware for");
    // Withholding until claimed delivers on chain, so it is never slashed, but it gains nothing.
    const w = by("withholding")[0]!;
    assert.ok(w.claimed > 0 && w.claimsLost === 0, "the withholder is claimed against and answers");
    assert.ok(by("neverServes")[0]!.claimsLost > 0 && by("garbageAnswer")[0]!.claimsLost > 0);
    assert.ok(r.claims.honest.upheld > 0 && r.claims.honest.disproved > 0 && r.claims.honest.delivered > 0);
    assert.ok(r.claims.honest.compensated > 0n, "the requester is compensated for what was not delivered");
    const fc = r.claims.falseClaimer;
    assert.ok(fc.falseFiled > 0 && fc.falseUpheld === 0, "false claims are filed and never upheld");
    assert.ok(fc.falseNet < 0n, `false claims cost the claimer its deposits: ${fc.falseNet}`);
    assert.ok(r.griefer < 0n, "griefing costs the griefer");
    const silent = r.validators.find((v) => v.silent)!;
    assert.ok(
      silent.asked > 0 && silent.runs === 0 && silent.missedSlashed > 0n,
      "the silent validator skips and pays",
    );
    assert.deepEqual(judge(r), { cheatingPays: [], honestLost: [], notPlayed: [] });
  });

  it("a validator that answers unable to every audit is judged and loses: unable on a decided public audit costs the skip penalty", async () => {
    // An unable verdict on a public job whose audit the others decided is counted as a missed
    // audit (auditVerdicts.ts): this validator commits and reveals "unable" to everything, runs
    // nothing, and pays audit_miss_slash_fraction per audit like one that skips. Counted from the
    // job's auditors (asked), not only from its reward and slash events.
    const r = await runMarket({
      blocks: 40,
      jobsPerBlock: 3,
      jobsParams: { audit_rate_single_ppm: 150_000 },
      silentAnswersUnable: true,
    });
    const silent = r.validators.find((v) => v.silent)!;
    const auditing = r.validators.filter((v) => !v.silent);
    assert.ok(silent.asked > 0, "drawn for audits");
    assert.ok(
      auditing.every((v) => v.asked > 0),
      "the others audit",
    );
    assert.equal(silent.runs, 0);
    assert.ok(silent.missedSlashed > 0n, "unable on decided public audits: the skip penalty");
    assert.ok(silent.net < 0n, `and it ends poorer: ${silent.net}`);
    const v = judge(r);
    assert.ok(!v.notPlayed.includes("silent validator"), "played");
    assert.ok(!v.cheatingPays.includes("silent validator"), "and it keeps less per audit than auditing ones");
    assert.deepEqual(v.cheatingPays, [], "no cheat pays with the unable validator either");
  });

  it("judge() fails the run when any cheat pays, an honest provider loses, or a cheat was not played", () => {
    const owner = (strategy: string, net: bigint, over: Partial<OwnerReport> = {}): OwnerReport => ({
      strategy,
      keys: 1,
      start: 0n,
      end: net,
      computeCost: 0n,
      net,
      paid: 0n,
      slashed: 0n,
      accepted: 1,
      rejected: 0,
      noShows: 1,
      frauds: 1,
      unusable: 1,
      claimed: 1,
      claimsLost: 0,
      ...over,
    });
    const tally = { filed: 2, falseFiled: 1, upheld: 1, disproved: 1, delivered: 1, disputed: 1 };
    const base = (): MarketReport => ({
      blocks: 1,
      k: 1,
      submitted: 1,
      settled: 1,
      failed: 0,
      unusable: 0,
      audits: 1,
      owners: [owner("honest", 100n), owner("withholding", 50n), owner("neverServes", -5n, { claimsLost: 1 })],
      griefer: -1n,
      griefReported: 1,
      claims: {
        honest: { ...tally, depositsLost: 0n, compensated: 0n, falseNet: 0n, falseUpheld: 0 },
        falseClaimer: { ...tally, depositsLost: 10n, compensated: 0n, falseNet: -10n, falseUpheld: 0 },
      },
      validators: [
        { valoper: "a", silent: false, asked: 2, rewarded: 2n, runs: 2, missedSlashed: 0n, net: -2n },
        { valoper: "s", silent: true, asked: 2, rewarded: 0n, runs: 0, missedSlashed: 6n, net: -6n },
      ],
      auditRuns: { silent: 2, auditing: 2 },
      overhead: 1,
      auditors: { rewarded: 2, rewardPaid: 2n, missed: 2, missedSlashed: 6n },
      challenges: { passed: 0, failed: 0, void: 0 },
      measuredOverhead: 1,
      accepted: 1,
    });
    assert.deepEqual(judge(base()), { cheatingPays: [], honestLost: [], notPlayed: [] });
    const r = base();
    r.owners[1]!.net = 101n; // withholding out-earns honest work
    r.griefer = 0n;
    r.claims.falseClaimer.falseNet = 0n;
    r.validators[1]!.net = -1n; // skipping cost less than auditing
    assert.deepEqual(judge(r).cheatingPays, ["withholding", "griefer", "falseClaimer", "silent validator"]);
    const h = base();
    h.owners[0]!.net = -1n;
    h.owners[0]!.claimsLost = 1;
    h.claims.falseClaimer.falseUpheld = 1;
    assert.equal(judge(h).honestLost.length, 3);
    const n = base();
    n.owners[2]!.claimsLost = 0; // the never-serving provider was never claimed against and lost
    n.claims.falseClaimer.falseFiled = 0;
    assert.deepEqual(judge(n).notPlayed, ["neverServes", "falseClaimer"]);
    // Each cheat by the cheater's own record: another provider's upheld or disproved claims (the
    // tallies above stay > 0) do not make a never-serving or garbage-answering provider "played";
    // nor does a withholder whose every claim was lost, a wash trader none of whose self-paid jobs
    // settled, or a griefer none of whose jobs was reported.
    const p = base();
    p.owners[1]!.claimsLost = 1;
    p.owners[2]!.claimsLost = 0;
    p.owners.push(owner("garbageAnswer", -5n, { claimsLost: 0 }), owner("washTrader", -3n, { accepted: 0 }));
    p.griefReported = 0;
    assert.ok(p.claims.honest.upheld > 0 && p.claims.honest.disproved > 0);
    assert.deepEqual(judge(p).notPlayed, ["washTrader", "neverServes", "withholding", "garbageAnswer", "griefer"]);
  });
});
