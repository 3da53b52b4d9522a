import { Worker } from "node:worker_threads";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { directSignDigest } from "../../modules/auth/ante.js";
import type { DecodedTx } from "../../modules/auth/tx.js";
import { secp256k1Address } from "../../modules/sdk/address.js";
import type { Logger } from "../../modules/sdk/context.js";
import type { SigCache } from "./sigVerifier.js";

// Signature pre-verification on worker threads. Before a tx waits for its turn at CheckTx, its
// signatures are verified on another core and recorded in the SigCache; CheckTx then finds them
// there. Nothing here decides anything: a tx this cannot pre-check (new account, key not in the
// tx, malformed bytes) is simply verified by the ante handler as usual.

/** An item as the worker receives it: signature (64), digest (32), compressed key (33). */
export const recordBytes = 64 + 32 + 33;

interface Item {
  sig: Uint8Array;
  digest: Uint8Array;
  pubKey: Uint8Array;
}

export interface SigPrecheck {
  /** Resolves once the tx's signatures are verified (or found not pre-checkable); never rejects. */
  precheck(tx: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface SigPrecheckDeps {
  cache: SigCache;
  chainId: () => string;
  /** Account numbers never change once assigned, so the committed state is a safe source. */
  accountNumberOf: (address: string) => bigint | null;
  /** Decodes a tx (the app's decoded-tx cache, so that CheckTx finds it decoded); null if it does not. */
  decode: (tx: Uint8Array) => DecodedTx | null;
  logger: Logger;
}

function itemsOf(bytes: Uint8Array, deps: SigPrecheckDeps): Item[] {
  try {
    const tx = deps.decode(bytes);
    if (tx === null) return [];
    const items: Item[] = [];
    const chainId = deps.chainId();
    for (let i = 0; i < tx.authInfo.signerInfos.length; i++) {
      const info = tx.authInfo.signerInfos[i]!;
      const pk = info.publicKey;
      const sig = tx.signatures[i];
      if (
        pk?.typeUrl !== "/cosmos.crypto.secp256k1.PubKey" ||
        info.modeInfo?.single?.mode !== SignMode.SIGN_MODE_DIRECT ||
        sig === undefined ||
        sig.length !== 64
      )
        continue;
      const pubKey = Secp256k1PubKey.decode(pk.value).key;
      if (pubKey.length !== 33) continue;
      const accountNumber = deps.accountNumberOf(secp256k1Address(pubKey));
      if (accountNumber === null) continue;
      items.push({ sig, digest: directSignDigest(tx, chainId, accountNumber), pubKey });
    }
    return items;
  } catch {
    return [];
  }
}

export function createSigPrecheck(opts: { threads: number }, deps: SigPrecheckDeps): SigPrecheck {
  const workers = Array.from(
    { length: Math.max(1, opts.threads) },
    () => new Worker(new URL("./sigWorker.mjs", import.meta.url)),
  );
  const pending = new Map<number, { items: Item[]; resolve: () => void }>();
  let nextId = 0;
  let turn = 0;
  let batch: Array<{ items: Item[]; resolve: () => void }> = [];
  let closed = false;

  for (const w of workers) {
    w.on("message", ({ id, ok }: { id: number; ok: boolean[] }) => {
      const p = pending.get(id);
      if (p === undefined) return;
      pending.delete(id);
      // One verdict per record sent, or none is trusted (the txs are then verified by the ante handler).
      if (ok.length === p.items.length)
        ok.forEach((good, i) => good && deps.cache.remember(p.items[i]!.sig, p.items[i]!.digest, p.items[i]!.pubKey));
      p.resolve();
    });
    w.on("error", (e) => deps.logger.error("signature worker failed", { error: e.message }));
    w.unref();
  }

  /** Sends everything collected in this tick as one message (RPC batches arrive together). */
  function flush(): void {
    const jobs = batch;
    batch = [];
    if (jobs.length === 0 || closed) {
      for (const j of jobs) j.resolve();
      return;
    }
    const id = nextId++;
    const items = jobs.flatMap((j) => j.items);
    pending.set(id, { items, resolve: () => jobs.forEach((j) => j.resolve()) });
    // One transferred buffer of fixed-size records (sig 64, digest 32, key 33): the items are
    // views into tx bytes, often into pooled 8 KiB buffers, which postMessage would clone whole.
    const packed = new Uint8Array(items.length * recordBytes);
    for (let i = 0; i < items.length; i++) {
      const o = i * recordBytes;
      packed.set(items[i]!.sig, o);
      packed.set(items[i]!.digest, o + 64);
      packed.set(items[i]!.pubKey, o + 96);
    }
    workers[turn++ % workers.length]!.postMessage({ id, packed }, [packed.buffer]);
  }

  return {
    precheck(tx) {
      const items = itemsOf(tx, deps);
      if (items.length === 0 || closed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        if (batch.length === 0) setImmediate(flush);
        batch.push({ items, resolve });
      });
    },
    async close() {
      closed = true;
      for (const p of pending.values()) p.resolve();
      pending.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
