import assert from "node:assert/strict";
import { BranchStore } from "../../../chain/store/branchStore.js";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { xorshift32 } from "../../../chain/testkit/xorshift.js";
import { CodedError } from "../errors.js";
import { gasCosts, GasKVStore, GasMeter } from "../gas.js";

// The meter counts in a Number below 2^53 and in a BigInt past it: both must charge exactly what
// BigInt arithmetic charges, throw at the same charge, and report the same total after it.

const isOutOfGas = (e: unknown) => e instanceof CodedError && e.codespace === "sdk" && e.code === 11;

/** Charges `amounts` to a meter; the total and the index of the charge that ran out, if any. */
function charge(limit: bigint | undefined, amounts: readonly bigint[], asNumber: boolean) {
  const m = new GasMeter(limit);
  for (let i = 0; i < amounts.length; i++) {
    try {
      if (asNumber) m.consumeN(Number(amounts[i]!), "test");
      else m.consume(amounts[i]!, "test");
    } catch (e) {
      assert.ok(isOutOfGas(e), String(e));
      return { used: m.consumed, outAt: i };
    }
  }
  return { used: m.consumed, outAt: -1 };
}

/** The reference: BigInt sums, out of gas at the first charge whose total passes the limit. */
function reference(limit: bigint | undefined, amounts: readonly bigint[]) {
  let used = 0n;
  for (let i = 0; i < amounts.length; i++) {
    used += amounts[i]!;
    if (limit !== undefined && used > limit) return { used, outAt: i };
  }
  return { used, outAt: -1 };
}

describe("gas meter", () => {
  it("charges what BigInt arithmetic charges, and runs out at the same charge, for random limits and charges", () => {
    const r = xorshift32(7);
    for (let round = 0; round < 2000; round++) {
      const amounts = Array.from({ length: r() % 20 }, () => BigInt(r() % 5000));
      const limit = round % 5 === 0 ? undefined : BigInt(r() % 40_000);
      const want = reference(limit, amounts);
      assert.deepEqual(charge(limit, amounts, false), want, `round ${round}`);
      assert.deepEqual(charge(limit, amounts, true), want, `round ${round} (Number charges)`);
    }
  });

  it("is exact at the limit: a total equal to it is fine, one more is out of gas and counted", () => {
    assert.deepEqual(charge(100n, [60n, 40n], true), { used: 100n, outAt: -1 });
    assert.deepEqual(charge(100n, [60n, 40n, 1n], true), { used: 101n, outAt: 2 });
    assert.deepEqual(charge(0n, [0n, 1n], false), { used: 1n, outAt: 1 });
  });

  it("stays exact past 2^53 and against limits no Number can hold", () => {
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    // Crossing 2^53 − 1 by a Number charge, then by BigInt ones: exact, where a Number sum rounds.
    const amounts = [safe - 10n, 100n, 3n, 1n];
    assert.deepEqual(charge(1n << 60n, amounts, false), reference(1n << 60n, amounts));
    assert.deepEqual(charge(1n << 60n, amounts, true), { used: safe + 94n, outAt: -1 });
    // The limit just past 2^53: out of gas exactly where BigInt says.
    const near = [safe, 1n, 1n, 1n];
    assert.deepEqual(charge(safe + 2n, near, true), reference(safe + 2n, near));
    assert.deepEqual(charge(safe + 2n, near, true).outAt, 3);
    // A charge larger than any Number total, and a u64 limit.
    assert.deepEqual(charge(2n ** 64n - 1n, [5n, 1n << 62n], false), { used: (1n << 62n) + 5n, outAt: -1 });
    assert.deepEqual(charge(2n ** 64n - 1n, [2n ** 64n], false), { used: 2n ** 64n, outAt: 0 });
    // The out-of-gas message reports the exact total.
    const m = new GasMeter(safe);
    m.consumeN(Number.MAX_SAFE_INTEGER, "a");
    assert.throws(() => m.consumeN(2, "b"), /location: b; gasWanted: 9007199254740991, gasUsed: 9007199254740993/);
  });

  it("charges each store access as the SDK's KVGasConfig prices it", () => {
    const m = new GasMeter(undefined);
    const s = new GasKVStore(new BranchStore(new MemoryStore()), m);
    const step = (f: () => unknown) => {
      const before = m.consumed;
      f();
      return m.consumed - before;
    };
    const v = new Uint8Array(7);
    assert.equal(
      step(() => s.set("key", v)),
      gasCosts.writeFlat + gasCosts.writePerByte * 10n,
    );
    assert.equal(
      step(() => s.get("key")),
      gasCosts.readFlat + gasCosts.readPerByte * 10n,
    );
    assert.equal(
      step(() => s.get("nokey")),
      gasCosts.readFlat + gasCosts.readPerByte * 5n,
    );
    assert.equal(
      step(() => s.has("key")),
      gasCosts.hasFlat,
    );
    s.set("kez", new Uint8Array(2));
    assert.equal(
      step(() => [...s.range("k", undefined)]),
      2n * gasCosts.iterNextFlat + gasCosts.readPerByte * (10n + 5n),
    );
    assert.equal(
      step(() => [...s.reverseRange("k", undefined)]),
      2n * gasCosts.iterNextFlat + gasCosts.readPerByte * (10n + 5n),
    );
    assert.equal(
      step(() => s.delete("key")),
      gasCosts.deleteFlat,
    );
  });
});
