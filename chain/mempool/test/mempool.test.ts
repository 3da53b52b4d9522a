import assert from "node:assert/strict";
import { createTestChain } from "../../testkit/inProcessChain.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { createMempool, createPriorityLock, Fifo, hashTx } from "../mempool.js";
import { decodeTxsMessage, encodeTxsMessage, startMempoolGossip } from "../gossip.js";
import type { Switch } from "../../p2p/switch.js";

const alice = rawKeyFromSeed("mp-alice");
const bob = rawKeyFromSeed("mp-bob");
const fee = { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n };

/** What a stub app's CheckTx answers: `code` 0 admits. */
function checkTxResult(code = 0, log = "", codespace = "") {
  return { code, data: new Uint8Array(), log, info: "", gasWanted: 1n, gasUsed: 1n, events: [], codespace };
}

/** A mempool in front of a stub app, without recheck; `maxPendingChecks` bounds the CheckTx queue. */
function stubMempool(app: Parameters<typeof createMempool>[1]["app"], maxPendingChecks?: number) {
  return createMempool(
    { size: 100, maxTxsBytes: 1 << 20, maxTxBytes: 1024, cacheSize: 100, recheck: false, maxPendingChecks },
    { app, logger: nopLogger, precheck: null },
  );
}

describe("mempool", () => {
  async function setup(size = 100, maxTxsBytes = 1 << 20) {
    const chain = await createTestChain({
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 10_000_000n }] }],
    });
    const mempool = createMempool(
      { size, maxTxsBytes, maxTxBytes: 1 << 16, cacheSize: 1000, recheck: true },
      { app: chain.app, logger: nopLogger, precheck: null },
    );
    const tx = (seq: bigint, amount = "1") =>
      signTx(alice, {
        chainId: chain.chainId,
        accountNumber: 0n,
        sequence: seq,
        msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount }])],
        fee,
      });
    return { chain, mempool, tx };
  }

  it("admits valid txs in order and refuses duplicates by hash (code 19)", async () => {
    const { mempool, tx } = await setup();
    assert.equal((await mempool.add(tx(0n))).code, 0);
    assert.equal((await mempool.add(tx(1n))).code, 0);
    const dup = await mempool.add(tx(0n));
    assert.equal(dup.code, 19);
    assert.equal(mempool.size, 2);
    assert.deepEqual(mempool.reap(1 << 20, -1n).map(hashTx), [hashTx(tx(0n)), hashTx(tx(1n))]);
  });

  it("is bounded by count and by bytes (code 20), and a refused tx leaves no trace", async () => {
    const { mempool, tx } = await setup(2);
    await mempool.add(tx(0n));
    await mempool.add(tx(1n));
    const full = await mempool.add(tx(2n));
    assert.equal(full.code, 20);
    assert.equal(mempool.size, 2);
    const small = await setup(100, 400);
    await small.mempool.add(small.tx(0n));
    assert.equal((await small.mempool.add(small.tx(1n))).code, 20);
  });

  it("refuses oversized txs (code 21) and reaps within byte and gas limits", async () => {
    const { mempool, tx } = await setup();
    assert.equal((await mempool.add(new Uint8Array(1 << 17))).code, 21);
    for (let i = 0n; i < 5n; i++) await mempool.add(tx(i));
    assert.equal(mempool.reap(1 << 20, 400_000n).length, 2, "gas limit: two txs of 200k");
    const three = tx(0n).length + tx(1n).length + tx(2n).length;
    assert.equal(mempool.reap(three, -1n).length, 3, "byte limit: exactly three fit");
    assert.equal(mempool.reap(three - 1, -1n).length, 2, "byte limit: one byte less, two fit");
  });

  it("drops committed txs and re-checks the rest after a block", async () => {
    const { chain, mempool, tx } = await setup();
    await mempool.add(tx(0n));
    await mempool.add(tx(1n));
    // A competing tx with sequence 0 (different content) is committed first.
    const other = tx(0n, "2");
    await chain.deliver([other]);
    await mempool.withLock(() => mempool.update([hashTx(other)]));
    assert.equal(mempool.size, 1, "the tx with the used sequence is dropped, the next one stays valid");
    assert.equal(mempool.reap(1 << 20, -1n).map(hashTx)[0], hashTx(tx(1n)));
    assert.equal(
      (await mempool.add(tx(0n))).code,
      32,
      "a tx dropped on recheck is checked again, not refused as a duplicate",
    );
  });
});

describe("mempool admission control", () => {
  it("refuses txs beyond max_pending_checks with code 20 while CheckTx is busy, and admits again after", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let checks = 0;
    const app = {
      async checkTx() {
        checks++;
        await held;
        return checkTxResult();
      },
    } as unknown as Parameters<typeof createMempool>[1]["app"];
    const mempool = stubMempool(app, 2);
    const first = [mempool.add(new Uint8Array([1])), mempool.add(new Uint8Array([2]))];
    const refused = await mempool.add(new Uint8Array([3]));
    assert.equal(refused.code, 20);
    assert.match(refused.log, /waiting for CheckTx/);
    release();
    assert.deepEqual(
      (await Promise.all(first)).map((r) => r.code),
      [0, 0],
    );
    assert.equal((await mempool.add(new Uint8Array([3]))).code, 0, "admitted once the queue drained");
    assert.equal(checks, 3);
  });

  it("stays bounded under a flood: refused txs change nothing, block execution goes first", async () => {
    let release!: () => void;
    let held = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    let checking = 0;
    let maxChecking = 0;
    const app = {
      async checkTx(req: { tx: Uint8Array }) {
        checking++;
        maxChecking = Math.max(maxChecking, checking);
        order.push(`check ${req.tx[0]! * 256 + req.tx[1]!}`);
        await held;
        checking--;
        return {
          code: 0,
          data: new Uint8Array(),
          log: "",
          info: "",
          gasWanted: 1n,
          gasUsed: 1n,
          events: [],
          codespace: "",
        };
      },
    } as unknown as Parameters<typeof createMempool>[1]["app"];
    let prechecks = 0;
    const bound = 10;
    const mempool = createMempool(
      {
        size: 5_000,
        maxTxsBytes: 1 << 20,
        maxTxBytes: 1024,
        cacheSize: 5_000,
        recheck: false,
        maxPendingChecks: bound,
      },
      {
        app,
        logger: nopLogger,
        precheck: async () => {
          prechecks++;
        },
      },
    );
    const txOf = (i: number) => new Uint8Array([i >> 8, i & 255]);
    const pending: Array<Promise<{ code: number }>> = [];
    const refused: number[] = [];
    for (let i = 0; i < 1_000; i++) {
      const p = mempool.add(txOf(i));
      if (i < bound) pending.push(p);
      else {
        const r = await p;
        assert.equal(r.code, 20, `tx ${i} past the bound is refused as mempool full`);
        assert.match(r.log, /waiting for CheckTx; retry shortly/, `tx ${i}`);
        assert.equal(mempool.known(hashTx(txOf(i))), false, `refused tx ${i} is not remembered`);
        refused.push(i);
      }
    }
    assert.equal(prechecks, bound, "no signature pre-check for a refused tx");
    assert.equal(mempool.size, 0);
    // A block executing while the queue is full runs right after the CheckTx in progress.
    const block = mempool.withLock(async () => {
      order.push("block");
    });
    release();
    held = Promise.resolve();
    await block;
    assert.deepEqual(
      (await Promise.all(pending)).map((r) => r.code),
      new Array<number>(bound).fill(0),
    );
    assert.deepEqual(order.slice(0, 2), ["check 0", "block"], "block execution jumps the admission queue");
    assert.equal(maxChecking, 1, "CheckTx runs one at a time");
    assert.equal(mempool.size, bound);
    // A refused tx sent again once the queue drained is admitted: nothing was lost.
    for (const i of refused.slice(0, bound)) assert.equal((await mempool.add(txOf(i))).code, 0, `tx ${i} again`);
    assert.equal(mempool.size, 2 * bound);
  });
});

describe("mempool: txs from peers while a block executes", () => {
  /** A mempool in front of an app that admits everything, recording which pre-checks started. */
  function setup(maxPendingChecks: number) {
    const app = {
      async checkTx() {
        return checkTxResult();
      },
    } as unknown as Parameters<typeof createMempool>[1]["app"];
    const prechecked: number[] = [];
    const mempool = createMempool(
      { size: 5_000, maxTxsBytes: 1 << 20, maxTxBytes: 1024, cacheSize: 5_000, recheck: false, maxPendingChecks },
      {
        app,
        logger: nopLogger,
        precheck: async (tx) => {
          prechecked.push(tx[0]! * 256 + tx[1]!);
        },
      },
    );
    let endBlock!: () => void;
    const blockDone = new Promise<void>((r) => (endBlock = r));
    let started!: () => void;
    const blockStarted = new Promise<void>((r) => (started = r));
    const block = mempool.withLock(async () => {
      started();
      await blockDone;
    });
    return { mempool, prechecked, block, blockStarted, endBlock };
  }
  const txOf = (i: number) => new Uint8Array([i >> 8, i & 255]);

  it("starts a peer's signature pre-check once the block is done, a client's at once", async () => {
    const { mempool, prechecked, block, blockStarted, endBlock } = setup(100);
    await blockStarted;
    const fromPeer = mempool.add(txOf(1), "P");
    const fromClient = mempool.add(txOf(2));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(prechecked, [2], "only the client's tx is pre-checked while the block executes");
    endBlock();
    await block;
    assert.deepEqual([(await fromPeer).code, (await fromClient).code], [0, 0]);
    assert.deepEqual(prechecked, [2, 1], "the peer's pre-check ran after the block");
    // With no block executing, a peer's tx is pre-checked at once.
    const later = mempool.add(txOf(3), "P");
    assert.deepEqual(prechecked, [2, 1, 3]);
    assert.equal((await later).code, 0);
  });

  it("bounds a flooding peer: its share of the checks is capped, honest txs still get in", async () => {
    const bound = 10;
    const { mempool, prechecked, block, blockStarted, endBlock } = setup(bound);
    await blockStarted;
    const flood: Array<Promise<{ code: number }>> = [];
    for (let i = 0; i < 1_000; i++) {
      const p = mempool.add(txOf(i), "flooder");
      if (i < bound / 2) flood.push(p);
      else {
        const r = await p;
        assert.equal(r.code, 20, `flood tx ${i} past the peer's share is refused as mempool full`);
        assert.match(r.log, /from peer flooder are waiting for CheckTx/, `flood tx ${i}`);
        assert.equal(mempool.known(hashTx(txOf(i))), false, `refused flood tx ${i} is not remembered`);
      }
    }
    // An honest peer's tx and a client's tx still find room.
    const honest = mempool.add(txOf(2_000), "honest");
    const client = mempool.add(txOf(2_001));
    assert.deepEqual(prechecked, [2_001], "while the block executes only the client's tx is pre-checked");
    endBlock();
    await block;
    assert.equal((await honest).code, 0, "an honest peer's tx is admitted");
    assert.equal((await client).code, 0, "a client's tx is admitted");
    assert.deepEqual(
      (await Promise.all(flood)).map((r) => r.code),
      new Array<number>(bound / 2).fill(0),
    );
    assert.equal(prechecked.length, bound / 2 + 2, "the deferred pre-checks were the peer's share, not the flood");
    assert.equal(mempool.size, bound / 2 + 2);
    // Once its checks are done the peer may send again.
    assert.equal((await mempool.add(txOf(900), "flooder")).code, 0);
  });
});

describe("mempool: deferred pre-checks under attack (review)", () => {
  type App = Parameters<typeof createMempool>[1]["app"];
  /**
   * A mempool in front of an app that checks each sender's sequence as the SDK does (tx bytes
   * [sender, seq]: code 32 unless seq is the next one), recording the order of CheckTx calls and
   * of the pre-checks; `gate` holds every CheckTx until released.
   */
  function setup(
    maxPendingChecks: number,
    precheckDelay = 0,
    shares: { maxPendingChecksPerPeer?: number; rpcReservedPendingChecks?: number } = {},
  ) {
    const next = new Map<number, number>();
    const checked: string[] = [];
    const prechecked: string[] = [];
    let gate: Promise<void> = Promise.resolve();
    const app = {
      async checkTx(req: { tx: Uint8Array }) {
        await gate;
        const [sender, seq] = [req.tx[0]!, req.tx[1]!];
        checked.push(`${sender}:${seq}`);
        const want = next.get(sender) ?? 0;
        if (seq !== want) return checkTxResult(32, `account sequence mismatch, expected ${want}, got ${seq}`, "sdk");
        next.set(sender, want + 1);
        return checkTxResult();
      },
    } as unknown as App;
    const mempool = createMempool(
      {
        size: 5_000,
        maxTxsBytes: 1 << 20,
        maxTxBytes: 1024,
        cacheSize: 5_000,
        recheck: false,
        maxPendingChecks,
        ...shares,
      },
      {
        app,
        logger: nopLogger,
        precheck: async (tx) => {
          for (let i = 0; i < precheckDelay; i++) await new Promise((r) => setImmediate(r));
          prechecked.push(`${tx[0]}:${tx[1]}`);
        },
      },
    );
    /** Starts a block that lasts until the returned `end` is called (or `fail`). */
    async function startBlock() {
      let end!: () => void;
      let fail!: (e: Error) => void;
      const done = new Promise<void>((res, rej) => ((end = res), (fail = rej)));
      let started!: () => void;
      const s = new Promise<void>((r) => (started = r));
      const block = mempool.withLock(async () => {
        started();
        await done;
      });
      await s;
      return { block, end, fail };
    }
    return {
      mempool,
      checked,
      prechecked,
      startBlock,
      hold: () => {
        let release!: () => void;
        gate = new Promise<void>((r) => (release = r));
        return () => {
          gate = Promise.resolve();
          release();
        };
      },
    };
  }
  const txOf = (sender: number, seq: number, salt = 0) => new Uint8Array([sender, seq, salt]);

  it("keeps one sender's order: a peer's deferred seq n is checked before a client's n+1", async () => {
    const t = setup(100, 3);
    const b = await t.startBlock();
    const n = t.mempool.add(txOf(1, 0), "P");
    const n1 = t.mempool.add(txOf(1, 1));
    await new Promise((r) => setImmediate(r));
    b.end();
    await b.block;
    assert.deepEqual([(await n).code, (await n1).code], [0, 0], "neither fails on its sequence");
    assert.deepEqual(t.checked, ["1:0", "1:1"]);
    assert.equal(t.mempool.size, 2);
  });

  it("keeps order past the first chunk: 200 deferred peer txs, then the client's next one", async () => {
    const t = setup(1_000, 1);
    const b = await t.startBlock();
    const all: Array<Promise<{ code: number }>> = [];
    for (let i = 0; i < 200; i++) all.push(t.mempool.add(txOf(2, i), `P${i % 3}`));
    all.push(t.mempool.add(txOf(2, 200)));
    b.end();
    await b.block;
    const codes = (await Promise.all(all)).map((r) => r.code);
    assert.deepEqual(codes, new Array<number>(201).fill(0));
    assert.equal(t.mempool.size, 201);
  });

  it("refuses a copy of a deferred tx from the client or another peer at once, checks it once", async () => {
    const t = setup(10);
    const b = await t.startBlock();
    const first = t.mempool.add(txOf(3, 0), "P");
    assert.equal((await t.mempool.add(txOf(3, 0))).code, 19, "the client's copy");
    assert.equal((await t.mempool.add(txOf(3, 0), "Q")).code, 19, "another peer's copy");
    assert.equal((await t.mempool.add(txOf(3, 0), "P")).code, 19, "the same peer's copy");
    b.end();
    await b.block;
    assert.equal((await first).code, 0);
    assert.deepEqual(t.checked, ["3:0"], "one CheckTx");
    assert.deepEqual(t.prechecked, ["3:0"], "one pre-check");
    assert.equal(t.mempool.size, 1);
  });

  it("starts the deferred pre-checks when the block fails too", async () => {
    const t = setup(10);
    const b = await t.startBlock();
    const p = t.mempool.add(txOf(4, 0), "P");
    b.fail(new Error("block failed"));
    await assert.rejects(b.block, /block failed/);
    assert.equal((await p).code, 0);
  });

  it("does not starve peers' txs over back-to-back blocks (catch-up)", async () => {
    const t = setup(1_000);
    let b = await t.startBlock();
    const all: Array<Promise<{ code: number }>> = [];
    for (let i = 0; i < 300; i++) all.push(t.mempool.add(txOf(5 + (i % 4), Math.floor(i / 4)), `P${i % 4}`));
    for (let h = 0; h < 20; h++) {
      const ended = b.block;
      b.end();
      await ended;
      b = await t.startBlock(); // the next block begins before the deferred are all started
    }
    b.end();
    await b.block;
    assert.deepEqual(
      (await Promise.all(all)).map((r) => r.code),
      new Array<number>(300).fill(0),
    );
  });

  it("leaks no pending count: after a flood drains, the whole bound is admitted again", async () => {
    const bound = 10;
    const t = setup(bound);
    const b = await t.startBlock();
    const flood: Array<Promise<{ code: number }>> = [];
    for (let i = 0; i < 100; i++) flood.push(t.mempool.add(txOf(10 + (i % 5), Math.floor(i / 5)), `P${i % 5}`));
    flood.push(t.mempool.add(txOf(20, 0)));
    b.end();
    await b.block;
    await Promise.all(flood);
    // Every place is free again: `bound` txs at once (CheckTx held) are all let in, one more is not.
    const release = t.hold();
    const again: Array<Promise<{ code: number }>> = [];
    for (let i = 0; i < bound; i++) again.push(t.mempool.add(txOf(30 + i, 0), i % 2 === 0 ? "P0" : undefined));
    const over = await t.mempool.add(txOf(99, 0));
    assert.equal(over.code, 20, "the bound is still enforced");
    release();
    assert.deepEqual(
      (await Promise.all(again)).map((r) => r.code),
      new Array<number>(bound).fill(0),
    );
  });

  it("with no clients' share, peers together may fill the bound and a client's tx is refused", async () => {
    const bound = 10;
    const t = setup(bound);
    const b = await t.startBlock();
    const held: Array<Promise<{ code: number }>> = [];
    for (let i = 0; i < bound / 2; i++) held.push(t.mempool.add(txOf(40, i), "S1"));
    for (let i = 0; i < bound / 2; i++) held.push(t.mempool.add(txOf(41, i), "S2"));
    const client = await t.mempool.add(txOf(42, 0));
    assert.equal(client.code, 20);
    b.end();
    await b.block;
    await Promise.all(held);
    assert.equal((await t.mempool.add(txOf(42, 0))).code, 0, "admitted once the checks are done");
  });

  it("peers flooding cannot make a client's tx be refused while the clients' share is free", async () => {
    // 10 places, 4 for clients only, 3 per peer: three peers flood 100 txs each during a block.
    const t = setup(10, 0, { maxPendingChecksPerPeer: 3, rpcReservedPendingChecks: 4 });
    const b = await t.startBlock();
    const flood: Array<Promise<{ code: number }>> = [];
    for (let i = 0; i < 300; i++) flood.push(t.mempool.add(txOf(50 + (i % 3), Math.floor(i / 3)), `F${i % 3}`));
    const clients: Array<Promise<{ code: number }>> = [];
    for (let i = 0; i < 4; i++) clients.push(t.mempool.add(txOf(60 + i, 0)));
    // The clients' share taken, a client's tx is refused too: the bound still holds.
    assert.equal((await t.mempool.add(txOf(70, 0))).code, 20, "the whole bound is enforced");
    assert.equal((await t.mempool.add(txOf(71, 0), "F9")).code, 20, "another peer finds the peers' places taken");
    b.end();
    await b.block;
    assert.deepEqual(
      (await Promise.all(clients)).map((r) => r.code),
      [0, 0, 0, 0],
      "every client tx admitted",
    );
    const codes = (await Promise.all(flood)).map((r) => r.code);
    assert.equal(codes.filter((c) => c === 0).length, 6, "peers held 6 places together (10 - 4)");
    assert.equal(codes.filter((c) => c === 20).length, 294);
    // Places free again: a peer's tx is let in.
    assert.equal((await t.mempool.add(txOf(72, 0), "F9")).code, 0);
  });

  it("a client may take the peers' places too, and peers then wait for them", async () => {
    const t = setup(10, 0, { maxPendingChecksPerPeer: 3, rpcReservedPendingChecks: 4 });
    const b = await t.startBlock();
    const clients: Array<Promise<{ code: number }>> = [];
    for (let i = 0; i < 10; i++) clients.push(t.mempool.add(txOf(80 + i, 0)));
    assert.equal((await t.mempool.add(txOf(95, 0), "P")).code, 20, "no place left for a peer");
    b.end();
    await b.block;
    assert.deepEqual(
      (await Promise.all(clients)).map((r) => r.code),
      new Array<number>(10).fill(0),
    );
  });
});

describe("mempool: a tx waiting for CheckTx", () => {
  // A tx arrives from every peer (gossip) and may be broadcast again by clients: while its
  // first copy waits for or runs CheckTx, the others must not queue (they filled the pending
  // queue three times over on the 4-validator localnet, so that admission control refused new
  // txs, and a sender's next txs then failed on their sequence).
  function gatedApp(verdict: () => number) {
    let release!: () => void;
    let held = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const app = {
      async checkTx(req: { tx: Uint8Array }) {
        seen.push(req.tx[0]!);
        await held;
        const code = verdict();
        return code === 0 ? checkTxResult() : checkTxResult(code, "bad", "sdk");
      },
    } as unknown as Parameters<typeof createMempool>[1]["app"];
    return {
      app,
      seen,
      release: () => {
        release();
        held = new Promise<void>((r) => (release = r));
      },
    };
  }

  it("refuses copies of it at once (code 19) and counts them as known, with one CheckTx", async () => {
    const g = gatedApp(() => 0);
    const mempool = stubMempool(g.app, 2);
    const tx = new Uint8Array([7, 7]);
    const first = mempool.add(tx);
    assert.equal(mempool.known(hashTx(tx)), true, "known while it waits");
    for (let i = 0; i < 10; i++) {
      const copy = await mempool.add(new Uint8Array(tx));
      assert.equal(copy.code, 19);
    }
    // The copies took no place in the pending queue: another tx is still let in.
    const other = mempool.add(new Uint8Array([8]));
    g.release();
    assert.equal((await first).code, 0);
    g.release();
    assert.equal((await other).code, 0);
    assert.deepEqual(g.seen, [7, 8]);
  });

  it("lets it be sent again once its CheckTx failed", async () => {
    let code = 5;
    const g = gatedApp(() => code);
    const mempool = stubMempool(g.app);
    const tx = new Uint8Array([9]);
    const first = mempool.add(tx);
    g.release();
    assert.equal((await first).code, 5);
    assert.equal(mempool.known(hashTx(tx)), false);
    code = 0;
    const again = mempool.add(tx);
    g.release();
    assert.equal((await again).code, 0);
    assert.equal(mempool.size, 1);
    assert.deepEqual(g.seen, [9, 9]);
  });
});

describe("mempool gossip messages", () => {
  it("round-trips a batch as CometBFT's Txs message and refuses malformed or oversized ones", async () => {
    const { encodeTxsMessage, decodeTxsMessage } = await import("../gossip.js");
    const txs = [new Uint8Array([1, 2, 3]), new Uint8Array(100).fill(7)];
    assert.deepEqual(
      decodeTxsMessage(encodeTxsMessage(txs), 1000).map((t) => Buffer.from(t).toString("hex")),
      txs.map((t) => Buffer.from(t).toString("hex")),
    );
    assert.throws(() => decodeTxsMessage(encodeTxsMessage([new Uint8Array(2000)]), 1000), /2000 bytes/);
    assert.throws(() => decodeTxsMessage(encodeTxsMessage([new Uint8Array()]), 1000), /0 bytes/);
    assert.throws(() => decodeTxsMessage(new Uint8Array([10, 50, 1]), 1000));
  });
});

describe("mempool gossip", () => {
  it("sends an admitted tx to every peer but the one it came from, and an RPC tx to all", async () => {
    const okApp = {
      async checkTx() {
        return checkTxResult();
      },
    } as unknown as Parameters<typeof createMempool>[1]["app"];
    const mempool = stubMempool(okApp);
    const sent: Array<[string, number[]]> = [];
    let receive!: (peer: string, payload: Uint8Array) => void;
    const peers = ["A", "B", "C"];
    const send = (peer: string, _channel: number, payload: Uint8Array) => {
      sent.push([peer, decodeTxsMessage(payload, 1024).map((t) => t[0]!)]);
      return true;
    };
    const p2p = {
      peers: () => peers,
      send,
      broadcast(channel: number, payload: Uint8Array) {
        for (const p of peers) send(p, channel, payload);
        return peers.length;
      },
      onReceive(_channel: number, h: (peer: string, payload: Uint8Array) => void) {
        receive = h;
      },
    } as unknown as Switch;
    const gossip = startMempoolGossip({ maxTxBytes: 1024, flushMs: 1 }, { mempool, p2p, logger: nopLogger });
    try {
      const settle = () => new Promise((r) => setTimeout(r, 20));
      receive("A", encodeTxsMessage([new Uint8Array([1]), new Uint8Array([2])]));
      // The same txs from B meanwhile: known (in CheckTx or admitted), not checked or sent again.
      receive("B", encodeTxsMessage([new Uint8Array([1]), new Uint8Array([2])]));
      await settle();
      assert.deepEqual(sent.sort(), [
        ["B", [1, 2]],
        ["C", [1, 2]],
      ]);
      sent.length = 0;
      await mempool.add(new Uint8Array([3]));
      await settle();
      assert.deepEqual(sent.sort(), [
        ["A", [3]],
        ["B", [3]],
        ["C", [3]],
      ]);
      assert.equal(mempool.size, 3);
    } finally {
      gossip.stop();
    }
  });
});

describe("mempool lock queues", () => {
  it("a Fifo gives items back in order through its compactions, and undefined when empty", () => {
    const q = new Fifo<number>();
    assert.equal(q.shift(), undefined);
    let next = 0;
    let expect = 0;
    // Grows to 3,000 waiting, then drains with pushes in between: past every compaction point.
    for (let round = 0; round < 9000; round++) {
      if (round < 3000 || round % 3 === 0) q.push(next++);
      if (round >= 1500) {
        const got = q.shift();
        if (got === undefined) break;
        assert.equal(got, expect++);
      }
    }
    while (q.length > 0) assert.equal(q.shift(), expect++);
    assert.equal(expect, next);
    assert.equal(q.shift(), undefined);
    q.push(7);
    assert.equal(q.length, 1);
    assert.equal(q.shift(), 7);
  });

  it("the lock runs block execution before queued CheckTx, each queue in arrival order", async () => {
    const lock = createPriorityLock();
    const order: string[] = [];
    let open!: () => void;
    const first = lock.run(() => new Promise<void>((r) => (open = r)), false);
    const waiting = [
      ...Array.from({ length: 2500 }, (_, i) => lock.run(async () => void order.push(`check ${i}`), false)),
      lock.run(async () => void order.push("block 0"), true),
      lock.run(async () => void order.push("block 1"), true),
    ];
    await new Promise((r) => setImmediate(r));
    open();
    await Promise.all([first, ...waiting]);
    assert.deepEqual(order, ["block 0", "block 1", ...Array.from({ length: 2500 }, (_, i) => `check ${i}`)]);
  });
});
