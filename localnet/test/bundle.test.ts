import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ensureTcdBundle, staleReason, tcdBundle } from "../bundle.js";
import { repoRoot, tcdFromSources } from "../localnet.js";

// The localnet's children run from an esbuild bundle of tcd (docs/performance.md, issue 17 step
// 3): built when missing or stale, reused otherwise, and each module keeps its own
// import.meta.url (files found next to a module are found in the sources).

describe("the tcd bundle a localnet's children run from", function () {
  this.timeout(60_000);
  const root = mkdtempSync(join(tmpdir(), "tcd-bundle-"));
  const outDir = join(root, ".build", "tcd");
  const entry = join(root, "cmd", "main.ts");
  const where = join(root, "lib", "where.ts");
  const load = async (file: string) =>
    (await import(`${pathToFileURL(file).href}?${Date.now()}`)) as {
      entryUrl: string;
      where: string;
      whereDir: string;
      later: () => Promise<{ value: number }>;
    };

  before(() => {
    mkdirSync(dirname(entry), { recursive: true });
    mkdirSync(dirname(where), { recursive: true });
    writeFileSync(join(root, "tsconfig.json"), "{}\n");
    writeFileSync(
      entry,
      [
        'export { where, whereDir } from "../lib/where.js";',
        "export const entryUrl: string = import.meta.url;",
        'export const later = () => import("../lib/later.js");',
      ].join("\n"),
    );
    writeFileSync(
      where,
      "export const where: string = import.meta.url;\nexport const whereDir = import.meta.dirname;\n",
    );
    writeFileSync(join(root, "lib", "later.ts"), "export const value: number = 1;\n");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("is built once, then reused; each module keeps its own import.meta.url; dynamic imports are chunks", async () => {
    const first = await ensureTcdBundle({ root, outDir, entry });
    assert.equal(first.built, true);
    assert.ok(first.entry.startsWith(outDir) && first.entry.endsWith("main.mjs"));
    const again = await ensureTcdBundle({ root, outDir, entry });
    assert.deepEqual(again, { entry: first.entry, built: false });
    const m = await load(first.entry);
    assert.equal(m.where, pathToFileURL(where).href);
    assert.equal(m.whereDir, dirname(where));
    assert.equal(m.entryUrl, pathToFileURL(entry).href);
    assert.equal((await m.later()).value, 1);
    assert.ok(readdirSync(dirname(first.entry)).some((f) => /^chunk-.*\.mjs$/.test(f)));
    assert.ok(existsSync(`${first.entry}.map`), "source map written");
    assert.equal(readdirSync(outDir).filter((f) => f.startsWith("tmp-")).length, 0, "no temporary left");
  });

  it("is rebuilt when an input changes, when its files are gone, or when the manifest is unreadable", async () => {
    const first = await ensureTcdBundle({ root, outDir, entry });
    writeFileSync(where, 'export const where: string = "changed";\nexport const whereDir = "";\n');
    assert.equal(staleReason(root, outDir, (await import("esbuild")).version), "lib/where.ts changed");
    const changed = await ensureTcdBundle({ root, outDir, entry });
    assert.equal(changed.built, true);
    assert.notEqual(changed.entry, first.entry);
    assert.equal((await load(changed.entry)).where, "changed");

    // Touched, same content: rebuilt, to the same build directory.
    const t = new Date(Date.now() + 5000);
    utimesSync(where, t, t);
    assert.deepEqual(await ensureTcdBundle({ root, outDir, entry }), { entry: changed.entry, built: true });

    rmSync(dirname(changed.entry), { recursive: true });
    assert.deepEqual(await ensureTcdBundle({ root, outDir, entry }), { entry: changed.entry, built: true });

    writeFileSync(join(outDir, "manifest.json"), "{not json");
    assert.equal((await ensureTcdBundle({ root, outDir, entry })).built, true);
  });

  it("is rebuilt when a file is rewritten with the same size within the same mtime tick", async () => {
    // Linux stamps mtimes from a coarse clock (a few ms; a second or two on some file systems):
    // a script, an editor's second save or a branch switch right after a build can leave a
    // changed file with its size and mtime as they were.
    const later = join(root, "lib", "later.ts");
    const tick = Math.floor(Date.now() / 1000); // a whole second: set back exactly below
    writeFileSync(later, "export const value: number = 7;\n");
    utimesSync(later, tick, tick);
    const first = await ensureTcdBundle({ root, outDir, entry });
    assert.equal(first.built, true);
    writeFileSync(later, "export const value: number = 8;\n");
    utimesSync(later, tick, tick);
    assert.equal(statSync(later).mtimeMs, tick * 1000);
    assert.equal(staleReason(root, outDir, (await import("esbuild")).version), "lib/later.ts changed");
    const next = await ensureTcdBundle({ root, outDir, entry });
    assert.equal(next.built, true);
    assert.equal((await (await load(next.entry)).later()).value, 8);
  });

  it("does not prune a days-old build that was reused since (a running localnet's restart needs it)", async () => {
    const used = await ensureTcdBundle({ root, outDir, entry });
    const old = new Date(Date.now() - 3 * 86_400_000);
    utimesSync(dirname(used.entry), old, old);
    assert.equal((await ensureTcdBundle({ root, outDir, entry })).built, false); // a localnet starts from it
    writeFileSync(join(root, "lib", "later.ts"), "export const value: number = 3;\n");
    const next = await ensureTcdBundle({ root, outDir, entry }); // another `localnet up` after an edit
    assert.equal(next.built, true);
    assert.ok(existsSync(used.entry), "the build a running localnet uses is kept");
  });

  it("prunes what builds that crashed left, once a day old", async () => {
    const old = new Date(Date.now() - 2 * 86_400_000);
    const leftovers = [join(outDir, "tmp-99999-deadbeef"), join(outDir, "manifest.json.99999.tmp")];
    mkdirSync(leftovers[0]!, { recursive: true });
    writeFileSync(leftovers[1]!, "{");
    for (const f of leftovers) utimesSync(f, old, old);
    writeFileSync(join(root, "lib", "later.ts"), "export const value: number = 4;\n");
    assert.equal((await ensureTcdBundle({ root, outDir, entry })).built, true);
    for (const f of leftovers) assert.equal(existsSync(f), false, f);
  });

  it("two builds at once both end with a usable bundle", async () => {
    writeFileSync(join(root, "lib", "later.ts"), "export const value: number = 2;\n");
    const [a, b] = await Promise.all([
      ensureTcdBundle({ root, outDir, entry }),
      ensureTcdBundle({ root, outDir, entry }),
    ]);
    assert.equal(a.entry, b.entry);
    assert.equal(await (await load(a.entry)).later().then((l) => l.value), 2);
  });

  for (const [what, under] of [
    ["whose path has $& or $' in it", "tcd-bundle-$&-$'-$$-"],
    ["installed as a package (under node_modules)", join("node_modules", "tcompute-")],
  ] as const)
    it(`keeps each module's own import.meta.url in a checkout ${what}`, async () => {
      mkdirSync(dirname(join(root, under)), { recursive: true });
      const odd = mkdtempSync(join(root, under));
      try {
        const oddEntry = join(odd, "cmd", "main.ts");
        mkdirSync(dirname(oddEntry), { recursive: true });
        writeFileSync(join(odd, "tsconfig.json"), "{}\n");
        writeFileSync(
          oddEntry,
          "export const entryUrl: string = import.meta.url;\nexport const where = import.meta.filename;\n",
        );
        const b = await ensureTcdBundle({ root: odd, outDir: join(odd, ".build", "tcd"), entry: oddEntry });
        const m = await load(b.entry);
        assert.equal(m.entryUrl, pathToFileURL(oddEntry).href);
        assert.equal(m.where, oddEntry);
      } finally {
        rmSync(odd, { recursive: true, force: true });
      }
    });

  it("falls back to the sources, saying why, when the bundle cannot be written (read-only checkout, disk full)", async () => {
    const ro = mkdtempSync(join(tmpdir(), "tcd-bundle-ro-"));
    try {
      mkdirSync(join(ro, "cmd", "tcd"), { recursive: true });
      writeFileSync(join(ro, "tsconfig.json"), "{}\n");
      writeFileSync(join(ro, "cmd", "tcd", "main.ts"), "export const x = 1;\n");
      writeFileSync(join(ro, ".build"), ""); // .build/tcd cannot be made
      const said: string[] = [];
      assert.deepEqual(await tcdBundle((l) => said.push(l), ro), tcdFromSources);
      assert.match(said.join("\n"), /could not be built \(.*ENOTDIR.*\); running from the sources/);
    } finally {
      rmSync(ro, { recursive: true, force: true });
    }
  });

  it("of the real tcd: every file a module finds next to itself exists where the bundle looks for it", async () => {
    const realOut = mkdtempSync(join(tmpdir(), "tcd-bundle-real-"));
    try {
      const b = await ensureTcdBundle({ root: repoRoot, outDir: realOut });
      const dir = dirname(b.entry);
      const code = readdirSync(dir)
        .filter((f) => f.endsWith(".mjs"))
        .map((f) => readFileSync(join(dir, f), "utf8"))
        .join("\n");
      assert.equal(/\bimport\.meta\.(url|dirname|filename)\b/.test(code), false, "import.meta replaced everywhere");
      const urls = [...code.matchAll(/new URL\(\s*"([^"]+)",\s*"(file:[^"]+)"\s*\)/g)];
      assert.ok(urls.length >= 2, "the worker threads' scripts (signature pre-check, post thread)");
      for (const [, rel, base] of urls)
        assert.ok(existsSync(fileURLToPath(new URL(rel!, base))), `${rel} from ${base}`);
      const manifest = JSON.parse(readFileSync(join(realOut, "manifest.json"), "utf8")) as { inputs: object };
      for (const f of ["cmd/tcd/main.ts", "chain/node/node.ts", "client/worker/worker.ts", "tsconfig.json"])
        assert.ok(f in manifest.inputs, f);
    } finally {
      rmSync(realOut, { recursive: true, force: true });
    }
  });
});
