import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { QueryBalanceRequest } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx, txHash } from "../../../client/sdk/signing.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { loadConfig } from "../../types/nodeConfig.js";
import { createNode, type Node } from "../../node/node.js";
import { makeTestHome } from "../../testkit/nodeProcess.js";

const alice = rawKeyFromSeed("rpc-alice");
const bob = rawKeyFromSeed("rpc-bob");

type Reply = { result?: Record<string, unknown>; error?: { code: number; message: string; data: string } };

describe("RPC methods on an in-process node", function () {
  this.timeout(60_000);
  let node: Node;
  let url: string;
  let chainId: string;
  const hashes: string[] = [];

  const call = async (method: string, params: Record<string, unknown> = {}): Promise<Reply> =>
    (
      await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })
    ).json() as Promise<Reply>;
  const tx = (seq: bigint) =>
    signTx(alice, {
      chainId,
      accountNumber: 0n,
      sequence: seq,
      msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "3" }])],
      fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n },
    });

  before(async () => {
    const home = await makeTestHome({
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 100_000_000n }] }],
    });
    chainId = home.chainId;
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "100ms";
    config.rpc.max_subscriptions_per_client = 2;
    node = await createNode({ home: home.home, config, inMemory: true, checkInvariants: true }, { logger: nopLogger });
    await node.start();
    url = `http://${node.rpcAddress}`;
    const res = await call("broadcast_tx_commit", { tx: Buffer.from(tx(0n)).toString("base64") });
    const r = res.result as { check_tx: { code: number }; tx_result: { code: number }; height: string; hash: string };
    assert.equal(r.check_tx.code, 0);
    assert.equal(r.tx_result.code, 0);
    assert.ok(Number(r.height) > 0);
    hashes.push(r.hash);
    for (let s = 1n; s < 5n; s++) {
      const b = (await call("broadcast_tx_sync", { tx: Buffer.from(tx(s)).toString("base64") })).result as {
        hash: string;
        code: number;
      };
      assert.equal(b.code, 0);
      hashes.push(b.hash);
    }
    const last = (await call("broadcast_tx_commit", { tx: Buffer.from(tx(5n)).toString("base64") })).result as {
      hash: string;
    };
    hashes.push(last.hash);
  });

  after(async () => {
    await node?.stop();
  });

  it("tx_search pages consistently, orders both ways, and refuses a page past the end", async () => {
    const q = `message.sender='${alice.address}'`;
    const all = (await call("tx_search", { query: q, per_page: "100" })).result as {
      txs: Array<{ hash: string }>;
      total_count: string;
    };
    assert.equal(all.total_count, "6");
    assert.deepEqual(
      all.txs.map((t) => t.hash),
      hashes,
    );
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const r = (await call("tx_search", { query: q, per_page: "2", page: String(page) })).result as {
        txs: Array<{ hash: string }>;
        total_count: string;
      };
      assert.equal(r.total_count, "6", `page ${page}`);
      seen.push(...r.txs.map((t) => t.hash));
    }
    assert.deepEqual(seen, hashes);
    const desc = (await call("tx_search", { query: q, order_by: "desc", per_page: "1" })).result as {
      txs: Array<{ hash: string }>;
    };
    assert.equal(desc.txs[0]!.hash, hashes[5]);
    // A page past the end fails the method, as in CometBFT (-32603; see rpcDiff.e2e).
    assert.equal((await call("tx_search", { query: q, per_page: "2", page: "4" })).error?.code, -32603);
    const none = (await call("tx_search", { query: "message.sender='tc1nobody'" })).result as { total_count: string };
    assert.equal(none.total_count, "0");
  });

  it("reads bodies and paths as CometBFT does (the rules rpcDiff.e2e checks against CometBFT itself)", async () => {
    const post = async (body: string, path = "/") => {
      const r = await fetch(url + path, { method: "POST", body });
      return { status: r.status, text: await r.text() };
    };
    const parse = await post("{not json");
    assert.equal(parse.status, 500);
    assert.deepEqual(
      Object.keys(JSON.parse(parse.text) as object).sort(),
      ["error", "jsonrpc"],
      "no id when it is unknown",
    );
    assert.equal((JSON.parse(parse.text) as Reply).error!.message, "Parse error. Invalid JSON");
    const big = await post("x".repeat(1_000_001));
    assert.equal(big.status, 400);
    assert.equal((JSON.parse(big.text) as Reply).error!.code, -32600);
    assert.deepEqual(
      await post(JSON.stringify({ jsonrpc: "2.0", method: "health" })),
      { status: 200, text: "" },
      "a notification gets no answer",
    );
    assert.deepEqual(await post("[]"), { status: 200, text: "" });
    const one = JSON.parse(
      (await post(JSON.stringify([{ jsonrpc: "2.0", id: 7, method: "health" }, { method: "health" }]))).text,
    ) as Reply & { id: number };
    assert.equal(one.id, 7, "a batch with one answer gets it alone");
    const noMethod = JSON.parse((await post(JSON.stringify({ id: 2 }))).text) as Reply;
    assert.deepEqual(
      noMethod.error,
      { code: -32601, message: "Method not found" },
      "no method is the empty name; no data",
    );
    assert.equal(
      (await post(JSON.stringify([{ jsonrpc: "2.0", id: true, method: "health" }]))).status,
      500,
      "an id Go cannot decode makes the body a parse error",
    );
    assert.match((await post("")).text, /Available endpoints/);
    assert.equal((await post("", "/health")).status, 200);
    assert.equal((await post("{}", "/nowhere")).status, 404);
    assert.equal((await fetch(`${url}/block?height=999999`)).status, 500);
    assert.equal((await fetch(`${url}/block?height=abc`)).status, 500);
    assert.equal((await fetch(`${url}/no_such_method`)).status, 404);
    assert.equal((await call("tx_search", { query: "tx.height >>> 5" })).error?.code, -32603);
    const genesis = (await call("genesis")).result as { genesis: Record<string, unknown> };
    const vals = genesis.genesis["validators"];
    assert.ok(
      vals === undefined || (Array.isArray(vals) && vals.length > 0),
      "an empty genesis validator list is left out",
    );
    const empty = (await call("block_results", { height: "1" })).result as Record<string, unknown>;
    assert.equal(empty["validator_updates"], null);
  });

  it("serves GET requests with quoted strings and 0x-hex bytes", async () => {
    const byHash = (await (await fetch(`${url}/tx?hash=0x${hashes[0]}`)).json()) as Reply;
    assert.equal((byHash.result as { hash: string }).hash, hashes[0]);
    const data = Buffer.from(QueryBalanceRequest.encode({ address: bob.address, denom: "utcu" }).finish()).toString(
      "hex",
    );
    const q = (await (
      await fetch(`${url}/abci_query?path="/cosmos.bank.v1beta1.Query/Balance"&data=0x${data}`)
    ).json()) as Reply;
    assert.equal((q.result as { response: { code: number } }).response.code, 0);
    assert.equal(txHash(tx(0n)), hashes[0]);
  });

  it("answers the block, results, chain, commit, validators, genesis and mempool methods", async () => {
    const status = (await call("status")).result as { sync_info: { latest_block_height: string } };
    const h = status.sync_info.latest_block_height;
    const block = (await call("block", { height: h })).result as {
      block: { header: { height: string } };
      block_id: { hash: string };
    };
    assert.equal(block.block.header.height, h);
    const byHash = (await call("block_by_hash", { hash: block.block_id.hash })).result as {
      block: { header: { height: string } };
    };
    assert.equal(byHash.block.header.height, h);
    const txHeight = ((await call("tx", { hash: hashes[0] })).result as { height: string }).height;
    const results = (await call("block_results", { height: txHeight })).result as {
      txs_results: Array<{ code: number }>;
      height: string;
    };
    assert.ok(results.txs_results.length >= 1);
    const chain = (await call("blockchain", { minHeight: "1", maxHeight: h })).result as {
      block_metas: unknown[];
      last_height: string;
    };
    assert.ok(chain.block_metas.length >= 1 && chain.block_metas.length <= 20);
    const commit = (await call("commit", { height: "1" })).result as {
      signed_header: { commit: { signatures: unknown[] } };
      canonical: boolean;
    };
    assert.equal(commit.signed_header.commit.signatures.length, 1);
    assert.equal(commit.canonical, true);
    const vals = (await call("validators")).result as { validators: Array<{ voting_power: string }>; total: string };
    assert.equal(vals.total, "1");
    assert.equal(vals.validators[0]!.voting_power, "100");
    assert.equal(((await call("genesis")).result as { genesis: { chain_id: string } }).genesis.chain_id, chainId);
    assert.equal(((await call("num_unconfirmed_txs")).result as { total: string }).total, "0");
    assert.deepEqual(((await call("unconfirmed_txs", { limit: "5" })).result as { txs: unknown[] }).txs, []);
    assert.equal(((await call("net_info")).result as { n_peers: string }).n_peers, "0");
    assert.equal((await call("block", { height: "999999" })).error?.code, -32603);
    assert.equal((await call("tx", { hash: "00".repeat(32) })).error?.code, -32603);
    assert.equal(
      (await call("abci_query", { path: "/cosmos.bank.v1beta1.Query/Balance", data: "", prove: true })).error?.code,
      -32602,
    );
  });

  it("bounds WebSocket subscriptions and answers bad WebSocket input with errors", async () => {
    const ws = new WebSocket(`ws://${node.rpcAddress}/websocket`);
    await new Promise((r) => ws.once("open", r));
    const replies: Reply[] = [];
    ws.on("message", (d) => replies.push(JSON.parse(d.toString()) as Reply & { id: number }));
    const send = (o: unknown) => ws.send(typeof o === "string" ? o : JSON.stringify(o));
    const waitFor = async (id: number) => {
      for (let i = 0; i < 100; i++) {
        const r = replies.find(
          (x) =>
            (x as { id?: number }).id === id &&
            (x.error !== undefined || (x.result !== undefined && !("data" in x.result))),
        );
        if (r !== undefined) return r;
        await new Promise((res) => setTimeout(res, 20));
      }
      throw new Error(`no reply to ${id}`);
    };
    send({ jsonrpc: "2.0", id: 1, method: "subscribe", params: { query: "tm.event='NewBlock'" } });
    send({ jsonrpc: "2.0", id: 2, method: "subscribe", params: { query: "tm.event='Tx'" } });
    send({ jsonrpc: "2.0", id: 3, method: "subscribe", params: { query: "tm.event='NewBlockHeader'" } });
    send({ jsonrpc: "2.0", id: 4, method: "subscribe", params: { query: "tm.event >>> 'x'" } });
    send({ jsonrpc: "2.0", id: 5, method: "unsubscribe", params: { query: "tm.event='Nope'" } });
    send("{broken");
    send({ jsonrpc: "2.0", id: 6, method: "status", params: {} });
    assert.deepEqual((await waitFor(1)).result, {});
    assert.deepEqual((await waitFor(2)).result, {});
    assert.match((await waitFor(3)).error!.data, /max_subscriptions_per_client/);
    assert.equal((await waitFor(4)).error!.code, -32602);
    assert.equal((await waitFor(5)).error!.code, -32603);
    assert.ok(replies.some((r) => r.error?.code === -32700));
    assert.ok((await waitFor(6)).result !== undefined);
    send({ jsonrpc: "2.0", id: 7, method: "unsubscribe", params: { query: "tm.event='Tx'" } });
    assert.deepEqual((await waitFor(7)).result, {});
    ws.close();
    const alive = (await call("health")).result;
    assert.deepEqual(alive, {});
  });
});
