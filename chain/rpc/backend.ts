import type { TcApplication } from "../app/application.js";
import type { Mempool } from "../mempool/mempool.js";
import type { NodeConfig } from "../types/nodeConfig.js";
import type { EventBus } from "../events/eventBus.js";
import type { BlockStore } from "../store/blockStore.js";
import type { TxIndex } from "../store/txIndex.js";
import type { ParsedGenesis } from "../genesis/genesisDoc.js";
import type { Ed25519Key } from "../crypto/ed25519.js";
import type { ValidatorSet } from "../types/validatorSet.js";

/** The CometBFT version the RPC reports (cosmjs selects its Comet38 client by it). */
export const cometbftVersion = "0.38.17";
/** The Cosmos SDK whose query and REST API the node serves (explorers pick features by it). */
export const cosmosSdkVersion = "v0.50.0";

/**
 * What the RPC and REST servers read of a node: its stores, application, mempool, events and a
 * few facts about it, and nothing that drives consensus. A Node is one; tests may pass another.
 */
export interface RpcBackend {
  readonly id: string;
  readonly config: NodeConfig;
  readonly genesis: ParsedGenesis;
  readonly app: TcApplication;
  readonly mempool: Mempool;
  readonly blockStore: BlockStore;
  readonly txIndex: TxIndex | null;
  readonly eventBus: EventBus;
  readonly validatorKey: Pick<Ed25519Key, "pubKey">;
  readonly p2p: { peers(): string[] } | null;
  readonly rpcAddress: string;
  /** The REST API server's address ("" or absent when it is off): its dashboard may use the WebSocket. */
  readonly apiAddress?: string;
  state(): { chainId: string; validators: ValidatorSet };
  catchingUp(): boolean;
}
