import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { nopLogger } from "../../../modules/sdk/context.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { loadConfig } from "../../../chain/types/nodeConfig.js";
import { createNode, type Node } from "../../../chain/node/node.js";
import { freePort, makeTestHome } from "../../../chain/testkit/nodeProcess.js";
import { registerBankCommands } from "../commands/bank.js";
import { registerJobsCommands } from "../commands/jobs.js";
import { openKeyring } from "../keyring.js";

// The CLI's commands run in process against an in-process node: tx and q go through
// TcomputeClient (client/cli/tx.ts, query.ts), and keep their outputs and error codes.

const mnemonic = "legal winner thank year wave sausage worth useful legal winner thank yellow";

describe("the CLI over TcomputeClient (in process)", function () {
  this.timeout(60_000);
  let node: Node;
  let url: string;
  let alice: string;
  const keys = mkdtempSync(join(tmpdir(), "tcd-thin-"));

  before(async () => {
    alice = (await (await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "tc" })).getAccounts())[0]!.address;
    await openKeyring(keys, "test", () => "").add("alice", mnemonic);
    const home = await makeTestHome({
      accounts: [{ address: alice, coins: [{ denom: "utcu", amount: 10_000_000_000n }] }],
    });
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "100ms";
    node = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
    await node.start();
    url = `http://${node.rpcAddress}`;
  });

  after(async () => {
    await node?.stop();
  });

  /** Runs `tcd <args> -o json` in process; its stdout, or the coded error it ends with. */
  async function tcd(...args: string[]): Promise<{ out: string; error: CodedError | null }> {
    const program = new Command("tcd")
      .option("--home <dir>")
      .option("--node <url>")
      .option("--chain-id <id>")
      .option("-o, --output <format>", "", "text")
      .option("--keyring-backend <backend>", "", "file")
      .option("--keyring-dir <dir>")
      .option("-y, --yes", "", false)
      .exitOverride();
    const tx = program.command("tx");
    const q = program.command("q");
    registerBankCommands(tx, q);
    registerJobsCommands(tx, q);
    let out = "";
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((c: string | Uint8Array) => ((out += c.toString()), true)) as typeof process.stdout.write;
    try {
      await program.parseAsync([
        "node",
        "tcd",
        ...args,
        "--node",
        url,
        "--keyring-backend",
        "test",
        "--keyring-dir",
        keys,
        "-o",
        "json",
        "-y",
      ]);
      return { out, error: null };
    } catch (e) {
      if (e instanceof CodedError) return { out, error: e };
      throw e;
    } finally {
      process.stdout.write = write;
    }
  }

  it("tx bank send, q tx and q bank balances answer as before", async () => {
    const sent = await tcd("tx", "bank", "send", "alice", alice, "1000utcu", "--note", "thin");
    assert.equal(sent.error, null);
    const res = JSON.parse(sent.out) as { txhash: string; code: number; height: number };
    assert.equal(res.code, 0);
    const t = JSON.parse((await tcd("q", "tx", res.txhash)).out) as { txhash: string; height: number; code: number };
    assert.deepEqual([t.txhash, t.height, t.code], [res.txhash, res.height, 0]);
    const b = JSON.parse((await tcd("q", "bank", "balances", alice)).out) as {
      balances: Array<{ denom: string; amount: string }>;
    };
    assert.equal(b.balances.find((c) => c.denom === "utcu")?.denom, "utcu");
  });

  it("refuses --fees without --gas (cli 2), a wrong --chain-id (cli 2), and an unknown job (cli 5)", async () => {
    const fees = await tcd("tx", "bank", "send", "alice", alice, "1utcu", "--fees", "500utcu");
    assert.deepEqual([fees.error?.codespace, fees.error?.code], ["cli", 2]);
    const chain = await tcd("tx", "bank", "send", "alice", alice, "1utcu", "--chain-id", "other-chain");
    assert.deepEqual([chain.error?.codespace, chain.error?.code], ["cli", 2]);
    assert.match(chain.error?.message ?? "", /not other-chain/);
    const job = await tcd("q", "jobs", "get", "424242");
    assert.deepEqual([job.error?.codespace, job.error?.code], ["cli", 5]);
  });

  it("q jobs audit-keys lists the bonded validators' audit keys; tx jobs register-audit-key refuses a non-validator (jobs 17) and a malformed key (cli)", async () => {
    const listed = await tcd("q", "jobs", "audit-keys");
    assert.equal(listed.error, null);
    assert.deepEqual(JSON.parse(listed.out), { keys: [] });
    // Refused when the tx is simulated (the chain's jobs 17), nothing sent.
    await assert.rejects(
      tcd("tx", "jobs", "register-audit-key", "alice", "--x25519-pubkey", "ab".repeat(32)),
      /\(17\).*not bonded/,
    );
    const short = await tcd("tx", "jobs", "register-audit-key", "alice", "--x25519-pubkey", "ab".repeat(31));
    assert.equal(short.error?.codespace, "cli", short.error?.message);
    assert.deepEqual(JSON.parse((await tcd("q", "jobs", "audit-keys")).out), { keys: [] }, "nothing stored");
  });

  it("answers cli 3 when no node listens", async () => {
    const program = ["q", "bank", "balances", alice];
    const saved = url;
    url = `http://127.0.0.1:${await freePort()}`;
    try {
      const r = await tcd(...program);
      assert.deepEqual([r.error?.codespace, r.error?.code], ["cli", 3]);
    } finally {
      url = saved;
    }
  });
});
