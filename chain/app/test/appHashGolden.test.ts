import assert from "node:assert/strict";
import { hash } from "node:crypto";
import type { ResponseCheckTx, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { createTestChain, type TestChain } from "../../testkit/inProcessChain.js";
import { msgMultiSendAny, msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx, type RawKey } from "../../../client/sdk/signing.js";

// The state machine's output on a fixed sequence of blocks, against values recorded before the
// execution-path optimisations of issue 17 step 13 (branch read cache, fewer branch levels):
// every app_hash, and a digest of every tx result and CheckTx / re-check response (code, log,
// gas, data, events in order). A change that alters any of them is not an optimisation.

const keys = ["g-alice", "g-bob", "g-carol", "g-dave", "g-erin"].map((s) => rawKeyFromSeed(s));
const outsider = rawKeyFromSeed("g-outsider");
const fee = (amount: string, gasLimit = 200_000n) => ({ amount: [{ denom: "utcu", amount }], gasLimit });

function digest(x: unknown): string {
  const json = JSON.stringify(x, (_k, v: unknown) =>
    typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v,
  );
  return hash("sha256", json, "hex").slice(0, 16);
}

function results(res: ResponseFinalizeBlock): unknown {
  return {
    txs: res.txResults.map((r) => [r.code, r.codespace, r.log, r.gasWanted, r.gasUsed, r.data, r.events]),
    events: res.events,
  };
}

function checks(rs: ResponseCheckTx[]): unknown {
  return rs.map((r) => [r.code, r.codespace, r.log, r.info, r.gasWanted, r.gasUsed, r.events]);
}

/** Runs the fixed scenario; returns one line per block: app_hash, results digest, CheckTx digest. */
async function scenario(): Promise<string[]> {
  const chain: TestChain = await createTestChain({
    accounts: keys.map((k, i) => ({ address: k.address, coins: [{ denom: "utcu", amount: 1_000_000n + BigInt(i) }] })),
  });
  const number = (k: RawKey) => chain.app.accountNumberOf(k.address) ?? 0n;
  const seq = new Map<string, bigint>(keys.map((k) => [k.address, 0n]));
  const tx = (k: RawKey, msgs: Parameters<typeof signTx>[1]["msgs"], over: { seq?: bigint; fee?: string } = {}) => {
    const s = over.seq ?? seq.get(k.address)!;
    return signTx(k, {
      chainId: chain.chainId,
      accountNumber: number(k),
      sequence: s,
      msgs,
      fee: fee(over.fee ?? "500"),
      includePubKey: s === 0n,
    });
  };
  const next = (k: RawKey) => seq.set(k.address, seq.get(k.address)! + 1n);
  const lines: string[] = [];
  for (let h = 0; h < 6; h++) {
    const txs: Uint8Array[] = [];
    const checked: ResponseCheckTx[] = [];
    for (const [i, k] of keys.entries()) {
      const to = keys[(i + h + 1) % keys.length]!;
      // Several txs per sender per block: the later ones read what the earlier ones wrote.
      for (let j = 0; j < 3; j++) {
        const t = tx(k, [msgSendAny(k.address, to.address, [{ denom: "utcu", amount: String(100 + 10 * h + j) }])]);
        checked.push(await chain.checkTx(t));
        txs.push(t);
        next(k);
      }
    }
    // A new account on first receipt, and a multi-send across several of them.
    const alice = keys[0]!;
    const fresh = rawKeyFromSeed(`g-fresh-${h}`);
    const multi = tx(alice, [
      msgMultiSendAny(
        alice.address,
        [{ denom: "utcu", amount: "60" }],
        [
          { address: fresh.address, coins: [{ denom: "utcu", amount: "20" }] },
          { address: keys[1]!.address, coins: [{ denom: "utcu", amount: "40" }] },
        ],
      ),
    ]);
    checked.push(await chain.checkTx(multi));
    txs.push(multi);
    next(alice);
    // A message that fails after the ante passed (more than the balance): fee and sequence kept.
    const bob = keys[1]!;
    const tooMuch = tx(bob, [msgSendAny(bob.address, alice.address, [{ denom: "utcu", amount: "99999999" }])]);
    checked.push(await chain.checkTx(tooMuch));
    txs.push(tooMuch);
    next(bob);
    // Ante failures: a replayed sequence, an unknown account, a fee below the floor.
    txs.push(
      tx(keys[2]!, [msgSendAny(keys[2]!.address, alice.address, [{ denom: "utcu", amount: "1" }])], { seq: 0n }),
    );
    txs.push(
      signTx(outsider, {
        chainId: chain.chainId,
        accountNumber: 0n,
        sequence: 0n,
        msgs: [msgSendAny(outsider.address, alice.address, [{ denom: "utcu", amount: "1" }])],
        fee: fee("500"),
        includePubKey: true,
      }),
    );
    txs.push(
      tx(keys[3]!, [msgSendAny(keys[3]!.address, alice.address, [{ denom: "utcu", amount: "1" }])], { fee: "1" }),
    );
    // Txs pending past this block, re-checked after it (one stays valid, one is now stale).
    const pending = tx(keys[4]!, [msgSendAny(keys[4]!.address, alice.address, [{ denom: "utcu", amount: "7" }])], {
      seq: seq.get(keys[4]!.address)!,
    });
    const stale = tx(keys[3]!, [msgSendAny(keys[3]!.address, alice.address, [{ denom: "utcu", amount: "7" }])], {
      seq: seq.get(keys[3]!.address)! - 1n,
    });
    const res = await chain.deliver(txs);
    // The scenario does what it says: 16 successes, then insufficient funds, wrong sequence,
    // unknown address, insufficient fee.
    assert.deepEqual(
      res.txResults.map((r) => r.code),
      [...new Array<number>(16).fill(0), 5, 32, 9, 13],
      `block ${h + 1} tx codes`,
    );
    checked.push(await chain.checkTx(pending, true), await chain.checkTx(stale, true));
    assert.deepEqual(
      checked.slice(-2).map((r) => r.code),
      [0, 32],
      `block ${h + 1} re-checks`,
    );
    lines.push(`${Buffer.from(res.appHash).toString("hex")} ${digest(results(res))} ${digest(checks(checked))}`);
  }
  return lines;
}

// Recorded on main 5168026 (before step 13), by printing scenario()'s lines. The app_hash column
// was recorded again at 1d9fb6a, whose genesis reputation params gained loss_decline (state, not
// execution: the results and responses columns are the ones recorded at 5168026).
const golden: string[] = [
  "cbabd8391a612bd21acd684130e8a71bacc8e80159e6572da3011d50e507a293 3cf1ab4f8f0a5a42 c021f30e1cd04051",
  "8a43bbb4bb5980f6dcb8581d274413ba92cbd95e03f986a527a50dacc3588ae6 84855047a82a6569 93d7b9f5b7826bc3",
  "f0aec00bd0deb8169e71a8e26b3f93f1197d621c6294765156295d6bb89d40a1 4a14a5f3d4c3ff0b af0177d085454760",
  "1efe6de53618ba2d1e5df6d5ed65bc2e780b267e487f89d51bc05a92be4ed320 af0c758d61df6238 945fc35e8ba68c82",
  "f11f3ed97b3446c77501c8deec2722521540255effd7263360d9a2cf8e8b6a3c 91f918494011f12e a0860dc283e15d44",
  "b809fcffe169dee1c5c4b3291e5f6e35a489e65c5f3a990a03599a1594b083d5 1bb8da1e3c24b72b 4289ed1f54c1a826",
];

describe("app_hash determinism on a fixed sequence of blocks (chain/app)", () => {
  it("gives the recorded app_hash, tx results and CheckTx responses at every height", async () => {
    const lines = await scenario();
    if (process.env["PRINT_GOLDEN"] === "1") console.log(JSON.stringify(lines, null, 2));
    assert.equal(lines.length, golden.length);
    lines.forEach((l, i) => assert.equal(l, golden[i], `block ${i + 1}: app_hash results checks`));
  });

  it("gives the same lines when run twice in one process (no state leaks between chains)", async () => {
    assert.deepEqual(await scenario(), await scenario());
  });
});
