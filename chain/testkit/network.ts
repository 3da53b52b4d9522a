import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { addGenesisAccounts, addGenesisValidator, newGenesisDoc } from "../genesis/build.js";
import { saveGenesisFile, type GenesisDoc } from "../genesis/genesisDoc.js";
import type { Coin } from "../../modules/sdk/coins.js";
import { loadOrGenNodeKey, loadOrGenPrivValidatorKey, nodeId } from "../crypto/keyFiles.js";
import { defaultConfig, homePaths, saveConfig } from "../types/nodeConfig.js";
import { timeFromMillis } from "../types/time.js";
import { freePortBlock } from "./nodeProcess.js";
import { testTempDir } from "./tempDir.js";

// A network of node homes for multi-process tests: validators (and optional full nodes) on
// 127.0.0.1 with free ports, every node a persistent peer of every validator, short timeouts.

export interface TestNetwork {
  chainId: string;
  genesis: GenesisDoc;
  homes: string[];
  /** The first `validators` homes are validators; the rest are full nodes. */
  validators: number;
}

export async function makeTestNetwork(opts: {
  validators: number;
  fullNodes?: number;
  accounts: Array<{ address: string; coins: Coin[] }>;
  editGenesis?: (doc: GenesisDoc) => void;
}): Promise<TestNetwork> {
  const root = testTempDir("tcd-net-");
  const total = opts.validators + (opts.fullNodes ?? 0);
  const homes = Array.from({ length: total }, (_, i) => join(root, `node${i}`));
  const keys = homes.map((home) => {
    const p = homePaths(home);
    mkdirSync(p.data, { recursive: true });
    return { node: loadOrGenNodeKey(p.nodeKey), val: loadOrGenPrivValidatorKey(p.privValidatorKey) };
  });
  const chainId = "tcompute-net-1";
  const doc = newGenesisDoc(chainId, timeFromMillis(Date.now()));
  for (let i = 0; i < opts.validators; i++) addGenesisValidator(doc, keys[i]!.val.pubKey, 100n, `node${i}`);
  addGenesisAccounts(doc, opts.accounts);
  opts.editGenesis?.(doc);
  // Below the ephemeral range (freePortBlock): a port from freePort() could be taken, before its
  // node listened, by a client socket of a node already started dialing its peers (EADDRINUSE).
  const base = await freePortBlock(2 * total);
  const p2pPorts = Array.from({ length: total }, (_, i) => base + 2 * i);
  for (let i = 0; i < total; i++) {
    const c = defaultConfig(`node${i}`);
    c.rpc.laddr = `tcp://127.0.0.1:${base + 2 * i + 1}`;
    c.p2p.laddr = `tcp://127.0.0.1:${p2pPorts[i]}`;
    c.p2p.persistent_peers = keys
      .map((k, j) => (j === i || j >= opts.validators ? "" : `${nodeId(k.node)}@127.0.0.1:${p2pPorts[j]}`))
      .filter((x) => x !== "")
      .join(",");
    c.consensus.timeout_propose = "1s";
    c.consensus.timeout_prevote = "300ms";
    c.consensus.timeout_precommit = "300ms";
    c.consensus.timeout_commit = "300ms";
    c.log_level = "warn";
    saveConfig(homes[i]!, c);
    saveGenesisFile(homePaths(homes[i]!).genesis, doc);
  }
  return { chainId, genesis: doc, homes, validators: opts.validators };
}
