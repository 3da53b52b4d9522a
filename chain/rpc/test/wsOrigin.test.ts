import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { nopLogger } from "../../../modules/sdk/context.js";
import { loadConfig } from "../../types/nodeConfig.js";
import { createNode, type Node } from "../../node/node.js";
import { freePort, makeTestHome } from "../../testkit/nodeProcess.js";
import { wsOriginAllowed } from "../server.js";

// The RPC WebSocket's Origin check (issue 14: the dashboard's live updates): a page on another
// site must not be able to use a visitor's browser as a client of the node's WebSocket; the
// node's own dashboard (the API server's port, the host name the browser used) and the origins
// rpc.cors_allowed_origins lists may; clients that are not browser pages send no Origin and may.

/** Opens a WebSocket with the given Origin header: the HTTP status of a refusal, or "open". */
function tryOpen(url: string, origin: string | undefined, host?: string): Promise<number | "open"> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (origin !== undefined) headers["Origin"] = origin;
    if (host !== undefined) headers["Host"] = host;
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => {
      ws.close();
      resolve("open");
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", (e) => reject(e));
  });
}

describe("RPC WebSocket Origin check", function () {
  this.timeout(60_000);
  let node: Node;
  let wsUrl: string;
  let apiPort: string;
  let rpcPort: string;

  before(async () => {
    const home = await makeTestHome({ accounts: [] });
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "100ms";
    config.api.enable = true;
    config.api.address = `tcp://127.0.0.1:${await freePort()}`;
    node = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
    await node.start();
    wsUrl = `ws://${node.rpcAddress}/websocket`;
    apiPort = node.apiAddress.split(":").pop()!;
    rpcPort = node.rpcAddress.split(":").pop()!;
  });

  after(async () => {
    await node?.stop();
  });

  it("admits the node's dashboard and clients without an Origin; refuses other pages with 403", async () => {
    assert.equal(await tryOpen(wsUrl, undefined), "open", "no Origin: cosmjs, curl, Go clients");
    assert.equal(await tryOpen(wsUrl, `http://127.0.0.1:${apiPort}`), "open", "the dashboard");
    // The same dashboard reached as localhost: the page builds the socket's address from its own host name.
    assert.equal(await tryOpen(wsUrl, `http://localhost:${apiPort}`, `localhost:${rpcPort}`), "open");
    for (const [origin, host] of [
      ["http://evil.example", undefined],
      [`http://evil.example:${apiPort}`, undefined], // the API's port on another host
      [`http://localhost:${apiPort}`, undefined], // another host name than the socket's
      [`https://127.0.0.1:${apiPort}`, undefined],
      [`http://127.0.0.1:${Number(apiPort) + 1}`, undefined],
      [`http://127.0.0.1:${rpcPort}`, undefined], // a page the RPC port would serve: the RPC serves none
      ["null", undefined], // a sandboxed iframe or a file: page
      [`http://127.0.0.1:${apiPort}/x`, undefined],
      [`http://user@127.0.0.1:${apiPort}`, undefined],
    ] as const)
      assert.equal(await tryOpen(wsUrl, origin, host), 403, origin);
    // Refusals hold no client slot: the node still serves.
    assert.equal(await tryOpen(wsUrl, undefined), "open");
  });

  it("tells the dashboard where the WebSocket is (/dashboard/config.json on the API server)", async () => {
    const res = await fetch(`http://${node.apiAddress}/dashboard/config.json`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { websocket: { port: Number(rpcPort), path: "/websocket" } });
  });

  it('admits what rpc.cors_allowed_origins lists, all with "*", and no dashboard when the API is off', () => {
    const api = "127.0.0.1:1317";
    const host = "127.0.0.1:26657";
    assert.equal(wsOriginAllowed("http://wallet.example", host, ["http://wallet.example"], api), true);
    assert.equal(wsOriginAllowed("http://other.example", host, ["http://wallet.example"], api), false);
    assert.equal(wsOriginAllowed("http://anything.example", host, ["*"], api), true);
    assert.equal(wsOriginAllowed("http://127.0.0.1:1317", host, [], api), true);
    assert.equal(wsOriginAllowed("http://127.0.0.1:1317", host, [], ""), false, "API off: no dashboard");
    assert.equal(wsOriginAllowed("http://127.0.0.1:1317", undefined, [], api), false, "no Host header");
    assert.equal(wsOriginAllowed("http://[::1]:1317", "[::1]:26657", [], "[::1]:1317"), true);
    assert.equal(wsOriginAllowed("http://[::1]:1317", host, [], api), false);
    assert.equal(wsOriginAllowed("http://127.0.0.1:1317", "127.0.0.1:26657/../x", [], api), false);
    assert.equal(wsOriginAllowed("http://127.0.0.1", "127.0.0.1:26657", [], "127.0.0.1:80"), true, "port 80 implied");
    assert.equal(wsOriginAllowed("not a url", host, [], api), false);
  });
});
