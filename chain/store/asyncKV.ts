import { type BinaryDB, latin1Key } from "./db.js";
import { createSortedMap } from "./sortedMap.js";
import { prefixEnd } from "../../modules/sdk/store.js";

/** An asynchronous ordered key/value store: LevelDB on disk, or a sorted map in tests. */
export interface AsyncKV {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Applies every write at once (one LevelDB batch, fsynced). */
  write(ops: ReadonlyArray<readonly [string, Uint8Array | null]>): Promise<void>;
  /** Entries whose key starts with prefix, ascending (or descending with reverse). */
  scan(
    prefix: string,
    opts?: { reverse?: boolean; limit?: number; gte?: string; lt?: string },
  ): AsyncIterable<[string, Uint8Array]>;
  close(): Promise<void>;
}

export function levelKV(db: BinaryDB): AsyncKV {
  return {
    get: (key) => db.get(latin1Key(key)),
    async write(ops) {
      // A chained batch: abstract-level's array form validates each op in JS and costs more.
      const batch = db.batch();
      for (const [k, v] of ops) {
        if (v === null) batch.del(latin1Key(k));
        else batch.put(latin1Key(k), v);
      }
      await batch.write({ sync: true } as Parameters<typeof batch.write>[0]);
    },
    async *scan(prefix, opts = {}) {
      const end = prefixEnd(prefix);
      const it = db.iterator({
        gte: latin1Key(opts.gte ?? prefix),
        ...(opts.lt !== undefined ? { lt: latin1Key(opts.lt) } : end !== undefined ? { lt: latin1Key(end) } : {}),
        reverse: opts.reverse ?? false,
        limit: opts.limit ?? -1,
      });
      for await (const [k, v] of it) yield [k.toString("latin1"), v];
    },
    close: () => db.close(),
  };
}

export function memoryKV(): AsyncKV {
  const map = createSortedMap<Uint8Array>();
  return {
    get: async (key) => map.get(key),
    async write(ops) {
      for (const [k, v] of ops) {
        if (v === null) map.delete(k);
        else map.set(k, v);
      }
    },
    async *scan(prefix, opts = {}) {
      const lo = opts.gte ?? prefix;
      const hi = opts.lt ?? prefixEnd(prefix);
      const entries: Array<[string, Uint8Array]> = [];
      const limit = opts.limit ?? -1;
      for (const [k, v] of map.entries(lo)) {
        if (hi !== undefined && k >= hi) break;
        if (opts.reverse !== true && limit >= 0 && entries.length >= limit) break;
        entries.push([k, v]);
      }
      if (opts.reverse === true) entries.reverse();
      for (let i = 0; i < entries.length && (limit < 0 || i < limit); i++) yield entries[i]!;
    },
    close: async () => {},
  };
}
