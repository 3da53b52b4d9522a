import type { NodeEvent } from "../events/eventBus.js";
import { queryMatches, type EventMap, type EventQuery } from "../store/eventQuery.js";
import { b64, blockIdJson, blockJson, eventsJson, headerJson, txResultJson, type Json } from "./format.js";

/** The event payloads CometBFT sends to subscribers, for each event a query can match. */
export function eventPayloads(e: NodeEvent): Array<{ tmEvent: string; readonly events: EventMap; data: () => Json }> {
  if (e.kind === "Tx") {
    return [
      {
        tmEvent: "Tx",
        // Read only if a subscription's query needs it (flattening a tx's events is not free).
        get events() {
          return e.events;
        },
        data: () => ({
          type: "tendermint/event/Tx",
          value: {
            TxResult: { height: e.height.toString(), index: e.index, tx: b64(e.tx), result: txResultJson(e.result) },
          },
        }),
      },
    ];
  }
  const headerEvents: EventMap = new Map(e.events);
  headerEvents.set("tm.event", ["NewBlockHeader"]);
  return [
    {
      tmEvent: "NewBlock",
      events: e.events,
      data: () => ({
        type: "tendermint/event/NewBlock",
        value: {
          block: blockJson(e.block),
          block_id: blockIdJson(e.blockId),
          // As CometBFT's ResponseFinalizeBlock JSON: empty lists and bytes left out
          // (omitempty), validator_updates null when empty, app_hash base64 ([]byte).
          result_finalize_block: {
            ...(e.results.events.length === 0 ? {} : { events: eventsJson(e.results.events) }),
            ...(e.results.txResults.length === 0 ? {} : { tx_results: e.results.txResults.map(txResultJson) }),
            validator_updates: null,
            ...(e.results.appHash.length === 0 ? {} : { app_hash: b64(e.results.appHash) }),
          },
        },
      }),
    },
    {
      tmEvent: "NewBlockHeader",
      events: headerEvents,
      data: () => ({ type: "tendermint/event/NewBlockHeader", value: { header: headerJson(e.block.header!) } }),
    },
  ];
}

export interface Subscription {
  id: number | string | null;
  text: string;
  query: EventQuery;
}

/** The messages a client's subscriptions should receive for one node event. */
export function matchEvent(
  subs: readonly Subscription[],
  e: NodeEvent,
): Array<{ sub: Subscription; events: EventMap; data: Json }> {
  const out: Array<{ sub: Subscription; events: EventMap; data: Json }> = [];
  for (const payload of eventPayloads(e)) {
    let data: Json | undefined;
    for (const sub of subs) {
      // A query naming another tm.event cannot match: decided without the payload's events.
      if (sub.query.some((c) => c.key === "tm.event" && c.op === "=" && c.operand?.value !== payload.tmEvent)) continue;
      if (!queryMatches(sub.query, payload.events)) continue;
      data ??= payload.data();
      out.push({ sub, events: payload.events, data });
    }
  }
  return out;
}

export function eventMapJson(m: EventMap): Json {
  const o: Record<string, Json> = {};
  for (const k of [...m.keys()].sort()) o[k] = m.get(k)!;
  return o;
}
