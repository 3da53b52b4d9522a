import assert from "node:assert/strict";
import type { ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";
import type { Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { nopLogger } from "../../../modules/sdk/context.js";
import { CodedError } from "../../../modules/sdk/errors.js";
import { VerifyStatus } from "../../app/abci.js";
import { generateEd25519 } from "../../crypto/ed25519.js";
import { loadConfig } from "../../types/nodeConfig.js";
import { createNode, type Node } from "../../node/node.js";
import { makeTestNetwork } from "../../testkit/network.js";
import { SignedMsgType } from "../../types/signBytes.js";
import { timeFromMillis } from "../../types/time.js";
import { createPrivValidator } from "../privValidator.js";
import { consensusErrors, createSignatureCache, signVote, verifyVoteExtensionSignature } from "../signedMessages.js";
import { VoteType } from "../types.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

describe("vote extensions", function () {
  this.timeout(120_000);

  it("reach the next proposer's PrepareProposal, each checked by the other validators' apps", async () => {
    // Four validators in this process (in-memory stores), extensions from height 2 on.
    const net = await makeTestNetwork({
      validators: 4,
      accounts: [],
      editGenesis: (d) =>
        ((
          d.consensus_params as { abci: { vote_extensions_enable_height: string } }
        ).abci.vote_extensions_enable_height = "2"),
    });
    const nodes: Node[] = [];
    const local: Array<{ height: bigint; commit: ExtendedCommitInfo }> = [];
    const verified: string[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const node = await createNode(
          { home: net.homes[i]!, config: loadConfig(net.homes[i]!), inMemory: true },
          { logger: nopLogger },
        );
        const app = node.app;
        const prepare = app.prepareProposal.bind(app);
        app.extendVote = async (req) => ({ voteExtension: Buffer.from(`audit:${i}:${req.height}`) });
        app.verifyVoteExtension = async (req) => {
          verified.push(`${i}<-${text(req.voteExtension)}`);
          return { status: text(req.voteExtension).startsWith("audit:") ? VerifyStatus.ACCEPT : VerifyStatus.REJECT };
        };
        app.prepareProposal = async (req) => {
          local.push({ height: req.height, commit: req.localLastCommit! });
          return prepare(req);
        };
        nodes.push(node);
      }
      for (const n of nodes) await n.start();
      const deadline = Date.now() + 60_000;
      while (nodes.some((n) => n.state().lastBlockHeight < 5n) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.ok(
        nodes.every((n) => n.state().lastBlockHeight >= 5n),
        "the chain advances with extensions on",
      );
      // Height 2's proposer saw height 1's precommits: before the enable height, no extensions.
      const at2 = local.find((l) => l.height === 2n)!;
      assert.ok(at2.commit.votes.every((v) => v.voteExtension.length === 0));
      // From height 3 on, the last precommits carry their validator's extension: a proposer that
      // decided the last height itself has 2/3+ of them (one that learned it by block sync, under
      // load, has none), and every extension present is the right one, signed.
      const later = local.filter((x) => x.height >= 3n && x.height <= 5n);
      let full = 0;
      for (const l of later) {
        const withExt = l.commit.votes.filter((v) => v.voteExtension.length > 0);
        for (const v of withExt) {
          assert.match(text(v.voteExtension), new RegExp(`^audit:[0-3]:${l.height - 1n}$`), `height ${l.height}`);
          assert.equal(v.extensionSignature.length, 64);
        }
        if (withExt.length >= 3) full++;
      }
      assert.ok(full >= 1, "some proposer handed the app 2/3+ extensions");
      // Each app saw other validators' extensions, never its own.
      assert.ok(verified.length > 0);
      assert.ok(
        verified.every((x) => !x.startsWith(`${x[0]}<-audit:${x[0]}:`)),
        "own extensions are not sent to verify",
      );
    } finally {
      for (const n of nodes) await n.stop();
    }
  });

  it("refuses votes whose extension breaks the rules", () => {
    const pv = createPrivValidator(generateEd25519(), null);
    const cache = createSignatureCache();
    const blockId = { hash: new Uint8Array(32).fill(1), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(2) } };
    const t = timeFromMillis(1_700_000_000_000);
    const pre = signVote(pv, "c", VoteType.precommit, 5n, 0, blockId, t, 0);
    const ext = (v: PbVote, extension: Uint8Array, sig?: Uint8Array): PbVote => ({
      ...v,
      extension,
      extensionSignature: sig ?? pv.signVoteExtension("c", v.height, v.round, extension),
    });
    const code = (f: () => void, err: { codespace: string; code: number }) =>
      assert.throws(f, (e: unknown) => e instanceof CodedError && e.codespace === err.codespace && e.code === err.code);
    // Valid: a signed extension on a precommit for a block, extensions enabled.
    verifyVoteExtensionSignature("c", ext(pre, Buffer.from("x")), pv.key.pubKey, true, cache);
    verifyVoteExtensionSignature("c", ext(pre, new Uint8Array()), pv.key.pubKey, true, cache);
    // Missing or forged signature, extension signed for another height, or an extension when disabled.
    code(() => verifyVoteExtensionSignature("c", pre, pv.key.pubKey, true, cache), consensusErrors.malformed);
    code(
      () =>
        verifyVoteExtensionSignature("c", ext(pre, Buffer.from("x"), new Uint8Array(64)), pv.key.pubKey, true, cache),
      consensusErrors.badSignature,
    );
    code(
      () =>
        verifyVoteExtensionSignature("c", { ...ext(pre, Buffer.from("x")), height: 6n }, pv.key.pubKey, true, cache),
      consensusErrors.badSignature,
    );
    code(
      () => verifyVoteExtensionSignature("c", ext(pre, Buffer.from("x")), pv.key.pubKey, false, cache),
      consensusErrors.malformed,
    );
    // A prevote never carries one.
    const prevote = signVote(pv, "c", VoteType.prevote, 6n, 0, blockId, t, 0);
    assert.equal(prevote.type, SignedMsgType.prevote);
    code(
      () => verifyVoteExtensionSignature("c", ext(prevote, Buffer.from("x")), pv.key.pubKey, true, cache),
      consensusErrors.malformed,
    );
  });
});
