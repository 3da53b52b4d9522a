import { parseArgs } from "node:util";
import { runMarket } from "./sim/market.js";

// npm run sim:market [-- --blocks 300 --jobs 4 --k 3]: the marketplace's economics under honest,
// lazy, colluding and spoofing providers (modules/jobs/simulation/market.ts). Prints each
// strategy's net earnings per provider and the verification overhead; exits 1 if any cheating
// strategy out-earns honest work.

const { values } = parseArgs({ options: { blocks: { type: "string", default: "300" }, jobs: { type: "string", default: "4" }, k: { type: "string", default: "3" }, "audit-rate": { type: "string", default: "20000" } } });
const t0 = performance.now();
const r = await runMarket({
  blocks: Number(values.blocks),
  jobsPerBlock: Number(values.jobs),
  k: Number(values.k),
  auditRatePpm: Number(values["audit-rate"]),
  providers: { honest: 6, lazy: 2, colluding: 2, spoofing: 2 },
  log: (l) => console.log(l),
});
const fmt = (n: bigint) => n.toLocaleString("en-US");
console.log(`\n${r.blocks} blocks, ${r.submitted} jobs submitted (k=${values.k}), ${r.settled} settled, ${r.failed} failed or expired, ${r.audits} audited  [${((performance.now() - t0) / 1000).toFixed(1)} s]`);
console.log("strategy    providers   accepted  rejected  no-show  fraud        paid       slashed     compute        fees   net/provider (utcu)");
for (const s of r.strategies) {
  console.log(`${s.strategy.padEnd(11)} ${String(s.providers).padStart(9)} ${String(s.accepted).padStart(10)} ${String(s.rejected).padStart(9)} ${String(s.noShows).padStart(8)} ${String(s.frauds).padStart(6)} ${fmt(s.paid).padStart(11)} ${fmt(s.slashed).padStart(13)} ${fmt(s.computeCost).padStart(11)} ${fmt(s.fees).padStart(11)} ${fmt(s.netPerProvider).padStart(14)}`);
}
console.log(`verification overhead: ${r.overhead.toFixed(2)} model runs (workers + auditors) per settled job`);
const honest = r.strategies.find((s) => s.strategy === "honest");
const better = r.strategies.filter((s) => s.strategy !== "honest" && honest !== undefined && s.netPerProvider > honest.netPerProvider);
if (better.length > 0) {
  console.log(`CHEATING PAYS: ${better.map((s) => s.strategy).join(", ")} out-earned honest work`);
  process.exit(1);
}
console.log("cheating earned less than honest work for every strategy");
