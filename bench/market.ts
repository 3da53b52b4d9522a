import { parseArgs } from "node:util";
import { judge, notYetEnforced, runMarket, type ClaimTally, type OwnerReport } from "./sim/market.js";

// npm run sim:market [-- --blocks 300 --jobs 4 --k 1 --unable]: the marketplace's economics with emissions
// on and the default parameters, under every adversary of issue 18 item 7
// (bench/sim/market.ts). Prints each owner's net earnings and the verification
// overhead (model runs per accepted result); exits 1 if a cheating strategy out-earns honest work
// or an honest provider ends with less than it started (or a cheat was not played).

const { values } = parseArgs({
  options: {
    blocks: { type: "string", default: "300" },
    jobs: { type: "string", default: "4" },
    k: { type: "string", default: "1" },
    // The silent validator answers "unable" to every audit instead of skipping (it loses too).
    unable: { type: "boolean", default: false },
  },
});
const t0 = performance.now();
const r = await runMarket({
  blocks: Number(values.blocks),
  jobsPerBlock: Number(values.jobs),
  k: Number(values.k),
  silentAnswersUnable: values.unable,
  log: (l) => console.log(l),
});
const fmt = (n: bigint) => n.toLocaleString("en-US");
console.log(
  `\n${r.blocks} blocks, k = ${r.k}, ${r.submitted} honest jobs submitted; ${r.settled} settled, ${r.unusable} unusable, ${r.failed} failed or expired, ${r.audits} audited (all requesters)  [${((performance.now() - t0) / 1000).toFixed(1)} s]`,
);
console.log(
  "owner           keys  accepted  rejected  no-show  fraud  unusable  claimed  lost         paid        slashed      compute      net (utcu)",
);
const row = (o: OwnerReport, label = o.strategy) =>
  console.log(
    `${label.padEnd(15)} ${String(o.keys).padStart(4)} ${String(o.accepted).padStart(9)} ${String(o.rejected).padStart(9)} ${String(o.noShows).padStart(8)} ${String(o.frauds).padStart(6)} ${String(o.unusable).padStart(9)} ${String(o.claimed).padStart(8)} ${String(o.claimsLost).padStart(5)} ${fmt(o.paid).padStart(12)} ${fmt(o.slashed).padStart(14)} ${fmt(o.computeCost).padStart(12)} ${fmt(o.net).padStart(15)}`,
  );
const honest = r.owners.filter((o) => o.strategy === "honest");
for (const [i, o] of honest.entries()) row(o, `honest-${i}`);
for (const o of r.owners.filter((x) => x.strategy !== "honest")) row(o);
console.log(
  `griefing requester (inputs that do not match their hash): ${r.griefReported} of its jobs reported unusable, net ${fmt(r.griefer)} utcu; honest providers above include what its jobs cost them`,
);
const claimLine = (who: string, t: ClaimTally) =>
  console.log(
    `${who}: ${t.filed} non-delivery claims filed (${t.falseFiled} on outputs that were served): ${t.upheld} upheld (no answer), ${t.disproved} disproved (${t.disputed} answers disputed as not the committed output), ${t.delivered} delivered on chain; deposits lost ${fmt(t.depositsLost)}, compensation received ${fmt(t.compensated)} utcu`,
  );
claimLine("honest requester", r.claims.honest);
claimLine("false claimer", r.claims.falseClaimer);
console.log(
  `false claimer: its false claims brought it ${fmt(r.claims.falseClaimer.falseNet)} utcu (tx fees not counted); ${r.claims.falseClaimer.falseUpheld} of them upheld`,
);
for (const v of r.validators)
  console.log(
    `validator ${v.silent ? "silent  " : "auditing"} ${v.valoper.slice(0, 16)}…: asked ${v.asked} audits, rewarded ${fmt(v.rewarded)}, ${v.runs} runs, stake burned ${fmt(v.missedSlashed)}: audit net ${fmt(v.net)} utcu (${v.asked === 0 ? "-" : fmt(v.net / BigInt(v.asked))} per audit)`,
  );
console.log(
  `silent validator: skipped ${r.auditRuns.silent} audit runs; the others ran ${r.auditRuns.auditing}. Auditors (commit–reveal, issue 11): ${r.auditors.rewarded} verdicts rewarded (${fmt(r.auditors.rewardPaid)} utcu from the community pool), ${r.auditors.missed} audits skipped (${fmt(r.auditors.missedSlashed)} utcu of stake burned); audits still decide while the auditing validators hold more than 2/3 of the power`,
);
console.log(
  `capability challenges (issue 11): ${r.challenges.passed} passed, ${r.challenges.failed} failed, ${r.challenges.void} void; the spoofer here cannot run what it claims and misses the jobs that need it`,
);
for (const [s, why] of Object.entries(notYetEnforced)) console.log(`not judged: ${s} — ${why}`);
const aim = 1.2;
console.log(
  `verification overhead: ${r.overhead.toFixed(3)} model runs per accepted result (${r.accepted} accepted results of the honest requester; every revealed result counted as a run, every validator as an auditor; non-delivery claims add no run: an answer is the output the worker holds) — aim ≤ ${aim}: ${r.overhead <= aim ? "met" : "MISSED"}; runs actually made: ${r.measuredOverhead.toFixed(3)}`,
);
const v = judge(r);
if (v.notPlayed.length > 0) console.log(`NOT PLAYED (nothing judged): ${v.notPlayed.join(", ")}`);
if (v.honestLost.length > 0) console.log(`HONEST PROVIDERS LOST: ${v.honestLost.join(", ")}`);
if (v.cheatingPays.length > 0) console.log(`CHEATING PAYS: ${v.cheatingPays.join(", ")} out-earned honest work`);
if (v.honestLost.length > 0 || v.cheatingPays.length > 0 || v.notPlayed.length > 0) process.exit(1);
const cheats = [
  ...r.owners.filter((o) => o.strategy !== "honest").map((o) => o.strategy),
  "griefer",
  "falseClaimer",
  "silent validator",
];
console.log(
  `every cheating strategy earned less than honest work (${cheats.join(", ")}); every honest provider ended richer`,
);
