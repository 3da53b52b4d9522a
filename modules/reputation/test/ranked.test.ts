import assert from "node:assert/strict";
import { BranchStore } from "../../../chain/store/branchStore.js";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { CountingStore } from "../../../chain/testkit/countingStore.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { Context, nopLogger } from "../../sdk/context.js";
import { GasMeter } from "../../sdk/gas.js";
import type { KVStore } from "../../sdk/store.js";
import { reputationInvariants } from "../invariants.js";
import { ReputationKeeper, type Outcome } from "../keeper.js";
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
  const at = (height: bigint, s: KVStore = store) =>
    new Context(
      s,
      { chainId: "t", height, time: { seconds: height, nanos: 0 }, proposer: new Uint8Array() },
      new GasMeter(undefined),
      "block",
      nopLogger,
    );
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
    assert.ok(counting.reads < 120, `a 10-record answer read ${counting.reads} entries`);
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
});
