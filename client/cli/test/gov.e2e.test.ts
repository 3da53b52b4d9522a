import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { homePaths } from "../../../chain/types/nodeConfig.js";
import { makeTestHome, startNodeProcess, type NodeProcess, type TestHome } from "../../../chain/testkit/nodeProcess.js";
import { defaultParams as jobsDefaults, paramsToPb as jobsToPb } from "../../../modules/jobs/params.js";
import { runTcd } from "../../../chain/testkit/tcd.js";

const tcd = (args: string[], stdin = "") => runTcd(args, { stdin });

// tcd tx gov / tcd q gov against a node process: a jobs params change from proposal.json (the
// SDK's format) to effect, a weighted vote, a cancelled proposal, and the queries.

const opMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const aliceMnemonic = "legal winner thank year wave sausage worth useful legal winner thank yellow";

describe("tcd tx gov / tcd q gov (e2e)", function () {
  this.timeout(180_000);
  let home: TestHome;
  let node: NodeProcess;
  let kr: string[] = [];
  let op = "";
  let alice = "";

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
    home = await makeTestHome({
      accounts: [{ address: op, coins: [{ denom: "utcu", amount: 1_000_000_000n }] }, { address: alice, coins: [{ denom: "utcu", amount: 1_000_000_000n }] }],
      gentx: { signer: opWallet, operator: op, amount: 100_000_000n },
    });
    const path = homePaths(home.home).genesis;
    const doc = JSON.parse(readFileSync(path, "utf8")) as { app_state: { gov: { params: Record<string, unknown> } } };
    Object.assign(doc.app_state.gov.params, { min_deposit: [{ denom: "utcu", amount: "1000000" }], max_deposit_period: "60s", voting_period: "45s", expedited_voting_period: "5s" });
    writeFileSync(path, JSON.stringify(doc, null, 2));
    kr = ["--home", home.home, "--keyring-backend", "test"];
    assert.equal((await tcd(["keys", "import", "op", ...kr], opMnemonic)).code, 0);
    assert.equal((await tcd(["keys", "import", "alice", ...kr], aliceMnemonic)).code, 0);
    node = await startNodeProcess(home.home);
  });

  after(async () => {
    await node?.stop();
  });

  it("a jobs params change: submit-proposal, deposit, vote, weighted-vote, the queries, and the effect", async () => {
    const authority = ((await json(["q", "gov", "authority"])) as { address: string }).address;
    const params = Object.fromEntries(Object.entries(jobsToPb({ ...jobsDefaults(), commitWindow: 44n })).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
    const file = join(home.home, "proposal.json");
    writeFileSync(file, JSON.stringify({ messages: [{ "@type": "/tcompute.jobs.v1.MsgUpdateParams", authority, params }], metadata: "", deposit: "300000utcu", title: "Commit window 44", summary: "Gives workers more blocks to commit.", expedited: false }));
    const sub = (await json(["tx", "gov", "submit-proposal", file, "--from", "alice"])) as { proposal_id: string };
    assert.equal(sub.proposal_id, "1");
    const p0 = (await json(["q", "gov", "proposal", "1"])) as { status: string; messages: Array<Record<string, unknown>> };
    assert.equal(p0.status, "PROPOSAL_STATUS_DEPOSIT_PERIOD");
    assert.equal(p0.messages[0]!["@type"], "/tcompute.jobs.v1.MsgUpdateParams");
    await json(["tx", "gov", "deposit", "1", "700000utcu", "--from", "op"]);
    const deposits = (await json(["q", "gov", "deposits", "1"])) as { deposits: Array<{ depositor: string }> };
    assert.deepEqual(deposits.deposits.map((d) => d.depositor).sort(), [alice, op].sort());
    assert.equal(((await json(["q", "gov", "proposal", "1"])) as { status: string }).status, "PROPOSAL_STATUS_VOTING_PERIOD");
    await json(["tx", "gov", "vote", "1", "yes", "--from", "op"]);
    await json(["tx", "gov", "weighted-vote", "1", "yes=0.25,no=0.75", "--from", "alice"]);
    const votes = (await json(["q", "gov", "votes", "1"])) as { votes: Array<{ voter: string }> };
    assert.equal(votes.votes.length, 2);
    const av = (await json(["q", "gov", "vote", "1", alice])) as { options: Array<{ option: string; weight: string }> };
    assert.deepEqual(av.options, [{ option: "VOTE_OPTION_YES", weight: "0.250000000000000000" }, { option: "VOTE_OPTION_NO", weight: "0.750000000000000000" }]);
    const tally = (await json(["q", "gov", "tally", "1"])) as { yes_count: string };
    assert.equal(tally.yes_count, "100000000");
    const listed = (await json(["q", "gov", "proposals", "--status", "voting_period", "--voter", alice])) as { proposals: Array<{ id: string }> };
    assert.deepEqual(listed.proposals.map((p) => p.id), ["1"]);
    assert.equal(((await json(["q", "gov", "params"])) as { params: { voting_period: string } }).params.voting_period, "45s");
    const badVote = await tcd(["tx", "gov", "weighted-vote", "1", "yes=0.5,no=0.4", "--from", "alice", ...kr, "--node", node.rpcUrl]);
    assert.notEqual(badVote.code, 0);
    assert.match(badVote.stderr, /total weight lower than 1.00/);
    let status = "";
    for (let i = 0; i < 300; i++) {
      status = ((await json(["q", "gov", "proposal", "1"])) as { status: string }).status;
      if (status !== "PROPOSAL_STATUS_VOTING_PERIOD") break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(status, "PROPOSAL_STATUS_PASSED");
    const jp = (await json(["q", "jobs", "params"])) as Record<string, unknown>;
    assert.match(JSON.stringify(jp), /"commit_?[wW]indow":"44"/);
  });

  it("cancel-proposal by its proposer; usage errors are clear", async () => {
    const file = join(home.home, "text.json");
    writeFileSync(file, JSON.stringify({ messages: [], metadata: "", deposit: "100000utcu", title: "Signal", summary: "A text proposal", expedited: false }));
    const sub = (await json(["tx", "gov", "submit-proposal", file, "--from", "op"])) as { proposal_id: string };
    const notMine = await tcd(["tx", "gov", "cancel-proposal", sub.proposal_id, "--from", "alice", ...kr, "--node", node.rpcUrl]);
    assert.notEqual(notMine.code, 0);
    assert.match(notMine.stderr, /invalid proposer/);
    await json(["tx", "gov", "cancel-proposal", sub.proposal_id, "--from", "op"]);
    const gone = await tcd(["q", "gov", "proposal", sub.proposal_id, ...kr, "--node", node.rpcUrl]);
    assert.match(gone.stderr, /doesn't exist/);
    const noFrom = await tcd(["tx", "gov", "vote", "1", "yes", ...kr, "--node", node.rpcUrl]);
    assert.match(noFrom.stderr, /--from/);
    const badOpt = await tcd(["tx", "gov", "vote", "1", "maybe", "--from", "op", ...kr, "--node", node.rpcUrl]);
    assert.match(badOpt.stderr, /yes, no, abstain or no_with_veto/);
    writeFileSync(file, JSON.stringify({ messages: [{ "@type": "/cosmos.bank.v1beta1.MsgSend", from_address: op, to_address: alice, amount: [{ denom: "utcu", amount: "1" }] }], deposit: "1000000utcu", title: "t", summary: "s" }));
    const notGov = await tcd(["tx", "gov", "submit-proposal", file, "--from", "op", ...kr, "--node", node.rpcUrl]);
    assert.notEqual(notGov.code, 0);
    assert.match(notGov.stderr, /expected gov account as only signer/);
  });
});
