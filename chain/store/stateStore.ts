import type { Write } from "./branchStore.js";
import { type BinaryDB, latin1Key } from "./db.js";
import { LtHash } from "./ltHash.js";
import { MemoryStore } from "./memoryStore.js";
import { utf8, fromUtf8 } from "../../modules/sdk/store.js";
import { bytesEqual } from "../types/bytes.js";

// The application's committed state. The working set is held in memory (an ordered B-tree), so
// that the state machine runs synchronously; every commit is also written to LevelDB as one
// atomic batch, and opening a data directory loads it back. See docs/state.md for the limits.

const entryPrefix = "s";
const metaHeight = "m/height";
const metaLtHash = "m/lthash";
const metaChainId = "m/chain_id";

export interface PreparedCommit {
  height: bigint;
  writes: ReadonlyMap<string, Write>;
  ltHash: LtHash;
  appHash: Uint8Array;
}

export class StateStore {
  readonly store = new MemoryStore();
  private lt = new LtHash();
  private _height = 0n;
  private _appHash: Uint8Array = new LtHash().digest();
  private _chainId = "";

  private constructor(private readonly db: BinaryDB | null) {}

  /** Opens the state in a LevelDB (loading what it holds), or in memory when db is null. */
  static async open(db: BinaryDB | null): Promise<StateStore> {
    const s = new StateStore(db);
    if (db === null) return s;
    const height = await db.get(latin1Key(metaHeight));
    if (height === undefined) return s;
    s._height = BigInt(fromUtf8(height));
    const lt = await db.get(latin1Key(metaLtHash));
    if (lt === undefined) throw new Error("state database is corrupt: height without state hash");
    s.lt = new LtHash(lt);
    s._chainId = fromUtf8((await db.get(latin1Key(metaChainId))) ?? new Uint8Array());
    const gte = latin1Key(entryPrefix);
    const lt2 = latin1Key(String.fromCharCode(entryPrefix.charCodeAt(0) + 1));
    for await (const [k, v] of db.iterator({ gte, lt: lt2 })) {
      s.store.set(k.toString("latin1", 1), v);
    }
    const check = new LtHash();
    for (const [k, v] of s.store.range("", undefined)) check.add(k, v);
    if (!bytesEqual(check.digest(), s.lt.digest())) {
      throw new Error("state database is corrupt: entries do not match the committed state hash");
    }
    s._appHash = s.lt.digest();
    return s;
  }

  get height(): bigint {
    return this._height;
  }

  get appHash(): Uint8Array {
    return this._appHash;
  }

  /** True once genesis has been committed. */
  get initialized(): boolean {
    return this._chainId !== "";
  }

  get chainId(): string {
    return this._chainId;
  }

  /**
   * The app_hash the state would have with these writes applied, without applying them:
   * FinalizeBlock returns it, Commit makes it durable.
   */
  prepare(height: bigint, writes: ReadonlyMap<string, Write>): PreparedCommit {
    const lt = new LtHash(this.lt.bytes());
    for (const [k, v] of writes) {
      const old = this.store.get(k);
      if (old !== undefined) lt.remove(k, old);
      if (v !== null) lt.add(k, v);
    }
    return { height, writes, ltHash: lt, appHash: lt.digest() };
  }

  /** Applies a prepared commit in memory and on disk as one batch. */
  async commit(p: PreparedCommit, chainId: string): Promise<void> {
    // Genesis commits at initial_height - 1 on an empty state; every later commit is the next height.
    if (this.initialized && p.height !== this._height + 1n) {
      throw new Error(`commit of height ${p.height} on state at height ${this._height}`);
    }
    const keys = [...p.writes.keys()].sort();
    if (this.db !== null) {
      const batch = this.db.batch();
      for (const k of keys) {
        const v = p.writes.get(k)!;
        if (v === null) batch.del(latin1Key(entryPrefix + k));
        else batch.put(latin1Key(entryPrefix + k), v);
      }
      batch.put(latin1Key(metaHeight), utf8(p.height.toString()));
      batch.put(latin1Key(metaLtHash), p.ltHash.bytes());
      batch.put(latin1Key(metaChainId), utf8(chainId));
      await batch.write({ sync: true } as never);
    }
    for (const k of keys) {
      const v = p.writes.get(k)!;
      if (v === null) this.store.delete(k);
      else this.store.set(k, v);
    }
    this.lt = p.ltHash;
    this._appHash = p.appHash;
    this._height = p.height;
    this._chainId = chainId;
  }
}
