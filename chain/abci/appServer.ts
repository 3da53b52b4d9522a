import { rmSync } from "node:fs";
import type { Logger } from "../../modules/sdk/context.js";
import { loadGenesisFile } from "../genesis/genesisDoc.js";
import type { Application } from "../app/abci.js";
import type { TcApplication } from "../app/application.js";
import { createTcomputeApp } from "../app/tcomputeApp.js";
import { createSigCache } from "../app/sigVerifier.js";
import { homePaths, type NodeConfig } from "../types/nodeConfig.js";
import { nodeErrors, softwareVersion } from "../node/node.js";
import { openDB, type BinaryDB } from "../store/db.js";
import { StateStore } from "../store/stateStore.js";
import { createAbciServer, type AbciServer } from "./server.js";

// The application alone, as a CometBFT app process: its own state store in
// data/application.db, served over ABCI on a socket. CometBFT owns blocks, consensus, mempool
// and RPC; on each (re)start it calls Info and replays the blocks the app lacks.

export interface AbciApp {
  readonly server: AbciServer;
  /** The application currently served (replaced once if InitChain is repeated at genesis). */
  app(): TcApplication;
  close(): Promise<void>;
}

export async function startAbciApp(
  opts: { home: string; config: NodeConfig; address: string; inMemory?: boolean },
  deps: { logger: Logger },
): Promise<AbciApp> {
  const { logger } = deps;
  const paths = homePaths(opts.home);
  const genesis = loadGenesisFile(paths.genesis);
  let db: BinaryDB | null = null;
  let current: TcApplication;

  const open = async (): Promise<TcApplication> => {
    db = opts.inMemory === true ? null : await openDB(paths.stateDb);
    const state = await StateStore.open(db);
    if (state.initialized && state.chainId !== genesis.chainId) {
      await db?.close();
      throw nodeErrors.wrongChain.wrap(
        `${paths.stateDb} holds chain ${state.chainId}, but genesis is for ${genesis.chainId}`,
      );
    }
    return createTcomputeApp(
      { maxTxBytes: opts.config.mempool.max_tx_bytes, checkInvariants: false, version: softwareVersion },
      { state, logger, sigCache: createSigCache() },
    );
  };
  current = await open();

  // CometBFT sends InitChain whenever Info reports height 0, also after a crash that came
  // after InitChain but before block 1 was committed. No block depends on that state yet, so
  // it is made again from genesis rather than refused.
  const initChain: Application["initChain"] = async (req) => {
    if (
      current.height === req.initialHeight - 1n &&
      (await current.info({ version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" })).lastBlockAppHash.length >
        0
    ) {
      logger.info("InitChain again before the first block: state is made again from genesis", {
        chain_id: req.chainId,
      });
      await db?.close();
      if (opts.inMemory !== true) rmSync(paths.stateDb, { recursive: true, force: true });
      current = await open();
    }
    return current.initChain(req);
  };

  const app: Application = {
    info: (r) => current.info(r),
    initChain,
    checkTx: (r) => current.checkTx(r),
    prepareProposal: (r) => current.prepareProposal(r),
    processProposal: (r) => current.processProposal(r),
    finalizeBlock: (r) => current.finalizeBlock(r),
    commit: () => current.commit(),
    query: (r) => current.query(r),
    extendVote: (r) => current.extendVote(r),
    verifyVoteExtension: (r) => current.verifyVoteExtension(r),
  };

  let server: AbciServer;
  try {
    server = await createAbciServer({ address: opts.address }, { app, logger });
  } catch (e) {
    await (db as BinaryDB | null)?.close();
    throw e;
  }
  const info = await current.info({ version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" });
  logger.info("application serving ABCI", {
    address: server.address,
    chain_id: genesis.chainId,
    height: info.lastBlockHeight,
    app_hash: info.lastBlockAppHash,
  });
  return {
    server,
    app: () => current,
    async close() {
      await server.close();
      await (db as BinaryDB | null)?.close();
    },
  };
}
