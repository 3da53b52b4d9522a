import assert from "node:assert/strict";
import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { generateEd25519 } from "../../crypto/ed25519.js";
import { nextValidatorSets } from "../../state/blockExecutor.js";
import {
  emptyBlockId,
  genesisSet,
  hexAddress,
  makeValidator,
  setFromProto,
  setHash,
  setToProto,
  type ChainState,
} from "../../state/chainState.js";

const keys = [0, 1, 2].map(() => generateEd25519());

function genesisState(): ChainState {
  const set = genesisSet([makeValidator(keys[0]!.pubKey, 10n, "a"), makeValidator(keys[1]!.pubKey, 10n, "b")]);
  return {
    chainId: "t",
    initialHeight: 1n,
    lastBlockHeight: 0n,
    lastBlockId: emptyBlockId(),
    lastBlockTime: { seconds: 0n, nanos: 0 },
    lastValidators: null,
    validators: set,
    nextValidators: set.copyIncrement(1),
    maxBlockBytes: 1n << 20n,
    maxBlockGas: -1n,
    consensusHash: new Uint8Array(32),
    lastResultsHash: new Uint8Array(32),
    appHash: new Uint8Array(32),
  };
}

const results = (updates: Array<[Uint8Array, bigint]>): ResponseFinalizeBlock => ({
  events: [],
  txResults: [],
  validatorUpdates: updates.map(([pk, power]) => ({ pubKey: { ed25519: pk }, power })),
  appHash: new Uint8Array(32),
});

/** What applyBlock does to the sets, without the rest of the block. */
function advance(s: ChainState, r: ResponseFinalizeBlock): ChainState {
  const n = nextValidatorSets(s, r);
  return {
    ...s,
    lastBlockHeight: s.lastBlockHeight + 1n,
    lastValidators: s.validators,
    validators: n.validators,
    nextValidators: n.nextValidators,
  };
}

describe("validator updates from end-block take effect at H+2", () => {
  it("adds a validator returned at height 1 to the set of height 3, not 2", () => {
    const s0 = genesisState();
    const newcomer = hexAddress(makeValidator(keys[2]!.pubKey, 5n, "c").address);
    const s1 = advance(s0, results([[keys[2]!.pubKey, 5n]])); // block 1 returns the update
    assert.equal(s1.validators.size, 2, "height 2 is signed by the old set");
    assert.equal(s1.nextValidators.size, 3, "height 3 has the newcomer");
    assert.equal(s1.nextValidators.powerOf(newcomer), 5n);
    // Block 2's header announces the change through next_validators_hash.
    assert.notDeepEqual(setHash(s1.validators), setHash(s1.nextValidators));
    const s2 = advance(s1, results([]));
    assert.equal(s2.validators.size, 3);
    assert.equal(s2.lastValidators!.size, 2, "the last commit (of height 2) is checked against the old set");
  });

  it("removes on power 0 and keeps proposer rotation going through the change", () => {
    let s = advance(genesisState(), results([[keys[1]!.pubKey, 0n]]));
    s = advance(s, results([]));
    assert.deepEqual(
      s.validators.validators.map((v) => v.power),
      [10n],
    );
    assert.equal(s.validators.proposer.address, hexAddress(makeValidator(keys[0]!.pubKey, 1n, "").address));
  });

  it("refuses malformed updates (the node halts rather than diverge)", () => {
    assert.throws(() => nextValidatorSets(genesisState(), results([[new Uint8Array(31), 1n]])), /32-byte/);
    assert.throws(() => nextValidatorSets(genesisState(), results([[keys[2]!.pubKey, 0n]])), /not in the set/);
  });

  it("stores a set with priorities and proposer and reads it back identically", () => {
    const s = advance(advance(genesisState(), results([[keys[2]!.pubKey, 7n]])), results([]));
    const back = setFromProto(setToProto(s.validators));
    assert.deepEqual(back.priorities(), s.validators.priorities());
    assert.equal(back.proposer.address, s.validators.proposer.address);
  });
});
