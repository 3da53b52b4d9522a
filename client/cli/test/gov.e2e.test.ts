import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { homePaths } from "../../../chain/types/nodeConfig.js";
import { makeTestHome, startNodeProcess, type NodeProcess, type TestHome } from "../../../chain/testkit/nodeProcess.js";
import { defaultParams as jobsDefaults, paramsToPb as jobsToPb } from "../../../modules/jobs/params.js";
import { repoRoot, runTcd } from "../../../chain/testkit/tcd.js";

const tcd = (args: string[], stdin = "") => runTcd(args, { stdin });
const votingPeriod = "40s";

// tcd tx gov / tcd q gov against a node process: the README's governance walk-through, run as
// the README writes it (the ```sh block under "## Governance", read from README.md so that the
// two cannot drift), a deposit, a weighted vote, a cancelled proposal, and the queries.

/** The README's governance walk-through: the first ```sh block under its "## Governance" heading. */
function readmeGovScript(): string {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const at = readme.indexOf("\n## Governance");
  assert.ok(at >= 0, "README.md has a ## Governance section");
  const m = /```sh\n([\s\S]*?)\n```/.exec(readme.slice(at));
  assert.ok(m !== null, "the Governance section has a ```sh block");
  return m[1]!;
}

/** Runs a script under bash in `cwd`, `npx tcd` being this repo's tcd pointed at `node`. */
function bash(
  script: string,
  cwd: string,
  node: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const tcdPath = join(repoRoot, "cmd", "tcd", "tcd.mjs");
  // Each tcd call is stamped on stderr ("@<unix seconds> <args>") so the test can say how much of
  // the voting period the README's votes used.
  const harness = `set -euo pipefail\nnpx() { [ "$1" = tcd ] || { echo "npx $1: not in this harness" >&2; return 127; }; shift; echo "@$(date +%s.%N) $*" >&2; "${process.execPath}" "${tcdPath}" "$@" --node "${node}"; }\n`;
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", harness + script], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const opMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const aliceMnemonic = "legal winner thank year wave sausage worth useful legal winner thank yellow";
/** The README's accounts (a localnet's keyring names): alice proposes, val0..val2 vote. */
const readmeMnemonics: Record<string, string> = {
  alice: "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
  val0: opMnemonic, // the node's validator: all the bonded stake
  val1: "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
  val2: "vessel ladder alter error federal sibling chat ability sun glass valve picture",
};

describe("tcd tx gov / tcd q gov (e2e)", function () {
  this.timeout(180_000);
  let home: TestHome;
  let node: NodeProcess;
  let kr: string[] = [];
  let op = "";
  let alice = "";
  let readmeCwd = "";

  const json = async (args: string[]) => {
    const r = await tcd([...args, ...kr, "--node", node.rpcUrl, "--output", "json", "--yes"]);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  before(async () => {
    const opWallet = await DirectSecp256k1HdWallet.fromMnemonic(opMnemonic, { prefix: "tc" });
    const aliceWallet = await DirectSecp256k1HdWallet.fromMnemonic(aliceMnemonic, { prefix: "tc" });
    op = (await opWallet.getAccounts())[0]!.address;
    alice = (await aliceWallet.getAccounts())[0]!.address;
    const readmeAccounts = await Promise.all(
      ["alice", "val1", "val2"].map(
        async (n) =>
          (await (await DirectSecp256k1HdWallet.fromMnemonic(readmeMnemonics[n]!, { prefix: "tc" })).getAccounts())[0]!
            .address,
      ),
    );
    home = await makeTestHome({
      accounts: [op, alice, ...readmeAccounts].map((address) => ({
        address,
        coins: [{ denom: "utcu", amount: 1_000_000_000n }],
      })),
      gentx: { signer: opWallet, operator: op, amount: 100_000_000n },
    });
    const path = homePaths(home.home).genesis;
    const doc = JSON.parse(readFileSync(path, "utf8")) as { app_state: { gov: { params: Record<string, unknown> } } };
    // The README's localnet votes for 60 s and `tcd q gov proposal 1 --wait` waits it out; here the
    // period only has to hold the README's three votes and tally, and the second proposal's
    // votes and queries (run side by side): the test takes about this long instead of 60 s.
    Object.assign(doc.app_state.gov.params, {
      min_deposit: [{ denom: "utcu", amount: "1000000" }],
      max_deposit_period: "60s",
      voting_period: votingPeriod,
      expedited_voting_period: "5s",
    });
    writeFileSync(path, JSON.stringify(doc, null, 2));
    kr = ["--home", home.home, "--keyring-backend", "test"];
    assert.equal((await tcd(["keys", "import", "op", ...kr], opMnemonic)).code, 0);
    assert.equal((await tcd(["keys", "import", "alice", ...kr], aliceMnemonic)).code, 0);
    // The README's keyring, where its K= line looks for it (.localnet/keyring-test).
    readmeCwd = mkdtempSync(join(tmpdir(), "tcd-readme-"));
    const readmeKeyring = join(readmeCwd, ".localnet", "keyring-test");
    mkdirSync(readmeKeyring, { recursive: true });
    for (const [name, m] of Object.entries(readmeMnemonics))
      assert.equal(
        (await tcd(["keys", "import", name, "--keyring-backend", "test", "--keyring-dir", readmeKeyring], m)).code,
        0,
      );
    node = await startNodeProcess(home.home);
  });

  after(async () => {
    await node?.stop();
  });

  it("runs the README's governance walk-through: the jobs params change takes effect", async () => {
    const t0 = Date.now();
    const r = await bash(readmeGovScript(), readmeCwd, node.rpcUrl);
    assert.equal(r.code, 0, `README walk-through failed:\n${r.stderr}\n${r.stdout}`);
    const stamp = (re: RegExp) => Number(new RegExp(`^@([0-9.]+) ${re.source}`, "m").exec(r.stderr)?.[1]);
    const used = stamp(/q gov tally 1/) - stamp(/tx gov submit-proposal/);
    process.stdout.write(
      `      README walk-through: ${((Date.now() - t0) / 1000).toFixed(1)} s; submit to tally ${used.toFixed(1)} s of a ${votingPeriod} voting period\n`,
    );
    const windows = [...r.stdout.matchAll(/"?commitWindow"?: "([0-9]+)"/g)].map((m) => m[1]);
    assert.deepEqual(windows, ["20", "30"], `before and after, as the README's comments say:\n${r.stdout}`);
    assert.match(r.stdout, /proposal_id: 1\n/, "the README votes on proposal 1");
    assert.match(r.stdout, /PROPOSAL_STATUS_PASSED/);
    const tally = /"?yes_count"?: "?([0-9]+)"?/.exec(r.stdout);
    assert.equal(tally?.[1], "100000000", "val0's bonded stake voted yes");
  });

  it("deposit, vote, weighted-vote and the queries on a second proposal", async () => {
    const authority = ((await json(["q", "gov", "authority"])) as { address: string }).address;
    const params = Object.fromEntries(
      Object.entries(jobsToPb({ ...jobsDefaults(), commitWindow: 44n })).map(([k, v]) => [
        k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
        v,
      ]),
    );
    const file = join(home.home, "proposal.json");
    writeFileSync(
      file,
      JSON.stringify({
        messages: [{ "@type": "/tcompute.jobs.v1.MsgUpdateParams", authority, params }],
        metadata: "",
        deposit: "300000utcu",
        title: "Commit window 44",
        summary: "Gives workers more blocks to commit.",
        expedited: false,
      }),
    );
    const sub = (await json(["tx", "gov", "submit-proposal", file, "--from", "alice"])) as { proposal_id: string };
    assert.equal(sub.proposal_id, "2");
    const p0 = (await json(["q", "gov", "proposal", "2"])) as {
      status: string;
      messages: Array<Record<string, unknown>>;
    };
    assert.equal(p0.status, "PROPOSAL_STATUS_DEPOSIT_PERIOD");
    assert.equal(p0.messages[0]!["@type"], "/tcompute.jobs.v1.MsgUpdateParams");
    // What does not need the voting period, before the deposit starts it.
    const [govParams, badVote] = await Promise.all([
      json(["q", "gov", "params"]),
      tcd(["tx", "gov", "weighted-vote", "2", "yes=0.5,no=0.4", "--from", "alice", ...kr, "--node", node.rpcUrl]),
    ]);
    assert.equal((govParams as { params: { voting_period: string } }).params.voting_period, votingPeriod);
    assert.notEqual(badVote.code, 0);
    assert.match(badVote.stderr, /total weight lower than 1.00/);

    await json(["tx", "gov", "deposit", "2", "700000utcu", "--from", "op"]);
    // From here the voting period runs: the votes (two signers) and then the queries side by side.
    const [deposits, p1] = await Promise.all([
      json(["q", "gov", "deposits", "2"]),
      json(["q", "gov", "proposal", "2"]),
      json(["tx", "gov", "vote", "2", "yes", "--from", "op"]),
      json(["tx", "gov", "weighted-vote", "2", "yes=0.25,no=0.75", "--from", "alice"]),
    ]);
    assert.deepEqual(
      (deposits as { deposits: Array<{ depositor: string }> }).deposits.map((d) => d.depositor).sort(),
      [alice, op].sort(),
    );
    assert.equal((p1 as { status: string }).status, "PROPOSAL_STATUS_VOTING_PERIOD");
    const [votes, av, tally, listed, waited] = await Promise.all([
      json(["q", "gov", "votes", "2"]),
      json(["q", "gov", "vote", "2", alice]),
      json(["q", "gov", "tally", "2"]),
      json(["q", "gov", "proposals", "--status", "voting_period", "--voter", alice]),
      tcd(["q", "gov", "proposal", "2", "--wait", "--timeout", "1", ...kr, "--node", node.rpcUrl]),
    ]);
    assert.equal((votes as { votes: unknown[] }).votes.length, 2);
    assert.deepEqual((av as { options: Array<{ option: string; weight: string }> }).options, [
      { option: "VOTE_OPTION_YES", weight: "0.250000000000000000" },
      { option: "VOTE_OPTION_NO", weight: "0.750000000000000000" },
    ]);
    assert.equal((tally as { yes_count: string }).yes_count, "100000000");
    assert.deepEqual(
      (listed as { proposals: Array<{ id: string }> }).proposals.map((p) => p.id),
      ["2"],
    );
    assert.notEqual(waited.code, 0, "--wait gives up after --timeout");
    assert.match(
      waited.stderr,
      /proposal 2 is still in PROPOSAL_STATUS_VOTING_PERIOD.*timed out waiting \(cli code 6\)/,
    );
  });

  it("cancel-proposal by its proposer; usage errors are clear", async () => {
    const file = join(home.home, "text.json");
    writeFileSync(
      file,
      JSON.stringify({
        messages: [],
        metadata: "",
        deposit: "100000utcu",
        title: "Signal",
        summary: "A text proposal",
        expedited: false,
      }),
    );
    const sub = (await json(["tx", "gov", "submit-proposal", file, "--from", "op"])) as { proposal_id: string };
    const notMine = await tcd([
      "tx",
      "gov",
      "cancel-proposal",
      sub.proposal_id,
      "--from",
      "alice",
      ...kr,
      "--node",
      node.rpcUrl,
    ]);
    assert.notEqual(notMine.code, 0);
    assert.match(notMine.stderr, /invalid proposer/);
    await json(["tx", "gov", "cancel-proposal", sub.proposal_id, "--from", "op"]);
    const gone = await tcd(["q", "gov", "proposal", sub.proposal_id, ...kr, "--node", node.rpcUrl]);
    assert.match(gone.stderr, /doesn't exist/);
    const noFrom = await tcd(["tx", "gov", "vote", "2", "yes", ...kr, "--node", node.rpcUrl]);
    assert.match(noFrom.stderr, /--from/);
    const [badOpt, badTimeout, timeoutAlone] = await Promise.all([
      tcd(["tx", "gov", "vote", "2", "maybe", "--from", "op", ...kr, "--node", node.rpcUrl]),
      tcd(["q", "gov", "proposal", "1", "--wait", "--timeout", "soon", ...kr, "--node", node.rpcUrl]),
      tcd(["q", "gov", "proposal", "1", "--timeout", "5", ...kr, "--node", node.rpcUrl]),
    ]);
    assert.match(badOpt.stderr, /yes, no, abstain or no_with_veto/);
    assert.match(badTimeout.stderr, /--timeout must be a whole number of seconds/);
    assert.match(timeoutAlone.stderr, /--timeout goes with --wait/);
    writeFileSync(
      file,
      JSON.stringify({
        messages: [
          {
            "@type": "/cosmos.bank.v1beta1.MsgSend",
            from_address: op,
            to_address: alice,
            amount: [{ denom: "utcu", amount: "1" }],
          },
        ],
        deposit: "1000000utcu",
        title: "t",
        summary: "s",
      }),
    );
    const notGov = await tcd(["tx", "gov", "submit-proposal", file, "--from", "op", ...kr, "--node", node.rpcUrl]);
    assert.notEqual(notGov.code, 0);
    assert.match(notGov.stderr, /expected gov account as only signer/);
  });
});
