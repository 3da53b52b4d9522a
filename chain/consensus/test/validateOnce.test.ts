import assert from "node:assert/strict";
import { DuplicateVoteEvidence, type Evidence } from "cosmjs-types/tendermint/types/evidence";
import { appVersion } from "../../app/application.js";
import { makeBlock } from "../../state/blockExecutor.js";
import { blockTime } from "../../state/validation.js";
import { startHubNetwork, type HubNetwork } from "../../testkit/hub.js";
import { until } from "../../testkit/wait.js";
import { validateOnce } from "../proposalValidation.js";
import { createSignatureCache } from "../signedMessages.js";

// A decided block validated at its proposal is not validated a second time at its decision
// (issue 17), but only if it is the very block validated against the very chain state it is
// executed on: anything else gets the full validation, and an invalid block is refused.
describe("consensus: a block validated once", function () {
  this.timeout(120_000);
  let hn: HubNetwork | null = null;
  afterEach(async () => {
    await hn?.stop();
    hn = null;
  });

  it("skips the second pass only for the same block against the same state", async () => {
    hn = await startHubNetwork({ validators: 4 });
    const node = hn.nodes[0]!;
    await until(() => node.state().lastBlockHeight >= 2n, 60_000, "height 2");
    hn.filter = () => false; // the chain stops here: the state below stays the node's
    const state = node.state();
    const h = state.lastBlockHeight + 1n;
    const lastCommit = (await node.blockStore.loadSeenCommit(h - 1n))!;
    const proposer = Buffer.from(state.validators.proposer.address, "hex");
    const pb = makeBlock(state, [], lastCommit, proposer, blockTime(state, lastCommit), appVersion);
    const deps = { cache: createSignatureCache(), evidence: null };
    await validateOnce(deps, state, pb);
    await validateOnce(deps, state, pb); // the memo: passes without a second pass

    // The same block against another state (here: another app hash) is validated again, and fails.
    const other = { ...state, appHash: new Uint8Array(32).fill(7) };
    await assert.rejects(validateOnce(deps, other, pb), /app_hash/);
    // A copy of the block (another object, even with the same content) is validated again: its
    // header tampered after decoding would otherwise pass.
    const tampered = { ...pb, block: { ...pb.block, header: { ...pb.block.header!, chainId: "other-chain" } } };
    await assert.rejects(validateOnce(deps, state, tampered), /chain/);
    // And the state it passed against still lets it through.
    await validateOnce(deps, state, pb);

    // The memo does skip the pass: a second call verifies no signature; a state of the same
    // content that is another object (as a restart or block sync makes) is validated again.
    const inner = createSignatureCache();
    let verifies = 0;
    const counting = {
      cache: {
        verify: (k: Uint8Array, m: Uint8Array, s: Uint8Array) => (verifies++, inner.verify(k, m, s)),
      },
      evidence: null,
    };
    const fresh = makeBlock(state, [], lastCommit, proposer, blockTime(state, lastCommit), appVersion);
    await validateOnce(counting, state, fresh);
    const once = verifies;
    assert.ok(once > 0, "the first pass verifies the last commit's signatures");
    await validateOnce(counting, state, fresh);
    assert.equal(verifies, once, "the second pass is skipped");
    await validateOnce(counting, { ...state }, fresh);
    assert.equal(verifies, 2 * once, "another state object: validated again");

    // A block with evidence is judged by the evidence pool at every pass: the pool's verdict is
    // not a function of the block and the state (what it has seen committed changes).
    let checks = 0;
    const pool = {
      cache: createSignatureCache(),
      evidence: {
        checkBlock: async (list: readonly Evidence[]) => {
          assert.equal(list.length, 1);
          checks++;
        },
      },
    };
    const ev: Evidence = { duplicateVoteEvidence: DuplicateVoteEvidence.fromPartial({}) };
    const withEv = makeBlock(state, [], lastCommit, proposer, blockTime(state, lastCommit), appVersion, [ev]);
    await validateOnce(pool, state, withEv);
    await validateOnce(pool, state, withEv);
    assert.equal(checks, 2, "the evidence is checked at both passes");
  });
});
