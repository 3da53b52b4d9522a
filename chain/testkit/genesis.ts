import { createTestChain, type TestChain } from "./inProcessChain.js";

// The genesis round trip the module tests make: export every module's state from a chain, and
// start a new chain from that export, as `tcd export` and a restart from it would.

/** Every module's genesis exported from `c`'s committed state, by module name. */
export function exportAppState(c: TestChain): Record<string, unknown> {
  return c.app.withCommittedContext((ctx, modules) =>
    Object.fromEntries(modules.map((m) => [m.name, m.exportGenesis(ctx)])),
  );
}

/** A new test chain whose genesis app_state is (a JSON copy of) `appState`, an export. */
export function importAppState(appState: unknown): Promise<TestChain> {
  return createTestChain({
    editGenesis: (d) => (d.app_state = JSON.parse(JSON.stringify(appState)) as Record<string, unknown>),
  });
}
