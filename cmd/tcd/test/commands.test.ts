import assert from "node:assert/strict";
import { Command } from "commander";
import { commandGroups, commandOf, groups } from "../commands.js";

// tcd imports a command's modules only when that command runs (issue 17 step 3: a validator
// does not load the worker's code and a worker not the node's).

describe("tcd's command groups (imported on demand)", () => {
  it("finds the command after the global options, skipping their values", () => {
    assert.equal(commandOf(["start", "--home", "x"]), "start");
    assert.equal(commandOf(["--home", "start", "worker", "start"]), "worker");
    assert.equal(commandOf(["-o", "json", "--yes", "--keyring-backend", "test", "q", "bank"]), "q");
    assert.equal(commandOf(["--", "keys", "list"]), "keys");
    assert.equal(commandOf(["--help"]), null);
    assert.equal(commandOf([]), null);
  });

  it("loads only the running command's group, and every group without one or for an unknown one", async () => {
    const names = async (command: string | null) => {
      const p = new Command("tcd");
      for (const r of await commandGroups(command)) r(p);
      return p.commands.map((c) => c.name());
    };
    assert.deepEqual(await names("start"), ["init", "genesis", "start", "chain-info", "status"]);
    assert.deepEqual(await names("worker"), ["worker", "models"]);
    assert.deepEqual(await names("query"), ["tx", "q"]);
    const all = groups.flatMap((g) => g.commands).filter((c) => c !== "query");
    assert.deepEqual(await names(null), all);
    assert.deepEqual(await names("no-such-command"), all);
  });
});
