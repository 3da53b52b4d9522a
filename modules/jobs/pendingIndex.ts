import { fromUtf8, utf8, type KVStore } from "../sdk/store.js";
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
