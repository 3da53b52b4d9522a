import type { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { BranchStore } from "../../../chain/store/branchStore.js";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { Context, nopLogger, type BlockInfo, type ExecMode } from "../context.js";
import { GasMeter } from "../gas.js";
import type { KVStore } from "../store.js";

// What module unit tests share: a Context built by hand over a store, as a keeper test needs one
// without a chain (tests of the handlers through txs use chain/testkit instead), and a page request.

export interface TestContextOptions {
  /** The raw store; a fresh branch over an empty memory store when not named. */
  store?: KVStore;
  /** The block, whole (a committed context's `ctx.block`); else built from the fields below. */
  block?: BlockInfo;
  /** Default "t". */
  chainId?: string;
  /** Default 1. */
  height?: bigint;
  /** The block time in seconds (nanos 0); default 0. */
  seconds?: bigint;
  /** The gas limit; an infinite meter when not named. */
  gasLimit?: bigint;
}

/** A block with no proposer: chain "t", height 1, time 0 s unless named. */
export function testBlock(opts: Pick<TestContextOptions, "chainId" | "height" | "seconds"> = {}): BlockInfo {
  return {
    chainId: opts.chainId ?? "t",
    height: opts.height ?? 1n,
    time: { seconds: opts.seconds ?? 0n, nanos: 0 },
    proposer: new Uint8Array(),
  };
}

/** A Context in `mode` (which decides whether the store is gas-metered), with its own gas meter. */
export function testContext(mode: ExecMode, opts: TestContextOptions = {}): Context {
  return new Context(
    opts.store ?? new BranchStore(new MemoryStore()),
    opts.block ?? testBlock(opts),
    new GasMeter(opts.gasLimit),
    mode,
    nopLogger,
  );
}

/** A page request: the first page, no limit, no total, forward, fields overridden by `over`. */
export const pageRequest = (over: Partial<PageRequest>): PageRequest => ({
  key: new Uint8Array(),
  offset: 0n,
  limit: 0n,
  countTotal: false,
  reverse: false,
  ...over,
});
