import assert from "node:assert/strict";
import { Block } from "cosmjs-types/tendermint/types/block";
import type { Timestamp } from "../../../modules/sdk/context.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { generateEd25519 } from "../../crypto/ed25519.js";
import { createSignatureCache } from "../../consensus/signedMessages.js";
import { makePartSet } from "../../types/partSet.js";
import { makeBlock, type ProposedBlock } from "../blockExecutor.js";
import { emptyBlockId, genesisSet, makeValidator, type ChainState } from "../chainState.js";
import { stateErrors, validateBlock } from "../validation.js";

// The block store keeps the decoded block and serves (block sync, catch-up) and replays
// (handshake) its re-encoding. A proposer whose block bytes decode to the same block but are not
// its canonical encoding (an unknown field, say) gets a part set hash that the re-encoded bytes
// do not have: once committed, no node could serve that height to a syncing peer (the peer
// refuses the part set), nor replay it after a crash. validateBlock refuses such bytes.

const keys = [0, 1, 2, 3].map(() => generateEd25519());
const vals = keys.map((k, i) => makeValidator(k.pubKey, 10n, `v${i}`));
const t = (s: number): Timestamp => ({ seconds: BigInt(1_700_000_000 + s), nanos: 0 });

function genesisState(): ChainState {
  const set = genesisSet(vals);
  return {
    chainId: "canon-test",
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

describe("block validation: canonical block bytes", () => {
  it("refuses block bytes that are not the block's canonical encoding", async () => {
    const state = genesisState();
    const good = makeBlock(
      state,
      [new Uint8Array([1, 2, 3])],
      { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] },
      Buffer.from(state.validators.proposer.address, "hex"),
      t(0),
      1n,
    );
    await validateBlock(state, good, { cache: createSignatureCache(), evidence: null });
    // Field 15 (unknown to Block), varint 1: decodes to the same block.
    const bytes = Buffer.concat([good.bytes, Buffer.from([0x78, 0x01])]);
    const block = Block.decode(bytes);
    assert.deepEqual(Block.encode(block).finish(), good.bytes, "the same block once decoded");
    const parts = makePartSet(bytes);
    const forged: ProposedBlock = {
      block,
      bytes,
      blockId: { hash: good.blockId.hash, partSetHeader: { total: parts.total, hash: parts.hash } },
    };
    await assert.rejects(
      validateBlock(state, forged, { cache: createSignatureCache(), evidence: null }),
      (e: unknown) =>
        e instanceof CodedError &&
        e.codespace === stateErrors.invalidBlock.codespace &&
        e.code === stateErrors.invalidBlock.code,
    );
  });
});
