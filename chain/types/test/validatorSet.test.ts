import assert from "node:assert/strict";
import { ValidatorSet } from "../validatorSet.js";

const v = (address: string, power: bigint) => ({ address, pubKey: new Uint8Array(32), power });

describe("proposer rotation (CometBFT's priority algorithm)", () => {
  it("rotates in proportion to voting power", () => {
    const set = ValidatorSet.create([v("AA", 1n), v("BB", 2n), v("CC", 7n)]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      counts.set(set.proposer.address, (counts.get(set.proposer.address) ?? 0) + 1);
      set.increment(1);
    }
    assert.deepEqual([counts.get("AA"), counts.get("BB"), counts.get("CC")], [100, 200, 700]);
  });

  it("follows the algorithm step by step: round-robin for equal powers, hand-computed for 1/2/3", () => {
    // Equal power: round-robin by address.
    const eq = ValidatorSet.create([v("CC", 1n), v("AA", 1n), v("BB", 1n)]);
    const seq: string[] = [];
    for (let i = 0; i < 6; i++) {
      seq.push(eq.proposer.address);
      eq.increment(1);
    }
    assert.deepEqual(seq, ["AA", "BB", "CC", "AA", "BB", "CC"]);
    // Powers 1, 2, 3: priorities worked out by hand from the algorithm (ties go to the lower address).
    const s = ValidatorSet.create([v("A1", 1n), v("B2", 2n), v("C3", 3n)]);
    const got: string[] = [];
    for (let i = 0; i < 6; i++) {
      got.push(s.proposer.address);
      s.increment(1);
    }
    assert.deepEqual(got, ["C3", "B2", "A1", "C3", "B2", "C3"]);
  });

  it("keeps priorities centred and within the window", () => {
    const set = ValidatorSet.create([v("AA", 1n), v("BB", 1000n)]);
    for (let i = 0; i < 500; i++) {
      set.increment(1);
      const ps = set.priorities().map(([, p]) => p);
      const spread = ps.reduce((m, p) => (p > m ? p : m), ps[0]!) - ps.reduce((m, p) => (p < m ? p : m), ps[0]!);
      assert.ok(spread <= 2n * set.totalPower + set.totalPower, `spread ${spread} at step ${i}`);
    }
  });

  it("copyIncrement gives the proposer of later rounds without touching the set", () => {
    const set = ValidatorSet.create([v("AA", 1n), v("BB", 1n), v("CC", 1n), v("DD", 1n)]);
    const first = set.proposer.address;
    assert.equal(set.copyIncrement(1).proposer.address, "BB");
    assert.equal(set.copyIncrement(2).proposer.address, "CC");
    assert.equal(set.proposer.address, first);
  });

  it("proposerRotation answers each round as copyIncrement(round) does, one step per new round", () => {
    // Sets with uneven powers, after updates and increments (priorities off-centre).
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let t = 0; t < 60; t++) {
      const n = 1 + rnd(12);
      let set = ValidatorSet.create(
        Array.from({ length: n }, (_, i) =>
          v(
            (i * 7919 + t).toString(16).padStart(40, "0").toUpperCase(),
            BigInt(1 + rnd(t % 3 === 0 ? 1_000_000 : 100)),
          ),
        ),
      );
      for (let u = 0; u < rnd(5); u++) {
        set = set.withUpdates([v("F".repeat(39) + u, BigInt(1 + rnd(5000)))]);
        set.increment(1 + rnd(3));
      }
      const before = set.priorities();
      const rotation = set.proposerRotation();
      for (const r of [0, 5, 1, 3, 120, 64, 200])
        assert.equal(rotation(r).address, set.copyIncrement(r).proposer.address, `set ${t}, round ${r}`);
      assert.deepEqual(set.priorities(), before, "the set itself is untouched");
    }
  });

  it("counts quorums by power: more than 2/3, more than 1/3", () => {
    const set = ValidatorSet.create([v("AA", 1n), v("BB", 1n), v("CC", 1n), v("DD", 1n)]);
    assert.equal(set.hasTwoThirds(2n), false);
    assert.equal(set.hasTwoThirds(3n), true);
    assert.equal(set.hasOneThird(1n), false);
    assert.equal(set.hasOneThird(2n), true);
  });

  it("applies updates as CometBFT: a newcomer starts at -1.125 × total, then re-centred", () => {
    const set = ValidatorSet.create([v("A", 1n), v("B", 1n)]); // A proposed first: A=-1, B=1
    const up = set.withUpdates([v("C", 2n)]);
    // C = -(4 + 4>>3) = -4; sorted by power; average floor(-4/3) = -2 subtracted.
    assert.deepEqual(up.priorities(), [
      ["C", -2n],
      ["A", 1n],
      ["B", 3n],
    ]);
    assert.equal(up.totalPower, 4n);
    up.increment(1);
    assert.equal(up.proposer.address, "B");
    // The original set is untouched.
    assert.deepEqual(set.priorities(), [
      ["A", -1n],
      ["B", 1n],
    ]);
  });

  it("changes power in place, removes on power 0, and refuses bad updates", () => {
    const set = ValidatorSet.create([v("A", 1n), v("B", 1n), v("C", 1n)]);
    const up = set.withUpdates([v("B", 5n), v("C", 0n)]);
    assert.deepEqual(
      up.validators.map((x) => [x.address, x.power]),
      [
        ["B", 5n],
        ["A", 1n],
      ],
    );
    assert.throws(() => set.withUpdates([v("Z", 0n)]), /not in the set/);
    assert.throws(() => set.withUpdates([v("A", -1n)]), /negative/);
    assert.throws(() => set.withUpdates([v("A", 2n), v("A", 3n)]), /duplicate/);
    assert.throws(() => set.withUpdates([v("A", 0n), v("B", 0n), v("C", 0n)]), /every validator/);
    assert.throws(() => set.withUpdates([v("A", 1n << 62n)]), /exceeds/);
  });

  it("restores a stored set with its priorities and proposer", () => {
    const set = ValidatorSet.create([v("A", 1n), v("B", 2n), v("C", 3n)]);
    set.increment(2);
    const back = ValidatorSet.restore(
      set.entries().map((e) => ({ ...e })),
      set.proposer.address,
    );
    assert.deepEqual(back.priorities(), set.priorities());
    assert.equal(back.proposer.address, set.proposer.address);
    assert.equal(back.copyIncrement(3).proposer.address, set.copyIncrement(3).proposer.address);
  });
});
