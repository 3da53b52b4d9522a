import type { Logger } from "../../../modules/sdk/context.js";
import { nodeId } from "../../crypto/keyFiles.js";
import { Channel, createSwitch, type SwitchOptions } from "../switch.js";
import { withCometBlockSync, type CometBlockSync, type CometBlockSyncOptions } from "./blockSync.js";
import { cometConnect } from "./connection.js";

// The switch of a TypeScript-engine node on a CometBFT network (config p2p.wire = "cometbft"):
// the TypeScript switch (dialing, backoff, peer limits, reassembly and its bounds) over
// CometBFT's connection (cometConnect: SecretConnection, NodeInfo, MConnection packets), with
// CometBFT's block sync in front of the engine (withCometBlockSync). It announces the channels
// whose messages both engines share, and the consensus channels only with a live follower
// (sync.follow): CometBFT sends a peer only on channels in its NodeInfo, and the engine's own
// consensus messages never go to CometBFT peers. docs/node.md, "Mixed networks".

/** The channels a TypeScript node announces to CometBFT peers: their messages are CometBFT's. */
export const cometChannels = [Channel.blockSync, Channel.mempool, Channel.evidence];
/** And the consensus channels a live follower (consensusFollow.ts) listens on. */
export const followChannels = [Channel.consensusState, Channel.consensusData, Channel.consensusVote];

export interface CometSwitchOptions {
  network: string;
  moniker: string;
  /** The version string in our NodeInfo. */
  version: string;
  rpcAddress: string;
  txIndex: "on" | "off";
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  sync: Omit<CometBlockSyncOptions, "passThrough">;
}

export function createCometSwitch(
  base: SwitchOptions,
  opts: CometSwitchOptions,
  deps: { logger: Logger },
): CometBlockSync {
  const id = nodeId(base.nodeKey);
  const channels: number[] = opts.sync.follow === undefined ? cometChannels : [...cometChannels, ...followChannels];
  // The address actually listened on (known once started), as CometBFT's listen_addr.
  const listen = () => `tcp://${inner.address !== "" ? inner.address : "0.0.0.0:0"}`;
  const inner = createSwitch(
    {
      ...base,
      channels: base.channels.filter((c) => channels.includes(c.id)),
      connect: (socket, nodeKey, o) =>
        cometConnect(socket, nodeKey, id, {
          ...o,
          nodeInfo: {
            listenAddr: listen(),
            network: opts.network,
            version: opts.version,
            channels,
            moniker: opts.moniker,
            txIndex: opts.txIndex,
            rpcAddress: opts.rpcAddress,
          },
          ...(opts.pingIntervalMs === undefined ? {} : { pingIntervalMs: opts.pingIntervalMs }),
          ...(opts.pongTimeoutMs === undefined ? {} : { pongTimeoutMs: opts.pongTimeoutMs }),
        }),
    },
    deps,
  );
  return withCometBlockSync(inner, { ...opts.sync, passThrough: [Channel.mempool, Channel.evidence] }, deps);
}

/** createSwitch's shape, for the node to pick the wire by configuration. */
export function cometSwitchMaker(
  opts: CometSwitchOptions,
): (base: SwitchOptions, deps: { logger: Logger }) => CometBlockSync {
  return (base, deps) => createCometSwitch(base, opts, deps);
}
