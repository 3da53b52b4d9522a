import assert from "node:assert/strict";
import { check, importCircles, layerViolations, unitGraph } from "../importGraph.js";

// The layers of docs/architecture.md, kept by the code's own imports.
describe("import graph", () => {
  it("has no import running up the stack, no test import from non-test code, no circle", () => {
    const report = check();
    assert.deepEqual(report.violations, []);
    assert.deepEqual(report.circles, []);
  });

  it("reports an import up the stack, into a test file or past expectedKeepers.ts, and a circle", () => {
    const graph = new Map<string, string[]>([
      ["modules/jobs/keeper.ts", ["client/sdk/client.ts", "modules/sdk/coins.ts"]],
      ["modules/jobs/sim.ts", ["modules/staking/test/fixtures.ts"]],
      ["modules/slashing/keeper.ts", ["modules/staking/keeper.ts", "modules/gov/authority.ts"]],
      ["modules/slashing/expectedKeepers.ts", ["modules/staking/errors.ts"]],
      ["chain/node/node.ts", ["chain/rpc/server.ts", "localnet/localnet.ts"]],
      ["chain/rpc/server.ts", ["chain/node/config.ts"]],
      ["chain/node/config.ts", []],
      ["client/sdk/client.ts", ["chain/types/hashes.ts", "chain/node/node.ts"]],
      ["modules/jobs/test/jobs.test.ts", ["client/sdk/client.ts", "chain/testkit/fixtures.ts"]],
    ]);
    assert.deepEqual(
      layerViolations(graph).map((v) => `${v.from} -> ${v.to}: ${v.why}`),
      [
        "modules/jobs/keeper.ts -> client/sdk/client.ts: modules may not import client",
        "modules/jobs/sim.ts -> modules/staking/test/fixtures.ts: non-test code imports a test file",
        "modules/slashing/keeper.ts -> modules/staking/keeper.ts: a module reaches staking only through its own expectedKeepers.ts",
        "chain/node/node.ts -> localnet/localnet.ts: chain may not import localnet",
        "client/sdk/client.ts -> chain/node/node.ts: client imports chain only through chain/types/",
      ],
    );
    assert.deepEqual(importCircles(graph), []);
    assert.deepEqual(importCircles(unitGraph(graph)), [["chain/node", "chain/rpc"]]);
    graph.set("chain/node/config.ts", ["chain/node/node.ts"]);
    assert.deepEqual(importCircles(graph), [["chain/node/config.ts", "chain/node/node.ts", "chain/rpc/server.ts"]]);
  });
});
