import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createNode, type Node } from "../../../chain/node/node.js";
import { makeTestHome } from "../../../chain/testkit/nodeProcess.js";
import { loadConfig } from "../../../chain/types/nodeConfig.js";
import { JobState } from "../../../modules/jobs/index.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { zoo } from "../../models/zoo.js";
import { registerZooMarket, sdkSend, submitJobMsg, submittedId } from "../../worker/test/fixtures.js";
import { encodeTensors } from "../../models/tensors.js";
import { TcomputeClient } from "../client.js";
import { rawKeyFromSeed } from "../signing.js";

// The SDK's job lists, newest first: a page holds 1,000 jobs, and a worker listing its own jobs
// oldest first would, past 1,000 retained, never see its new assignments (each then a no-show),
// nor an auditor the newest open audits.

describe("SDK job lists: oldest or newest first", function () {
  this.timeout(60_000);
  const requester = rawKeyFromSeed("pages-requester");
  const provider = rawKeyFromSeed("pages-provider");
  const m = zoo["mlp-64x128x128x32"]!;
  const hash = createHash("sha256").update(m.bytes()).digest("hex");
  let node: Node;
  let client: TcomputeClient;

  const send = sdkSend(() => `http://${node.rpcAddress}`);

  before(async () => {
    const t = await makeTestHome({
      accounts: [requester, provider].map((k) => ({
        address: k.address,
        coins: [{ denom: "utcu", amount: 1_000_000_000n }],
      })),
    });
    node = await createNode({ home: t.home, config: loadConfig(t.home), inMemory: true }, { logger: nopLogger });
    await node.start();
    await registerZooMarket(send, {
      m,
      hash,
      modelFile: "/nonexistent/mlp.onnx",
      owner: requester,
      provider,
      moniker: "pages",
      x25519Pubkey: new Uint8Array(32).fill(7),
      bond: 50_000_000n,
    });
    client = await TcomputeClient.connect(`http://${node.rpcAddress}`);
  });

  after(async () => {
    client?.disconnect();
    await node?.stop();
  });

  it("byProvider and byState page from either end", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        submittedId(
          await send(requester, [
            submitJobMsg(requester, hash, [{ inline: encodeTensors(m.sampleInput(i)), uri: "", sha256: "" }]),
          ]),
        ),
      );
    const of = (jobs: Array<{ id: string | bigint }>) => jobs.map((j) => String(j.id));
    assert.deepEqual(of(await client.query.jobs.byProvider(provider.address, 2)), ids.slice(0, 2), "oldest first");
    assert.deepEqual(
      of(await client.query.jobs.byProvider(provider.address, 2, true)),
      [ids[2], ids[1]],
      "newest first",
    );
    const assigned = await client.query.jobs.byState(JobState.assigned, 1, true);
    assert.deepEqual(of(assigned), [ids[2]]);
  });
});
