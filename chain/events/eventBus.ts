import type { ExecTxResult, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import type { Block } from "cosmjs-types/tendermint/types/block";
import type { BlockID } from "cosmjs-types/tendermint/types/types";
import type { Logger } from "../../modules/sdk/context.js";
import { flattenEvents, type EventMap } from "../store/eventQuery.js";

// What the node publishes after each commit, for WebSocket subscribers (CometBFT's event bus:
// `tm.event='NewBlock'` and `tm.event='Tx'`, with the block's and tx's ABCI events).

export interface NewBlockEvent {
  kind: "NewBlock";
  block: Block;
  blockId: BlockID;
  results: ResponseFinalizeBlock;
  events: EventMap;
}

export interface TxEvent {
  kind: "Tx";
  height: bigint;
  index: number;
  tx: Uint8Array;
  hash: string;
  result: ExecTxResult;
  /** Flattened on first use: most blocks have no subscriber for their txs. */
  readonly events: EventMap;
}

export type NodeEvent = NewBlockEvent | TxEvent;

export interface EventBus {
  publishBlock(block: Block, blockId: BlockID, results: ResponseFinalizeBlock, hashes: readonly string[]): void;
  subscribe(listener: (e: NodeEvent) => void): () => void;
}

export function createEventBus(logger: Logger): EventBus {
  const listeners = new Set<(e: NodeEvent) => void>();
  const emit = (e: NodeEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        logger.error("event listener failed", { error: (err as Error).message });
      }
    }
  };
  return {
    publishBlock(block, blockId, results, hashes) {
      if (listeners.size === 0) return;
      const height = block.header!.height;
      const blockEvents = flattenEvents(results.events);
      blockEvents.set("tm.event", ["NewBlock"]);
      blockEvents.set("block.height", [height.toString()]);
      emit({ kind: "NewBlock", block, blockId, results, events: blockEvents });
      const txs = block.data?.txs ?? [];
      for (let i = 0; i < txs.length; i++) {
        const result = results.txResults[i]!;
        let events: EventMap | null = null;
        emit({
          kind: "Tx",
          height,
          index: i,
          tx: txs[i]!,
          hash: hashes[i]!,
          result,
          get events() {
            if (events === null) {
              events = flattenEvents(result.events);
              events.set("tm.event", ["Tx"]);
              events.set("tx.hash", [hashes[i]!]);
              events.set("tx.height", [height.toString()]);
            }
            return events;
          },
        });
      }
    },
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}
