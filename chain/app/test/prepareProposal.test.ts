import assert from "node:assert/strict";
import {
  RequestPrepareProposal,
  RequestProcessProposal,
  ResponseProcessProposal_ProposalStatus as ProposalStatus,
} from "cosmjs-types/tendermint/abci/types";
import { createTestChain, type TestChain } from "../../testkit/inProcessChain.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx, type RawKey } from "../../../client/sdk/signing.js";

// PrepareProposal takes the mempool's txs in order while they fit the block's gas and byte
// limits (chain/app/application.ts). A tx it leaves out must not be overtaken by a later tx of
// the same sender: that one would carry the next sequence and fail in the block (CometBFT's and
// the SDK's mempools keep each sender's txs in order).

const s = rawKeyFromSeed("pp-s");
const t = rawKeyFromSeed("pp-t");
const u = rawKeyFromSeed("pp-u");
const maxGas = 1_000_000n;

describe("PrepareProposal keeps each sender's txs in order (chain/app/application.ts)", () => {
  let chain: TestChain;
  const tx = (key: RawKey, sequence: bigint, gasLimit: bigint, memo = "") =>
    signTx(key, {
      chainId: chain.chainId,
      accountNumber: chain.app.accountNumberOf(key.address)!,
      sequence,
      msgs: [msgSendAny(key.address, u.address, [{ denom: "utcu", amount: "1" }])],
      fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit },
      memo,
      includePubKey: true,
    });
  const prepare = async (txs: Uint8Array[], maxTxBytes = 1n << 20n) =>
    (await chain.app.prepareProposal(RequestPrepareProposal.fromPartial({ txs, maxTxBytes, height: 2n }))).txs;
  /** The names of the proposed txs, by their position in `named`. */
  const names = (proposed: Uint8Array[], named: Record<string, Uint8Array>) =>
    proposed.map((p) => Object.keys(named).find((k) => Buffer.from(named[k]!).equals(p)) ?? "?");

  beforeEach(async () => {
    chain = await createTestChain({
      accounts: [s, t].map((k) => ({ address: k.address, coins: [{ denom: "utcu", amount: 1_000_000n }] })),
      editGenesis: (doc) => {
        doc.consensus_params.block.max_gas = String(maxGas);
      },
    });
  });

  it("a sender's tx over the gas limit keeps that sender's later txs out of the block, not the others'", async () => {
    const sBig = tx(s, 0n, maxGas); // does not fit after T's first tx
    const sNext = tx(s, 1n, 100_000n);
    const t0 = tx(t, 0n, 100_000n);
    const t1 = tx(t, 1n, 100_000n);
    const txs = await prepare([t0, sBig, sNext, t1]);
    assert.deepEqual(
      names(txs, { t0, sBig, sNext, t1 }),
      ["t0", "t1"],
      "T's, neither of S's (S:1 would fail on its sequence)",
    );
    const res = await chain.deliver(txs);
    assert.deepEqual(
      res.txResults.map((r) => r.code),
      [0, 0],
    );
  });

  it("a tx left out keeps the later txs of each of its signers out", async () => {
    const t0 = tx(t, 0n, 100_000n);
    // Messages of S and of T in one tx (its signatures do not matter to PrepareProposal): over
    // the gas limit after t0, so neither S's nor T's next sequence is used in this block.
    const both = signTx(s, {
      chainId: chain.chainId,
      accountNumber: chain.app.accountNumberOf(s.address)!,
      sequence: 0n,
      msgs: [s, t].map((k) => msgSendAny(k.address, u.address, [{ denom: "utcu", amount: "1" }])),
      fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: maxGas },
      includePubKey: true,
    });
    const t1 = tx(t, 1n, 100_000n);
    const s0 = tx(s, 0n, 100_000n);
    assert.deepEqual(names(await prepare([t0, both, t1, s0]), { t0, both, t1, s0 }), ["t0"]);
  });

  it("includes a sender's txs in order while they fit", async () => {
    const s0 = tx(s, 0n, 100_000n);
    const s1 = tx(s, 1n, 100_000n);
    const t0 = tx(t, 0n, maxGas); // over the limit after S's txs: only T is left out
    assert.deepEqual(names(await prepare([s0, s1, t0]), { s0, s1, t0 }), ["s0", "s1"]);
  });

  it("ProcessProposal rejects a block with a tx that does not decode, or not in its canonical form", async () => {
    const process = async (txs: Uint8Array[]) =>
      (await chain.app.processProposal(RequestProcessProposal.fromPartial({ txs, height: 2n }))).status;
    const s0 = tx(s, 0n, 100_000n);
    assert.equal(await process([s0]), ProposalStatus.ACCEPT);
    assert.equal(await process([s0, new Uint8Array([0xff, 0x01, 0x02])]), ProposalStatus.REJECT, "junk");
    assert.equal(
      await process([Buffer.concat([s0, Buffer.from([0x20, 0x01])])]),
      ProposalStatus.REJECT,
      "a re-encoding",
    );
    // A decodable tx that will fail in the block (wrong sequence) is the block's business: kept.
    assert.equal(await process([tx(s, 5n, 100_000n)]), ProposalStatus.ACCEPT);
    // PrepareProposal leaves out what ProcessProposal would reject, so its own block passes.
    const junk = new Uint8Array([0xff, 0x01, 0x02]);
    const proposed = await prepare([junk, s0, Buffer.concat([s0, Buffer.from([0x20, 0x01])])]);
    assert.deepEqual(names(proposed, { s0 }), ["s0"]);
    assert.equal(await process(proposed), ProposalStatus.ACCEPT);
  });

  it("stops at the first tx over the byte limit (nothing after it, so no sender is overtaken)", async () => {
    const sLarge = tx(s, 0n, 100_000n, "x".repeat(2000));
    const sNext = tx(s, 1n, 100_000n);
    const t0 = tx(t, 0n, 100_000n);
    const t1 = tx(t, 1n, 100_000n);
    const limit = BigInt(t0.length + sLarge.length - 1);
    assert.deepEqual(names(await prepare([t0, sLarge, sNext, t1], limit), { t0, sLarge, sNext, t1 }), ["t0"]);
  });
});
