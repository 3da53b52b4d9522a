import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { makeTestHome, runNodeExpectingFailure, startNodeProcess } from "../../testkit/nodeProcess.js";
import { homePaths, loadConfig } from "../../types/nodeConfig.js";
import { createNode, type Node } from "../node.js";

const alice = rawKeyFromSeed("node-alice");
const bob = rawKeyFromSeed("node-bob");
const fee = { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n };

async function rpc(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
  if (body.result === undefined) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

async function waitForTx(url: string, hash: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(url, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tx", params: { hash } }),
    });
    const body = (await res.json()) as { result?: Record<string, unknown> };
    if (body.result !== undefined) return body.result;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tx ${hash} not committed`);
}

function sendTx(chainId: string, seq: bigint, amount: string): Uint8Array {
  return signTx(alice, {
    chainId,
    accountNumber: 0n,
    sequence: seq,
    msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount }])],
    fee,
  });
}

async function bobBalance(node: Node): Promise<bigint> {
  const r = await node.app.query({
    path: "/cosmos.bank.v1beta1.Query/Balance",
    data: QueryBalanceRequest.encode({ address: bob.address, denom: "utcu" }).finish(),
    height: 0n,
    prove: false,
  });
  return BigInt(QueryBalanceResponse.decode(r.value).balance!.amount);
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

describe("node restarts and recovery", function () {
  this.timeout(120_000);

  it("restarts from its data directory at the same height and app_hash, txs still found (SIGTERM and SIGKILL)", async () => {
    const home = await makeTestHome({
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 1_000_000_000n }] }],
    });
    let proc = await startNodeProcess(home.home);
    const hashes: string[] = [];
    for (let s = 0n; s < 5n; s++) {
      const r = await rpc(proc.rpcUrl, "broadcast_tx_sync", {
        tx: Buffer.from(sendTx(home.chainId, s, "100")).toString("base64"),
      });
      assert.equal(r["code"], 0, String(r["log"]));
      hashes.push(String(r["hash"]));
    }
    for (const h of hashes) await waitForTx(proc.rpcUrl, h);
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      const before = (await rpc(proc.rpcUrl, "status"))["sync_info"] as Record<string, string>;
      const block = (await rpc(proc.rpcUrl, "block", { height: before["latest_block_height"] })) as {
        block: { header: { app_hash: string } };
      };
      await proc.stop(signal);
      proc = await startNodeProcess(home.home);
      const after = (await rpc(proc.rpcUrl, "status"))["sync_info"] as Record<string, string>;
      assert.ok(
        BigInt(after["latest_block_height"]!) >= BigInt(before["latest_block_height"]!),
        `height kept after ${signal}`,
      );
      const again = (await rpc(proc.rpcUrl, "block", { height: before["latest_block_height"] })) as {
        block: { header: { app_hash: string } };
      };
      assert.equal(again.block.header.app_hash, block.block.header.app_hash, `same app_hash after ${signal}`);
      for (const h of hashes)
        assert.equal((await waitForTx(proc.rpcUrl, h))["hash"], h, `tx ${h} found after ${signal}`);
    }
    const q = await rpc(proc.rpcUrl, "abci_query", {
      path: "/cosmos.bank.v1beta1.Query/Balance",
      data: Buffer.from(QueryBalanceRequest.encode({ address: bob.address, denom: "utcu" }).finish()).toString("hex"),
    });
    const value = (q["response"] as { value: string }).value;
    assert.equal(QueryBalanceResponse.decode(Buffer.from(value, "base64")).balance!.amount, "500");
    await proc.stop();
  });

  it("replays a block that was stored but not committed by the application (crash between the two)", async () => {
    const home = await makeTestHome({
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 1_000_000_000n }] }],
    });
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "50ms";
    const node = await createNode({ home: home.home, config }, { logger: nopLogger });
    await node.start();
    // The first block carrying a tx is saved to the block store, then the application
    // "crashes" at its Commit.
    const realCommit = node.app.commit.bind(node.app);
    const realFinalize = node.app.finalizeBlock.bind(node.app);
    let carriesTx = false;
    node.app.finalizeBlock = async (req) => {
      carriesTx = req.txs.length > 0;
      return realFinalize(req);
    };
    node.app.commit = async () => {
      if (carriesTx) throw new Error("simulated crash before commit");
      return realCommit();
    };
    assert.equal((await node.mempool.add(sendTx(home.chainId, 0n, "250"))).code, 0);
    const err = await node.halted;
    assert.match(err.message, /simulated crash/);
    node.app.commit = realCommit;
    node.app.finalizeBlock = realFinalize;
    const storedHeight = node.blockStore.height;
    const appHeight = node.app.height;
    assert.equal(storedHeight, appHeight + 1n, "block store is one block ahead of the application");
    await node.stop();

    const restarted = await createNode({ home: home.home, config }, { logger: nopLogger });
    assert.equal(restarted.app.height, storedHeight, "the missing block was replayed on start");
    assert.equal(await bobBalance(restarted), 250n);
    const results = await restarted.blockStore.loadResults(storedHeight);
    assert.deepEqual(Buffer.from(restarted.app.appHash), Buffer.from(results!.appHash));
    await restarted.start();
    await restarted.stop();
  });

  describe("refuses to start on bad files, saying why", () => {
    it("a missing genesis", async () => {
      const home = await makeTestHome({ accounts: [] });
      rmSync(homePaths(home.home).genesis);
      const r = await runNodeExpectingFailure(home.home);
      assert.notEqual(r.code, 0);
      assert.match(r.output, /genesis\.json: ENOENT.*cannot read genesis file/);
    });

    it("a corrupt genesis (not JSON, bad fields)", async () => {
      const home = await makeTestHome({ accounts: [] });
      const path = homePaths(home.home).genesis;
      writeFileSync(path, "{ this is not json");
      let r = await runNodeExpectingFailure(home.home);
      assert.notEqual(r.code, 0);
      assert.match(r.output, /is not valid JSON/);
      const doc = JSON.parse(JSON.stringify(home.genesis)) as Record<string, unknown>;
      doc["chain_id"] = "";
      writeFileSync(path, JSON.stringify(doc));
      r = await runNodeExpectingFailure(home.home);
      assert.match(r.output, /chain_id/);
      const doc2 = JSON.parse(JSON.stringify(home.genesis)) as {
        app_state: { bank: { balances: Array<{ address: string; coins: unknown[] }> } };
      };
      doc2.app_state.bank.balances.push({ address: "tc1bad", coins: [] });
      writeFileSync(path, JSON.stringify(doc2));
      r = await runNodeExpectingFailure(home.home);
      assert.match(r.output, /invalid address/);
    });

    it("a port in use: exits with the listen error (not alive and silent), every port it took freed", async () => {
      // The REST API's port is taken: the node has by then started p2p, consensus and RPC.
      const busy = await listenOn(0);
      const busyPort = (busy.address() as AddressInfo).port;
      const home = await makeTestHome({
        accounts: [],
        editConfig: (c) => {
          c.api.enable = true;
          c.api.address = `tcp://127.0.0.1:${busyPort}`;
        },
      });
      try {
        const r = await runNodeExpectingFailure(home.home);
        assert.equal(r.code, 1, `exits by itself with code 1 (null: killed after 20 s):\n${r.output}`);
        assert.match(r.output, new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${busyPort}`));

        // In process: start() rejects, and the parts it had started are stopped (their ports
        // can be bound again, the data directory opens again).
        const config = loadConfig(home.home);
        const node = await createNode({ home: home.home, config }, { logger: nopLogger });
        await assert.rejects(node.start(), /EADDRINUSE/);
        for (const laddr of [config.rpc.laddr, config.p2p.laddr]) {
          const s = await listenOn(Number(laddr.split(":").pop()));
          await new Promise((r) => s.close(r));
        }
        config.api.enable = false;
        const again = await createNode({ home: home.home, config }, { logger: nopLogger });
        await again.start();
        await again.stop();
      } finally {
        await new Promise((r) => busy.close(r));
      }
    });

    it("stop: a part that fails to stop does not keep the others running; its error comes back", async () => {
      const home = await makeTestHome({ accounts: [] });
      const config = loadConfig(home.home);
      const node = await createNode({ home: home.home, config }, { logger: nopLogger });
      await node.start();
      // The consensus driver (first to stop) fails, as a WAL close can.
      const realStop = node.consensus!.stop.bind(node.consensus);
      node.consensus!.stop = () => Promise.reject(new Error("simulated WAL close failure"));
      await assert.rejects(node.stop(), /simulated WAL close failure/);
      await realStop(); // its timers, so that they do not run on in this process
      for (const laddr of [config.rpc.laddr, config.p2p.laddr]) {
        const s = await listenOn(Number(laddr.split(":").pop()));
        await new Promise((r) => s.close(r));
      }
      const again = await createNode({ home: home.home, config }, { logger: nopLogger });
      await again.start();
      await again.stop();
    });

    it("a data directory of another chain", async () => {
      const home = await makeTestHome({ accounts: [] });
      const proc = await startNodeProcess(home.home);
      await proc.stop();
      const path = homePaths(home.home).genesis;
      const doc = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
      doc["chain_id"] = "some-other-chain";
      writeFileSync(path, JSON.stringify(doc));
      const r = await runNodeExpectingFailure(home.home);
      assert.notEqual(r.code, 0);
      assert.match(r.output, /holds chain tcompute-e2e-1, but genesis is for some-other-chain/);
    });
  });
});
