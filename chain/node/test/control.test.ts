import assert from "node:assert/strict";
import { CodedError } from "../../../modules/sdk/errors.js";
import { freePort } from "../../testkit/nodeProcess.js";
import { producesBlocks, startTargetNode, switchPeer, waitFor } from "../../testkit/attackPeer.js";
import { configErrors, defaultConfig, validateConfig } from "../../types/nodeConfig.js";

// The node's loopback control endpoint (p2p.control_laddr), which `tcd localnet disconnect` uses.
describe("the node's control endpoint", function () {
  this.timeout(60_000);

  it("disconnect drops and refuses every peer for a while, then the peers are back; bad requests are refused", async () => {
    const port = await freePort();
    const t = await startTargetNode({ editConfig: (c) => (c.p2p.control_laddr = `tcp://127.0.0.1:${port}`) });
    const peer = await switchPeer(t);
    const url = `http://127.0.0.1:${port}`;
    try {
      const status = (await (await fetch(`${url}/status`)).json()) as {
        height: string;
        peers: number;
        isolated_until_ms: number;
      };
      assert.equal(status.peers, 1);
      assert.equal(status.isolated_until_ms, 0);
      assert.equal((await fetch(`${url}/p2p/disconnect?seconds=0`, { method: "POST" })).status, 400);
      assert.equal((await fetch(`${url}/p2p/disconnect?seconds=abc`, { method: "POST" })).status, 400);
      assert.equal((await fetch(`${url}/nope`, { method: "POST" })).status, 404);
      const r = await fetch(`${url}/p2p/disconnect?seconds=2`, { method: "POST" });
      assert.equal(r.status, 200);
      await waitFor(() => t.node.p2p!.peers().length === 0, "the peer to be dropped");
      // The peer keeps redialing (100-500 ms backoff): refused while isolated.
      await new Promise((res) => setTimeout(res, 1000));
      assert.equal(t.node.p2p!.peers().length, 0, "refused while disconnected");
      await producesBlocks(t.node, 2n); // it still makes blocks alone (it has 100 of 101 power)
      await waitFor(() => t.node.p2p!.peers().includes(peer.sw.id), "the peer to be back after the isolation");
      // Ending an isolation early.
      await fetch(`${url}/p2p/disconnect?seconds=600`, { method: "POST" });
      await waitFor(() => t.node.p2p!.peers().length === 0, "dropped again");
      await fetch(`${url}/p2p/reconnect`, { method: "POST" });
      await waitFor(() => t.node.p2p!.peers().includes(peer.sw.id), "back after reconnect");
    } finally {
      await peer.stop();
      await t.stop();
    }
  });

  it("listens on a loopback address only", () => {
    const c = defaultConfig("x");
    c.p2p.control_laddr = "tcp://0.0.0.0:26660";
    assert.throws(
      () => validateConfig(c),
      (e: unknown) => e instanceof CodedError && e.is(configErrors.invalid) && /loopback/.test(e.message),
    );
    c.p2p.control_laddr = "tcp://127.0.0.1:26660";
    assert.doesNotThrow(() => validateConfig(c));
  });
});
