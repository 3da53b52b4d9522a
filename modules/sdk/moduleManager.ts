import type { Context } from "./context.js";
import type { AppModule, BeginBlockInfo, ModuleBasics, ValidatorUpdate } from "./module.js";

// The module manager, as the Cosmos SDK's (types/module.Manager with SetOrderBeginBlockers,
// SetOrderEndBlockers, SetOrderInitGenesis, SetOrderExportGenesis): the one place that holds the
// app's modules and runs their genesis and block hooks in explicit orders. At start it checks
// that the modules are exactly the registered list (modules/basics.ts) and that every order names
// each module it must (every module for genesis, every module with the hook for begin/end-block),
// so a module added to the list but forgotten in an order stops the node at start, not silently
// at some height.

export interface ModuleOrders {
  /** Every module, in the order InitChain initializes their genesis. */
  readonly initGenesis: readonly string[];
  /** Every module, in the order an export lists them. */
  readonly exportGenesis: readonly string[];
  /** Every module that has beginBlock (others may be listed; they are skipped). */
  readonly beginBlock: readonly string[];
  /** Every module that has endBlock (others may be listed; they are skipped). */
  readonly endBlock: readonly string[];
}

export interface ModuleManager {
  /** The modules in registration order (modules/basics.ts). */
  readonly modules: readonly AppModule[];
  readonly initGenesisOrder: readonly AppModule[];
  readonly exportGenesisOrder: readonly AppModule[];
  readonly beginBlockers: readonly AppModule[];
  readonly endBlockers: readonly AppModule[];
  /** Validates and initializes each module's genesis (its default if app_state lacks it). */
  initGenesis(ctx: Context, appState: Readonly<Record<string, unknown>>): void;
  /** Each module's exported genesis, keyed by name, in export order. */
  exportGenesis(ctx: Context): Record<string, unknown>;
  beginBlock(ctx: Context, info: BeginBlockInfo): void;
  /** Runs the end-blockers in order and concatenates their validator updates. */
  endBlock(ctx: Context): ValidatorUpdate[];
}

/** Throws (a programmer error: the app cannot start) naming the first forgotten or unknown module. */
export function createModuleManager(
  registered: readonly ModuleBasics[],
  modules: readonly AppModule[],
  orders: ModuleOrders,
): ModuleManager {
  const byName = new Map<string, AppModule>();
  for (const m of modules) {
    if (byName.has(m.name)) throw new Error(`module manager: module ${m.name} given twice`);
    byName.set(m.name, m);
  }
  const names = registered.map((b) => b.name);
  for (const n of names)
    if (!byName.has(n)) throw new Error(`module manager: registered module ${n} was not constructed`);
  if (byName.size !== names.length) {
    const extra = modules.map((m) => m.name).filter((n) => !names.includes(n));
    throw new Error(`module manager: module ${extra.join(", ")} is not in modules/basics.ts`);
  }

  function ordered(kind: keyof ModuleOrders, required: (m: AppModule) => boolean): AppModule[] {
    const list = orders[kind];
    const seen = new Set<string>();
    for (const n of list) {
      if (!byName.has(n)) throw new Error(`module manager: ${kind} order names unknown module ${n}`);
      if (seen.has(n)) throw new Error(`module manager: ${kind} order names module ${n} twice`);
      seen.add(n);
    }
    const forgotten = names.filter((n) => !seen.has(n) && required(byName.get(n)!));
    if (forgotten.length > 0) throw new Error(`module manager: ${kind} order forgets module ${forgotten.join(", ")}`);
    return list.map((n) => byName.get(n)!);
  }

  const ordersOf = {
    initGenesis: ordered("initGenesis", () => true),
    exportGenesis: ordered("exportGenesis", () => true),
    beginBlock: ordered("beginBlock", (m) => m.beginBlock !== undefined).filter((m) => m.beginBlock !== undefined),
    endBlock: ordered("endBlock", (m) => m.endBlock !== undefined).filter((m) => m.endBlock !== undefined),
  };

  return {
    modules: names.map((n) => byName.get(n)!),
    initGenesisOrder: ordersOf.initGenesis,
    exportGenesisOrder: ordersOf.exportGenesis,
    beginBlockers: ordersOf.beginBlock,
    endBlockers: ordersOf.endBlock,
    initGenesis(ctx, appState) {
      for (const m of ordersOf.initGenesis) {
        const g = appState[m.name] ?? m.defaultGenesis();
        m.validateGenesis(g);
        m.initGenesis(ctx, g);
      }
    },
    exportGenesis(ctx) {
      const out: Record<string, unknown> = {};
      for (const m of ordersOf.exportGenesis) out[m.name] = m.exportGenesis(ctx);
      return out;
    },
    beginBlock(ctx, info) {
      for (const m of ordersOf.beginBlock) m.beginBlock?.(ctx, info);
    },
    endBlock(ctx) {
      const updates: ValidatorUpdate[] = [];
      for (const m of ordersOf.endBlock) updates.push(...(m.endBlock?.(ctx) ?? []));
      return updates;
    },
  };
}
