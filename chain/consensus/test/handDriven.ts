import assert from "node:assert/strict";
import { nopLogger } from "../../../modules/sdk/context.js";
import type { Switch } from "../../p2p/switch.js";
import type { ChainState } from "../../state/chainState.js";
import { createDriverContext, type DriverContext, type DriverDeps } from "../driverContext.js";
import { startHeight } from "../eventLoop.js";
import { listen } from "../reactor.js";
import { handDrivenOptions } from "./driverOptions.js";

/**
 * One driver context that a test drives by hand: the real reactor (its handlers registered on
 * a fake switch) and event loop, on a chain state the test holds, started at `height`. The
 * deps a test needs beyond the switch, the state and a halt that fails the test are given in
 * `deps`; the switch's send and broadcast in `p2p` (by default they do nothing).
 */
export interface HandDriven {
  ctx: DriverContext;
  state(): ChainState;
  setState(s: ChainState): void;
  /** A message from a peer on a channel, through the handler the reactor registered for it. */
  receive(ch: number, peer: string, bytes: Uint8Array): void;
  /** Peers the reactor closed. */
  bans: string[];
}

export function handDriven(opts: {
  chainId: string;
  state: ChainState;
  height: bigint;
  deps?: Record<string, unknown>;
  p2p?: {
    send?: (peer: string, ch: number, m: Uint8Array) => boolean;
    broadcast?: (ch: number, m: Uint8Array) => number;
  };
}): HandDriven {
  let state = opts.state;
  const handlers = new Map<number, (peer: string, m: Uint8Array) => void>();
  const bans: string[] = [];
  const p2p = {
    onReceive: (ch: number, f: (peer: string, m: Uint8Array) => void) => handlers.set(ch, f),
    ban: (peer: string) => bans.push(peer),
    send: opts.p2p?.send ?? (() => {}),
    broadcast: opts.p2p?.broadcast ?? (() => {}),
  } as unknown as Switch;
  const deps = {
    p2p,
    getState: () => state,
    setState: (s: ChainState) => (state = s),
    onHalt: (e: Error) => assert.fail(`halted: ${e.message}`),
    logger: nopLogger,
    ...opts.deps,
  } as unknown as DriverDeps;
  const ctx = createDriverContext(handDrivenOptions(opts.chainId), deps);
  ctx.stopped = false;
  listen(ctx);
  startHeight(ctx, opts.height);
  return {
    ctx,
    state: () => state,
    setState: (s) => (state = s),
    receive: (ch, peer, bytes) => handlers.get(ch)!(peer, bytes),
    bans,
  };
}
