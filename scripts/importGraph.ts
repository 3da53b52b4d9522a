// The repository's import graph checked against its layers (docs/architecture.md): prints every
// import that runs up the stack, every non-test file that imports a test file, and every import
// circle. Exit status 1 when there is any. `node --import tsx scripts/importGraph.ts [--json]`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Top-level folders holding TypeScript sources. */
const sourceRoots = ["modules", "chain", "client", "localnet", "cmd", "bench", "scripts", "docs"];

/**
 * The layers, lowest first. A file belongs to the first layer one of whose prefixes its path
 * starts with. `may` lists the layers (by name) a non-test file of that layer may import, besides
 * its own; `only` narrows an allowed layer to some of its paths (the public surface).
 */
export interface Layer {
  readonly name: string;
  readonly prefixes: readonly string[];
  readonly may: readonly string[];
  readonly only?: Readonly<Record<string, readonly string[]>>;
}

export const layers: readonly Layer[] = [
  { name: "sdk", prefixes: ["modules/sdk/"], may: [] },
  { name: "modules", prefixes: ["modules/"], may: ["sdk"] },
  { name: "chain", prefixes: ["chain/"], may: ["sdk", "modules"] },
  // The client (SDK, worker, models, CLI commands) sees the chain only through its public types.
  { name: "client", prefixes: ["client/"], may: ["sdk", "modules", "chain"], only: { chain: ["chain/types/"] } },
  // The test kit builds chains and drives them with signed transactions: tests and simulations use it.
  { name: "testkit", prefixes: ["chain/testkit/"], may: ["sdk", "modules", "chain", "client"] },
  { name: "localnet", prefixes: ["localnet/"], may: ["sdk", "modules", "chain", "client"] },
  // Composition roots and tools: the `tcd` command, benchmarks and simulations, scripts, examples.
  {
    name: "top",
    prefixes: ["cmd/", "bench/", "scripts/", "docs/"],
    may: ["sdk", "modules", "chain", "client", "testkit", "localnet"],
  },
];

/**
 * A module reaches another module only through its own expectedKeepers.ts (the narrow interfaces
 * it needs, and the other module's names it must use); every module's MsgUpdateParams takes its
 * authority from gov's authority.ts. There are no exceptions: a new crossing fails the check.
 */
export const moduleDoors: readonly string[] = ["modules/gov/authority.ts"];

function moduleName(path: string): string | undefined {
  const m = /^modules\/([^/]+)\//.exec(path);
  return m === null || m[1] === "sdk" ? undefined : m[1];
}

export function layerOf(path: string): Layer | undefined {
  // The longest matching prefix wins (chain/testkit/ before chain/, modules/sdk/ before modules/).
  let best: Layer | undefined;
  let bestLen = -1;
  for (const layer of layers)
    for (const p of layer.prefixes)
      if (path.startsWith(p) && p.length > bestLen) {
        best = layer;
        bestLen = p.length;
      }
  return best;
}

/** A test file: under a `test/` folder or named `*.test.ts`. */
export function isTest(path: string): boolean {
  return path.includes("/test/") || path.endsWith(".test.ts");
}

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries.sort()) {
      if (e === "node_modules" || e.startsWith(".")) continue;
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
    }
  };
  for (const d of sourceRoots) walk(join(root, d));
  return out;
}

/** The repository's relative imports, file to files, as repository-relative paths with `/`. */
export function importGraph(root = repoRoot): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const rel = (p: string): string => relative(root, p).split(sep).join("/");
  for (const file of sourceFiles(root)) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = new Set<string>();
    for (const imp of info.importedFiles) {
      if (!imp.fileName.startsWith(".")) continue;
      const target = rel(resolve(dirname(file), imp.fileName)).replace(/\.js$/, ".ts");
      if (target.endsWith(".ts")) targets.add(target);
    }
    graph.set(rel(file), [...targets].sort());
  }
  return graph;
}

export interface Violation {
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

export function layerViolations(graph: Map<string, string[]>): Violation[] {
  const out: Violation[] = [];
  for (const [from, targets] of graph) {
    const test = isTest(from);
    const fromLayer = layerOf(from);
    for (const to of targets) {
      if (!test && isTest(to)) {
        out.push({ from, to, why: "non-test code imports a test file" });
        continue;
      }
      if (test || fromLayer === undefined) continue;
      const toLayer = layerOf(to);
      if (toLayer === undefined || toLayer === fromLayer) continue;
      if (!fromLayer.may.includes(toLayer.name)) {
        out.push({ from, to, why: `${fromLayer.name} may not import ${toLayer.name}` });
        continue;
      }
      const only = fromLayer.only?.[toLayer.name];
      if (only && !only.some((p) => to.startsWith(p)))
        out.push({ from, to, why: `${fromLayer.name} imports ${toLayer.name} only through ${only.join(", ")}` });
    }
    const self = moduleName(from);
    if (test || self === undefined) continue;
    for (const to of targets) {
      const other = moduleName(to);
      if (other === undefined || other === self || isTest(to)) continue;
      if (from === `modules/${self}/expectedKeepers.ts` || moduleDoors.includes(to)) continue;
      out.push({ from, to, why: `a module reaches ${other} only through its own expectedKeepers.ts` });
    }
  }
  return out;
}

/** The import circles: strongly connected components of more than one file (Tarjan). */
export function importCircles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      for (;;) {
        const w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        scc.push(w);
        if (w === v) break;
      }
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? ""));
}

export interface Report {
  readonly violations: Violation[];
  /** Circles between files, then between folders (`chain/node` <-> `chain/rpc`). */
  readonly circles: string[][];
}

export function check(root = repoRoot): Report {
  const graph = importGraph(root);
  const circles = [...importCircles(graph), ...importCircles(unitGraph(graph))];
  return { violations: layerViolations(graph), circles };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = check();
  if (process.argv.includes("--json")) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else {
    for (const v of report.violations) process.stdout.write(`layer: ${v.from} -> ${v.to} (${v.why})\n`);
    for (const c of report.circles) process.stdout.write(`circle: ${c.join(" <-> ")}\n`);
    process.stdout.write(`${report.violations.length} layer violations, ${report.circles.length} circles\n`);
  }
  process.exitCode = report.violations.length + report.circles.length > 0 ? 1 : 0;
}

/** The folder of a file at the depth that names a unit: `chain/node`, `modules/jobs`, `client/sdk`. */
export function unitOf(path: string): string {
  const parts = path.split("/");
  return parts.length <= 2 ? (parts[0] ?? path) : parts.slice(0, 2).join("/");
}

/** The graph between units (folders), of non-test files only. */
export function unitGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const [from, targets] of graph) {
    if (isTest(from)) continue;
    const u = unitOf(from);
    const set = out.get(u) ?? new Set<string>();
    out.set(u, set);
    for (const t of targets) if (unitOf(t) !== u && !isTest(t)) set.add(unitOf(t));
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}
