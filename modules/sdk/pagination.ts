import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { sdkErrors } from "./errors.js";

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
export function paginate<T>(items: readonly T[], sortKey: (t: T) => string, req: PageRequest | undefined): { page: T[]; pagination: PageResponse } {
  const limit = req === undefined || req.limit === 0n ? defaultPageLimit : req.limit;
  if (limit > maxPageLimit) throw sdkErrors.invalidRequest.wrap(`pagination limit ${limit} exceeds ${maxPageLimit}`);
  if (req !== undefined && req.key.length > 0 && req.offset > 0n) throw sdkErrors.invalidRequest.wrap("either offset or key is expected, got both");
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
    pagination: { nextKey: next === undefined ? new Uint8Array() : Buffer.from(sortKey(next), "utf8"), total: countTotal(req) ? BigInt(items.length) : 0n },
  };
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
  return { key: p.key, offset: BigInt(p.offset || "0"), limit: BigInt(p.limit || "0"), countTotal: p.countTotal, reverse: false };
}

export function pageResponseToPb(p: PageResponse): PageResponsePb {
  return { nextKey: p.nextKey, total: p.total.toString() };
}
