import { nopLogger, type Logger } from "../../modules/sdk/context.js";
import { generateEd25519 } from "../crypto/ed25519.js";
import { loadConfig, type NodeConfig } from "../types/nodeConfig.js";
import { createNode, type Node } from "../node/node.js";
import { createSwitch, defaultChannels, type Switch } from "../p2p/switch.js";
import { makeTestNetwork, type TestNetwork } from "./network.js";

// A network of in-process nodes that reach each other only through a hub: one p2p switch that
// every node knows as its only peer and that relays each message to the other nodes, unless a
// filter drops it. Tests use it to partition, delay or silence validators message by message
// (which votes reach whom), with the real p2p code and the real consensus of every node.

export interface HubMessage {
  /** Index of the sending and the receiving node. */
  from: number;
  to: number;
  channel: number;
  payload: Uint8Array;
}

export interface HubNetwork {
  net: TestNetwork;
  nodes: Node[];
  hub: Switch;
  /** Return false to drop a message; replaceable while the network runs. */
  filter: (m: HubMessage) => boolean;
  stop(): Promise<void>;
}

export async function startHubNetwork(opts: {
  validators: number;
  fullNodes?: number;
  accounts?: Array<{ address: string; coins: Array<{ denom: string; amount: bigint }> }>;
  editConfig?: (c: NodeConfig, i: number) => void;
  logger?: Logger;
  start?: number[];
}): Promise<HubNetwork> {
  const net = await makeTestNetwork({
    validators: opts.validators,
    fullNodes: opts.fullNodes ?? 0,
    accounts: opts.accounts ?? [],
  });
  const nodes: Node[] = [];
  for (let i = 0; i < net.homes.length; i++) {
    const config = loadConfig(net.homes[i]!);
    config.p2p.persistent_peers = "";
    config.p2p.pex = false;
    opts.editConfig?.(config, i);
    nodes.push(await createNode({ home: net.homes[i]!, config, inMemory: true }, { logger: opts.logger ?? nopLogger }));
  }
  const started = opts.start ?? nodes.map((_, i) => i);
  for (const i of started) await nodes[i]!.start();
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const hub = createSwitch(
    {
      nodeKey: generateEd25519(),
      listen: null,
      persistentPeers: started.map((i) => {
        const [host, port] = nodes[i]!.p2p!.address.split(":");
        return { id: nodes[i]!.id, host: host!, port: Number(port) };
      }),
      maxInbound: 0,
      maxOutbound: nodes.length,
      channels: defaultChannels,
      backoff: { minMs: 50, maxMs: 500 },
    },
    { logger: nopLogger },
  );
  const h: HubNetwork = {
    net,
    nodes,
    hub,
    filter: () => true,
    async stop() {
      await hub.stop();
      // Every node, started or not (a node holds signature-check threads from its creation).
      for (const n of nodes) await n.stop();
    },
  };
  for (const spec of defaultChannels) {
    hub.onReceive(spec.id, (peer, payload) => {
      const from = index.get(peer);
      if (from === undefined) return;
      for (const to of hub.peers()) {
        const j = index.get(to);
        if (j === undefined || j === from) continue;
        if (h.filter({ from, to: j, channel: spec.id, payload })) hub.send(to, spec.id, payload);
      }
    });
  }
  await hub.start();
  return h;
}
