import assert from "node:assert/strict";
import { nopLogger } from "../../../modules/sdk/context.js";
import { loadConfig } from "../../types/nodeConfig.js";
import { createNode, type Node } from "../../node/node.js";
import { makeTestNetwork } from "../../testkit/network.js";

// `catching_up` in /status (issue 14 item 6): a full node that starts after the validators have
// made blocks reports true while it fetches them and false once it is at their height.

describe("status catching_up", function () {
  this.timeout(120_000);

  it("is true while a late full node catches up, false once it is at the tip", async () => {
    const net = await makeTestNetwork({ validators: 2, fullNodes: 1, accounts: [] });
    const nodes: Node[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const config = loadConfig(net.homes[i]!);
        if (i < 2) config.consensus.timeout_commit = "1s"; // slower than catch-up, so the full node gets there
        nodes.push(await createNode({ home: net.homes[i]!, config, inMemory: true }, { logger: nopLogger }));
      }
      const [v0, v1, full] = nodes as [Node, Node, Node];
      await v0.start();
      await v1.start();
      const status = async (n: Node) =>
        (
          (await (await fetch(`http://${n.rpcAddress}/status`)).json()) as {
            result: { sync_info: { catching_up: boolean; latest_block_height: string } };
          }
        ).result.sync_info;
      const deadline = Date.now() + 60_000;
      while (v0.state().lastBlockHeight < 8n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(v0.state().lastBlockHeight >= 8n, "the validators make blocks");
      assert.equal((await status(v0)).catching_up, false);
      await full.start();
      const seen: boolean[] = [];
      while (Date.now() < deadline) {
        const s = await status(full);
        seen.push(s.catching_up);
        if (seen.includes(true) && !s.catching_up && BigInt(s.latest_block_height) >= v0.state().lastBlockHeight - 1n)
          break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(seen.includes(true), "catching_up was true while the full node fetched blocks");
      assert.equal(seen[seen.length - 1], false, "and false once at the tip");
    } finally {
      for (const n of nodes.reverse()) await n.stop().catch(() => {});
    }
  });
});
