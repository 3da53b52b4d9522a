import assert from "node:assert/strict";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import type { BlockID, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { nopLogger, type Timestamp } from "../../../modules/sdk/context.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { ed25519Sign, generateEd25519, type Ed25519Key } from "../../crypto/ed25519.js";
import { finalizeRequest, makeBlock } from "../../state/blockExecutor.js";
import { MisbehaviorType } from "cosmjs-types/tendermint/abci/types";
import {
  emptyBlockId,
  genesisSet,
  hexAddress,
  makeValidator,
  setToProto,
  type ChainState,
} from "../../state/chainState.js";
import { memoryKV, type AsyncKV } from "../../store/asyncKV.js";
import { BlockStore } from "../../store/blockStore.js";
import { SignedMsgType, voteSignBytes } from "../../types/signBytes.js";
import { evidenceHash } from "../../types/hashes.js";
import { EvidencePool, decodeEvidenceMessage, encodeEvidenceMessage, maxPendingPerValidator } from "../evidencePool.js";
import { consensusErrors, createSignatureCache, makeDuplicateVoteEvidence } from "../signedMessages.js";
import { createDriverContext, type DriverDeps } from "../driverContext.js";
import { startGossip } from "../reactor.js";
import { handDrivenOptions } from "./driverOptions.js";
import { Channel, type Switch } from "../../p2p/switch.js";

const keys = [0, 1, 2, 3].map(() => generateEd25519());
const vals = keys.map((k, i) => makeValidator(k.pubKey, 10n, `v${i}`));
const chainId = "ev-test";
const t = (s: number): Timestamp => ({ seconds: BigInt(1_700_000_000 + s), nanos: 0 });

function bid(fill: number): BlockID {
  return { hash: new Uint8Array(32).fill(fill), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(fill) } };
}

function vote(key: Ed25519Key, index: number, h: bigint, blockId: BlockID, round = 0): PbVote {
  const timestamp = t(Number(h));
  const signature = ed25519Sign(key, voteSignBytes(chainId, SignedMsgType.prevote, h, round, blockId, timestamp));
  return {
    type: SignedMsgType.prevote,
    height: h,
    round,
    blockId,
    timestamp,
    validatorAddress: vals[index]!.address,
    validatorIndex: index,
    signature,
    extension: new Uint8Array(),
    extensionSignature: new Uint8Array(),
  };
}

interface Harness {
  pool: EvidencePool;
  store: BlockStore;
  state: () => ChainState;
  /** Commits one empty block (optionally with evidence) at time = height seconds. */
  commit(evidence?: Evidence[]): Promise<void>;
}

async function harness(
  params = { maxAgeNumBlocks: 5n, maxAgeSeconds: 5n, maxBytes: 2000n },
  kv: AsyncKV = memoryKV(),
  limits?: { perValidator: number; total: number },
): Promise<Harness> {
  const set = genesisSet(vals);
  let state: ChainState = {
    chainId,
    initialHeight: 1n,
    lastBlockHeight: 0n,
    lastBlockId: emptyBlockId(),
    lastBlockTime: t(0),
    lastValidators: null,
    validators: set,
    nextValidators: set.copyIncrement(1),
    maxBlockBytes: 1n << 20n,
    maxBlockGas: -1n,
    consensusHash: new Uint8Array(32),
    lastResultsHash: new Uint8Array(32),
    appHash: new Uint8Array(32),
  };
  const store = await BlockStore.open(kv);
  const pool = new EvidencePool(params, {
    chainId,
    cache: createSignatureCache(),
    blockStore: store,
    getState: () => state,
    logger: nopLogger,
    ...(limits === undefined ? {} : { limits }),
  });
  return {
    pool,
    store,
    state: () => state,
    async commit(evidence = []) {
      const h = state.lastBlockHeight + 1n;
      const p = makeBlock(
        state,
        [],
        { height: h - 1n, round: 0, blockId: state.lastBlockId, signatures: [] },
        vals[0]!.address,
        t(Number(h)),
        1n,
        evidence,
      );
      const next = state.nextValidators.copyIncrement(1);
      await store.save({
        block: p.block,
        meta: { blockId: p.blockId, blockSize: BigInt(p.bytes.length), header: p.block.header!, numTxs: 0n },
        seenCommit: { height: h, round: 0, blockId: p.blockId, signatures: [] },
        results: { events: [], txResults: [], validatorUpdates: [], appHash: new Uint8Array(32) },
        validators: [setToProto(state.validators), setToProto(state.nextValidators), setToProto(next)],
      });
      state = {
        ...state,
        lastBlockHeight: h,
        lastBlockId: p.blockId,
        lastBlockTime: t(Number(h)),
        lastValidators: state.validators,
        validators: state.nextValidators,
        nextValidators: next,
      };
      await pool.update(evidence);
    },
  };
}

const evidenceAt = (
  h: bigint,
  mutate: (e: ReturnType<typeof makeDuplicateVoteEvidence>) => void = () => {},
): Evidence => {
  const dve = makeDuplicateVoteEvidence(
    vote(keys[2]!, 2, h, bid(1)),
    vote(keys[2]!, 2, h, bid(2)),
    10n,
    40n,
    t(Number(h)),
  );
  mutate(dve);
  return { duplicateVoteEvidence: dve };
};

/** Validator 2's n-th distinct conflicting pair at height h (another round, other blocks). */
const pairAt = (h: bigint, n: number): Evidence => ({
  duplicateVoteEvidence: makeDuplicateVoteEvidence(
    vote(keys[2]!, 2, h, bid(1 + 2 * n), n),
    vote(keys[2]!, 2, h, bid(2 + 2 * n), n),
    10n,
    40n,
    t(Number(h)),
  ),
});

/** Validator i's double sign at height h. */
const pieceOf = (i: number, h: bigint): Evidence => ({
  duplicateVoteEvidence: makeDuplicateVoteEvidence(
    vote(keys[i]!, i, h, bid(1)),
    vote(keys[i]!, i, h, bid(2)),
    10n,
    40n,
    t(Number(h)),
  ),
});

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(
    p,
    (e: unknown) => e instanceof CodedError && e.is(consensusErrors.badEvidence) && pattern.test(e.message),
  );
}

/** What the reactor's first periodic re-gossip of pending evidence sends (decoded, as a peer does). */
function regossip(hx: Harness): Evidence[] {
  const sent: Uint8Array[] = [];
  const ticks: Array<() => void> = [];
  const p2p = {
    broadcast: (ch: number, m: Uint8Array) => ch === Channel.evidence && sent.push(m),
    onReceive: () => {},
    send: () => {},
    ban: () => {},
  } as unknown as Switch;
  const ctx = createDriverContext(handDrivenOptions(chainId), {
    p2p,
    evidence: hx.pool,
    getState: hx.state,
    timer: { set: (f: () => void) => (ticks.push(f), {}), clear: () => {} },
    logger: nopLogger,
  } as unknown as DriverDeps);
  ctx.stopped = false;
  startGossip(ctx);
  while (sent.length === 0 && ticks.length < 50) ticks[ticks.length - 1]!();
  ctx.stopped = true;
  return sent.flatMap((m) => decodeEvidenceMessage(m));
}

describe("evidence pool", () => {
  it("turns conflicting votes of the current height into evidence once that height is committed", async () => {
    const hx = await harness();
    await hx.commit();
    const added: string[] = [];
    hx.pool.onAdded((e) => added.push(e.hash));
    hx.pool.reportConflictingVotes(vote(keys[1]!, 1, 2n, bid(7)), vote(keys[1]!, 1, 2n, bid(8)));
    assert.equal(hx.pool.size, 0, "buffered until height 2 is committed");
    await hx.commit();
    assert.equal(hx.pool.size, 1);
    assert.equal(added.length, 1);
    const [ev] = hx.pool.proposable();
    assert.equal(ev!.duplicateVoteEvidence!.validatorPower, 10n);
    assert.equal(ev!.duplicateVoteEvidence!.totalVotingPower, 40n);
    assert.deepEqual(ev!.duplicateVoteEvidence!.timestamp, t(2));
    // Included in block 3: marked committed, gone from the pool, refused from then on.
    await hx.commit([ev!]);
    assert.equal(hx.pool.size, 0);
    await rejects(hx.pool.verify(ev!), /already committed/);
    assert.equal(await hx.pool.add(ev!), false, "its validator is punished: refused quietly");
  });

  it("own evidence of an offence already committed is logged as not added, not as a failure", async () => {
    // A node restarted after a block carried validator 2's height-2 double sign (its pool has
    // not seen that block) sees the conflicting votes again, as consensus replaying them does.
    const hx = await harness();
    await hx.commit();
    await hx.commit();
    await hx.commit([pairAt(2n, 0)]);
    const logs: Array<[string, string, Record<string, unknown>]> = [];
    const record =
      (level: string) =>
      (msg: string, fields: Record<string, unknown> = {}) =>
        logs.push([level, msg, fields]);
    const logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
    const pool = new EvidencePool(
      { maxAgeNumBlocks: 5n, maxAgeSeconds: 5n, maxBytes: 2000n },
      { chainId, cache: createSignatureCache(), blockStore: hx.store, getState: hx.state, logger },
    );
    pool.reportConflictingVotes(vote(keys[2]!, 2, 2n, bid(1)), vote(keys[2]!, 2, 2n, bid(2)));
    await pool.update([]);
    assert.equal(pool.size, 0);
    assert.deepEqual(logs, [
      [
        "info",
        "own evidence not added",
        {
          refusal: "committed",
          validator: hexAddress(vals[2]!.address),
          height: 2n,
          code: "consensus:5",
          error: `evidence ${evidenceHash(pairAt(2n, 0).duplicateVoteEvidence!)} is already committed: invalid evidence`,
        },
      ],
    ]);
    // A pair whose signature does not check is still a fault, logged as one.
    logs.length = 0;
    const forged = vote(keys[2]!, 2, 1n, bid(3));
    forged.signature = new Uint8Array(64);
    pool.reportConflictingVotes(vote(keys[2]!, 2, 1n, bid(1)), forged);
    await pool.update([]);
    assert.equal(pool.size, 0);
    assert.deepEqual(
      logs.map(([level, msg, fields]) => [level, msg, fields.refusal]),
      [["error", "own evidence failed verification", undefined]],
    );
    // Expired by the time its height is judged: an expected refusal too.
    logs.length = 0;
    for (let i = 0; i < 6; i++) await hx.commit();
    pool.reportConflictingVotes(vote(keys[1]!, 1, 1n, bid(1)), vote(keys[1]!, 1, 1n, bid(2)));
    await pool.update([]);
    assert.deepEqual(
      logs.map(([level, msg, fields]) => [level, msg, fields.refusal]),
      [["info", "own evidence not added", "expired"]],
    );
  });

  it("accepts valid evidence from a peer once, and checks a block's evidence", async () => {
    const hx = await harness();
    await hx.commit();
    await hx.commit();
    assert.equal(await hx.pool.add(evidenceAt(2n)), true);
    assert.equal(await hx.pool.add(evidenceAt(2n)), false, "already pending");
    await hx.pool.checkBlock([evidenceAt(2n), evidenceAt(1n)]);
    await rejects(hx.pool.checkBlock([evidenceAt(2n), evidenceAt(2n)]), /twice/);
    // Round trip through the wire format.
    const wire = decodeEvidenceMessage(encodeEvidenceMessage([evidenceAt(2n)]));
    assert.equal(evidenceHash(wire[0]!.duplicateVoteEvidence!), evidenceHash(evidenceAt(2n).duplicateVoteEvidence!));
  });

  it("refuses forged, inconsistent, uncommitted and expired evidence with a clear error", async () => {
    const hx = await harness();
    for (let i = 0; i < 3; i++) await hx.commit();
    await assert.rejects(
      hx.pool.add(evidenceAt(2n, (d) => (d.voteB!.signature = new Uint8Array(64)))),
      (e: unknown) => e instanceof CodedError && e.is(consensusErrors.badSignature),
    );
    await rejects(hx.pool.add(evidenceAt(2n, (d) => (d.validatorPower = 99n))), /power/);
    await rejects(hx.pool.add(evidenceAt(2n, (d) => (d.timestamp = t(99)))), /timestamp/);
    await rejects(hx.pool.add(evidenceAt(9n)), /not committed/);
    await rejects(hx.pool.add(evidenceAt(2n, (d) => (d.voteB = d.voteA))), /same block/);
    await rejects(hx.pool.add(evidenceAt(2n, (d) => ([d.voteA, d.voteB] = [d.voteB, d.voteA]))), /out of order/);
    await rejects(hx.pool.add({}), /only duplicate-vote/);
    const other = makeDuplicateVoteEvidence(
      vote(keys[2]!, 2, 2n, bid(1)),
      vote(keys[3]!, 3, 2n, bid(2)),
      10n,
      40n,
      t(2),
    );
    await rejects(hx.pool.add({ duplicateVoteEvidence: other }), /two validators/);
    assert.equal(hx.pool.size, 0, "nothing was added");
    // Expiry needs both limits passed: 5 blocks and 5 seconds.
    for (let i = 0; i < 5; i++) await hx.commit();
    await rejects(hx.pool.add(evidenceAt(2n)), /expired/);
  });

  it("drops pending evidence when it expires and keeps proposals within max_bytes", async () => {
    const hx = await harness({ maxAgeNumBlocks: 2n, maxAgeSeconds: 2n, maxBytes: 600n });
    await hx.commit();
    await hx.commit();
    await hx.pool.add(evidenceAt(1n));
    await hx.pool.add(evidenceAt(2n));
    assert.equal(hx.pool.proposable().length, 1, "two pieces do not fit in 600 bytes");
    await rejects(hx.pool.checkBlock([evidenceAt(1n), evidenceAt(2n)]), /max_bytes/);
    for (let i = 0; i < 2; i++) await hx.commit();
    assert.equal(hx.pool.size, 1, "height 1 expired");
    await hx.commit();
    assert.equal(hx.pool.size, 0);
  });

  it("hands a block's evidence to the app as DUPLICATE_VOTE misbehaviour", async () => {
    const hx = await harness();
    await hx.commit();
    await hx.commit([evidenceAt(1n)]);
    const block = (await hx.store.loadBlock(2n))!;
    const req = finalizeRequest(block, new Uint8Array(32), hx.state().lastValidators);
    assert.equal(req.misbehavior.length, 1);
    const m = req.misbehavior[0]!;
    assert.equal(m.type, MisbehaviorType.DUPLICATE_VOTE);
    assert.equal(Buffer.from(m.validator.address).toString("hex"), Buffer.from(vals[2]!.address).toString("hex"));
    assert.equal(m.validator.power, 10n);
    assert.equal(m.height, 1n);
    assert.equal(m.totalVotingPower, 40n);
    assert.deepEqual(m.time, t(1));
  });

  it("keeps one piece per validator and height, however many distinct pairs it signed there", async () => {
    const hx = await harness();
    await hx.commit();
    await hx.commit();
    assert.equal(await hx.pool.add(pairAt(2n, 0)), true);
    for (let n = 1; n < 50; n++) assert.equal(await hx.pool.add(pairAt(2n, n)), false, `pair ${n}`);
    assert.equal(await hx.pool.add(pairAt(1n, 0)), true, "another height is another offence");
    assert.equal(hx.pool.size, 2);
    assert.equal(hx.pool.proposable().length, 2);
    // Pairs seen by consensus at the current height: one piece once it is committed.
    const h = hx.state().lastBlockHeight + 1n;
    for (let n = 0; n < 50; n++) {
      const { voteA, voteB } = pairAt(h, n).duplicateVoteEvidence!;
      hx.pool.reportConflictingVotes(voteA!, voteB!);
    }
    await hx.commit();
    assert.equal(hx.pool.proposable().filter((e) => e.duplicateVoteEvidence!.voteA!.height === h).length, 1);
  });

  it("refuses a block with two pieces for one validator and height, and one for an offence already committed", async () => {
    const hx = await harness();
    await hx.commit();
    await hx.commit();
    // Neither pending here (a byzantine proposer's own), then one of them pending.
    await rejects(
      hx.pool.checkBlock([pairAt(2n, 0), pairAt(2n, 1)]),
      /two pieces of evidence for validator [0-9A-F]{40} at height 2 in one block/,
    );
    // Refused before any signature is checked: the second piece's is not even looked at.
    const forged = pairAt(2n, 5);
    forged.duplicateVoteEvidence!.voteB!.signature = new Uint8Array(64);
    await rejects(hx.pool.checkBlock([pairAt(2n, 4), forged]), /two pieces of evidence/);
    await hx.pool.add(pairAt(2n, 0));
    await rejects(hx.pool.checkBlock([pairAt(2n, 0), pairAt(2n, 1)]), /two pieces of evidence/);
    await hx.pool.checkBlock([pairAt(2n, 0), pairAt(1n, 0)]);
    // Another node's proposal commits a different pair for (validator 2, height 2): the pending
    // piece is dropped, and no later block may carry any piece for it again.
    await hx.commit([pairAt(2n, 3)]);
    assert.equal(hx.pool.size, 0);
    assert.equal(await hx.store.isEquivocationCommitted(vals[2]!.address, 2n), true);
    for (const n of [0, 1, 3]) {
      await rejects(hx.pool.verify(pairAt(2n, n)), /already committed/);
      assert.equal(await hx.pool.add(pairAt(2n, n)), false);
      await rejects(hx.pool.checkBlock([pairAt(2n, n)]), /already committed/);
    }
    await hx.pool.checkBlock([pairAt(1n, 0)]);
  });

  it("a piece verified while a block with another piece for its offence commits is not kept", async () => {
    // A peer's piece for (validator 2, height 2) is being verified (its store reads under way)
    // when this node commits a block carrying another piece for that offence: kept, it would be
    // proposed by this node and accepted in others' blocks here, refused everywhere else.
    const inner = memoryKV();
    let gate: Promise<void> | null = null;
    let reached = () => {};
    const kv: AsyncKV = {
      ...inner,
      async get(key) {
        const v = await inner.get(key);
        if (gate !== null && key.startsWith("ev/")) {
          reached();
          await gate;
        }
        return v;
      },
    };
    const hx = await harness(undefined, kv);
    await hx.commit();
    await hx.commit();
    let open = () => {};
    gate = new Promise((r) => (open = r));
    const atGate = new Promise<void>((r) => (reached = r));
    const adding = hx.pool.add(pairAt(2n, 1)).catch((e: Error) => e);
    await atGate;
    gate = null;
    await hx.commit([pairAt(2n, 0)]);
    open();
    const added = await adding;
    assert.notEqual(added, true, "the piece is not added");
    assert.equal(hx.pool.size, 0);
    assert.deepEqual(hx.pool.proposable(), []);
    await rejects(hx.pool.checkBlock([pairAt(2n, 1)]), /already committed/);
  });

  it("a block store written before the offence keys judges an offence committed as a fresh one does", async () => {
    // A store from before the ev/ keys: its evidence marked committed by hash only. Reopened, it
    // refuses another piece for that offence, as a node that synced the same blocks does.
    const kv = memoryKV();
    const hx = await harness(undefined, kv);
    await hx.commit();
    await hx.commit();
    await hx.commit([pairAt(2n, 0)]);
    const offenceKeys: string[] = [];
    for await (const [key] of kv.scan("ev/")) offenceKeys.push(key);
    assert.equal(offenceKeys.length, 1);
    await kv.write([...offenceKeys.map((key) => [key, null] as const), ["s/evIndex", null]]);
    const reopened = await BlockStore.open(kv);
    assert.equal(await reopened.isEquivocationCommitted(vals[2]!.address, 2n), true);
    assert.equal(await reopened.isEquivocationCommitted(vals[2]!.address, 1n), false);
    const pool = new EvidencePool(
      { maxAgeNumBlocks: 5n, maxAgeSeconds: 5n, maxBytes: 2000n },
      { chainId, cache: createSignatureCache(), blockStore: reopened, getState: hx.state, logger: nopLogger },
    );
    await rejects(pool.checkBlock([pairAt(2n, 1)]), /already committed/);
  });

  it("refuses a block's evidence over max_bytes before verifying any piece", async () => {
    // A byzantine validator's genuine double signs at many heights are distinct offences, each
    // valid: a proposer stuffing a block with them past max_bytes must not cost every node two
    // signature checks per piece before the size refuses it (the forged first piece shows none
    // was checked).
    const hx = await harness({ maxAgeNumBlocks: 5n, maxAgeSeconds: 5n, maxBytes: 600n });
    for (let i = 0; i < 3; i++) await hx.commit();
    const forged = pairAt(1n, 0);
    forged.duplicateVoteEvidence!.voteA!.signature = new Uint8Array(64);
    await rejects(hx.pool.checkBlock([forged, pairAt(2n, 0), pairAt(3n, 0)]), /max_bytes/);
  });

  it("re-gossips more than one message's worth of pending evidence as messages peers accept", async () => {
    // A byzantine validator double signs at 120 past heights (120 offences, each valid) and
    // gossips them in messages of 100 at most. The pool keeps them all until blocks carry them;
    // its periodic re-gossip in one EvidenceList of 120 would make every peer close this node
    // ("too many pieces of evidence in one message"), and the byzantine validator could keep
    // every honest node's pool above 100 that way.
    // (Caps lifted here: this checks the message split; the caps are tested below.)
    const hx = await harness({ maxAgeNumBlocks: 200n, maxAgeSeconds: 200n, maxBytes: 1n << 20n }, memoryKV(), {
      perValidator: 1000,
      total: 1000,
    });
    for (let i = 0; i < 120; i++) await hx.commit();
    for (let h = 1n; h <= 120n; h++) assert.equal(await hx.pool.add(pairAt(h, 0)), true);
    const received = new Set<string>();
    for (const ev of regossip(hx)) received.add(evidenceHash(ev.duplicateVoteEvidence!));
    assert.equal(received.size, 120);
  });

  it("a byzantine validator's 500 distinct past-height double signs: the pool keeps its cap, blocks are judged as before", async () => {
    // Each double sign is a distinct valid offence, within max_age; the first committed one
    // tombstones the validator, so the rest are worthless to keep and re-gossip.
    const hx = await harness({ maxAgeNumBlocks: 1000n, maxAgeSeconds: 1000n, maxBytes: 1n << 20n });
    for (let i = 0; i < 500; i++) await hx.commit();
    const of2 = (evs: readonly Evidence[]) =>
      evs
        .filter((e) => e.duplicateVoteEvidence!.voteA!.validatorIndex === 2)
        .map((e) => e.duplicateVoteEvidence!.voteA!.height);
    const accepted: boolean[] = [];
    for (let h = 1n; h <= 500n; h++) accepted.push(await hx.pool.add(pairAt(h, 0))); // quietly: no throw
    assert.equal(accepted.filter((a) => a).length, maxPendingPerValidator);
    assert.deepEqual(of2(hx.pool.all().map((p) => p.evidence)), [1n, 2n, 3n, 4n], "the first pieces are kept");
    assert.ok(of2(regossip(hx)).length <= maxPendingPerValidator, "re-gossip sends at most the cap for it");
    // Another validator's honest evidence is still accepted and proposed.
    assert.equal(await hx.pool.add(pieceOf(1, 300n)), true);
    const proposed = hx.pool.proposable();
    assert.ok(proposed.some((e) => e.duplicateVoteEvidence!.voteA!.validatorIndex === 1));
    // A byzantine proposer's block carrying a valid piece the pool refused still validates,
    // alone or with pending ones, and commits.
    await hx.pool.checkBlock([pairAt(400n, 0)]);
    await hx.pool.checkBlock([pairAt(1n, 0), pairAt(400n, 0), pieceOf(1, 300n)]);
    await hx.commit([pairAt(400n, 0)]);
    // Validator 2 is tombstoned by that block: none of its pieces is kept or proposed any more.
    assert.deepEqual(of2(hx.pool.all().map((p) => p.evidence)), []);
    assert.deepEqual(of2(hx.pool.proposable()), []);
    assert.equal(await hx.pool.add(pairAt(450n, 0)), false);
    assert.equal(hx.pool.size, 1, "validator 1's piece stays");
    // ...yet a block carrying another of its valid offences is still judged on the chain alone.
    await hx.pool.checkBlock([pairAt(450n, 0)]);
    await rejects(hx.pool.checkBlock([pairAt(400n, 1)]), /already committed/);
  });

  it("the pool's total cap keeps the pieces that came first", async () => {
    const hx = await harness({ maxAgeNumBlocks: 100n, maxAgeSeconds: 100n, maxBytes: 1n << 20n }, memoryKV(), {
      perValidator: 4,
      total: 6,
    });
    for (let i = 0; i < 10; i++) await hx.commit();
    for (let h = 1n; h <= 4n; h++) assert.equal(await hx.pool.add(pieceOf(3, h)), true);
    for (let h = 1n; h <= 4n; h++) assert.equal(await hx.pool.add(pieceOf(2, h)), h <= 2n);
    assert.equal(await hx.pool.add(pieceOf(1, 5n)), false);
    assert.equal(hx.pool.size, 6);
    // A block carrying one refused for the cap is valid; once pieces leave, room returns.
    await hx.pool.checkBlock([pieceOf(1, 5n)]);
    await hx.commit([pieceOf(3, 1n)]);
    assert.equal(hx.pool.size, 2, "validator 3's pieces go with its punishment");
    assert.equal(await hx.pool.add(pieceOf(1, 5n)), true);
  });
});
