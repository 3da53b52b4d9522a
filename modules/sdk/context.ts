import { EventManager } from "./events.js";
import { GasKVStore, GasMeter } from "./gas.js";
import type { KVStore } from "./store.js";

/** Block time as the header carries it: seconds and nanoseconds since the Unix epoch. */
export interface Timestamp {
  seconds: bigint;
  nanos: number;
}

export interface BlockInfo {
  chainId: string;
  height: bigint;
  time: Timestamp;
  /** Consensus address (20 bytes) of the block's proposer; empty at genesis. */
  proposer: Uint8Array;
  /** The block's hash, when executing a block (a seed for deterministic draws). */
  hash?: Uint8Array;
}

/**
 * Why the state machine is running: handlers behave the same in every mode; the ante
 * handler skips signature and fee checks only in simulate, and recheck skips signatures.
 */
export type ExecMode = "genesis" | "check" | "recheck" | "simulate" | "deliver" | "block" | "query";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const nopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * What a handler sees: a gas-metered view of the (branched) state, the block it runs in, and
 * where its events go. No clock, no randomness: time is the block time.
 */
export class Context {
  readonly store: KVStore;
  readonly events = new EventManager();

  constructor(
    /** The unmetered store: for the framework only (fees, sequence), never for handlers. */
    readonly rawStore: KVStore,
    readonly block: BlockInfo,
    readonly gasMeter: GasMeter,
    readonly mode: ExecMode,
    readonly logger: Logger,
  ) {
    // Txs pay for every store access (simulation too, so that it predicts gas); genesis,
    // block hooks and queries run unmetered.
    const metered = mode === "check" || mode === "recheck" || mode === "simulate" || mode === "deliver";
    this.store = metered ? new GasKVStore(rawStore, gasMeter) : rawStore;
  }

  get height(): bigint {
    return this.block.height;
  }

  get chainId(): string {
    return this.block.chainId;
  }

  /** The same context over another store (a branch), with its own events. */
  withStore(store: KVStore): Context {
    return new Context(store, this.block, this.gasMeter, this.mode, this.logger);
  }
}
