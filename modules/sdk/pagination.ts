import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { sdkErrors } from "./errors.js";
import { prefixEnd, prefixRange, type KVStore } from "./store.js";

/** Items on one page, by default and at most (the SDK's DefaultLimit and a hard cap). */
export const defaultPageLimit = 100n;
export const maxPageLimit = 1000n;

/**
 * Whether a page answer carries `total`, as the SDK decides: when asked (count_total), and
 * whenever the request sets no limit (the SDK then counts even unasked); never for a key page.
 */
function countTotal(req: PageRequest | undefined): boolean {
  if (req === undefined) return true;
  if (req.key.length > 0) return false;
  return req.countTotal || req.limit === 0n;
}

/**
 * The SDK's pagination over a sorted list: `key` starts at the first item whose sort key is ≥ it
 * (next_key is the sort key of the first item not returned), else `offset`; `count_total` (or no
 * limit) fills total. `sortKey` must be the order the items come in.
 */
export function paginate<T>(
  items: readonly T[],
  sortKey: (t: T) => string,
  req: PageRequest | undefined,
): { page: T[]; pagination: PageResponse } {
  const limit = checkRequest(req);
  let start = 0;
  if (req !== undefined && req.key.length > 0) {
    const key = Buffer.from(req.key).toString("utf8");
    start = items.findIndex((t) => sortKey(t) >= key);
    if (start < 0) start = items.length;
  } else if (req !== undefined) start = Number(req.offset > BigInt(items.length) ? BigInt(items.length) : req.offset);
  const list = req?.reverse === true ? [...items].reverse() : items;
  const page = list.slice(start, start + Number(limit));
  const next = list[start + Number(limit)];
  return {
    page,
    pagination: {
      nextKey: next === undefined ? new Uint8Array() : Buffer.from(sortKey(next), "utf8"),
      total: countTotal(req) ? BigInt(items.length) : 0n,
    },
  };
}

function checkRequest(req: PageRequest | undefined): bigint {
  const limit = req === undefined || req.limit === 0n ? defaultPageLimit : req.limit;
  if (limit > maxPageLimit) throw sdkErrors.invalidRequest.wrap(`pagination limit ${limit} exceeds ${maxPageLimit}`);
  if (req !== undefined && req.key.length > 0 && req.offset > 0n)
    throw sdkErrors.invalidRequest.wrap("either offset or key is expected, got both");
  return limit;
}

/**
 * Turns a store entry (its key after the prefix, its value) into a page item; `null` drops the
 * entry (a filter), and a dropped entry counts for neither offset, limit, next_key nor total.
 */
export type PageDecoder<T> = (suffix: string, value: Uint8Array) => T | null;

/**
 * The SDK's query.Paginate in the store: pages the entries under `prefix` in key order, reading
 * only what the page needs. `key` starts at the first entry whose key (after the prefix) is ≥ it,
 * else `offset` entries are skipped; next_key is the key (after the prefix) of the first entry
 * not returned; total is counted only when asked (count_total, or no limit, as paginate()), and
 * only then is the rest of the prefix read. Entries are decoded only on the page (and the one
 * after it), unless `filtered`, when each entry read is decoded to decide whether it counts (the
 * SDK's FilteredPaginate). Same answers as paginate() over the whole list with the key suffix
 * as sort key. A reverse page still reads every entry (the store has no reverse iterator).
 */
export function paginateStore<T>(
  store: KVStore,
  prefix: string,
  req: PageRequest | undefined,
  decode: PageDecoder<T>,
  filtered = false,
): { page: T[]; pagination: PageResponse } {
  const limit = checkRequest(req);
  if (req?.reverse === true) {
    const all: Array<[string, T]> = [];
    for (const [k, v] of prefixRange(store, prefix)) {
      const t = decode(k.slice(prefix.length), v);
      if (t !== null) all.push([k.slice(prefix.length), t]);
    }
    const { page, pagination } = paginate(all, ([suffix]) => suffix, req);
    return { page: page.map(([, t]) => t), pagination };
  }
  const byKey = req !== undefined && req.key.length > 0;
  const start = byKey ? prefix + Buffer.from(req.key).toString("utf8") : prefix;
  let skip = !byKey && req !== undefined ? req.offset : 0n;
  const counting = countTotal(req);
  const page: T[] = [];
  let nextKey: Uint8Array | null = null;
  let total = 0n;
  for (const [k, v] of store.range(start, prefixEnd(prefix))) {
    const suffix = k.slice(prefix.length);
    const wanted = skip === 0n && BigInt(page.length) < limit;
    const item = filtered || wanted ? decode(suffix, v) : undefined;
    if (item === null) continue;
    total++;
    if (skip > 0n) {
      skip--;
      continue;
    }
    if (wanted) {
      page.push(item as T);
      continue;
    }
    if (nextKey === null) {
      nextKey = Buffer.from(suffix, "utf8");
      if (!counting) break;
    }
  }
  return { page, pagination: { nextKey: nextKey ?? new Uint8Array(), total: counting ? total : 0n } };
}

/** PageRequest / PageResponse as the modules' protobufjs codecs see them (64-bit as strings). */
export interface PageRequestPb {
  key: Uint8Array;
  offset: string;
  limit: string;
  countTotal: boolean;
}
export interface PageResponsePb {
  nextKey: Uint8Array;
  total: string;
}

export function pageRequestFromPb(p: PageRequestPb | null): PageRequest | undefined {
  if (p === null) return undefined;
  return {
    key: p.key,
    offset: BigInt(p.offset || "0"),
    limit: BigInt(p.limit || "0"),
    countTotal: p.countTotal,
    reverse: false,
  };
}

export function pageResponseToPb(p: PageResponse): PageResponsePb {
  return { nextKey: p.nextKey, total: p.total.toString() };
}
