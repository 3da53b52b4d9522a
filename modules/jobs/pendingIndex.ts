import { fromUtf8, prefixEnd, utf8, type KVStore } from "../sdk/store.js";
import { keys } from "./keys.js";

// The index of pending jobs that matching reads (matching.ts): by requester, with a count per
// requester, so that matching can take requesters in turn and a submit can be refused when the
// requester already has max_pending_per_requester jobs waiting. The keeper keeps it in step
// with the job's state (open/restore add, assign/finish remove).

export function pendingCount(store: KVStore, requester: string): number {
  const raw = store.get(keys.pendingCount(requester));
  return raw === undefined ? 0 : Number(fromUtf8(raw));
}

function setCount(store: KVStore, requester: string, n: number): void {
  if (n <= 0) {
    store.delete(keys.pendingCount(requester));
    store.delete(keys.pendingCursor(requester));
  } else store.set(keys.pendingCount(requester), utf8(String(n)));
}

export function addPending(store: KVStore, requester: string, id: bigint): void {
  if (store.get(keys.pending(requester, id)) !== undefined) return;
  store.set(keys.pending(requester, id), new Uint8Array());
  setCount(store, requester, pendingCount(store, requester) + 1);
}

export function removePending(store: KVStore, requester: string, id: bigint): void {
  if (store.get(keys.pending(requester, id)) === undefined) return;
  store.delete(keys.pending(requester, id));
  setCount(store, requester, pendingCount(store, requester) - 1);
}

/** Matching's cursors, for genesis export (they decide which jobs the next block examines first). */
export interface MatchCursors {
  afterRequester: string;
  resume: Array<{ requester: string; afterId: bigint }>;
}

export function readCursors(store: KVStore): MatchCursors {
  const raw = store.get(keys.matchCursor);
  const resume: MatchCursors["resume"] = [];
  const prefix = keys.pendingCursor("");
  for (const [k, v] of store.range(prefix, prefixEnd(prefix))) resume.push({ requester: k.slice(prefix.length), afterId: BigInt(fromUtf8(v)) });
  return { afterRequester: raw === undefined ? "" : fromUtf8(raw), resume };
}

export function writeCursors(store: KVStore, c: MatchCursors): void {
  if (c.afterRequester !== "") store.set(keys.matchCursor, utf8(c.afterRequester));
  for (const r of c.resume) if (pendingCount(store, r.requester) > 0) store.set(keys.pendingCursor(r.requester), utf8(r.afterId.toString().padStart(20, "0")));
}
