import assert from "node:assert/strict";
import type { Commit, CommitSig } from "cosmjs-types/tendermint/types/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { Timestamp } from "../../../modules/sdk/context.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { ed25519Sign, generateEd25519 } from "../../crypto/ed25519.js";
import { createSignatureCache } from "../../consensus/signedMessages.js";
import { makeBlock, type ProposedBlock } from "../blockExecutor.js";
import { emptyBlockId, genesisSet, hexAddress, makeValidator, type ChainState } from "../chainState.js";
import { medianTime, stateErrors, validateBlock, verifyCommit } from "../validation.js";
import { builtDataHash } from "../builtBlocks.js";
import { genesisSet as setOf } from "../chainState.js";
import { SignedMsgType, voteSignBytes } from "../../types/signBytes.js";
import { Block } from "cosmjs-types/tendermint/types/block";
import { headerHash } from "../../types/hashes.js";
import { makePartSet } from "../../types/partSet.js";

const keys = [0, 1, 2, 3].map(() => generateEd25519());
const vals = keys.map((k, i) => makeValidator(k.pubKey, 10n, `v${i}`));
const chainId = "val-test";
const t = (s: number, ms = 0): Timestamp => ({ seconds: BigInt(1_700_000_000 + s), nanos: ms * 1_000_000 });
const deps = { cache: createSignatureCache(), evidence: null };

function genesisState(): ChainState {
  const set = genesisSet(vals);
  return {
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
    consensusHash: new Uint8Array(32).fill(1),
    lastResultsHash: new Uint8Array(32).fill(2),
    appHash: new Uint8Array(32).fill(3),
  };
}

/** A commit of `pb` signed by the validators at `signers` (set order), each at time `times[i]`. */
function commitOf(state: ChainState, pb: ProposedBlock, signers: number[], times: Timestamp[]): Commit {
  const h = pb.block.header!.height;
  const signatures: CommitSig[] = state.validators.validators.map((v, i) => {
    if (!signers.includes(i))
      return {
        blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
        validatorAddress: new Uint8Array(),
        timestamp: { seconds: 0n, nanos: 0 },
        signature: new Uint8Array(),
      };
    const key = keys[vals.findIndex((x) => hexAddress(x.address) === v.address)]!;
    const timestamp = times[i]!;
    return {
      blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
      validatorAddress: Buffer.from(v.address, "hex"),
      timestamp,
      signature: ed25519Sign(key, voteSignBytes(chainId, SignedMsgType.precommit, h, 0, pb.blockId, timestamp)),
    };
  });
  return { height: h, round: 0, blockId: pb.blockId, signatures };
}

function after(state: ChainState, pb: ProposedBlock): ChainState {
  return {
    ...state,
    lastBlockHeight: pb.block.header!.height,
    lastBlockId: pb.blockId,
    lastBlockTime: pb.block.header!.time!,
    lastValidators: state.validators,
    validators: state.nextValidators,
    nextValidators: state.nextValidators.copyIncrement(1),
    appHash: new Uint8Array(32).fill(9),
  };
}

const empty: Commit = { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] };
const proposer = (s: ChainState) => Buffer.from(s.validators.proposer.address, "hex");

/** The block with its header (or body) edited and its id recomputed, as a forger would. */
function reforge(pb: ProposedBlock, edit: (b: Block) => Block): ProposedBlock {
  const block = edit(pb.block);
  const bytes = Block.encode(block).finish();
  const parts = makePartSet(bytes);
  return {
    block,
    bytes,
    blockId: { hash: headerHash(block.header!), partSetHeader: { total: parts.total, hash: parts.hash } },
  };
}

async function refused(
  state: ChainState,
  pb: ProposedBlock,
  err: { codespace: string; code: number },
  what: string,
): Promise<void> {
  await assert.rejects(
    validateBlock(state, pb, deps),
    (e: unknown) => e instanceof CodedError && e.codespace === err.codespace && e.code === err.code,
    what,
  );
}

describe("block validation (chain/state/validation.ts)", () => {
  const s1 = genesisState();
  const b1 = makeBlock(s1, [], empty, proposer(s1), t(0), 1n);
  const c1 = commitOf(s1, b1, [0, 1, 2], [t(1), t(2), t(3), t(4)]);
  const s2 = after(s1, b1);
  const b2 = makeBlock(s2, [Buffer.from("tx")], c1, proposer(s2), t(2), 1n);

  it("accepts a well-formed chain", async () => {
    await validateBlock(s1, b1, deps);
    await validateBlock(s2, b2, deps);
    verifyCommit(chainId, s1.validators, 1n, b1.blockId, c1, deps.cache);
  });

  it("refuses a header that does not fit the state, even with a consistent block id", async () => {
    const edits: Array<[string, (b: Block) => Block]> = [
      ["chain_id", (b) => ({ ...b, header: { ...b.header!, chainId: "other" } })],
      ["height", (b) => ({ ...b, header: { ...b.header!, height: 3n } })],
      [
        "last_block_id",
        (b) => ({
          ...b,
          header: { ...b.header!, lastBlockId: { ...b.header!.lastBlockId!, hash: new Uint8Array(32).fill(7) } },
        }),
      ],
      ["validators_hash", (b) => ({ ...b, header: { ...b.header!, validatorsHash: new Uint8Array(32) } })],
      ["next_validators_hash", (b) => ({ ...b, header: { ...b.header!, nextValidatorsHash: new Uint8Array(32) } })],
      ["consensus_hash", (b) => ({ ...b, header: { ...b.header!, consensusHash: new Uint8Array(32) } })],
      ["app_hash", (b) => ({ ...b, header: { ...b.header!, appHash: new Uint8Array(32) } })],
      ["last_results_hash", (b) => ({ ...b, header: { ...b.header!, lastResultsHash: new Uint8Array(32) } })],
      ["proposer", (b) => ({ ...b, header: { ...b.header!, proposerAddress: new Uint8Array(20).fill(1) } })],
      ["version", (b) => ({ ...b, header: { ...b.header!, version: { block: 10n, app: 1n } } })],
      ["time", (b) => ({ ...b, header: { ...b.header!, time: t(0) } })],
    ];
    for (const [what, edit] of edits) await refused(s2, reforge(b2, edit), stateErrors.invalidBlock, what);
  });

  it("refuses a body its header does not commit to, under the genuine block id", async () => {
    const swapped = (edit: (b: Block) => Block): ProposedBlock => {
      const block = edit(b2.block);
      return { block, blockId: b2.blockId, bytes: Block.encode(block).finish() };
    };
    await refused(
      s2,
      swapped((b) => ({ ...b, data: { txs: [Buffer.from("other")] } })),
      stateErrors.invalidBlock,
      "txs",
    );
    await refused(
      s2,
      swapped((b) => ({ ...b, lastCommit: { ...c1, signatures: c1.signatures.slice().reverse() } })),
      stateErrors.invalidBlock,
      "last commit",
    );
    await refused(
      s2,
      { ...b2, bytes: Buffer.concat([b2.bytes, Buffer.from([0])]) },
      stateErrors.invalidBlock,
      "bytes off the part set",
    );
    await refused(
      s2,
      { ...b2, blockId: { ...b2.blockId, hash: new Uint8Array(32) } },
      stateErrors.invalidBlock,
      "block id",
    );
  });

  it("verifies the last commit: slots in set order, real signatures, more than 2/3", async () => {
    const reforged = (c: Commit) => reforge(b2, (b) => ({ ...b, lastCommit: c, header: { ...b.header! } }));
    // Header's last_commit_hash follows the edit (a forger recomputes it); the commit itself fails.
    const withHash = (c: Commit) => {
      const pb = reforged(c);
      return reforge(pb, (b) => ({
        ...b,
        header: {
          ...b.header!,
          lastCommitHash: makeBlock(s2, [Buffer.from("tx")], c, proposer(s2), t(2), 1n).block.header!.lastCommitHash,
        },
      }));
    };
    const two = commitOf(s1, b1, [0, 1], [t(1), t(2), t(3), t(4)]);
    await refused(s2, withHash(two), stateErrors.invalidCommit, "2 of 4 signed");
    const forged = {
      ...c1,
      signatures: c1.signatures.map((x, i) => (i === 0 ? { ...x, signature: new Uint8Array(64) } : x)),
    };
    await refused(s2, withHash(forged), stateErrors.invalidCommit, "forged signature");
    await refused(
      s2,
      withHash({ ...c1, signatures: c1.signatures.slice().reverse() }),
      stateErrors.invalidCommit,
      "slots out of order",
    );
    await refused(
      s2,
      withHash({ ...c1, signatures: c1.signatures.slice(0, 3) }),
      stateErrors.invalidCommit,
      "a slot missing",
    );
    await refused(s2, withHash({ ...c1, height: 2n }), stateErrors.invalidCommit, "other height");
  });

  it("checks the evidence through the pool", async () => {
    const refuse = { checkBlock: async () => Promise.reject(new Error("bad evidence")) };
    await assert.rejects(validateBlock(s2, b2, { cache: deps.cache, evidence: refuse }), /bad evidence/);
  });

  it("BFT time: the power-weighted median of the last commit's times, not the proposer's choice", async () => {
    // Powers 10/20/30/40 (set order: 40, 30, 20, 10): the median is the time at which half the
    // power of the signers is reached.
    const uneven = [0, 1, 2, 3].map((i) => makeValidator(keys[i]!.pubKey, BigInt(10 * (i + 1)), `u${i}`));
    const set = setOf(uneven);
    const sig = (ms: number | null): CommitSig =>
      ms === null
        ? {
            blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
            validatorAddress: new Uint8Array(),
            timestamp: { seconds: 0n, nanos: 0 },
            signature: new Uint8Array(),
          }
        : {
            blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
            validatorAddress: new Uint8Array(20),
            timestamp: t(0, ms),
            signature: new Uint8Array(64),
          };
    const commit = (ms: Array<number | null>): Commit => ({
      height: 1n,
      round: 0,
      blockId: b1.blockId,
      signatures: ms.map(sig),
    });
    assert.deepEqual(medianTime(commit([400, 300, 200, 100]), set), t(0, 300)); // by time: 10@100, 20@200 (30 < 50), 30@300
    assert.deepEqual(medianTime(commit([100, 900, 900, 900]), set), t(0, 900));
    // A signer with less than 1/3 of the power dating its vote a year ahead moves nothing.
    assert.deepEqual(medianTime(commit([400, 300, 200, 365 * 86_400_000]), set), t(0, 300));
    // Absent slots do not count.
    assert.deepEqual(medianTime(commit([400, 300, null, null]), set), t(0, 400));
    // A block whose time is not the median is refused, a year ahead or a millisecond off.
    await refused(
      s2,
      reforge(b2, (b) => ({ ...b, header: { ...b.header!, time: t(365 * 86_400) } })),
      stateErrors.invalidBlock,
      "a year ahead",
    );
    await refused(
      s2,
      reforge(b2, (b) => ({ ...b, header: { ...b.header!, time: t(2, 1) } })),
      stateErrors.invalidBlock,
      "1 ms off",
    );
    // The first block carries the genesis time.
    await refused(
      s1,
      reforge(b1, (b) => ({ ...b, header: { ...b.header!, time: t(1) } })),
      stateErrors.invalidBlock,
      "first block not at genesis time",
    );
  });

  describe("data_hash of the node's own block (builtBlocks.ts)", () => {
    const own = () => makeBlock(s2, [Buffer.from("tx-one"), Buffer.from("tx-two")], c1, proposer(s2), t(2), 1n);

    it("takes the data_hash makeBlock computed for its own bytes, and none for a peer's copy", async () => {
      const pb = own();
      const parts = makePartSet(pb.bytes);
      assert.deepEqual(builtDataHash(pb.bytes, parts.hash), Uint8Array.from(pb.block.header!.dataHash));
      await validateBlock(s2, pb, deps);
      // The same block as a peer sends it: decoded from a copy of the bytes, hashed in full.
      const bytes = Uint8Array.from(pb.bytes);
      const peer: ProposedBlock = { block: Block.decode(bytes), blockId: pb.blockId, bytes };
      assert.equal(builtDataHash(peer.bytes, parts.hash), null);
      await validateBlock(s2, peer, deps);
    });

    it("hashes the txs again when the built bytes were changed in place since", async () => {
      const pb = own();
      const tx = pb.block.data!.txs[0]!;
      const at = Buffer.from(pb.bytes).indexOf(Buffer.from(tx));
      assert.ok(at > 0);
      // A tx byte flipped in the block and in its bytes alike, the part set recomputed: the
      // bytes still re-encode the block and match the block id, but the header's data_hash is
      // that of the txs as built.
      tx[0]! ^= 1;
      pb.bytes[at]! ^= 1;
      const parts = makePartSet(pb.bytes);
      pb.blockId.partSetHeader = { total: parts.total, hash: parts.hash };
      assert.equal(builtDataHash(pb.bytes, parts.hash), null);
      await refused(s2, pb, stateErrors.invalidBlock, "tx changed after building");
    });

    it("keeps copies: a header data_hash changed in place is not what the memo compares against", async () => {
      const pb = own();
      const parts = makePartSet(pb.bytes);
      const built = Uint8Array.from(pb.block.header!.dataHash);
      pb.block.header!.dataHash[0]! ^= 1;
      assert.deepEqual(builtDataHash(pb.bytes, parts.hash), built);
    });

    it("refuses a block over the built bytes object whose header or txs differ (a peer reusing our bytes)", async () => {
      const pb = own();
      // The header's data_hash changed, the bytes object kept (and its part set): the bytes are
      // no longer the block's encoding, refused before the memo is asked.
      const forged = Block.decode(pb.bytes);
      forged.header!.dataHash = new Uint8Array(32).fill(9);
      const hdr = { ...pb, block: forged, blockId: { ...pb.blockId, hash: headerHash(forged.header!) } };
      await refused(s2, hdr, stateErrors.invalidBlock, "forged data_hash over the built bytes");
      // Another tx list over the same bytes object: refused the same way.
      const txs = Block.decode(pb.bytes);
      txs.data!.txs = [Buffer.from("tx-evil")];
      await refused(s2, { ...pb, block: txs }, stateErrors.invalidBlock, "other txs over the built bytes");
      // The built block itself still passes afterwards: the memo was not disturbed.
      await validateBlock(s2, pb, deps);
    });

    it("a re-proposal of the built block (a later round, POL) takes the memo again and passes", async () => {
      const pb = own();
      const parts = makePartSet(pb.bytes);
      await validateBlock(s2, pb, deps);
      await validateBlock(s2, pb, deps);
      assert.deepEqual(builtDataHash(pb.bytes, parts.hash), Uint8Array.from(pb.block.header!.dataHash));
      // The same block built again is another bytes object with its own entry.
      const again = own();
      assert.notEqual(again.bytes, pb.bytes);
      assert.deepEqual(builtDataHash(again.bytes, parts.hash), Uint8Array.from(pb.block.header!.dataHash));
      await validateBlock(s2, again, deps);
    });
  });
});
