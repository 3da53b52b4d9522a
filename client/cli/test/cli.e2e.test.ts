import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startNodeProcess, type NodeProcess } from "../../../chain/testkit/nodeProcess.js";
import { homePaths, loadConfig, saveConfig } from "../../../chain/types/nodeConfig.js";
import { runTcd as tcd } from "../../../chain/testkit/tcd.js";
import { zoo } from "../../models/zoo.js";

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

describe("the tcd CLI (e2e)", function () {
  this.timeout(180_000);
  const home = mkdtempSync(join(tmpdir(), "tcd-cli-"));
  const kr = ["--home", home, "--keyring-backend", "test"];
  let node: NodeProcess;
  let alice = "";
  let bob = "";

  after(async () => {
    await node?.stop();
  });

  it("init creates config, keys and a genesis with this validator", async () => {
    const r = await tcd(["init", "cli-node", "--chain-id", "tcompute-cli-1", "--home", home, "--output", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const p = homePaths(home);
    for (const f of [p.genesis, p.privValidatorKey, p.nodeKey, join(home, "config", "tcd.json")])
      assert.ok(existsSync(f), f);
    const g = JSON.parse(readFileSync(p.genesis, "utf8")) as { chain_id: string; validators: unknown[] };
    assert.equal(g.chain_id, "tcompute-cli-1");
    assert.equal(g.validators.length, 1);
    const again = await tcd(["init", "cli-node", "--chain-id", "tcompute-cli-1", "--home", home]);
    assert.notEqual(again.code, 0, "refuses to overwrite without --overwrite");
    assert.match(again.stderr, /--overwrite/);
  });

  it("keys add, import, list, show, delete (test backend)", async () => {
    const add = await tcd(["keys", "add", "alice", ...kr, "--output", "json"]);
    assert.equal(add.code, 0, add.stderr);
    const info = JSON.parse(add.stdout) as { address: string; mnemonic: string };
    assert.match(info.address, /^tc1/);
    assert.equal(info.mnemonic.split(" ").length, 24);
    alice = info.address;
    const imp = await tcd(["keys", "import", "bob", ...kr, "--output", "json"], { stdin: mnemonic });
    assert.equal(imp.code, 0, imp.stderr);
    bob = (JSON.parse(imp.stdout) as { address: string }).address;
    assert.match(bob, /^tc1/);
    const list = await tcd(["keys", "list", ...kr, "--output", "json"]);
    assert.deepEqual(
      (JSON.parse(list.stdout) as Array<{ name: string }>).map((k) => k.name),
      ["alice", "bob"],
    );
    const show = await tcd(["keys", "show", "alice", "-a", ...kr]);
    assert.equal(show.stdout.trim(), alice);
    const dup = await tcd(["keys", "add", "alice", ...kr]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /key already exists/);
    await tcd(["keys", "add", "temp", ...kr]);
    const noYes = await tcd(["keys", "delete", "temp", ...kr]);
    assert.notEqual(noYes.code, 0);
    assert.match(noYes.stderr, /--yes/);
    assert.equal((await tcd(["keys", "delete", "temp", "--yes", ...kr])).code, 0);
    const gone = await tcd(["keys", "show", "temp", ...kr]);
    assert.match(gone.stderr, /key not found/);
  });

  it("the file backend encrypts keys under a passphrase and refuses a wrong one", async () => {
    const env = { TCD_KEYRING_PASSPHRASE: "correct horse battery" };
    const add = await tcd(["keys", "add", "carol", "--home", home, "--output", "json"], { env });
    assert.equal(add.code, 0, add.stderr);
    const file = readFileSync(join(home, "keyring-file", "carol.info.json"), "utf8");
    const phrase = (JSON.parse(add.stdout) as { mnemonic: string }).mnemonic;
    assert.ok(
      !file.includes(phrase.split(" ")[0]! + " " + phrase.split(" ")[1]!),
      "the mnemonic is not stored in clear",
    );
    const noPass = await tcd(["keys", "add", "dave", "--home", home], { env: { TCD_KEYRING_PASSPHRASE: "" } });
    assert.match(noPass.stderr, /TCD_KEYRING_PASSPHRASE/);
  });

  it("genesis add-account funds keys and addresses", async () => {
    assert.equal((await tcd(["genesis", "add-account", "alice", "5000000utcu", ...kr])).code, 0);
    const bad = await tcd(["genesis", "add-account", "tc1nope", "5utcu", ...kr]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid address/);
    const badCoins = await tcd(["genesis", "add-account", "alice", "0utcu", ...kr]);
    assert.match(badCoins.stderr, /invalid coin/);
  });

  it("start, status, tx bank send, q bank balances, q tx", async () => {
    const cfg = loadConfig(home);
    cfg.rpc.laddr = `tcp://127.0.0.1:${await freePort()}`;
    cfg.p2p.laddr = `tcp://127.0.0.1:${await freePort()}`; // a lone validator listens for peers too
    cfg.consensus.timeout_commit = "300ms";
    cfg.log_level = "warn";
    saveConfig(home, cfg);
    node = await startNodeProcess(home);
    const nodeFlag = ["--node", node.rpcUrl];
    const status = await tcd(["status", ...nodeFlag, "--output", "json"]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { node_info: { network: string } }).node_info.network, "tcompute-cli-1");

    const send = await tcd([
      "tx",
      "bank",
      "send",
      "alice",
      bob,
      "1234utcu",
      ...kr,
      ...nodeFlag,
      "--output",
      "json",
      "--yes",
    ]);
    assert.equal(send.code, 0, send.stderr + send.stdout);
    const res = JSON.parse(send.stdout) as { txhash: string; code: number; height: number };
    assert.equal(res.code, 0);
    const bal = await tcd(["q", "bank", "balances", bob, ...nodeFlag, "--output", "json"]);
    assert.deepEqual(JSON.parse(bal.stdout), { balances: [{ denom: "utcu", amount: "1234" }] });
    const q = await tcd(["q", "tx", res.txhash, ...nodeFlag, "--output", "json"]);
    assert.equal(q.code, 0, q.stderr);
    assert.equal((JSON.parse(q.stdout) as { height: number }).height, res.height);

    const wrongChain = await tcd([
      "tx",
      "bank",
      "send",
      "alice",
      bob,
      "1utcu",
      ...kr,
      ...nodeFlag,
      "--chain-id",
      "other-1",
    ]);
    assert.notEqual(wrongChain.code, 0);
    assert.match(wrongChain.stderr, /serves chain tcompute-cli-1, not other-1/);
    const tooMuch = await tcd(["tx", "bank", "send", "alice", bob, "999999999999utcu", ...kr, ...nodeFlag]);
    assert.notEqual(tooMuch.code, 0);
    assert.match(tooMuch.stderr, /insufficient funds/);
    const badTo = await tcd(["tx", "bank", "send", "alice", "tc1xyz", "1utcu", ...kr, ...nodeFlag]);
    assert.match(badTo.stderr, /invalid address/);
    const missing = await tcd(["q", "tx", "AB".repeat(32), ...nodeFlag]);
    assert.match(missing.stderr, /not found/);
    const down = await tcd(["status", "--node", "http://127.0.0.1:1"]);
    assert.match(down.stderr, /is the node running/);
  });
});

describe("genesis from gentxs (e2e)", function () {
  this.timeout(180_000);
  const home = mkdtempSync(join(tmpdir(), "tcd-gentx-"));
  const kr = ["--home", home, "--keyring-backend", "test"];
  let node: NodeProcess | undefined;

  after(async () => {
    await node?.stop();
  });

  it("gentx + collect-gentxs make the validator set; the node starts from it", async () => {
    assert.equal((await tcd(["init", "gx", "--chain-id", "tcompute-gx-1", ...kr])).code, 0);
    assert.equal((await tcd(["keys", "add", "op", ...kr])).code, 0);
    // A key without a genesis account cannot make a gentx.
    const noAccount = await tcd(["genesis", "gentx", "op", "100000000utcu", ...kr]);
    assert.notEqual(noAccount.code, 0);
    assert.match(noAccount.stderr, /has no account in genesis/);
    const none = await tcd(["genesis", "collect-gentxs", ...kr]);
    assert.match(none.stderr, /does not exist|no gentx files/);
    assert.equal((await tcd(["genesis", "add-account", "op", "1000000000utcu", ...kr])).code, 0);
    const gentx = await tcd(["genesis", "gentx", "op", "100000000utcu", "--moniker", "gx-val", ...kr]);
    assert.equal(gentx.code, 0, gentx.stderr);
    const collect = await tcd(["genesis", "collect-gentxs", ...kr]);
    assert.equal(collect.code, 0, collect.stderr);
    const g = JSON.parse(readFileSync(homePaths(home).genesis, "utf8")) as {
      validators: unknown[];
      app_state: { genutil: { gen_txs: string[] } };
    };
    assert.deepEqual(g.validators, [], "the set comes from InitChain");
    assert.equal(g.app_state.genutil.gen_txs.length, 1);
    // The jobs test below inspects a job before any worker answers: keep its commit window open,
    // and its reveal window too (20 blocks of 300 ms can pass while two tcd processes start).
    // No worker runs for the one provider: a capability challenge (every 100 blocks) would jail it.
    const doc = JSON.parse(readFileSync(homePaths(home).genesis, "utf8")) as {
      app_state: { jobs: { params: { commit_window: string; reveal_window: string; challenge_epoch_blocks: string } } };
    };
    doc.app_state.jobs.params.commit_window = "10000";
    doc.app_state.jobs.params.reveal_window = "10000";
    doc.app_state.jobs.params.challenge_epoch_blocks = "0";
    writeFileSync(homePaths(home).genesis, JSON.stringify(doc, null, 2));

    const cfg = loadConfig(home);
    cfg.rpc.laddr = `tcp://127.0.0.1:${await freePort()}`;
    cfg.p2p.laddr = `tcp://127.0.0.1:${await freePort()}`; // a lone validator listens for peers too
    cfg.consensus.timeout_commit = "300ms";
    cfg.log_level = "warn";
    saveConfig(home, cfg);
    node = await startNodeProcess(home);
    const res = await fetch(node.rpcUrl, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "validators", params: { height: "1" } }),
    });
    const vals = (
      (await res.json()) as { result: { validators: Array<{ voting_power: string; pub_key: { value: string } }> } }
    ).result.validators;
    const key = JSON.parse(readFileSync(homePaths(home).privValidatorKey, "utf8")) as { pub_key: { value: string } };
    assert.deepEqual(
      vals.map((v) => [v.pub_key.value, v.voting_power]),
      [[key.pub_key.value, "100"]],
      "100 TCU bonded = power 100, the node's own key",
    );
  });

  it("staking, distribution, slashing, emissions and registry through tcd tx / tcd q", async () => {
    assert.ok(node !== undefined, "the node of the previous test runs");
    const nf = ["--node", node!.rpcUrl, "--output", "json", "--yes"];
    const json = async (args: string[]) => {
      const r = await tcd([...args, ...kr, ...nf]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}${r.stdout}`);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const op = (await json(["keys", "show", "op"])) as { address: string };
    const vals = (await json(["q", "staking", "validators"])) as {
      validators: Array<{ operatorAddress: string; tokens: string }>;
    };
    assert.equal(vals.validators.length, 1);
    const valoper = vals.validators[0]!.operatorAddress;
    await json(["tx", "staking", "delegate", "op", valoper, "5000000utcu"]);
    const del = (await json(["q", "staking", "delegation", op.address, valoper])) as {
      delegationResponse: { balance: { amount: string } };
    };
    assert.equal(del.delegationResponse.balance.amount, "105000000");
    await json(["tx", "distribution", "withdraw-rewards", "op", valoper, "--commission"]);
    const totals = await json(["q", "emissions", "totals"]);
    assert.ok(BigInt(totals["minted"] as string) > 0n, "issuance runs on a real node");
    const notJailed = await tcd(["tx", "slashing", "unjail", "op", ...kr, ...nf]);
    assert.notEqual(notJailed.code, 0);
    assert.match(notJailed.stderr + notJailed.stdout, /not jailed/);
    const hash = "ab".repeat(32);
    await json([
      "tx",
      "registry",
      "register-model",
      "op",
      "--hash",
      hash,
      "--name",
      "mlp-cli",
      "--in",
      "x:float32:-1,16",
      "--out",
      "y:float32:-1,4",
      "--compute-units",
      "10",
      "--challenge",
      "x:2,16",
    ]);
    const model = (await json(["q", "registry", "model", "mlp-cli"])) as {
      model: { hash: string; inputs: Array<{ shape: number[] }>; challengeInputs: unknown };
    };
    assert.equal(model.model.hash, hash);
    assert.deepEqual(model.model.inputs[0]!.shape, [-1, 16]);
    assert.deepEqual(model.model.challengeInputs, [{ name: "x", shape: [2, 16], values: [] }]);
    const badRecipe = await tcd(
      ["tx", "registry", "register-model", "op", "--hash", "cd".repeat(32), "--name", "m2"]
        .concat(["--in", "x:float32:-1,16", "--out", "y:float32:-1,4", "--compute-units", "10"])
        .concat(["--challenge", "x:two", ...kr, ...nf]),
    );
    assert.notEqual(badRecipe.code, 0);
    assert.match(badRecipe.stderr, /--challenge "x:two": use name:dims\[:values\]/);
    const unfit = await tcd(
      ["tx", "registry", "register-model", "op", "--hash", "cd".repeat(32), "--name", "m2"]
        .concat(["--in", "x:float32:-1,16", "--out", "y:float32:-1,4", "--compute-units", "10"])
        .concat(["--challenge", "x:2,8", ...kr, ...nf]),
    );
    assert.notEqual(unfit.code, 0);
    assert.match(unfit.stderr + unfit.stdout, /dimension 1 is 8, the input's is 16/);
    await json([
      "tx",
      "registry",
      "register-provider",
      "op",
      "--moniker",
      "cli-farm",
      "--gpu",
      "nvidia:A100:81920:1",
      "--model",
      hash,
      "--price",
      "5utcu",
      "--x25519",
      "11".repeat(32),
      "--bond",
      "10000000utcu",
    ]);
    const provs = (await json(["q", "registry", "providers", "--model", hash, "--status", "active"])) as {
      providers: Array<{ owner: string }>;
    };
    assert.deepEqual(
      provs.providers.map((p) => p.owner),
      [op.address],
    );
    const badPrice = await tcd([
      "tx",
      "registry",
      "update-provider",
      "op",
      "--moniker",
      "x",
      "--gpu",
      "nvidia:A100:81920:1",
      "--model",
      hash,
      "--price",
      "5uatom",
      "--x25519",
      "11".repeat(32),
      ...kr,
      ...nf,
    ]);
    assert.notEqual(badPrice.code, 0);
    assert.match(badPrice.stderr + badPrice.stdout, /prices are in utcu/);
  });

  it("jobs and reputation through tcd tx / tcd q", async () => {
    const nf = ["--node", node!.rpcUrl, "--output", "json", "--yes"];
    const json = async (args: string[]) => {
      const r = await tcd([...args, ...kr, ...nf]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}${r.stdout}`);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const input = join(home, "input.bin");
    writeFileSync(input, Buffer.from([1, 2, 3, 4]));
    // The model and the one provider (op, price 5utcu) come from the previous test.
    const submitted = (await json([
      "tx",
      "jobs",
      "submit",
      "op",
      "--model",
      "mlp-cli",
      "--input",
      input,
      "--k",
      "1",
    ])) as { job_ids: string[] };
    assert.equal(submitted.job_ids.length, 1);
    const id = submitted.job_ids[0]!;
    const job = (await json(["q", "jobs", "get", id])) as {
      state: number;
      maxPricePerUnit: string;
      assignments: Array<{ provider: string }>;
      escrow: string;
    };
    assert.equal(job.maxPricePerUnit, "5utcu", "the default price is what k providers ask");
    assert.equal(job.state, 2, "assigned at once to the only provider");
    assert.equal(job.escrow, "50");
    assert.equal((await json(["q", "jobs", "escrow"]))["total"], "50");
    const listed = (await json(["q", "jobs", "list", "--state", "assigned"])) as { jobs: Array<{ id: string }> };
    assert.deepEqual(
      listed.jobs.map((j) => j.id),
      [id],
    );
    const cancel = await tcd(["tx", "jobs", "cancel", "op", id, ...kr, ...nf]);
    assert.notEqual(cancel.code, 0);
    assert.match(cancel.stderr + cancel.stdout, /only a job not yet assigned can be cancelled/);
    const tooMany = await tcd([
      "tx",
      "jobs",
      "submit",
      "op",
      "--model",
      "mlp-cli",
      "--input",
      input,
      "--k",
      "3",
      ...kr,
      ...nf,
    ]);
    assert.notEqual(tooMany.code, 0);
    assert.match(tooMany.stderr, /only 1 active provider\(s\) serve this model; lower --k/);
    const noInput = await tcd(["tx", "jobs", "submit", "op", "--model", "mlp-cli", ...kr, ...nf]);
    assert.match(noInput.stderr, /give --input/);
    const badState = await tcd(["q", "jobs", "list", "--state", "done", ...kr, ...nf]);
    assert.match(badState.stderr, /--state is pending/);
    // Commit by hand (the worker normally does): a second commitment is refused.
    await json(["tx", "jobs", "commit", "op", id, "ab".repeat(32)]);
    const again = await tcd(["tx", "jobs", "commit", "op", id, "cd".repeat(32), ...kr, ...nf]);
    assert.match(again.stderr + again.stdout, /already committed/);
    const badReveal = await tcd([
      "tx",
      "jobs",
      "reveal",
      "op",
      id,
      "--salt",
      "00".repeat(32),
      "--digest",
      "11".repeat(32),
      "--sketch",
      '{"components":["1"],"length":"1"}',
      ...kr,
      ...nf,
    ]);
    assert.notEqual(badReveal.code, 0);
    assert.match(badReveal.stderr + badReveal.stdout, /components|does not match/);
    const notAudited = await tcd([
      "tx",
      "jobs",
      "audit-verdict",
      "op",
      id,
      "--phase",
      "commit",
      "--salt",
      "22".repeat(32),
      "--unable",
      ...kr,
      ...nf,
    ]);
    assert.match(notAudited.stderr + notAudited.stdout, /not open for audit/);
    const rep = (await json(["q", "reputation", "params"])) as { params: { neutral: number } };
    assert.equal(rep.params.neutral, 500_000);
  });

  it("models export-zoo, models register reads hash and signature from the file, models list", async () => {
    const nf = ["--node", node!.rpcUrl, "--output", "json", "--yes"];
    const zooDir = join(home, "zoo");
    const exported = await tcd(["models", "export-zoo", zooDir, "--output", "json"]);
    assert.equal(exported.code, 0, exported.stderr);
    const files = JSON.parse(exported.stdout) as Array<{ name: string; sha256: string }>;
    const vad = files.find((x) => x.name === "silero-vad")!;
    const reg = await tcd([
      "models",
      "register",
      join(zooDir, "silero-vad.onnx"),
      "op",
      "--name",
      "vad",
      "--compute-units",
      "1",
      ...kr,
      ...nf,
    ]);
    assert.equal(reg.code, 0, reg.stderr + reg.stdout);
    const model = JSON.parse((await tcd(["q", "registry", "model", "vad", ...kr, ...nf])).stdout) as {
      model: { hash: string; inputs: Array<{ name: string; dtype: string }>; uri: string; challengeInputs: unknown };
    };
    assert.deepEqual(model.model.challengeInputs, zoo["silero-vad"]!.challengeInputs, "the zoo's recipe");
    assert.equal(model.model.hash, vad.sha256);
    assert.deepEqual(
      model.model.inputs.map((i) => `${i.name}:${i.dtype}`),
      ["input:float32", "sr:int64", "h:float32", "c:float32"],
    );
    assert.match(model.model.uri, /^file:\/\//);
    const notOnnx = await tcd([
      "models",
      "register",
      join(home, "input.bin"),
      "op",
      "--name",
      "junk",
      "--compute-units",
      "1",
      ...kr,
      ...nf,
    ]);
    assert.notEqual(notOnnx.code, 0);
    assert.match(notOnnx.stderr, /not a readable ONNX model/);
    const help = await tcd(["worker", "start", "--help"]);
    assert.match(help.stdout, /--device <cpu\|cuda>/);
  });
});
