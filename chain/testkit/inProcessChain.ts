import type { ResponseCheckTx, ResponseFinalizeBlock, ResponseQuery } from "cosmjs-types/tendermint/abci/types";
import { CheckTxType, MisbehaviorType } from "cosmjs-types/tendermint/abci/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { addGenesisAccounts, addGenesisValidator, newGenesisDoc } from "../genesis/build.js";
import { parseGenesis, type GenesisDoc } from "../genesis/genesisDoc.js";
import type { Coin } from "../../modules/sdk/coins.js";
import { nopLogger, type Timestamp } from "../../modules/sdk/context.js";
import type { TcApplication } from "../app/application.js";
import { createTcomputeApp } from "../app/tcomputeApp.js";
import { StateStore } from "../store/stateStore.js";

/**
 * An in-process chain for scenario tests: the real application over an in-memory state,
 * blocks finalized and committed directly (no consensus, no network), block time advancing a
 * second per block, and every invariant checked after every block.
 */
export interface TestChain {
  app: TcApplication;
  chainId: string;
  genesis: GenesisDoc;
  /** Finalizes and commits a block with these txs (and, optionally, consensus's reports). */
  deliver(txs: Uint8Array[], info?: BlockReports): Promise<ResponseFinalizeBlock>;
  checkTx(tx: Uint8Array, recheck?: boolean): Promise<ResponseCheckTx>;
  query(path: string, data: Uint8Array): Promise<ResponseQuery>;
}

/** What consensus would report with a block: who signed the last commit, double signs seen. */
export interface BlockReports {
  votes?: Array<{ address: Uint8Array; power: bigint; signed: boolean }>;
  misbehavior?: Array<{ address: Uint8Array; power: bigint; height: bigint; totalPower?: bigint }>;
}

export interface TestChainOptions {
  chainId?: string;
  accounts?: Array<{ address: string; coins: Coin[] }>;
  /** Edits the genesis before InitChain (params, extra state). */
  editGenesis?: (doc: GenesisDoc) => void;
  state?: StateStore;
}

/**
 * The real application over `state` (in memory unless given), InitChain'ed from `doc`, and the
 * address of its first genesis validator (the proposer of the blocks the caller finalizes).
 */
export async function startApp(
  doc: GenesisDoc,
  opts: { state?: StateStore; checkInvariants: boolean; version: string },
): Promise<{ app: TcApplication; proposer: Uint8Array }> {
  const g = parseGenesis(JSON.parse(JSON.stringify(doc)));
  const state = opts.state ?? (await StateStore.open(null));
  const app = createTcomputeApp(
    { maxTxBytes: 1 << 20, checkInvariants: opts.checkInvariants, version: opts.version },
    { state, logger: nopLogger },
  );
  await app.initChain({
    time: g.time,
    chainId: doc.chain_id,
    consensusParams: g.consensusParams,
    validators: [],
    appStateBytes: Buffer.from(JSON.stringify(doc.app_state)),
    initialHeight: g.initialHeight,
  });
  return { app, proposer: g.validators[0]!.address };
}

export const testGenesisTime: Timestamp = { seconds: 1_767_225_600n, nanos: 0 }; // 2026-01-01T00:00:00Z

export async function createTestChain(opts: TestChainOptions = {}): Promise<TestChain> {
  const chainId = opts.chainId ?? "tcompute-test-1";
  const doc = newGenesisDoc(chainId, testGenesisTime);
  addGenesisValidator(doc, new Uint8Array(32).fill(7), 10n, "val0");
  addGenesisAccounts(doc, opts.accounts ?? []);
  // No issuance unless a test asks for it: most scenarios count coins exactly.
  (doc.app_state["emissions"] as { params: { initial_per_block: string } }).params.initial_per_block = "0";
  // No HistoricalInfo either (it writes state every block): scenarios compare state exactly.
  (doc.app_state["staking"] as { params: { historical_entries: number } }).params.historical_entries = 0;
  opts.editGenesis?.(doc);
  const { app, proposer } = await startApp(doc, { state: opts.state, checkInvariants: true, version: "test" });
  return {
    app,
    chainId,
    genesis: doc,
    async deliver(txs, info = {}) {
      const height = app.height + 1n;
      const res = await app.finalizeBlock({
        txs,
        decidedLastCommit: {
          round: 0,
          votes: (info.votes ?? []).map((v) => ({
            validator: { address: v.address, power: v.power },
            blockIdFlag: v.signed ? BlockIDFlag.BLOCK_ID_FLAG_COMMIT : BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
          })),
        },
        misbehavior: (info.misbehavior ?? []).map((m) => ({
          type: MisbehaviorType.DUPLICATE_VOTE,
          validator: { address: m.address, power: m.power },
          height: m.height,
          time: { seconds: testGenesisTime.seconds + m.height, nanos: 0 },
          totalVotingPower: m.totalPower ?? m.power,
        })),
        hash: new Uint8Array(32),
        height,
        time: { seconds: testGenesisTime.seconds + height, nanos: 0 },
        nextValidatorsHash: new Uint8Array(32),
        proposerAddress: proposer,
      });
      await app.commit();
      return res;
    },
    checkTx: (tx, recheck = false) => app.checkTx({ tx, type: recheck ? CheckTxType.RECHECK : CheckTxType.NEW }),
    query: (path, data) => app.query({ path, data, height: 0n, prove: false }),
  };
}
