import assert from "node:assert/strict";
import { BranchStore } from "../../../chain/store/branchStore.js";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { CountingStore } from "../../../chain/testkit/countingStore.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { testContext } from "../../sdk/test/fixtures.js";
import type { KVStore } from "../../sdk/store.js";
import { exportGenesis, initGenesis, parseGenesis } from "../genesis.js";
import { reputationInvariants } from "../invariants.js";
import { ReputationKeeper, type Outcome } from "../keeper.js";
import { keys } from "../keys.js";
import { defaultParams } from "../params.js";
import { reputationQueries } from "../queryServer.js";
import { codecs, type ReputationRecord } from "../types.js";

// Ranked reads the top of a rank index (stored score, then address), not every record: decay
// moves a score only toward neutral, so the walk stops once no record below can rank. Its answer
// is the full sort's, whatever the records' ages.

/** A deterministic generator (fixed seed), so a failure replays. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n); // the high bits: an LCG's low bits cycle short
  };
}

const providers = Array.from({ length: 500 }, (_v, i) => rawKeyFromSeed(`ranked-${i}`).address);
const outcomes: Outcome[] = ["agree", "agree", "agree", "disagree", "noShow", "auditPass", "auditFail"];

function market(seed: number) {
  const k = new ReputationKeeper({ jailProvider: () => undefined });
  const store = new BranchStore(new MemoryStore());
  const at = (height: bigint, s: KVStore = store) => testContext("block", { store: s, height, seconds: height });
  const r = rng(seed);
  // Outcomes spread over 20,000 blocks (20 decay intervals): old records have decayed a lot.
  for (let i = 0; i < 3000; i++)
    k.recordOutcome(at(BigInt(1 + i * 7)), providers[r(providers.length)]!, outcomes[r(7)]!);
  return { k, store, at };
}

/** The answer the old query gave: every record decayed, sorted, cut. */
function fullSort(
  k: ReputationKeeper,
  store: MemoryStore | BranchStore,
  height: bigint,
  limit: number,
): ReputationRecord[] {
  return [...k.records(store)]
    .map((r) => k.record(store, r.provider, height))
    .sort((a, b) => b.score - a.score || (a.provider < b.provider ? -1 : 1))
    .slice(0, limit);
}

describe("reputation: Ranked from the rank index", () => {
  it("answers what sorting every record answers, at any height and limit (fixed seed)", () => {
    const { k, store, at } = market(12);
    const r = rng(3);
    for (let i = 0; i < 60; i++) {
      const height = BigInt(21_000 + r(80_000));
      const limit = 1 + r(r(2) === 0 ? 5 : 600);
      assert.deepEqual(
        k.ranked(store, height, limit),
        fullSort(k, store, height, limit),
        `height ${height}, limit ${limit}`,
      );
    }
    assert.deepEqual(k.ranked(store, 30_000n, 0), []);
    const broken = reputationInvariants(k).flatMap((inv) => inv.check(at(30_000n)));
    assert.deepEqual(broken, [], "the index holds exactly one entry per record, at its stored score");
  });

  it("a top-10 query of 500 providers reads the top of the index, not every record", () => {
    const { k, store, at } = market(5);
    const n = [...k.records(store)].length;
    assert.ok(n > 400, `${n} providers with a record`);
    const counting = new CountingStore(store);
    const handler = reputationQueries(k)["/tcompute.reputation.v1.Query/Ranked"]!;
    const res = codecs.queryRankedResponse.decode(
      handler(at(20_500n, counting), codecs.queryRankedRequest.encode({ limit: 10 })),
    );
    assert.deepEqual(res.records, fullSort(k, store, 20_500n, 10));
    // The params once, then per index entry walked its record (21 entries here: stored scores
    // above the 10th decayed one, and the one that stops the walk). Not 11: a stored score is not
    // the decayed one, so records stored high but idle long must be read to be passed over.
    assert.ok(counting.reads <= 45, `a 10-record answer read ${counting.reads} entries`);
  });

  it("keeps the index as params move neutral (a governance change) and scores cross it", () => {
    const { k, store, at } = market(9);
    k.setParams(store, { ...defaultParams(), neutral: 800_000 });
    for (const h of [21_000n, 40_000n, 200_000n])
      assert.deepEqual(k.ranked(store, h, 25), fullSort(k, store, h, 25), `height ${h}`);
    assert.deepEqual(
      reputationInvariants(k).flatMap((inv) => inv.check(at(1n))),
      [],
    );
  });
  it("is rebuilt from the records by an exported genesis: the same state bytes and answers", () => {
    const { k, store, at } = market(21);
    k.setParams(store, { ...defaultParams(), neutral: 450_000 });
    const exported = JSON.parse(JSON.stringify(exportGenesis(at(30_000n), k))) as unknown;
    const fresh = new BranchStore(new MemoryStore());
    const again = new ReputationKeeper({ jailProvider: () => undefined });
    initGenesis(at(1n, fresh), again, parseGenesis(exported));
    // Every key of the module, the rank index included, with the same bytes: the same app hash.
    const dump = (s: KVStore) =>
      [...s.range("reputation/", "reputation0")].map(([key, v]) => [key, Buffer.from(v).toString("hex")]);
    assert.ok(dump(store).some(([key]) => key!.startsWith("reputation/s/")));
    assert.deepEqual(dump(fresh), dump(store));
    for (const h of [30_000n, 90_000n])
      assert.deepEqual(again.ranked(fresh, h, 40), k.ranked(store, h, 40), `height ${h}`);
    assert.deepEqual(
      reputationInvariants(again).flatMap((inv) => inv.check(at(30_000n, fresh))),
      [],
    );
  });
  it("the rank-index invariant reports a stale or missing entry, and Ranked names no provider for a stale one", () => {
    const { k, store, at } = market(4);
    const [best] = k.ranked(store, 21_000n, 1);
    const stranger = rawKeyFromSeed("ranked-stranger").address;
    // An entry at the top of the index with no record, and the best record's entry gone.
    store.set(keys.rank(1_000_000, stranger), new Uint8Array());
    const victim = [...k.records(store)].find((r) => r.provider !== best!.provider)!;
    store.delete(keys.rank(victim.score, victim.provider));
    const broken = reputationInvariants(k).flatMap((inv) => inv.check(at(21_000n)));
    assert.ok(
      broken.some((b) => b.includes(stranger)),
      broken.join("; "),
    );
    assert.equal(broken.length, 1, "one entry too many, one too few: the counts agree, the stranger is named");
    assert.ok(!k.ranked(store, 21_000n, 1000).some((r) => r.provider === stranger));
  });
});
