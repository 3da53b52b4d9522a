import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { moduleOrders } from "../../../chain/app/tcomputeApp.js";
import { createTestChain } from "../../../chain/testkit/inProcessChain.js";
import { moduleBasics } from "../../basics.js";
import type { AppModule } from "../module.js";
import { createModuleManager } from "../moduleManager.js";

// The template every module follows (docs/modules.md says what each file holds).
const requiredFiles = [
  "index.ts",
  "module.ts",
  "keeper.ts",
  "keys.ts",
  "msgServer.ts",
  "queryServer.ts",
  "params.ts",
  "genesis.ts",
  "errors.ts",
  "events.ts",
  "expectedKeepers.ts",
  "invariants.ts",
];

const modulesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const moduleDirs = readdirSync(modulesDir)
  .filter((d) => d !== "sdk" && statSync(join(modulesDir, d)).isDirectory())
  .sort();

/** Every string an events.ts exports, at any depth of its exported objects. */
function stringsOf(v: unknown, out = new Set<string>()): Set<string> {
  if (typeof v === "string") out.add(v);
  else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) stringsOf(x, out);
  return out;
}

/** The module's non-test source files, recursively (simulation helpers excluded: they run no state machine). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) {
      if (f !== "test" && f !== "simulation") out.push(...sources(p));
    } else if (f.endsWith(".ts")) out.push(p);
  }
  return out;
}

describe("module shape: one template, one list", () => {
  it("finds the module folders it checks", () => {
    assert.ok(moduleDirs.length >= 9, `module folders: ${moduleDirs.join(", ")}`);
  });

  for (const dir of moduleDirs) {
    it(`${dir} has every file of the template and tests`, () => {
      const files = readdirSync(join(modulesDir, dir));
      for (const f of requiredFiles) assert.ok(files.includes(f), `modules/${dir}/${f} is missing`);
      const tests = files.includes("test")
        ? readdirSync(join(modulesDir, dir, "test")).filter((f) => f.endsWith(".test.ts"))
        : [];
      assert.ok(tests.length > 0, `modules/${dir}/test has no *.test.ts`);
    });

    it(`${dir} lists in events.ts every event type its code emits`, async () => {
      const listed = stringsOf(await import(pathToFileURL(join(modulesDir, dir, "events.ts")).href));
      for (const file of sources(join(modulesDir, dir))) {
        for (const m of readFileSync(file, "utf8").matchAll(/\bevent\(\s*"([^"]+)"/g)) {
          assert.ok(
            listed.has(m[1]!),
            `${file.slice(modulesDir.length + 1)} emits "${m[1]}", which modules/${dir}/events.ts does not list`,
          );
        }
      }
    });
  }

  it("registers every module folder in modules/basics.ts, once", () => {
    const names = moduleBasics.map((b) => b.name);
    assert.deepEqual([...names].sort(), moduleDirs);
    assert.equal(new Set(names).size, names.length);
  });

  it("runs the app with exactly the registered modules, in the declared orders", async () => {
    const chain = await createTestChain();
    const names = chain.app.withCommittedContext((_ctx, modules) => modules.map((m) => m.name));
    assert.deepEqual(
      names,
      moduleBasics.map((b) => b.name),
    );
    assert.deepEqual([...moduleOrders.initGenesis].sort(), [...names].sort());
  });
});

describe("module manager", () => {
  const mod = (name: string, hooks: { begin?: boolean; end?: boolean } = {}, log: string[] = []): AppModule => ({
    name,
    msgCodecs: [],
    moduleAccounts: [],
    msgs: [],
    queries: {},
    defaultGenesis: () => ({ from: "default" }),
    validateGenesis: () => {},
    initGenesis: (_ctx, g) => void log.push(`init ${name} ${JSON.stringify(g)}`),
    exportGenesis: () => ({ name }),
    ...(hooks.begin === true ? { beginBlock: () => void log.push(`begin ${name}`) } : {}),
    ...(hooks.end === true
      ? { endBlock: () => (log.push(`end ${name}`), [{ pubKey: new Uint8Array([name.length]), power: 1n }]) }
      : {}),
    invariants: [],
  });
  const basics = (...names: string[]) =>
    names.map((name) => ({ name, defaultGenesis: () => ({}), msgCodecs: [], moduleAccounts: [] }));
  const all = { initGenesis: ["a", "b"], exportGenesis: ["a", "b"], beginBlock: [], endBlock: [] };

  it("refuses at start a registered module that was not constructed, or one not registered", () => {
    assert.throws(
      () => createModuleManager(basics("a", "b"), [mod("a")], all),
      /registered module b was not constructed/,
    );
    assert.throws(
      () =>
        createModuleManager(basics("a"), [mod("a"), mod("b")], { ...all, initGenesis: ["a"], exportGenesis: ["a"] }),
      /module b is not in modules\/basics.ts/,
    );
    assert.throws(() => createModuleManager(basics("a", "b"), [mod("a"), mod("a"), mod("b")], all), /given twice/);
  });

  it("refuses at start an order that forgets a module, names an unknown one or one twice", () => {
    const ms = [mod("a", { begin: true, end: true }), mod("b", { end: true })];
    assert.throws(
      () =>
        createModuleManager(basics("a", "b"), ms, {
          ...all,
          initGenesis: ["a"],
          beginBlock: ["a"],
          endBlock: ["a", "b"],
        }),
      /initGenesis order forgets module b/,
    );
    assert.throws(
      () =>
        createModuleManager(basics("a", "b"), ms, {
          ...all,
          exportGenesis: ["b"],
          beginBlock: ["a"],
          endBlock: ["a", "b"],
        }),
      /exportGenesis order forgets module a/,
    );
    assert.throws(
      () => createModuleManager(basics("a", "b"), ms, { ...all, beginBlock: [], endBlock: ["a", "b"] }),
      /beginBlock order forgets module a/,
    );
    assert.throws(
      () => createModuleManager(basics("a", "b"), ms, { ...all, beginBlock: ["a"], endBlock: ["b"] }),
      /endBlock order forgets module a/,
    );
    assert.throws(
      () => createModuleManager(basics("a", "b"), ms, { ...all, beginBlock: ["a", "c"], endBlock: ["a", "b"] }),
      /beginBlock order names unknown module c/,
    );
    assert.throws(
      () => createModuleManager(basics("a", "b"), ms, { ...all, beginBlock: ["a"], endBlock: ["a", "b", "a"] }),
      /endBlock order names module a twice/,
    );
  });

  it("runs hooks in the declared orders, skips modules without the hook, and defaults missing genesis", () => {
    const log: string[] = [];
    const ms = [mod("a", { begin: true, end: true }, log), mod("b", { end: true }, log)];
    const m = createModuleManager(basics("a", "b"), ms, {
      initGenesis: ["b", "a"],
      exportGenesis: ["b", "a"],
      beginBlock: ["b", "a"],
      endBlock: ["b", "a"],
    });
    const ctx = null as unknown as Parameters<typeof m.beginBlock>[0];
    m.initGenesis(ctx, { a: { from: "file" } });
    m.beginBlock(ctx, { lastCommit: [], misbehavior: [] });
    const updates = m.endBlock(ctx);
    assert.deepEqual(log, ['init b {"from":"default"}', 'init a {"from":"file"}', "begin a", "end b", "end a"]);
    assert.deepEqual(
      updates.map((u) => u.pubKey[0]),
      [1, 1],
    );
    assert.deepEqual(Object.keys(m.exportGenesis(ctx)), ["b", "a"]);
    assert.deepEqual(
      m.modules.map((x) => x.name),
      ["a", "b"],
      "modules in registration order",
    );
  });
});
