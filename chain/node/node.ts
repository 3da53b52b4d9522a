import { Block } from "cosmjs-types/tendermint/types/block";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { registerError } from "../../modules/sdk/errors.js";
import type { Logger } from "../../modules/sdk/context.js";
import { loadGenesisFile, type ParsedGenesis } from "../genesis/genesisDoc.js";
import type { TcApplication } from "../app/application.js";
import { createTcomputeApp } from "../app/tcomputeApp.js";
import { createSigPrecheck } from "../app/sigPrecheck.js";
import { createSigCache } from "../app/sigVerifier.js";
import { availableParallelism } from "node:os";
import { loadOrGenNodeKey, loadPrivValidatorKey, nodeId } from "../crypto/keyFiles.js";
import { assertSignStateCovers, createPrivValidator, Step } from "../consensus/privValidator.js";
import { createMempool, hashTx, type Mempool } from "../mempool/mempool.js";
import { levelKV, memoryKV, type AsyncKV } from "../store/asyncKV.js";
import { BlockStore } from "../store/blockStore.js";
import { openDB } from "../store/db.js";
import { StateStore } from "../store/stateStore.js";
import { TxIndex } from "../store/txIndex.js";
import { consensusParamsHash, resultsHash } from "../types/hashes.js";
import { emptyHash } from "../types/merkle.js";
import { createRpcServer, type RpcServer } from "../rpc/server.js";
import {
  emptyBlockId,
  genesisSet,
  makeValidator,
  setFromProto,
  setHash,
  setToProto,
  sortValidators,
  type ChainState,
} from "../state/chainState.js";
import { createApiServer, type ApiServer } from "../api/server.js";
import { createNodeMetrics, type NodeMetrics } from "../metrics/nodeMetrics.js";
import { createMetricsServer, type MetricsServer } from "../metrics/server.js";
import { ed25519Address } from "../crypto/ed25519.js";
import {
  homePaths,
  metricsListenAddress,
  parseDuration,
  parseListenAddress,
  type NodeConfig,
} from "../types/nodeConfig.js";
import { createEventBus, type EventBus } from "../events/eventBus.js";
import { finalizeRequest } from "../state/blockExecutor.js";
import { startControlServer, type ControlServer } from "./control.js";
import { EvidencePool, encodeEvidenceMessage } from "../consensus/evidencePool.js";
import { createSignatureCache } from "../consensus/signedMessages.js";
import { validateBlock } from "../state/validation.js";
import { createConsensusDriver, type ConsensusDriver } from "../consensus/driver.js";
import { decodeStatus } from "../consensus/walRecords.js";
import { createPex, type Pex } from "../p2p/pex.js";
import { startMempoolGossip } from "../mempool/gossip.js";
import { Channel, channelsFor, createSwitch, parsePeerAddress, type Switch } from "../p2p/switch.js";
import { cometSwitchMaker } from "../p2p/cometbft/switch.js";
import type { Ed25519Key } from "../crypto/ed25519.js";
import type { ValidatorSet } from "../types/validatorSet.js";
import type { WalFs } from "../consensus/wal.js";
import { bytesEqual } from "../types/bytes.js";

export const nodeErrors = {
  wrongChain: registerError("node", 2, "data directory belongs to another chain"),
  corruptData: registerError("node", 3, "data directory is inconsistent"),
  notAValidator: registerError("node", 4, "this node's key is not in the validator set"),
};

export const nodeVersion = "0.38.17"; // CometBFT version cosmjs sees (selects its Comet38 client)
export const softwareVersion = "0.1.0";

export interface NodeOptions {
  home: string;
  config: NodeConfig;
  /** Keep everything in memory (tests); the home directory is still read for keys and genesis. */
  inMemory?: boolean;
  checkInvariants?: boolean;
  /** The consensus WAL's file operations (tests inject failing ones). */
  walFs?: WalFs;
}

export interface Node {
  readonly id: string;
  readonly config: NodeConfig;
  readonly genesis: ParsedGenesis;
  readonly app: TcApplication;
  readonly mempool: Mempool;
  readonly blockStore: BlockStore;
  readonly txIndex: TxIndex | null;
  readonly eventBus: EventBus;
  readonly nodeKey: Ed25519Key;
  readonly validatorKey: Ed25519Key;
  /** The p2p switch, when the node runs the BFT engine (null for a lone validator). */
  readonly p2p: Switch | null;
  /** host:port the RPC server listens on, once started. */
  readonly rpcAddress: string;
  /** host:port the REST API listens on, once started ("" when api.enable is false). */
  readonly apiAddress: string;
  /** host:port of the Prometheus endpoint, once started ("" when instrumentation.prometheus is false). */
  readonly metricsAddress: string;
  state(): ChainState;
  /** True while peers report heights above ours (the node is catching up on blocks). */
  catchingUp(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when the node halts on an internal error. */
  readonly halted: Promise<Error>;
  /** The consensus driver (what it holds, for tests and metrics). */
  readonly consensus: ConsensusDriver | null;
}

/**
 * Wires a node from its home directory: stores, application, mempool, block production and RPC.
 * On start it initialises the chain from genesis, or replays blocks the application is missing.
 */
export async function createNode(opts: NodeOptions, deps: { logger: Logger }): Promise<Node> {
  const { logger } = deps;
  const paths = homePaths(opts.home);
  const genesis = loadGenesisFile(paths.genesis);
  const validatorKey = loadPrivValidatorKey(paths.privValidatorKey);
  const nodeKey = loadOrGenNodeKey(paths.nodeKey);

  const mem = opts.inMemory === true;
  const stateDb = mem ? null : await openDB(paths.stateDb);
  const blockKV: AsyncKV = mem ? memoryKV() : levelKV(await openDB(paths.blockDb));
  const indexKV: AsyncKV | null =
    opts.config.tx_index.indexer === "null" ? null : mem ? memoryKV() : levelKV(await openDB(paths.txIndexDb));
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of cleanups) await c();
    await stateDb?.close();
    await blockKV.close();
    await indexKV?.close();
  };

  try {
    const stateStore = await StateStore.open(stateDb);
    if (stateStore.initialized && stateStore.chainId !== genesis.chainId) {
      throw nodeErrors.wrongChain.wrap(
        `${paths.data} holds chain ${stateStore.chainId}, but genesis is for ${genesis.chainId}`,
      );
    }
    const blockStore = await BlockStore.open(blockKV);
    const txIndex = indexKV === null ? null : new TxIndex(indexKV);
    const sigCache = createSigCache();
    const app = createTcomputeApp(
      {
        maxTxBytes: opts.config.mempool.max_tx_bytes,
        checkInvariants: opts.checkInvariants ?? false,
        version: softwareVersion,
      },
      { state: stateStore, logger, sigCache },
    );
    const precheck = createSigPrecheck(
      { threads: Math.max(1, availableParallelism() - 1) },
      {
        cache: sigCache,
        chainId: () => genesis.chainId,
        accountNumberOf: (a) => app.accountNumberOf(a),
        decode: (tx) => app.decodeTx(tx),
        logger,
      },
    );
    cleanups.push(() => precheck.close());
    const mempool = createMempool(
      {
        size: opts.config.mempool.size,
        maxTxsBytes: opts.config.mempool.max_txs_bytes,
        maxTxBytes: opts.config.mempool.max_tx_bytes,
        cacheSize: opts.config.mempool.cache_size,
        recheck: opts.config.mempool.recheck,
        maxPendingChecks: opts.config.mempool.max_pending_checks,
        maxPendingChecksPerPeer: opts.config.mempool.max_pending_checks_per_peer,
        rpcReservedPendingChecks: opts.config.mempool.rpc_reserved_pending_checks,
      },
      { app, logger, precheck: (tx) => precheck.precheck(tx) },
    );
    const eventBus = createEventBus(logger);

    let validators = sortValidators(genesis.validators.map((v) => makeValidator(v.pubKey, v.power, v.name)));
    if (!stateStore.initialized) {
      if (blockStore.height !== 0n)
        throw nodeErrors.corruptData.wrap("blocks are stored but the application state is empty");
      const res = await app.initChain({
        time: genesis.time,
        chainId: genesis.chainId,
        consensusParams: genesis.consensusParams,
        validators: validators.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
        appStateBytes: Buffer.from(JSON.stringify(genesis.doc.app_state)),
        initialHeight: genesis.initialHeight,
      });
      // As CometBFT: the app's validators (from gentxs) win; a hand-written list must agree.
      if (res.validators.length > 0) {
        const fromApp = sortValidators(
          res.validators.map((v) => makeValidator(v.pubKey.ed25519 ?? new Uint8Array(), v.power, "")),
        );
        if (validators.length > 0 && !bytesEqual(setHash(genesisSet(validators)), setHash(genesisSet(fromApp)))) {
          throw nodeErrors.corruptData.wrap(
            "genesis.json lists validators that differ from those its gentxs create; remove the list (collect-gentxs does)",
          );
        }
        validators = fromApp;
      }
      if (validators.length === 0)
        throw nodeErrors.corruptData.wrap(
          "genesis has no validators: add gentxs (tcd genesis gentx, collect-gentxs) or a validator",
        );
      const first = genesisSet(validators);
      await blockStore.saveInitialValidators(genesis.initialHeight, [
        setToProto(first),
        setToProto(first.copyIncrement(1)),
      ]);
      logger.info("initialized chain from genesis", {
        chain_id: genesis.chainId,
        app_hash: res.appHash,
        validators: validators.length,
      });
    }
    // Before the first block, the sets InitChain decided are in the block store.
    const initialSets = await Promise.all([
      blockStore.loadValidators(genesis.initialHeight),
      blockStore.loadValidators(genesis.initialHeight + 1n),
    ]);
    if (initialSets[0] === null || initialSets[1] === null)
      throw nodeErrors.corruptData.wrap(
        "the initial validator sets are missing from the block store (a data directory made by an older tcompute? start over with a fresh home or --reset)",
      );

    const firstSet = setFromProto(initialSets[0]);
    let state: ChainState = {
      chainId: genesis.chainId,
      initialHeight: genesis.initialHeight,
      lastBlockHeight: genesis.initialHeight - 1n,
      lastBlockId: emptyBlockId(),
      lastBlockTime: genesis.time,
      lastValidators: null,
      validators: firstSet,
      nextValidators: setFromProto(initialSets[1]),
      maxBlockBytes: genesis.consensusParams.block!.maxBytes,
      maxBlockGas: genesis.consensusParams.block!.maxGas,
      consensusHash: consensusParamsHash(
        genesis.consensusParams.block!.maxBytes,
        genesis.consensusParams.block!.maxGas,
      ),
      lastResultsHash: emptyHash,
      appHash: app.appHash,
    };

    // Handshake: the app may be one block behind the block store (crash between saving a
    // block and committing state); replay what it misses. Never the other way round.
    if (blockStore.height > 0n) {
      if (blockStore.height < app.height)
        throw nodeErrors.corruptData.wrap(
          `application at height ${app.height} is ahead of the block store at ${blockStore.height}`,
        );
      const resume = async (h: bigint) => {
        const meta = (await blockStore.loadMeta(h))!;
        const results = (await blockStore.loadResults(h))!;
        const sets = await Promise.all([h, h + 1n, h + 2n].map((x) => blockStore.loadValidators(x)));
        if (sets.some((x) => x === null))
          throw nodeErrors.corruptData.wrap(
            `validator sets around height ${h} are missing from the block store (a data directory made by an older tcompute? start over: tcd localnet up --reset, or a fresh --home)`,
          );
        const [last, cur, next] = sets.map((x) => setFromProto(x!)) as [ValidatorSet, ValidatorSet, ValidatorSet];
        state = {
          ...state,
          lastBlockHeight: h,
          lastBlockId: meta.blockId!,
          lastBlockTime: meta.header!.time,
          lastResultsHash: resultsHash(results.txResults),
          appHash: results.appHash,
          lastValidators: last,
          validators: cur,
          nextValidators: next,
        };
      };
      await resume(app.height);
      for (let h = app.height + 1n; h <= blockStore.height; h++) {
        logger.info("replaying block into the application", { height: h });
        const block = (await blockStore.loadBlock(h))!;
        const blockId = (await blockStore.loadMeta(h))!.blockId!;
        // The same full validation as every other block executed (its evidence was checked
        // before the block was stored): a block store that does not chain up is refused.
        try {
          await validateBlock(
            state,
            { block, blockId, bytes: Block.encode(block).finish() },
            { cache: createSignatureCache(), evidence: null },
          );
        } catch (e) {
          throw nodeErrors.corruptData.wrap(`stored block ${h} is invalid: ${(e as Error).message}`);
        }
        const res = await app.finalizeBlock(finalizeRequest(block, blockId.hash, state.lastValidators));
        const stored = (await blockStore.loadResults(h))!;
        if (!bytesEqual(res.appHash, stored.appHash)) {
          throw nodeErrors.corruptData.wrap(
            `replay of height ${h} gave app_hash ${Buffer.from(res.appHash).toString("hex")}, the block store recorded ${Buffer.from(stored.appHash).toString("hex")}`,
          );
        }
        await app.commit();
        await resume(h);
      }
      if (txIndex !== null) {
        for (let h = (await txIndex.indexedHeight()) + 1n; h <= blockStore.height; h++) {
          const block = (await blockStore.loadBlock(h))!;
          const results = (await blockStore.loadResults(h))!;
          const txs = block.data!.txs;
          await txIndex.indexBlock(h, txs, txs.map(hashTx), results.txResults);
        }
      }
    }

    // Every genesis runs the BFT engine: one validator is a BFT network of one, which full nodes
    // sync from and which grows by staking (MsgCreateValidator), as Cosmos networks do.
    const selfHex = Buffer.from(ed25519Address(validatorKey.pubKey)).toString("hex").toUpperCase();
    const soleValidator = () => state.validators.size === 1 && state.validators.get(selfHex) !== undefined;
    const consensusSigCache = createSignatureCache();
    const signer = createPrivValidator(validatorKey, mem ? null : paths.privValidatorState);
    if (!mem && blockStore.height > 0n) {
      // The last stored commit may hold this validator's precommit: its sign state must not be behind it.
      const seen = await blockStore.loadSeenCommit(blockStore.height);
      const own = seen?.signatures.find(
        (s) =>
          (s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT || s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_NIL) &&
          Buffer.from(s.validatorAddress).toString("hex").toUpperCase() === selfHex,
      );
      if (seen && own)
        assertSignStateCovers(paths.privValidatorState, signer.last, {
          height: seen.height,
          round: seen.round,
          step: Step.precommit,
          source: `the block store's commit for height ${seen.height}`,
        });
    }
    let haltResolve!: (e: Error) => void;
    const halted = new Promise<Error>((r) => (haltResolve = r));
    const executorDeps = { app, blockStore, txIndex, mempool, eventBus, logger };
    const cc = opts.config.consensus;
    // On a CometBFT network the node speaks CometBFT's wire and follows the chain by its block
    // sync (chain/p2p/cometbft): the blocks reach the driver as from a TypeScript peer.
    const makeSwitch =
      opts.config.p2p.wire === "cometbft"
        ? cometSwitchMaker({
            network: genesis.chainId,
            moniker: opts.config.moniker,
            version: nodeVersion,
            rpcAddress: opts.config.rpc.laddr,
            txIndex: txIndex === null ? "off" : "on",
            sync: {
              // The driver's height: it takes a block only there (and moves on after timeout_commit).
              nextHeight: () => driver?.height ?? state.lastBlockHeight + 1n,
              storeRange: () => ({ base: blockStore.height === 0n ? 0n : blockStore.base, height: blockStore.height }),
              loadBlock: (h) => blockStore.loadBlock(h),
              extensionsEnabled: (h) => {
                const e = genesis.consensusParams.abci?.voteExtensionsEnableHeight ?? 0n;
                return e > 0n && h >= e;
              },
              // And CometBFT's consensus, live: blocks at the tip without waiting for the next one.
              follow: {
                chainId: genesis.chainId,
                initialHeight: genesis.initialHeight,
                validators: (h) => (h === state.lastBlockHeight + 1n ? state.validators : null),
                maxBlockBytes: Number(genesis.consensusParams.block!.maxBytes),
              },
            },
          })
        : createSwitch;
    const p2p: Switch | null = makeSwitch(
      {
        nodeKey,
        listen: parseListenAddress(opts.config.p2p.laddr),
        persistentPeers: opts.config.p2p.persistent_peers
          .split(",")
          .map((x) => x.trim())
          .filter((x) => x !== "")
          .map(parsePeerAddress),
        maxInbound: opts.config.p2p.max_num_inbound_peers,
        maxOutbound: opts.config.p2p.max_num_outbound_peers,
        channels: channelsFor(Number(genesis.consensusParams.block!.maxBytes)),
        handshakeTimeoutMs: parseDuration(opts.config.p2p.handshake_timeout),
        partialTimeoutMs: parseDuration(opts.config.p2p.partial_message_timeout),
      },
      { logger },
    );
    // Peer exchange: announce a dialable address (external_address, else laddr unless it is a
    // wildcard) and fill free outbound slots with addresses learned from seeds and peers.
    const selfAddr = (() => {
      const a = opts.config.p2p.external_address !== "" ? opts.config.p2p.external_address : opts.config.p2p.laddr;
      const { host, port } = parseListenAddress(a.startsWith("tcp://") ? a : `tcp://${a}`);
      return host === "0.0.0.0" || host === "::" ? null : { id: nodeId(nodeKey), host, port };
    })();
    const pex: Pex | null =
      p2p === null || !opts.config.p2p.pex
        ? null
        : createPex(
            {
              self: selfAddr,
              seeds: opts.config.p2p.seeds
                .split(",")
                .map((x) => x.trim())
                .filter((x) => x !== "")
                .map(parsePeerAddress),
            },
            { p2p, logger },
          );
    // Mempool gossip in batches (duplicates are skipped by hash, so a tx is not echoed back and forth).
    const gossip =
      p2p === null
        ? null
        : startMempoolGossip({ maxTxBytes: opts.config.mempool.max_tx_bytes }, { mempool, p2p, logger });
    const ep = genesis.consensusParams.evidence!;
    const evidencePool =
      p2p === null
        ? null
        : new EvidencePool(
            { maxAgeNumBlocks: ep.maxAgeNumBlocks, maxAgeSeconds: ep.maxAgeDuration!.seconds, maxBytes: ep.maxBytes },
            { chainId: genesis.chainId, cache: consensusSigCache, blockStore, getState: () => state, logger },
          );
    if (p2p !== null)
      evidencePool!.onAdded((e) => p2p.broadcast(Channel.evidence, encodeEvidenceMessage([e.evidence])));
    // Peer heights from their status messages, for `catching_up` (CometBFT's blocksync state):
    // the driver keeps its handler; this wiring only looks at the heights on the way in.
    const peerHeights = new Map<string, bigint>();
    const driverP2p: Switch | null =
      p2p === null
        ? null
        : Object.assign(Object.create(p2p) as Switch, {
            onReceive(channel: number, handler: (peer: string, payload: Uint8Array) => void) {
              if (channel !== Channel.consensusState) return p2p.onReceive(channel, handler);
              p2p.onReceive(channel, (peer, m) => {
                try {
                  peerHeights.set(peer, decodeStatus(m));
                } catch {
                  // the driver's handler answers a malformed status
                }
                handler(peer, m);
              });
            },
          });
    p2p?.onPeer((peer, up) => {
      if (!up) peerHeights.delete(peer);
    });
    const driver: ConsensusDriver | null =
      p2p === null
        ? null
        : createConsensusDriver(
            {
              chainId: genesis.chainId,
              initialHeight: genesis.initialHeight,
              timeouts: {
                proposeMs: parseDuration(cc.timeout_propose),
                proposeDeltaMs: parseDuration(cc.timeout_propose_delta),
                prevoteMs: parseDuration(cc.timeout_prevote),
                prevoteDeltaMs: parseDuration(cc.timeout_prevote_delta),
                precommitMs: parseDuration(cc.timeout_precommit),
                precommitDeltaMs: parseDuration(cc.timeout_precommit_delta),
              },
              timeoutCommitMs: parseDuration(cc.timeout_commit),
              signer,
              walPath: mem ? null : paths.consensusWal,
              walFs: opts.walFs,
              voteExtensionsEnableHeight: genesis.consensusParams.abci?.voteExtensionsEnableHeight ?? 0n,
            },
            {
              ...executorDeps,
              p2p: driverP2p!,
              evidence: evidencePool!,
              getState: () => state,
              setState: (s) => (state = s),
              now: () => Date.now(),
              onHalt: haltResolve,
            },
          );

    let rpc: RpcServer | null = null;
    let api: ApiServer | null = null;
    let metrics: { nodeMetrics: NodeMetrics; server: MetricsServer } | null = null;
    let control: ControlServer | null = null;
    const node: Node = {
      id: nodeId(nodeKey),
      config: opts.config,
      genesis,
      app,
      mempool,
      blockStore,
      txIndex,
      eventBus,
      nodeKey,
      validatorKey,
      get rpcAddress() {
        return rpc?.address ?? "";
      },
      get apiAddress() {
        return api?.address ?? "";
      },
      get metricsAddress() {
        return metrics?.server.address ?? "";
      },
      state: () => state,
      catchingUp() {
        if (driver === null) return false;
        let max = 0n;
        for (const h of peerHeights.values()) if (h > max) max = h;
        return max > driver.height + 1n;
      },
      halted,
      p2p,
      consensus: driver,
      async start() {
        // A part that fails to start (a port in use, a bad address) stops the parts already
        // running: else their sockets and timers keep a failed node's process alive, and a
        // supervisor waiting for it to serve waits forever.
        try {
          await p2p!.start();
          pex?.start();
          await driver!.start();
          // A validator alone makes the first block at once: RPC serves from height 1 on (cosmjs
          // needs a latest block hash), as it did when a lone validator had its own producer.
          if (soleValidator() && blockStore.height === 0n) {
            let failed: Error | null = null;
            void halted.then((e) => (failed = e));
            while (blockStore.height === 0n && failed === null) await new Promise((r) => setTimeout(r, 10));
            if (failed !== null) throw failed;
          }
          const { host, port } = parseListenAddress(opts.config.rpc.laddr);
          rpc = await createRpcServer({ host, port, config: opts.config.rpc, version: nodeVersion }, { node, logger });
          const ic = opts.config.instrumentation;
          if (ic.prometheus) {
            const nodeMetrics = createNodeMetrics({ namespace: ic.namespace }, { node, logger });
            const m = metricsListenAddress(ic.prometheus_listen_addr);
            const server = await createMetricsServer(
              { host: m.host, port: m.port, maxOpenConnections: ic.max_open_connections },
              { registry: nodeMetrics.registry },
            ).catch((e: unknown) => {
              nodeMetrics.stop(); // its event-bus subscription
              throw e;
            });
            metrics = { nodeMetrics, server };
          }
          if (opts.config.api.enable) {
            const a = parseListenAddress(opts.config.api.address);
            api = await createApiServer({ host: a.host, port: a.port, config: opts.config.api }, { node, logger });
          }
          if (opts.config.p2p.control_laddr !== "") {
            control = await startControlServer(parseListenAddress(opts.config.p2p.control_laddr), {
              p2p,
              height: () => state.lastBlockHeight,
              logger,
            });
            logger.info(`control endpoint (loopback only) on ${control.address}`);
          }
          logger.info("node started", {
            chain_id: genesis.chainId,
            height: state.lastBlockHeight,
            rpc: rpc.address,
            ...(api === null ? {} : { api: api.address }),
            node_id: nodeId(nodeKey),
          });
        } catch (e) {
          await node
            .stop()
            .catch((stopError: unknown) =>
              logger.error("node: stopping after a failed start failed too", { error: (stopError as Error).message }),
            );
          throw e;
        }
      },
      async stop() {
        // Every part is stopped even when one fails to (a WAL close, a socket), so that none is
        // left holding the process open; the first failure is thrown after all of them.
        const failures: unknown[] = [];
        const step = async (f: () => unknown) => {
          try {
            await f();
          } catch (e) {
            failures.push(e);
          }
        };
        await step(() => driver?.stop());
        await step(() => pex?.stop());
        await step(() => gossip?.stop());
        await step(() => p2p?.stop());
        await step(() => rpc?.close());
        await step(() => api?.close());
        await step(() => metrics?.nodeMetrics.stop());
        await step(() => metrics?.server.close());
        await step(() => control?.close());
        await step(() => mempool.withLock(async () => {}));
        await step(() => closeAll());
        logger.info("node stopped", { height: state.lastBlockHeight });
        if (failures.length > 0) throw failures[0];
      },
    };
    return node;
  } catch (e) {
    await closeAll();
    throw e;
  }
}
