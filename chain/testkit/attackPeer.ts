import { readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { addGenesisValidator } from "../genesis/build.js";
import { saveGenesisFile, type GenesisDoc } from "../genesis/genesisDoc.js";
import { nopLogger, type Logger } from "../../modules/sdk/context.js";
import { Vote as PbVote, type BlockID } from "cosmjs-types/tendermint/types/types";
import type { Timestamp } from "../../modules/sdk/context.js";
import { VoteType } from "../consensus/types.js";
import { SignedMsgType, voteSignBytes } from "../types/signBytes.js";
import { ed25519Address, ed25519Sign, generateEd25519, type Ed25519Key } from "../crypto/ed25519.js";
import { nodeId } from "../crypto/keyFiles.js";
import type { WalFs } from "../consensus/wal.js";
import { homePaths, loadConfig, type NodeConfig } from "../types/nodeConfig.js";
import { createNode, type Node } from "../node/node.js";
import { makeSecretConnection, type SecretConnection } from "../p2p/secretConnection.js";
import { createSwitch, defaultChannels, type Switch } from "../p2p/switch.js";
import { makeTestHome } from "./nodeProcess.js";

// A node under attack and peers to attack it with, built from the project's own p2p code and
// speaking its wire protocol on 127.0.0.1 (issue 16). The target is a validator with most of
// the power, so it makes blocks alone through the BFT engine; a second genesis validator with
// little power is the attacker's key, so the attacker can sign votes a real byzantine
// validator could sign.

export interface TargetNode {
  node: Node;
  home: string;
  chainId: string;
  /** host and port of the node's p2p listener. */
  host: string;
  port: number;
  /** The byzantine validator's key (in genesis with `byzantinePower`, 1 by default). */
  byzantine: Ed25519Key;
  stop(): Promise<void>;
}

export async function startTargetNode(
  opts: {
    walFs?: WalFs;
    editConfig?: (c: NodeConfig) => void;
    editGenesis?: (doc: GenesisDoc) => void;
    logger?: Logger;
    /** The byzantine validator's power (default 1, against the node's 100). */
    byzantinePower?: bigint;
  } = {},
): Promise<TargetNode> {
  const h = await makeTestHome({
    accounts: [],
    editConfig: (c) => {
      c.consensus.timeout_commit = "100ms";
      c.consensus.timeout_propose = "1s";
      c.consensus.timeout_prevote = "200ms";
      c.consensus.timeout_precommit = "200ms";
      opts.editConfig?.(c);
    },
  });
  const byzantine = generateEd25519();
  const paths = homePaths(h.home);
  const doc = JSON.parse(readFileSync(paths.genesis, "utf8")) as GenesisDoc;
  addGenesisValidator(doc, byzantine.pubKey, opts.byzantinePower ?? 1n, "byzantine");
  opts.editGenesis?.(doc);
  saveGenesisFile(paths.genesis, doc);
  const node = await createNode(
    { home: h.home, config: loadConfig(h.home), walFs: opts.walFs },
    { logger: opts.logger ?? nopLogger },
  );
  await node.start();
  const [host, port] = node.p2p!.address.split(":");
  return {
    node,
    home: h.home,
    chainId: h.chainId,
    host: host!,
    port: Number(port),
    byzantine,
    stop: () => node.stop(),
  };
}

/** Waits until cond holds (polling), failing with `what` after timeoutMs. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the node has committed `more` blocks beyond its height now. */
export async function producesBlocks(node: Node, more = 3n, timeoutMs = 20_000): Promise<void> {
  const from = node.blockStore.height;
  await waitFor(() => node.blockStore.height >= from + more, `${more} more blocks after height ${from}`, timeoutMs);
}

/** A peer speaking through a switch (whole messages on channels), connected to the target. */
export async function switchPeer(
  t: TargetNode,
): Promise<{ sw: Switch; received: Array<{ channel: number; payload: Uint8Array }>; stop(): Promise<void> }> {
  const sw = createSwitch(
    {
      nodeKey: generateEd25519(),
      listen: null,
      persistentPeers: [{ id: t.node.id, host: t.host, port: t.port }],
      maxInbound: 0,
      maxOutbound: 1,
      channels: defaultChannels,
      backoff: { minMs: 100, maxMs: 500 },
    },
    { logger: nopLogger },
  );
  const received: Array<{ channel: number; payload: Uint8Array }> = [];
  for (const c of defaultChannels) sw.onReceive(c.id, (_p, payload) => received.push({ channel: c.id, payload }));
  await sw.start();
  await waitFor(() => sw.peers().includes(t.node.id), "the attacking peer to connect");
  return { sw, received, stop: () => sw.stop() };
}

/** A raw authenticated connection to the target: the attacker writes frames of its choice. */
export async function rawPeer(
  t: TargetNode,
  key: Ed25519Key = generateEd25519(),
): Promise<SecretConnection & { id: string }> {
  const socket = createConnection({ host: t.host, port: t.port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  const conn = await makeSecretConnection(socket, key, { expectedId: t.node.id });
  return Object.assign(conn, { id: nodeId(key) });
}

/** One switch frame: [channel][eof][chunk]. */
export function frame(channel: number, eof: boolean, chunk: Uint8Array): Uint8Array {
  const f = new Uint8Array(chunk.length + 2);
  f[0] = channel;
  f[1] = eof ? 1 : 0;
  f.set(chunk, 2);
  return f;
}

/** A vote signed with the byzantine key directly (no double-sign guard: it may equivocate). */
export function byzantineVote(
  t: TargetNode,
  type: VoteType,
  height: bigint,
  round: number,
  blockId: BlockID,
  time: Timestamp = { seconds: 1_767_225_600n, nanos: 0 },
): Uint8Array {
  const pbType = type === VoteType.prevote ? SignedMsgType.prevote : SignedMsgType.precommit;
  const address = ed25519Address(t.byzantine.pubKey);
  const index = t.node.state().validators.indexOf(Buffer.from(address).toString("hex").toUpperCase());
  const signature = ed25519Sign(t.byzantine, voteSignBytes(t.chainId, pbType, height, round, blockId, time));
  return PbVote.encode({
    type: pbType,
    height,
    round,
    blockId,
    timestamp: time,
    validatorAddress: address,
    validatorIndex: index,
    signature,
    extension: new Uint8Array(),
    extensionSignature: new Uint8Array(),
  }).finish();
}

/** A block id made from a number (for votes on made-up values). */
export function fakeBlockId(n: number): BlockID {
  const h = Buffer.alloc(32);
  h.writeUInt32BE(n, 0);
  h[31] = 1;
  return { hash: h, partSetHeader: { total: 1, hash: h } };
}
