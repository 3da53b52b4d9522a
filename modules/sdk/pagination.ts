import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { sdkErrors } from "./errors.js";
import { prefixEnd, type KVStore } from "./store.js";

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
 * limit) fills total. `sortKey` must be the order the items come in. A reverse page walks the
 * list from its end: `key` then starts at the last item whose sort key is ≤ it (the SDK's reverse
 * iterator, which ends just past the key).
 */
export function paginate<T>(
  items: readonly T[],
  sortKey: (t: T) => string,
  req: PageRequest | undefined,
): { page: T[]; pagination: PageResponse } {
  const limit = checkRequest(req);
  const reverse = req?.reverse === true;
  const list = reverse ? [...items].reverse() : items;
  let start = 0;
  if (req !== undefined && req.key.length > 0) {
    const key = pageKey(req);
    start = list.findIndex((t) => (reverse ? sortKey(t) <= key : sortKey(t) >= key));
    if (start < 0) start = list.length;
  } else if (req !== undefined) start = Number(req.offset > BigInt(list.length) ? BigInt(list.length) : req.offset);
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
  if (req !== undefined && req.key.length > 0) pageKey(req);
  return limit;
}

const keyDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The request's key as the suffix string it came from (next_key is a key suffix's UTF-8). A key
 * that is no such string (not UTF-8, or a character past one byte) names no entry and is refused.
 */
function pageKey(req: PageRequest): string {
  let key: string;
  try {
    key = keyDecoder.decode(req.key);
  } catch {
    throw sdkErrors.invalidRequest.wrap("invalid pagination key: not a next_key of this query");
  }
  for (let i = 0; i < key.length; i++)
    if (key.charCodeAt(i) > 0xff)
      throw sdkErrors.invalidRequest.wrap("invalid pagination key: not a next_key of this query");
  return key;
}

/**
 * Turns a store entry (its key after the prefix, its value) into a page item; `null` drops the
 * entry (a filter), and a dropped entry counts for neither offset, limit, next_key nor total.
 */
export type PageDecoder<T> = (suffix: string, value: Uint8Array) => T | null;

/** Suffixes (after the prefix) bounding the entries paged: from `start` (inclusive) to `end` (exclusive). */
export interface PageBounds {
  readonly start?: string;
  readonly end?: string;
}

/**
 * The SDK's query.Paginate in the store: pages the entries under `prefix` (within `bounds`, if
 * given) in key order, or descending for `reverse`, reading only what the page needs. `key`
 * starts at the first entry whose key (after the prefix) is ≥ it (reverse: the last that is ≤ it),
 * else `offset` entries are skipped; next_key is the key (after the prefix) of the first entry not
 * returned; total is counted only when asked (count_total, or no limit, as paginate()), and only
 * then is the rest of the prefix read. Entries are decoded only on the page (and the one after
 * it), unless `filtered`, when each entry read is decoded to decide whether it counts (the SDK's
 * FilteredPaginate). Same answers as paginate() over the whole list with the key suffix as sort
 * key.
 */
export function paginateStore<T>(
  store: KVStore,
  prefix: string,
  req: PageRequest | undefined,
  decode: PageDecoder<T>,
  filtered = false,
  bounds: PageBounds = {},
): { page: T[]; pagination: PageResponse } {
  const limit = checkRequest(req);
  const byKey = req !== undefined && req.key.length > 0;
  let lo = prefix + (bounds.start ?? "");
  let hi = bounds.end === undefined ? prefixEnd(prefix) : prefix + bounds.end;
  let entries: IterableIterator<[string, Uint8Array]>;
  if (req?.reverse === true) {
    if (byKey) {
      // Entries ≤ the key: below the smallest string after it.
      const after = prefix + pageKey(req) + "\u0000";
      if (hi === undefined || after < hi) hi = after;
    }
    entries = store.reverseRange(lo, hi);
  } else {
    if (byKey) {
      const from = prefix + pageKey(req);
      if (from > lo) lo = from;
    }
    entries = store.range(lo, hi);
  }
  let skip = !byKey && req !== undefined ? req.offset : 0n;
  const counting = countTotal(req);
  const page: T[] = [];
  let nextKey: Uint8Array | null = null;
  let total = 0n;
  for (const [k, v] of entries) {
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
  /** Field 5, as cosmos.base.query.v1beta1.PageRequest: from the end of the list. */
  reverse?: boolean;
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
    reverse: p.reverse === true,
  };
}

export function pageResponseToPb(p: PageResponse): PageResponsePb {
  return { nextKey: p.nextKey, total: p.total.toString() };
}
