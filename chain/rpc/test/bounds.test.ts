import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { loadConfig, type NodeConfig } from "../../types/nodeConfig.js";
import { createNode, type Node } from "../../node/node.js";
import { makeTestHome } from "../../testkit/nodeProcess.js";

// RPC that one client cannot overwhelm (issue 14 item 6): each abuse is sent for real over
// HTTP or WebSocket and answered with its documented error, and the node keeps serving.

const alice = rawKeyFromSeed("bounds-alice");
const bob = rawKeyFromSeed("bounds-bob");

type RpcError = { code: number; message: string; data: string };
type Reply = { id?: number; result?: Record<string, unknown>; error?: RpcError };

async function startNode(edit: (c: NodeConfig) => void): Promise<{ node: Node; url: string; chainId: string }> {
  const home = await makeTestHome({
    accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 100_000_000n }] }],
  });
  const config = loadConfig(home.home);
  config.consensus.timeout_commit = "100ms";
  edit(config);
  const node = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
  await node.start();
  return { node, url: `http://${node.rpcAddress}`, chainId: home.chainId };
}

describe("RPC bounds", function () {
  this.timeout(60_000);
  let node: Node;
  let url: string;
  let chainId: string;
  const heights: number[] = [];
  const tx = (seq: bigint) =>
    Buffer.from(
      signTx(alice, {
        chainId,
        accountNumber: 0n,
        sequence: seq,
        msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "1" }])],
        fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n },
      }),
    ).toString("base64");
  const post = async (body: unknown): Promise<{ text: string; json: unknown; headers: Headers }> => {
    const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
    const text = await res.text();
    return { text, json: JSON.parse(text), headers: res.headers };
  };
  const req = (id: number, method: string, params: Record<string, unknown> = {}) => ({
    jsonrpc: "2.0",
    id,
    method,
    params,
  });

  before(async () => {
    ({ node, url, chainId } = await startNode((c) => {
      c.rpc.max_batch_requests = 10;
      c.rpc.max_response_bytes = 20_000;
      c.rpc.max_ws_concurrent_requests = 2;
      c.rpc.max_tx_search_entries = 3;
    }));
    for (let s = 0n; s < 5n; s++) {
      const r = (await post(req(1, "broadcast_tx_commit", { tx: tx(s) }))).json as Reply;
      assert.equal(r.error, undefined, JSON.stringify(r));
      heights.push(Number((r.result as { height: string }).height));
    }
  });

  after(async () => {
    await node?.stop();
  });

  it("refuses a batch longer than rpc.max_batch_requests, whole, with -32600", async () => {
    const long = (await post(Array.from({ length: 11 }, (_, i) => req(i, "health")))).json as Reply;
    assert.equal(long.error?.code, -32600);
    assert.match(long.error!.data, /max_batch_requests \(10\)/);
    const ok = (await post(Array.from({ length: 10 }, (_, i) => req(i, "health")))).json as Reply[];
    assert.equal(ok.length, 10);
    assert.ok(ok.every((r) => r.error === undefined));
  });

  it("caps a batch's answer at rpc.max_response_bytes: the calls past it answer -32001", async () => {
    // Each genesis answer is a few KB; ten of them would exceed the 20 000-byte cap.
    const one = (await post(req(0, "genesis"))).text.length;
    assert.ok(one > 2_500 && one < 20_000, `genesis answer is ${one} bytes`);
    const res = await post(Array.from({ length: 10 }, (_, i) => req(i, "genesis")));
    assert.ok(res.text.length <= 20_000, `batch answer is ${res.text.length} bytes`);
    const replies = res.json as Reply[];
    assert.equal(replies.length, 10);
    assert.deepEqual(
      replies.map((r) => r.id),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    const served = replies.filter((r) => r.result !== undefined).length;
    assert.ok(served >= 1 && served < 10, `${served} served`);
    for (const r of replies.slice(served)) {
      assert.equal(r.error?.code, -32001);
      assert.match(r.error!.data, /max_response_bytes/);
    }
  });

  it("refuses a single answer larger than rpc.max_response_bytes with -32001", async () => {
    const { node: small, url: smallUrl } = await startNode((c) => (c.rpc.max_response_bytes = 1_000));
    try {
      const r = (await (
        await fetch(smallUrl, { method: "POST", body: JSON.stringify(req(7, "genesis")) })
      ).json()) as Reply;
      assert.equal(r.id, 7);
      assert.equal(r.error?.code, -32001);
      const get = (await (await fetch(`${smallUrl}/genesis`)).json()) as Reply;
      assert.equal(get.error?.code, -32001);
      assert.deepEqual(((await (await fetch(`${smallUrl}/health`)).json()) as Reply).result, {});
    } finally {
      await small.stop();
    }
  });

  it("bounds tx_search by the index entries it may read (-32602), and serves a narrower query", async () => {
    const broad = (await post(req(1, "tx_search", { query: `message.sender='${alice.address}'` }))).json as Reply;
    assert.equal(broad.error?.code, -32602);
    assert.match(broad.error!.data, /more than 3 index entries/);
    const all = (await post(req(1, "tx_search", { query: "tx.height>=1" }))).json as Reply;
    assert.equal(all.error?.code, -32602);
    const t = (
      await post(req(1, "tx_search", { query: `message.sender='${alice.address}' AND tx.height>=1`, per_page: "1" }))
    ).json as Reply;
    assert.equal(t.error?.code, -32602, "the attribute condition selects the scan; tx.height only filters");
    // Each tx is in its own block: a two-block range reads two entries.
    const narrow = (await post(req(1, "tx_search", { query: `tx.height>=${heights[1]} AND tx.height<=${heights[2]}` })))
      .json as Reply;
    assert.equal(narrow.error, undefined, JSON.stringify(narrow.error));
    assert.equal((narrow.result as { total_count: string }).total_count, "2");
    const byHash = (await post(req(1, "tx_search", { query: "tx.hash='" + "AB".repeat(32) + "'" }))).json as Reply;
    assert.equal((byHash.result as { total_count: string }).total_count, "0");
  });

  it("limits a WebSocket connection's requests in progress to rpc.max_ws_concurrent_requests (-32003)", async () => {
    const ws = new WebSocket(`ws://${node.rpcAddress}/websocket`);
    await new Promise((r) => ws.once("open", r));
    const replies: Reply[] = [];
    ws.on("message", (d) => replies.push(JSON.parse(d.toString()) as Reply));
    // Three broadcast_tx_commit calls wait for a block each; the third exceeds the limit of 2.
    const seq = 5n;
    for (let i = 0; i < 3; i++)
      ws.send(JSON.stringify(req(10 + i, "broadcast_tx_commit", { tx: tx(seq + BigInt(i)) })));
    for (let i = 0; i < 200 && replies.length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    const byId = new Map(replies.map((r) => [r.id, r]));
    assert.equal(byId.get(12)?.error?.code, -32003);
    assert.match(byId.get(12)!.error!.data, /max_ws_concurrent_requests \(2\)/);
    assert.equal((byId.get(10)?.result as { tx_result: { code: number } }).tx_result.code, 0);
    assert.equal((byId.get(11)?.result as { tx_result: { code: number } }).tx_result.code, 0);
    // With the first answered, the connection takes requests again.
    ws.send(JSON.stringify(req(20, "health")));
    for (let i = 0; i < 100 && !replies.some((r) => r.id === 20); i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(replies.find((r) => r.id === 20)?.result, {});
    ws.close();
  });

  it("sends no CORS headers by default, as CometBFT; configured origins are echoed", async () => {
    const res = await fetch(`${url}/health`, { headers: { Origin: "http://evil.example" } });
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    const pre = await fetch(`${url}/health`, {
      method: "OPTIONS",
      headers: { Origin: "http://evil.example", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(pre.headers.get("access-control-allow-origin"), null);
    const { node: open, url: openUrl } = await startNode(
      (c) => (c.rpc.cors_allowed_origins = ["http://localhost:8080"]),
    );
    try {
      const allowed = await fetch(`${openUrl}/health`, { headers: { Origin: "http://localhost:8080" } });
      assert.equal(allowed.headers.get("access-control-allow-origin"), "http://localhost:8080");
      const other = await fetch(`${openUrl}/health`, { headers: { Origin: "http://evil.example" } });
      assert.equal(other.headers.get("access-control-allow-origin"), null);
    } finally {
      await open.stop();
    }
  });

  it("refuses a request body over rpc.max_body_bytes with 400 and -32600 (as CometBFT), and keeps serving", async () => {
    const { node: small, url: smallUrl } = await startNode((c) => (c.rpc.max_body_bytes = 1000));
    try {
      const res = await fetch(smallUrl, { method: "POST", body: JSON.stringify(req(1, "health")) + " ".repeat(2000) });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: { code: number; data: string } };
      assert.equal(body.error.code, -32600);
      assert.match(body.error.data, /request body too large/);
      const ok = await fetch(smallUrl, { method: "POST", body: JSON.stringify(req(2, "health")) });
      assert.deepEqual(((await ok.json()) as { result: unknown }).result, {});
    } finally {
      await small.stop();
    }
  });

  it("reports catching_up false for a lone validator at the tip", async () => {
    const s = (await post(req(1, "status"))).json as { result: { sync_info: { catching_up: boolean } } };
    assert.equal(s.result.sync_info.catching_up, false);
  });
});
