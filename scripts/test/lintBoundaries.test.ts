import assert from "node:assert/strict";
import { ESLint } from "eslint";
import { repoRoot } from "../importGraph.js";

// The layering rules of eslint.config.js fire on the line that crosses a wall (and stay quiet on
// an allowed import): each case lints a one-line file at a path in the layer it names.
describe("lint: import boundaries", function () {
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: repoRoot });
  const restricted = async (filePath: string, spec: string): Promise<string[]> => {
    const [result] = await eslint.lintText(`import { x } from "${spec}";\nexport const y = x;\n`, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
  };
  const cases: Array<[file: string, spec: string, refusal: string | null]> = [
    ["modules/jobs/x.ts", "../../client/sdk/client.js", "modules import nothing above them"],
    ["modules/jobs/x.ts", "../../chain/testkit/fixtures.js", "modules import nothing above them"],
    ["modules/jobs/x.ts", "../staking/test/fixtures.js", "non-test code imports no test file"],
    ["modules/slashing/x.ts", "../staking/keeper.js", "only through modules/slashing/expectedKeepers.ts"],
    ["modules/slashing/expectedKeepers.ts", "../staking/keeper.js", null],
    ["modules/bank/keeper.ts", "../auth/keeper.js", "only through modules/bank/expectedKeepers.ts"],
    ["modules/slashing/x.ts", "../gov/authority.js", null],
    ["modules/slashing/x.ts", "../sdk/coins.js", null],
    ["modules/sdk/x.ts", "../staking/keeper.js", "modules/sdk imports no module"],
    ["chain/node/x.ts", "../../client/sdk/client.js", "chain imports no client"],
    ["chain/node/x.ts", "../../localnet/localnet.js", "chain imports no client, localnet"],
    ["chain/node/x.ts", "../testkit/network.js", "only tests and simulations import the test kit"],
    ["chain/testkit/x.ts", "../../localnet/localnet.js", "the test kit imports no localnet"],
    ["chain/testkit/x.ts", "../../client/sdk/signing.js", null],
    ["client/sdk/x.ts", "../../chain/node/node.js", "client sees the chain only through chain/types"],
    ["client/sdk/x.ts", "../../chain/types/time.js", null],
    ["client/sdk/x.ts", "../../localnet/localnet.js", "client imports no localnet"],
    ["localnet/x.ts", "../cmd/tcd/main.js", "localnet imports no tool"],
    ["cmd/tcd/x.ts", "../../localnet/localnet.js", null],
    ["chain/node/test/x.test.ts", "../../testkit/network.js", null],
  ];
  for (const [file, spec, refusal] of cases)
    it(`${file}: import "${spec}" is ${refusal === null ? "allowed" : "refused"}`, async () => {
      const got = await restricted(file, spec);
      if (refusal === null) assert.deepEqual(got, []);
      else
        assert.ok(
          got.some((m) => m.includes(refusal)),
          JSON.stringify(got),
        );
    });
});
