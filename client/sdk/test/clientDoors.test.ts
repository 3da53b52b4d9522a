import assert from "node:assert/strict";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { nopLogger } from "../../../modules/sdk/context.js";
import { loadConfig } from "../../../chain/types/nodeConfig.js";
import { createNode, type Node } from "../../../chain/node/node.js";
import { makeTestHome } from "../../../chain/testkit/nodeProcess.js";
import { JobWaitTimeout, QueryFailed, TcomputeClient } from "../client.js";

// The doors the CLI goes through (issue 12: one way to sign and send, to query, to wait):
// broadcast returns a failed tx's result instead of throwing, abciQuery turns a non-zero code
// into QueryFailed, a query-only client signs nothing, waitForJob times out with the job.

const mnemonic = "legal winner thank year wave sausage worth useful legal winner thank yellow";

describe("TcomputeClient: broadcast, abciQuery, getTx, connect, waitForJob", function () {
  this.timeout(60_000);
  let node: Node;
  let url: string;
  let wallet: DirectSecp256k1HdWallet;
  let alice: string;

  before(async () => {
    wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "tc" });
    alice = (await wallet.getAccounts())[0]!.address;
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

  it("broadcasts with a fee multiplier and a memo; getTx finds it; a failing tx comes back with its code", async () => {
    const c = await TcomputeClient.connectWithSigner(url, wallet);
    try {
      const send = (amount: string) => ({
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: alice, toAddress: alice, amount: [{ denom: "utcu", amount }] },
      });
      const ok = await c.broadcast(alice, [send("5")], { fee: 1.5, memo: "doors" });
      assert.equal(ok.code, 0, ok.rawLog);
      const t = await c.getTx(ok.transactionHash);
      assert.equal(t?.height, ok.height);
      assert.equal(await c.getTx("00".repeat(32)), null);
      // More than alice holds: checked at broadcast (code 5), returned rather than thrown.
      const fee = { amount: [{ denom: "utcu", amount: "1000" }], gas: "200000" };
      const poor = await c.broadcast(alice, [send("99999999999")], { fee }).catch((e: Error) => e);
      if (poor instanceof Error) assert.match(poor.message, /insufficient funds|code 5/);
      else assert.equal(poor.code, 5, poor.rawLog);
      assert.equal(await c.chainId(), await c.signing.getChainId());
    } finally {
      c.disconnect();
    }
  });

  it("a query-only client queries, signs nothing, and reports a failed query as QueryFailed", async () => {
    const c = await TcomputeClient.connect(url);
    try {
      assert.equal((await c.query.bank.balance(alice, "utcu")).denom, "utcu");
      await assert.rejects(
        c.abciQuery("/tcompute.jobs.v1.Query/Job", new Uint8Array([0x0a, 0x03, 0x39, 0x39, 0x39])),
        (e: unknown) => e instanceof QueryFailed && e.code !== 0 && e.path === "/tcompute.jobs.v1.Query/Job",
      );
      assert.throws(() => c.signing, /no signer/);
      await assert.rejects(c.waitForJob("999", { timeoutMs: 0 }), (e: unknown) => !(e instanceof JobWaitTimeout));
    } finally {
      c.disconnect();
    }
  });
});
