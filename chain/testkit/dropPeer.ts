import { nopLogger } from "../../modules/sdk/context.js";
import { generateEd25519 } from "../crypto/ed25519.js";
import type { Node } from "../node/node.js";
import { createSwitch, defaultChannels } from "../p2p/switch.js";
import { until } from "./wait.js";

/**
 * Connects a peer built from the project's p2p code to `target`, sends it the payloads on
 * `channel` and resolves when the target drops the connection (the peer does not redial
 * meanwhile).
 */
export async function sendAndExpectDrop(target: Node, channel: number, ...payloads: Uint8Array[]): Promise<void> {
  const [host, port] = target.p2p!.address.split(":");
  const peer = createSwitch(
    {
      nodeKey: generateEd25519(),
      listen: null,
      persistentPeers: [{ id: target.id, host: host!, port: Number(port) }],
      maxInbound: 0,
      maxOutbound: 1,
      channels: defaultChannels,
      backoff: { minMs: 600_000, maxMs: 600_000 },
    },
    { logger: nopLogger },
  );
  const events: boolean[] = [];
  peer.onPeer((_, up) => events.push(up));
  await peer.start();
  try {
    await until(() => events.includes(true), 20_000, "the peer connects");
    for (const payload of payloads) peer.send(target.id, channel, payload);
    await until(() => events.includes(false), 20_000, "the target drops the peer");
  } finally {
    await peer.stop();
  }
}
