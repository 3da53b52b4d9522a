import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { rawKeyFromSeed } from "../../sdk/signing.js";
import { loadOrCreateX25519 } from "../sealing.js";
import type { PendingResult } from "../store.js";
import { Worker } from "../worker.js";

// The worker's store drops the files of jobs the chain has pruned (their receipt exists), a
// bounded round at a time, and nothing else: a job still live, or a failed query, keeps its file.

const provider = rawKeyFromSeed("store-prune-provider");

describe("worker: pruning its store", function () {
  it("removes the results and verdicts of pruned jobs only, 50 a round, going round the stored ids", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tc-prune-"));
    const worker = new Worker({
      rpcUrl: "http://127.0.0.1:1",
      signer: await DirectSecp256k1Wallet.fromKey(provider.privKey, "tc"),
      address: provider.address,
      storeDir: join(dir, "store"),
      x25519: loadOrCreateX25519(join(dir, "x25519.json")),
      storePruneMs: 1000,
      log: () => {},
    });
    const record = (kind: PendingResult["kind"], jobId: string): PendingResult => ({
      kind,
      jobId,
      requester: "req",
      salt: "00".repeat(32),
      digest: "",
      sketch: { components: [], topK: [], length: "0" },
      output: "",
    });
    for (let id = 1; id <= 120; id++) worker.store.put(record("result", String(id)));
    worker.store.put(record("verdict", "7"));
    worker.store.put(record("verdict", "200"));
    // Pruned on chain: every id divisible by 3 (and 200); 10's query fails; 60 answers another id.
    const asked: string[] = [];
    const chain = {
      query: {
        jobs: {
          receipt: async (id: string) => {
            asked.push(id);
            if (id === "10") throw new Error("connection reset");
            if (id === "60") return { id: "61" };
            if (Number(id) % 3 === 0 || id === "200") return { id };
            throw new Error(`no receipt for job ${id} (not pruned yet, or unknown)`);
          },
        },
      },
    };
    const prune = (now: number) =>
      (worker as unknown as { pruneStore(c: unknown, now: number): Promise<void> }).pruneStore.call(worker, chain, now);
    await prune(5_000);
    assert.deepEqual(
      asked,
      Array.from({ length: 50 }, (_, i) => String(i + 1)),
      "the 50 lowest ids first",
    );
    await prune(5_500);
    assert.equal(asked.length, 50, "not again before storePruneMs");
    await prune(7_000);
    assert.deepEqual(
      asked.slice(50),
      Array.from({ length: 50 }, (_, i) => String(i + 51)),
      "then the next 50",
    );
    await prune(9_000);
    assert.deepEqual(asked.slice(100), [...Array.from({ length: 20 }, (_, i) => String(i + 101)), "200"]);
    await prune(11_000);
    assert.equal(asked[121], "1", "past the highest id, the round starts over");
    const left = new Set(worker.store.list("result"));
    for (let id = 1; id <= 120; id++) {
      const kept = id % 3 !== 0 || id === 60;
      assert.equal(left.has(String(id)), kept, `result ${id}`);
    }
    assert.ok(left.has("10"), "a failed query keeps the file");
    assert.deepEqual(worker.store.list("verdict").sort(), ["7"], "verdict 200 pruned, 7 kept");
  });
});
