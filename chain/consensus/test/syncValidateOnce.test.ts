import assert from "node:assert/strict";
import { Commit } from "cosmjs-types/tendermint/types/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { appVersion } from "../../app/application.js";
import { ed25519Address, ed25519Sign, generateEd25519, type Ed25519Key } from "../../crypto/ed25519.js";
import { Channel } from "../../p2p/switch.js";
import { makeBlock, type ProposedBlock } from "../../state/blockExecutor.js";
import { emptyBlockId, genesisSet, hexAddress, makeValidator, type ChainState } from "../../state/chainState.js";
import { consensusParamsHash } from "../../types/hashes.js";
import { emptyHash } from "../../types/merkle.js";
import { SignedMsgType, voteSignBytes } from "../../types/signBytes.js";
import { hex } from "../../testkit/wait.js";
import type { DriverContext } from "../driverContext.js";
import { maxCatchUpPeers } from "../reactor.js";
import { decodeStatus, encodeBlockMessage, encodeStatus } from "../walRecords.js";
import { handDriven } from "./handDriven.js";

// Issue 17: a block that reaches a node by block sync or catch-up (a peer's block with its
// commit) passes the full validation once, when it arrives, and is executed without a second
// pass; copies of it that peers send meanwhile are not validated again; and an altered block is
// still refused. The real reactor and event loop, on a driver context at height 1 of a chain of
// four validators whose keys the test holds, with an app that executes blocks as no-ops.

const chainId = "sync-validate-once";
const keys: Ed25519Key[] = [0, 1, 2, 3].map(() => generateEd25519());
const set = genesisSet(keys.map((k, i) => makeValidator(k.pubKey, 10n, `v${i}`)));
const genesisTime = { seconds: 1_700_000_000n, nanos: 0 };

function genesisState(): ChainState {
  return {
    chainId,
    initialHeight: 1n,
    lastBlockHeight: 0n,
    lastBlockId: emptyBlockId(),
    lastBlockTime: genesisTime,
    lastValidators: null,
    validators: set,
    nextValidators: set.copyIncrement(1),
    maxBlockBytes: 1n << 20n,
    maxBlockGas: -1n,
    consensusHash: consensusParamsHash(1n << 20n, -1n),
    lastResultsHash: emptyHash,
    appHash: new Uint8Array(32),
  };
}

/** Block 1 with its txs, and a commit for it signed by every validator: what an honest peer serves. */
function syncedBlock(state: ChainState, txs: Uint8Array[] = []): { pb: ProposedBlock; commit: Commit } {
  const proposer = ed25519Address(keys[0]!.pubKey);
  const pb = makeBlock(
    state,
    txs,
    { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] },
    proposer,
    genesisTime,
    appVersion,
  );
  const timestamp = { seconds: genesisTime.seconds + 1n, nanos: 0 };
  const byAddress = new Map(keys.map((k) => [hexAddress(ed25519Address(k.pubKey)), k]));
  const signatures = set.validators.map((v) => ({
    blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
    validatorAddress: Buffer.from(v.address, "hex"),
    timestamp,
    signature: ed25519Sign(
      byAddress.get(v.address)!,
      voteSignBytes(chainId, SignedMsgType.precommit, 1n, 0, pb.blockId, timestamp),
    ),
  }));
  return { pb, commit: { height: 1n, round: 0, blockId: pb.blockId, signatures } };
}

const message = (bytes: Uint8Array, commit: Commit) => encodeBlockMessage(bytes, Commit.encode(commit).finish());

interface Harness {
  ctx: DriverContext;
  state(): ChainState;
  /** A message on the block-sync channel from a peer, through the reactor's registered handler. */
  send(peer: string, bytes: Uint8Array): void;
  bans: string[];
  /** Blocks executed (FinalizeBlock), by height. */
  finalized: bigint[];
  /** Full validations: the passes that reached the evidence check. */
  passes(): number;
  /** What the driver scheduled (timeouts, the next height), not run until the test runs it. */
  timers: Array<{ f: () => void; ms: number }>;
  /** Heights this node sent its status for (broadcasts on the state channel). */
  statuses: bigint[];
  /** Messages sent to one peer: [peer, channel]. */
  sent: Array<[string, number]>;
  /** A status from a peer, through the reactor's registered handler. */
  status(peer: string, h: bigint): void;
  /** Moves the clock the driver reads (deps.now) on. */
  advance(ms: number): void;
}

function harness(): Harness {
  const finalized: bigint[] = [];
  const timers: Array<{ f: () => void; ms: number }> = [];
  const statuses: bigint[] = [];
  const sent: Array<[string, number]> = [];
  const served = syncedBlock(genesisState());
  let stored = 0n;
  let nowMs = 1_700_000_010_000;
  const hd = handDriven({
    chainId,
    height: 1n,
    state: genesisState(),
    p2p: {
      send: (peer, ch) => (sent.push([peer, ch]), true),
      broadcast: (ch, m) => {
        if (ch === Channel.consensusState) statuses.push(decodeStatus(m));
        return 0;
      },
    },
    deps: {
      // The evidence check waits on the store, as the pool's does for a block with evidence: a
      // copy arriving meanwhile finds the first one still being validated.
      evidence: {
        checkBlock: () => new Promise<void>((r) => setImmediate(r)),
        update: async () => {},
        size: 0,
        all: () => [],
      },
      app: {
        finalizeBlock: async (req: { height: bigint }) => {
          finalized.push(req.height);
          return { events: [], txResults: [], validatorUpdates: [], appHash: new Uint8Array(32) };
        },
        commit: async () => ({ retainHeight: 0n }),
      },
      blockStore: {
        get height() {
          return stored;
        },
        save: async (b: { block: { header?: { height: bigint } } }) => {
          stored = b.block.header!.height;
        },
        loadBlock: async () => served.pb.block,
        loadSeenCommit: async () => served.commit,
      },
      txIndex: null,
      mempool: { withLock: <T>(f: () => Promise<T>) => f(), update: async () => {} },
      eventBus: { publishBlock: () => {} },
      now: () => nowMs,
      timer: {
        set: (f: () => void, ms: number) => {
          const t = { f, ms };
          timers.push(t);
          return t;
        },
        clear: () => {},
      },
    },
  });
  const ctx = hd.ctx;
  return {
    ctx,
    state: hd.state,
    send: (peer, bytes) => hd.receive(Channel.blockSync, peer, bytes),
    bans: hd.bans,
    finalized,
    passes: () => ctx.validationDeps.fullPasses,
    timers,
    statuses,
    sent,
    status: (peer, h) => hd.receive(Channel.consensusState, peer, encodeStatus(h)),
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

/** Until the handlers' promises (validation, execution) have run their course. */
async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe("consensus: a synced block validated once", () => {
  it("is validated once on arrival and executed without a second pass; copies meanwhile are not validated", async () => {
    const hx = harness();
    const { pb, commit } = syncedBlock(hx.state());
    // Three peers answer the node's status with the same block, in one turn of the event loop.
    for (const peer of ["p1", "p2", "p3"]) hx.send(peer, message(pb.bytes, commit));
    await settled();
    assert.deepEqual(hx.finalized, [1n], "block 1 executed once");
    assert.equal(hx.state().lastBlockHeight, 1n);
    assert.equal(hex(hx.state().lastBlockId.hash), hex(pb.blockId.hash));
    assert.equal(hx.passes(), 1, "one full validation for the block, its copies and its execution");
    assert.deepEqual(hx.bans, [], "no honest peer blamed");
    // A copy after the execution is for a height done: dropped before any work.
    hx.send("p1", message(pb.bytes, commit));
    await settled();
    assert.equal(hx.passes(), 1);
    assert.deepEqual(hx.finalized, [1n]);
  });

  it("an altered block with the genuine commit is refused, its peer closed; the genuine copy beside it is executed", async () => {
    const hx = harness();
    const { pb, commit } = syncedBlock(hx.state());
    // The body of another block (its txs), under the genuine commit of block 1.
    const other = syncedBlock(hx.state(), [new Uint8Array([1, 2, 3])]).pb;
    hx.send("liar", message(other.bytes, commit));
    await settled();
    assert.deepEqual(hx.bans, ["liar"], "the peer that served it is closed");
    assert.deepEqual(hx.finalized, [], "not executed");
    assert.equal(hx.state().lastBlockHeight, 0n);
    // Both in flight at once: the copies differ, so each is validated on its own.
    hx.send("liar2", message(other.bytes, commit));
    hx.send("honest", message(pb.bytes, commit));
    await settled();
    assert.deepEqual(hx.bans, ["liar", "liar2"]);
    assert.deepEqual(hx.finalized, [1n], "the genuine block executed");
    assert.equal(hex(hx.state().lastBlockId.hash), hex(pb.blockId.hash));
    assert.equal(hx.passes(), 1, "the genuine block validated once; the altered ones failed before the end");
  });

  it("an altered header (another app hash) is refused however it comes", async () => {
    const hx = harness();
    const wrong = { ...genesisState(), appHash: new Uint8Array(32).fill(9) };
    const { pb, commit } = syncedBlock(wrong);
    hx.send("liar", message(pb.bytes, commit));
    await settled();
    assert.deepEqual(hx.bans, ["liar"]);
    assert.deepEqual(hx.finalized, []);
    assert.equal(hx.passes(), 0);
  });

  it("a height learned from a peer's commit starts the next one at once and asks for its block at once", async () => {
    const hx = harness();
    const { pb, commit } = syncedBlock(hx.state());
    const before = hx.timers.length;
    hx.send("p1", message(pb.bytes, commit));
    await settled();
    assert.deepEqual(hx.finalized, [1n]);
    // The decision's one timer: the next height, with no timeout_commit to wait (catching up
    // waited it per block: handDrivenOptions' 100 ms here, 300 ms on the e2e networks).
    const next = hx.timers.slice(before);
    assert.deepEqual(
      next.map((t) => t.ms),
      [0],
      "height 2 scheduled at once",
    );
    assert.ok(!hx.statuses.includes(2n));
    next[0]!.f();
    assert.equal(hx.ctx.height, 2n);
    // And its status goes to the peers now, not at the next gossip tick (500 ms).
    assert.deepEqual(hx.statuses, [2n], "status of height 2 sent as the height starts");
  });

  it("catch-up: a peer behind gets its next height at once; a height asked again within 100 ms is not sent again", async () => {
    const hx = harness();
    hx.ctx.height = 10n; // this node is ahead; peers at lower heights are served from the store
    const served = () => hx.sent.filter(([, ch]) => ch === Channel.blockSync).map(([p]) => p);
    hx.status("p1", 3n);
    await settled();
    assert.deepEqual(served(), ["p1"]);
    // The same height again (its gossip tick), at the same instant: rate-limited.
    hx.status("p1", 3n);
    await settled();
    assert.deepEqual(served(), ["p1"], "a repeated request within 100 ms is not served");
    // Its next height, as it starts it a moment later: served at once (the limit held block
    // sync to one block per gossip tick).
    hx.status("p1", 4n);
    await settled();
    assert.deepEqual(served(), ["p1", "p1"], "the next height is served at once");
    // Going back down is rate-limited again; another peer has its own limit.
    hx.status("p1", 2n);
    hx.status("p2", 2n);
    await settled();
    assert.deepEqual(served(), ["p1", "p1", "p2"]);
  });

  it("catch-up: a peer flooding statuses that climb and fall gets each height at once only once, then 100 ms apart", async () => {
    const hx = harness();
    hx.ctx.height = 10n;
    const served = () => hx.sent.filter(([, ch]) => ch === Channel.blockSync).length;
    // For one second, a status every millisecond: heights 1 to 9, over and over. Going back down
    // and climbing again must not get it the chain again each time (it did every 100 ms).
    for (let ms = 0; ms < 1000; ms++) {
      hx.status("byz", BigInt((ms % 9) + 1));
      hx.advance(1);
    }
    await settled();
    // 9 heights once at once, then one block per 100 ms at most.
    assert.ok(served() <= 9 + 10, `${served()} blocks sent for one peer's second of statuses`);
    assert.ok(served() >= 9, "the first climb is served at once");
  });

  it("catch-up: the per-peer limits stay bounded under a churn of peer ids", async () => {
    const hx = harness();
    hx.ctx.height = 10n;
    for (let i = 0; i < maxCatchUpPeers + 500; i++) {
      hx.status(`churn${i}`, 3n);
      hx.advance(1);
    }
    await settled();
    assert.ok(hx.ctx.lastCatchUp.size <= maxCatchUpPeers, `${hx.ctx.lastCatchUp.size} peers remembered`);
    // The most recent ones are kept: a repeat from the last peer is still rate-limited.
    const before = hx.sent.length;
    hx.status(`churn${maxCatchUpPeers + 499}`, 3n);
    await settled();
    assert.equal(hx.sent.length, before);
  });
});
