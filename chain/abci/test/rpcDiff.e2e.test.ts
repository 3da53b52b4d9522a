import assert from "node:assert/strict";
import { SigningStargateClient } from "@cosmjs/stargate";
import { QueryBalanceRequest } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { WebSocket } from "ws";
import { cometbftEngine } from "../../testkit/engines.js";
import { gasPrice, testWallet, validatorHome } from "../../testkit/cometbftNodes.js";
import { startNodeProcess, type NodeProcess } from "../../testkit/nodeProcess.js";
import { sleep } from "../../testkit/wait.js";

// The same RPC requests (JSON-RPC POSTs, batches, malformed and oversized bodies, URI GETs and a
// WebSocket subscription) to a TypeScript-engine node and a CometBFT node of the same genesis
// shape; every difference in HTTP status, field names, value types, string encodings and error
// codes and messages is listed, and there must be none: CometBFT is the reference, so each
// difference found was a defect of the TypeScript engine's RPC (those found against CometBFT
// 0.38.26 are fixed: see docs/node.md).

const engine = cometbftEngine();

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** How a string leaf is encoded: the engines must agree on the encoding as well as the type. */
function stringKind(s: string): string {
  if (s === "") return "empty string";
  if (/^-?[0-9]+$/.test(s)) return "decimal string";
  if (/^[0-9A-F]+$/.test(s) && s.length % 2 === 0 && s.length >= 40) return "hex string";
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(s) && s.length % 4 === 0 && s.length >= 40 && /[a-z]/.test(s))
    return "base64 string";
  if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}T/.test(s)) return "time string";
  return "string";
}

/**
 * Paths where the two values differ in keys or JSON types (arrays compared by their first
 * element), in the encoding of a string, or, for the values both engines must agree on
 * exactly (`status`, an error's `code` and `message`), in value.
 */
export function shapeDiff(a: Json, b: Json, path: string, out: string[]): void {
  const kind = (v: Json) =>
    v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "string" ? stringKind(v) : typeof v;
  if (/(\.status|\.error\.code|\.error\.message)$/.test(path) && a !== b) {
    out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    return;
  }
  const loose = (k: string) => k === "string" || k === "empty string";
  if (kind(a) !== kind(b) && !(typeof a === "string" && typeof b === "string" && (loose(kind(a)) || loose(kind(b))))) {
    out.push(`${path}: ${kind(a)} vs ${kind(b)}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length > 0 && b.length > 0) shapeDiff(a[0]!, b[0]!, `${path}[]`, out);
    return;
  }
  if (kind(a) === "object") {
    const ao = a as { [k: string]: Json };
    const bo = b as { [k: string]: Json };
    for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
      if (!(k in bo)) out.push(`${path}.${k}: only in the TypeScript engine`);
      else if (!(k in ao)) out.push(`${path}.${k}: only in CometBFT`);
      else shapeDiff(ao[k]!, bo[k]!, `${path}.${k}`, out);
    }
  }
}

describe(`RPC of the TypeScript engine vs CometBFT, field names and types (e2e) ${engine.title}`, function () {
  this.timeout(180_000);
  const nodes: NodeProcess[] = [];

  after(async () => {
    for (const n of nodes) await n.stop();
  });

  it("answers the same requests with the same statuses, shapes, encodings and error codes", async function () {
    if (engine.missing !== null) return this.skip();
    const { wallet, addresses } = await testWallet(3);
    const [alice, bob, carol] = addresses as [string, string, string];
    const ts = await startNodeProcess((await validatorHome(wallet, alice, carol)).home);
    nodes.push(ts);
    const comet = await startNodeProcess((await validatorHome(wallet, alice, carol)).home, await engine.startArgs());
    nodes.push(comet);

    const sent: Array<{ hash: string; height: number }> = [];
    for (const n of [ts, comet]) {
      const c = await SigningStargateClient.connectWithSigner(n.rpcUrl, wallet, { gasPrice });
      const r = await c.sendTokens(alice, bob, [{ denom: "utcu", amount: "5" }], "auto", "diff");
      assert.equal(r.code, 0, r.rawLog);
      sent.push({ hash: r.transactionHash, height: r.height });
      c.disconnect();
    }
    await sleep(1500);

    type Answer = { status: number; body: Json };
    const answer = async (res: Response): Promise<Answer> => {
      const text = await res.text();
      const isJson = (res.headers.get("content-type") ?? "").startsWith("application/json");
      // Non-JSON bodies (the endpoint list, a 404 page) are compared as "some text".
      return { status: res.status, body: text === "" ? "" : isJson ? (JSON.parse(text) as Json) : "text" };
    };
    const post = async (url: string, body: string, path = "/") =>
      answer(await fetch(url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body }));
    const get = async (url: string, path: string) => answer(await fetch(url + path));
    const call = (method: string, params: Record<string, unknown>) => (url: string) =>
      post(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
    const balance = Buffer.from(QueryBalanceRequest.encode({ address: alice, denom: "utcu" }).finish()).toString("hex");
    const requests: Array<[string, (i: number) => (url: string) => Promise<Answer>]> = [
      ["health", () => call("health", {})],
      ["status", () => call("status", {})],
      ["abci_info", () => call("abci_info", {})],
      ["net_info", () => call("net_info", {})],
      ["genesis", () => call("genesis", {})],
      ["blockchain", () => call("blockchain", { minHeight: "1", maxHeight: "2" })],
      ["block(2)", () => call("block", { height: "2" })],
      ["block(tx)", (i) => call("block", { height: String(sent[i]!.height) })],
      ["block_results(1)", () => call("block_results", { height: "1" })],
      ["block_results(tx)", (i) => call("block_results", { height: String(sent[i]!.height) })],
      ["commit", () => call("commit", { height: "2" })],
      ["validators", () => call("validators", { height: "2" })],
      ["num_unconfirmed_txs", () => call("num_unconfirmed_txs", {})],
      ["unconfirmed_txs", () => call("unconfirmed_txs", { limit: "10" })],
      ["tx", (i) => call("tx", { hash: Buffer.from(sent[i]!.hash, "hex").toString("base64") })],
      ["tx_search", (i) => call("tx_search", { query: `tx.height=${sent[i]!.height}`, page: "1", per_page: "10" })],
      ["tx_search(bad query)", () => call("tx_search", { query: "tx.height >>> 5" })],
      [
        "tx_search(page past the end)",
        (i) => call("tx_search", { query: `tx.height=${sent[i]!.height}`, page: "5", per_page: "10" }),
      ],
      [
        "tx_search(bad order_by)",
        (i) => call("tx_search", { query: `tx.height=${sent[i]!.height}`, order_by: "sideways" }),
      ],
      ["abci_query", () => call("abci_query", { path: "/cosmos.bank.v1beta1.Query/Balance", data: balance })],
      ["abci_query(unknown path)", () => call("abci_query", { path: "/no.such/Path", data: "" })],
      ["abci_query(bad hex)", () => call("abci_query", { path: "/x", data: "zz" })],
      [
        "broadcast_tx_sync(not a tx)",
        () => call("broadcast_tx_sync", { tx: Buffer.from([1, 2, 3]).toString("base64") }),
      ],
      ["broadcast_tx_sync(not base64)", () => call("broadcast_tx_sync", { tx: "!!!" })],
      ["block(missing)", () => call("block", { height: "999999" })],
      ["block(not a number)", () => call("block", { height: "abc" })],
      ["no_such_method", () => call("no_such_method", {})],
      ["parse error", () => (url) => post(url, "{not json")],
      ["oversized body", () => (url) => post(url, "x".repeat(2_000_000))],
      ["empty body", () => (url) => post(url, "")],
      [
        "batch with an entry without method",
        () => (url) => post(url, JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "health", params: {} }, { id: 2 }])),
      ],
      [
        "batch of one",
        () => (url) => post(url, JSON.stringify([{ jsonrpc: "2.0", id: 7, method: "health", params: {} }])),
      ],
      [
        "batch with a notification",
        () => (url) =>
          post(
            url,
            JSON.stringify([
              { jsonrpc: "2.0", id: 1, method: "health" },
              { jsonrpc: "2.0", method: "health" },
              { jsonrpc: "2.0", id: "x", method: "abci_info" },
            ]),
          ),
      ],
      ["notification", () => (url) => post(url, JSON.stringify({ jsonrpc: "2.0", method: "health", params: {} }))],
      ["empty batch", () => (url) => post(url, "[]")],
      [
        "batch with a bad id",
        () => (url) => post(url, JSON.stringify([{ jsonrpc: "2.0", id: true, method: "health" }])),
      ],
      ["POST to a method's path", () => (url) => post(url, "", "/health")],
      ["POST to an unknown path", () => (url) => post(url, "{}", "/nowhere")],
      ["GET block", () => (url) => get(url, "/block?height=2")],
      ["GET missing block", () => (url) => get(url, "/block?height=999999")],
      ["GET bad param", () => (url) => get(url, "/block?height=abc")],
      ["GET unknown method", () => (url) => get(url, "/no_such_method")],
      ["GET /", () => (url) => get(url, "/")],
    ];
    const diffs: string[] = [];
    for (const [label, request] of requests) {
      const a = await request(0)(ts.rpcUrl);
      const b = await request(1)(comet.rpcUrl);
      shapeDiff(a, b, label, diffs);
    }
    // The subscription's answer and first NewBlock event over a WebSocket.
    const newBlock = async (url: string): Promise<Json> => {
      const ws = new WebSocket(url.replace(/^http/, "ws") + "/websocket");
      await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
      const msgs: Json[] = [];
      ws.on("message", (d: Buffer) => msgs.push(JSON.parse(d.toString()) as Json));
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "subscribe", params: { query: "tm.event='NewBlock'" } }));
      for (let i = 0; i < 200 && msgs.length < 2; i++) await sleep(50);
      ws.close();
      return msgs;
    };
    shapeDiff(await newBlock(ts.rpcUrl), await newBlock(comet.rpcUrl), "websocket subscribe NewBlock", diffs);
    const found = [...new Set(diffs)];
    assert.deepEqual(found, [], `differences (TypeScript engine vs CometBFT):\n${found.join("\n")}`);
  });
});
