import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { Plugin } from "esbuild";
import { repoRoot, tcdFromSources } from "./localnet.js";

// The localnet's children (validators, workers, auditors) run from one ESM bundle of the tcd
// CLI instead of through tsx: the TypeScript loader costs ~35 MiB in every process (its hooks
// run on a loader thread, a V8 isolate of its own), which is most of what npm start is over its
// 2 GiB aim by (docs/performance.md, issue 17 step 3). The supervisor builds the bundle with
// esbuild (a dependency already: tsx and the dashboard use it) when it is missing or any of its
// inputs changed, so `npm install` then `npm start` needs no build step. npm packages stay
// external (imported from node_modules as usual); each command's modules are a chunk of their
// own (code splitting), loaded when that command runs.
//
// Where it lives: under the checkout (<repo>/.build/tcd), not in the localnet's directory, since
// the packages it imports resolve from the bundle's location (a localnet may live in /tmp). Each
// build is a directory named by the hash of its output, written under a temporary name and
// renamed into place, and manifest.json (also renamed into place) names the current one with
// the size and mtime of every input: two supervisors starting at once never see half a build.
//
// import.meta.url: every source module's own file URL is put in place of it, so that what is
// found relative to a module (proto files, dashboard assets, the signature pre-check worker
// thread's script, createRequire of native packages) is found where it is in the sources.

/** Bumped when the build's options change, so that an old bundle is rebuilt. */
const BUILD_FORMAT = 2;

/**
 * Inputs whose mtime is this close to the build's start (or after it) have their contents
 * compared too: file systems stamp mtimes from a coarse clock (Linux: a few ms; some file
 * systems: 1 or 2 s), so a same-size rewrite right after the build may keep size and mtime.
 */
const RACY_MS = 3000;

export interface TcdBundle {
  /** The script to run with node: `node <entry> start --home ...`. */
  entry: string;
  /** Whether this call built it (false: an up-to-date build was reused). */
  built: boolean;
}

interface Manifest {
  format: number;
  esbuild: string;
  dir: string;
  /** Input path (relative to the repo root) → [size, mtimeMs], as of when the build read it. */
  inputs: Record<string, [number, number]>;
  /** sha256 of the inputs whose mtime was within RACY_MS of the build's start, as read. */
  racy: Record<string, string>;
}

/** What the build read of an input: its stat taken before reading, and the bytes' sha256. */
type Seen = Map<string, { size: number; mtimeMs: number; sha256: string }>;

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** The import.meta.url (and dirname/filename) of each source module, as of its place in the tree. */
export function importMetaPlugin(seen: Seen = new Map()): Plugin {
  return {
    name: "tcompute-import-meta",
    setup(b) {
      const root = b.initialOptions.absWorkingDir ?? process.cwd();
      b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, (args) => {
        // A package's own files, not the checkout's (which may itself be under a node_modules:
        // an installed tcompute).
        if (relative(root, args.path).split(sep).includes("node_modules")) return undefined;
        // Stat first: a file changed while the build runs then has another mtime than recorded.
        const st = statSync(args.path);
        const bytes = readFileSync(args.path);
        seen.set(args.path, { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(bytes) });
        const text = bytes.toString("utf8");
        const loader = /\.m?ts$/.test(args.path) ? "ts" : "js";
        if (!text.includes("import.meta.")) return { contents: text, loader };
        // Replaced by functions, not strings: a path's `$&` or `$'` is not a replacement pattern.
        const url = JSON.stringify(pathToFileURL(args.path).href);
        const dir = JSON.stringify(dirname(args.path));
        const file = JSON.stringify(args.path);
        const contents = text
          .replace(/\bimport\.meta\.url\b/g, () => url)
          .replace(/\bimport\.meta\.dirname\b/g, () => dir)
          .replace(/\bimport\.meta\.filename\b/g, () => file);
        return { contents, loader };
      });
    },
  };
}

function readManifest(file: string): Manifest | null {
  try {
    const m = JSON.parse(readFileSync(file, "utf8")) as Manifest;
    return typeof m.dir === "string" &&
      typeof m.inputs === "object" &&
      m.inputs !== null &&
      typeof m.racy === "object" &&
      m.racy !== null
      ? m
      : null;
  } catch {
    return null;
  }
}

/** Why the manifest's build cannot be used (null: it can). */
export function staleReason(root: string, outDir: string, esbuildVersion: string): string | null {
  const m = readManifest(join(outDir, "manifest.json"));
  if (m === null) return "no bundle yet";
  if (m.format !== BUILD_FORMAT || m.esbuild !== esbuildVersion) return "built by another version";
  if (!/^[0-9a-f]{16}$/.test(m.dir) || !existsSync(join(outDir, m.dir, "main.mjs"))) return "bundle files missing";
  for (const [path, [size, mtime]] of Object.entries(m.inputs)) {
    try {
      const st = statSync(join(root, path));
      if (st.size !== size || st.mtimeMs !== mtime) return `${path} changed`;
      const h = m.racy[path];
      if (h !== undefined && sha256(readFileSync(join(root, path))) !== h) return `${path} changed`;
    } catch {
      return `${path} removed`;
    }
  }
  return null;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * The tcd bundle under `outDir` (default <root>/.build/tcd), built first when it is missing or
 * stale. `entry` defaults to the CLI's main module. Calls in one process run one at a time (each
 * build stops esbuild's service when it is done).
 */
export function ensureTcdBundle(o: { root: string; outDir?: string; entry?: string }): Promise<TcdBundle> {
  const next = queue.then(() => ensureOnce(o));
  queue = next.catch(() => {});
  return next;
}

async function ensureOnce(o: { root: string; outDir?: string; entry?: string }): Promise<TcdBundle> {
  const outDir = o.outDir ?? join(o.root, ".build", "tcd");
  const esbuild = await import("esbuild");
  const current = (): string => join(outDir, readManifest(join(outDir, "manifest.json"))!.dir, "main.mjs");
  if (staleReason(o.root, outDir, esbuild.version) === null) {
    const entry = current();
    // Its mtime says when it was last used (pruneOldBuilds): a localnet that starts from it now
    // may restart a node from it later, after another `localnet up` has built a newer one.
    try {
      const now = new Date();
      utimesSync(dirname(entry), now, now);
    } catch {
      // a read-only checkout: nothing is pruned there either
    }
    return { entry, built: false };
  }
  mkdirSync(outDir, { recursive: true });
  const tmp = join(outDir, `tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const seen: Seen = new Map();
  const started = Date.now();
  try {
    const result = await esbuild.build({
      absWorkingDir: o.root,
      entryPoints: { main: o.entry ?? join(o.root, "cmd", "tcd", "main.ts") },
      outdir: tmp,
      outExtension: { ".js": ".mjs" },
      chunkNames: "chunk-[hash]",
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      sourcemap: "linked",
      sourcesContent: false,
      metafile: true,
      write: false,
      logLevel: "silent",
      plugins: [importMetaPlugin(seen)],
    });
    const files = [...result.outputFiles].sort((a, b) => (a.path < b.path ? -1 : 1));
    const h = createHash("sha256");
    for (const f of files) h.update(relative(tmp, f.path)).update("\0").update(f.contents);
    const id = h.digest("hex").slice(0, 16);
    const final = join(outDir, id);
    if (!existsSync(join(final, "main.mjs"))) {
      for (const f of files) {
        mkdirSync(dirname(f.path), { recursive: true });
        writeFileSync(f.path, f.contents);
      }
      try {
        renameSync(tmp, final);
      } catch (e) {
        // Another supervisor put the same build there first.
        if (!existsSync(join(final, "main.mjs"))) throw e;
      }
    }
    const inputs: Manifest["inputs"] = {};
    const racy: Manifest["racy"] = {};
    for (const path of [...Object.keys(result.metafile.inputs), "tsconfig.json"].sort()) {
      const file = join(o.root, path);
      const st = seen.get(file) ?? { ...statSync(file), sha256: sha256(readFileSync(file)) };
      inputs[path] = [st.size, st.mtimeMs];
      if (st.mtimeMs >= started - RACY_MS) racy[path] = st.sha256;
    }
    const manifest: Manifest = { format: BUILD_FORMAT, esbuild: esbuild.version, dir: id, inputs, racy };
    const mtmp = join(outDir, `manifest.json.${process.pid}.tmp`);
    writeFileSync(mtmp, JSON.stringify(manifest));
    renameSync(mtmp, join(outDir, "manifest.json"));
    pruneOldBuilds(outDir, id);
    return { entry: join(final, "main.mjs"), built: true };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    // The build service (a child process) is not needed any more.
    await esbuild.stop();
  }
}

/**
 * node's arguments that run tcd from its bundle (built if need be), for a localnet's children;
 * if it cannot be built, from the sources (through tsx), saying why.
 */
export async function tcdBundle(say: (line: string) => void, root: string = repoRoot): Promise<readonly string[]> {
  try {
    const b = await ensureTcdBundle({ root });
    if (b.built) say(`localnet: built ${relative(root, b.entry)} (the nodes and workers run from it)`);
    return [b.entry];
  } catch (e) {
    say(`localnet: the tcd bundle could not be built (${(e as Error).message}); running from the sources`);
    return tcdFromSources;
  }
}

/**
 * Removes builds (and temporaries of builds that crashed) not built or reused for a day, other
 * than the current one: a running localnet may still use a recent one.
 */
function pruneOldBuilds(outDir: string, keep: string): void {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(outDir)) {
    if (name === keep || !/^([0-9a-f]{16}|tmp-.+|manifest\.json\.[0-9]+\.tmp)$/.test(name)) continue;
    try {
      if (statSync(join(outDir, name)).mtimeMs < dayAgo) rmSync(join(outDir, name), { recursive: true, force: true });
    } catch {
      // removed meanwhile
    }
  }
}
