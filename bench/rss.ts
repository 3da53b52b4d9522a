// npm run bench:rss -- [--seconds 60] [--validators 4]: what `npm start` holds in memory. Starts
// the same command (`tcd localnet up --validators 4`: validators, 3 workers, an auditor per
// validator, the demo job stream) in a fresh directory, lets it run, samples every process of
// its tree from /proc, prints RSS per process (mean of the samples after warm-up, and peak) and
// the total, then stops it with SIGINT. Never fails on a slow machine.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePortBlock } from "../chain/testkit/nodeProcess.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const seconds = arg("seconds", 60);
const validators = arg("validators", 4);

interface Proc {
  pid: number;
  ppid: number;
  rssMiB: number;
  cmd: string;
}

function procs(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = readFileSync(`/proc/${d}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8")
        .split("\0")
        .filter((x) => x !== "");
      out.push({ pid: Number(d), ppid, rssMiB: rss, cmd: cmd.join(" ") });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function tree(root: number): Proc[] {
  const all = procs();
  const mine = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => mine.has(p.pid));
}

function label(p: Proc, root: number): string {
  if (p.pid === root) return "localnet up (supervisor, demo stream)";
  if (/esbuild/.test(p.cmd)) return `esbuild service (tsx) under ${p.ppid}`;
  const from = /--from (\S+)/.exec(p.cmd)?.[1];
  if (/ worker start /.test(p.cmd)) return `${/--audit/.test(p.cmd) ? "auditor" : "worker"} ${from ?? "?"}`;
  if (/ start /.test(p.cmd)) return `validator ${/--home \S*?(node\d+)/.exec(p.cmd)?.[1] ?? p.pid}`;
  return p.cmd.slice(0, 60);
}

const dir = mkdtempSync(join(tmpdir(), "tc-rss-"));
const port = await freePortBlock(10 * validators); // 10 ports a node
const child = spawn(
  process.execPath,
  // As package.json's "start" runs it.
  [
    "--max-semi-space-size=2",
    "cmd/tcd/tcd.mjs",
    "localnet",
    "up",
    "--validators",
    String(validators),
    "--dir",
    dir,
    "--rpc-port",
    String(port),
  ],
  { stdio: ["ignore", "pipe", "pipe"] },
);
let out = "";
child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
const up = Date.now();
while (!/marketplace: /.test(out) && child.exitCode === null && Date.now() - up < 300_000)
  await new Promise((r) => setTimeout(r, 500));
process.stdout.write(
  `localnet up with its marketplace after ${((Date.now() - up) / 1000).toFixed(0)} s; sampling for ${seconds} s...\n`,
);
const samples = new Map<string, number[]>();
const totals: number[] = [];
const t0 = Date.now();
while (Date.now() - t0 < seconds * 1000 && child.exitCode === null) {
  await new Promise((r) => setTimeout(r, 5000));
  let total = 0;
  const now = new Map<string, number>();
  for (const p of tree(child.pid!)) {
    const k = label(p, child.pid!);
    now.set(k, (now.get(k) ?? 0) + p.rssMiB);
    total += p.rssMiB;
  }
  for (const [k, v] of now) samples.set(k, [...(samples.get(k) ?? []), v]);
  totals.push(total);
}
if (child.exitCode === null) {
  child.kill("SIGINT");
  await new Promise((r) => child.once("exit", r));
}
rmSync(dir, { recursive: true, force: true });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rows = [...samples].sort((a, b) => (a[0] < b[0] ? -1 : 1));
process.stdout.write(
  [
    "",
    `bench:rss  npm start (tcd localnet up --validators ${validators}), ${totals.length} samples over ${seconds} s`,
    ...rows.map(
      ([k, xs]) => `  ${k.padEnd(40)} ${mean(xs).toFixed(0).padStart(5)} MiB (peak ${Math.max(...xs).toFixed(0)})`,
    ),
    `  total                                    ${mean(totals).toFixed(0).padStart(5)} MiB (peak ${Math.max(...totals).toFixed(0)} MiB; aim <= 2048)`,
    "",
  ].join("\n"),
);
if (!/marketplace: /.test(out) || totals.length === 0) {
  process.stdout.write(out.slice(-2000));
  process.exitCode = 1;
}
