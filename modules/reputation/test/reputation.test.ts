import assert from "node:assert/strict";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { BranchStore } from "../../../chain/store/branchStore.js";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { rawKeyFromSeed } from "../../../client/sdk/signing.js";
import { testContext } from "../../sdk/test/fixtures.js";
import { decayed, ReputationKeeper } from "../keeper.js";
import { defaultParams } from "../params.js";
import { codecs } from "../types.js";

const [a, b, c] = [0, 1, 2].map((i) => rawKeyFromSeed(`rep-${i}`).address) as [string, string, string];

function setup() {
  const jailed: string[] = [];
  const k = new ReputationKeeper({ jailProvider: (_ctx, owner, reason) => jailed.push(`${owner}: ${reason}`) });
  const store = new BranchStore(new MemoryStore());
  const at = (height: bigint) => testContext("block", { store, height, seconds: height });
  return { k, store, at, jailed };
}

describe("reputation", () => {
  it("starts neutral and moves by the weights of each outcome, within [0, 1]", () => {
    const { k, store, at } = setup();
    assert.equal(k.score(store, a, 1n), 500_000);
    assert.equal(k.recordOutcome(at(1n), a, "agree").score, 520_000);
    assert.equal(k.recordOutcome(at(2n), a, "disagree").score, 420_000);
    assert.equal(k.recordOutcome(at(3n), a, "noShow").score, 370_000);
    assert.equal(k.recordOutcome(at(4n), a, "auditPass").score, 400_000);
    assert.equal(k.recordOutcome(at(5n), a, "auditFail").score, 100_000);
    assert.equal(k.recordOutcome(at(6n), a, "auditFail").score, 0, "never below 0");
    for (let i = 0; i < 60; i++) k.recordOutcome(at(7n + BigInt(i)), b, "agree");
    assert.equal(k.score(store, b, 100n), 1_000_000, "never above 1");
    const r = k.record(store, a, 6n);
    assert.deepEqual([r.agreed, r.disagreed, r.noShows, r.auditsPassed, r.auditsFailed], [1, 1, 1, 1, 2]);
  });

  it("decays toward neutral in whole idle intervals, from above and from below", () => {
    const p = defaultParams(); // interval 1000 blocks, 10% of the gap per interval
    assert.equal(decayed(700_000, 0n, 999n, p), 700_000);
    assert.equal(decayed(700_000, 0n, 1000n, p), 680_000);
    assert.equal(decayed(700_000, 0n, 2000n, p), 662_000);
    assert.equal(decayed(300_000, 0n, 1000n, p), 320_000);
    assert.equal(decayed(900_000, 0n, 100_000n, p), 500_000, "long idle is neutral");
    const { k, store, at } = setup();
    k.recordOutcome(at(10n), a, "auditFail"); // 200,000
    assert.equal(k.score(store, a, 1010n), 230_000, "read decayed without writing");
    assert.equal(k.recordOutcome(at(1010n), a, "agree").score, 250_000, "an outcome applies the decay first");
  });

  it("jails after max_consecutive_faults in a row; an agreement resets the count", () => {
    const { k, at, jailed } = setup();
    k.recordOutcome(at(1n), a, "disagree");
    k.recordOutcome(at(2n), a, "noShow");
    k.recordOutcome(at(3n), a, "agree");
    k.recordOutcome(at(4n), a, "disagree");
    k.recordOutcome(at(5n), a, "disagree");
    assert.deepEqual(jailed, []);
    k.recordOutcome(at(6n), a, "auditFail");
    assert.deepEqual(jailed, [`${a}: 3 consecutive faults`]);
  });

  it("a decline costs loss_decline and is counted, but is not a fault: declines never jail nor reset the run", () => {
    const { k, store, at, jailed } = setup();
    k.recordOutcome(at(1n), a, "noShow"); // 450,000, 1 fault
    k.recordOutcome(at(2n), a, "disagree"); // 350,000, 2 faults
    for (let h = 3n; h < 13n; h++) k.recordOutcome(at(h), a, "decline");
    let r = k.record(store, a, 12n);
    assert.deepEqual([r.score, r.declines, r.consecutiveFaults], [250_000, 10, 2]);
    assert.deepEqual(jailed, [], "ten declines in a row jail nobody");
    // Governance lowers the limit below the run so far: a decline still jails nobody.
    k.setParams(store, { ...defaultParams(), maxConsecutiveFaults: 2 });
    k.recordOutcome(at(13n), a, "decline");
    assert.deepEqual(jailed, [], "a decline at a lowered limit");
    k.setParams(store, defaultParams());
    k.recordOutcome(at(14n), a, "noShow");
    assert.deepEqual(jailed, [`${a}: 3 consecutive faults`], "nor do they clear the faults before them");
    // Params stored before loss_decline existed read it as 0: counted, nothing lost.
    const p = { ...defaultParams(), lossDecline: 0 };
    k.setParams(store, p);
    k.recordOutcome(at(15n), b, "decline");
    r = k.record(store, b, 15n);
    assert.deepEqual([r.score, r.declines], [500_000, 1]);
    const old = codecs.params.decode(codecs.params.encode(p));
    assert.equal(old.lossDecline, 0);
  });

  it("ranks providers by score, then address", () => {
    const { k, store, at } = setup();
    k.recordOutcome(at(1n), a, "disagree");
    k.recordOutcome(at(1n), b, "agree");
    k.recordOutcome(at(1n), c, "agree");
    const ranked = k.ranked(store, 1n, 10).map((r) => [r.provider, r.score]);
    assert.deepEqual(ranked, [
      ...[
        [b, 520_000],
        [c, 520_000],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
      [a, 400_000],
    ]);
  });
});

describe("reputation genesis and queries", () => {
  it("imports records, answers the reputation and ranked queries, and exports them unchanged; refuses a score above 1", async () => {
    const records = [
      {
        provider: a,
        score: 800000,
        consecutive_faults: 1,
        last_update: "0",
        agreed: 9,
        disagreed: 1,
        no_shows: 0,
        audits_passed: 2,
        audits_failed: 0,
      },
      {
        provider: b,
        score: 100000,
        consecutive_faults: 0,
        last_update: "0",
        agreed: 0,
        disagreed: 3,
        no_shows: 2,
        audits_passed: 0,
        audits_failed: 1,
      },
    ];
    const chain: TestChain = await createTestChain({
      editGenesis: (d) => ((d.app_state["reputation"] as { records: unknown[] }).records = records),
    });
    const res = await chain.query(
      "/tcompute.reputation.v1.Query/Reputation",
      codecs.queryReputationRequest.encode({ provider: a }),
    );
    assert.equal(res.code, 0, res.log);
    assert.equal(codecs.queryReputationResponse.decode(res.value).record!.score, 800_000);
    const ranked = codecs.queryRankedResponse.decode(
      (await chain.query("/tcompute.reputation.v1.Query/Ranked", codecs.queryRankedRequest.encode({ limit: 0 }))).value,
    );
    assert.deepEqual(
      ranked.records.map((r) => r.provider),
      [a, b],
    );
    const exported = chain.app.withCommittedContext((ctx, modules) =>
      modules.find((m) => m.name === "reputation")!.exportGenesis(ctx),
    ) as { records: Array<Record<string, unknown>> };
    assert.deepEqual(
      JSON.parse(JSON.stringify(exported.records)).map((r: Record<string, unknown>) => r["score"]),
      [800000, 100000],
    );
    await assert.rejects(
      createTestChain({
        editGenesis: (d) =>
          ((d.app_state["reputation"] as { records: unknown[] }).records = [{ ...records[0], score: 2000000 }]),
      }),
      /above 1000000/,
    );
  });
});
