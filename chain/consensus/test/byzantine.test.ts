import assert from "node:assert/strict";
import { Block } from "cosmjs-types/tendermint/types/block";
import { Commit, Proposal as PbProposal, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { ed25519Address, generateEd25519 } from "../../crypto/ed25519.js";
import { Channel, createSwitch, defaultChannels } from "../../p2p/switch.js";
import { startHubNetwork, type HubNetwork } from "../../testkit/hub.js";
import { SignedMsgType } from "../../types/signBytes.js";
import { timeFromMillis } from "../../types/time.js";
import { createPrivValidator } from "../privValidator.js";
import { signProposal, signVote } from "../signedMessages.js";
import { VoteType } from "../types.js";
import { appVersion } from "../../app/application.js";
import { makeBlock } from "../../state/blockExecutor.js";
import { timeToMillis } from "../../types/time.js";
import { decodePair, decodeStatus, encodeBlockMessage, encodeProposalMessage } from "../walRecords.js";
import { sendAndExpectDrop } from "../../testkit/dropPeer.js";
import { hex, until } from "../../testkit/wait.js";

// Attacks on consensus by peers and validators, each against in-process nodes wired through a
// hub (chain/testkit/hub.ts) that decides which message reaches whom.

const alice = rawKeyFromSeed("byz-alice");
const bob = rawKeyFromSeed("byz-bob");

describe("consensus under byzantine conditions", function () {
  this.timeout(120_000);
  let hn: HubNetwork | null = null;
  afterEach(async () => {
    await hn?.stop();
    hn = null;
  });

  it("decides a value locked in round 0 in a later round when the round-0 proposer is silenced", async () => {
    // A long round 0: every node is up and has the proposal before its propose timeout, even on
    // a loaded machine.
    hn = await startHubNetwork({ validators: 4, editConfig: (c) => (c.consensus.timeout_propose = "10s") });
    const { nodes } = hn;
    const addrs = nodes.map((n) => hex(ed25519Address(n.validatorKey.pubKey)));
    const p = addrs.indexOf(nodes[0]!.state().validators.proposer.address);
    assert.ok(p >= 0);
    const c = (p + 1) % 4; // never sees the round-0 proposal: it does not lock
    hn.filter = (m) => {
      // The round-0 proposer is heard only for its proposal and its prevote, and hears nothing.
      if (m.to === p) return false;
      if (m.channel === Channel.consensusData) {
        const prop = PbProposal.decode(decodePair(m.payload).a);
        if (prop.height === 1n && prop.round === 0 && m.to === c) return false;
        return m.from !== p || (prop.height === 1n && prop.round === 0);
      }
      if (m.channel === Channel.consensusVote) {
        const v = PbVote.decode(m.payload);
        if (m.from === p) return v.height === 1n && v.round === 0 && v.type === SignedMsgType.prevote;
        return true;
      }
      return m.from !== p;
    };
    const others = [0, 1, 2, 3].filter((i) => i !== p);
    await until(
      () => others.every((i) => nodes[i]!.state().lastBlockHeight >= 1n),
      60_000,
      "height 1 decided by the three others",
    );
    const commit = (await nodes[others[0]!]!.blockStore.loadSeenCommit(1n))!;
    const block = (await nodes[others[0]!]!.blockStore.loadBlock(1n))!;
    // The block locked in round 0 (its header names the silenced proposer), decided later.
    assert.equal(hex(block.header!.proposerAddress), addrs[p]);
    assert.ok(commit.round >= 1, `decided in round ${commit.round}`);
    for (const i of others)
      assert.equal(hex((await nodes[i]!.blockStore.loadMeta(1n))!.blockId!.hash), hex(commit.blockId!.hash));
  });

  it("drops a peer whose proposal or signed vote names a round far ahead, before any work on that round", async () => {
    hn = await startHubNetwork({ validators: 4 });
    const { nodes } = hn;
    await until(() => nodes.every((n) => n.state().lastBlockHeight >= 1n), 60_000, "height 1");
    // The hub relays nothing while the attack runs: the target's height holds still.
    hn.filter = () => false;
    await new Promise((r) => setTimeout(r, 1000));
    const target = nodes[0]!;
    const h = target.state().lastBlockHeight + 1n;
    const far = 2 ** 31 - 1;
    const id = { hash: new Uint8Array(32).fill(7), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(8) } };
    // A proposal for round 2^31-1 with a junk signature: computing that round's proposer by
    // rotation would take the node minutes (and this test's event loop with it).
    // For the last decided height too: the target may not have started the next one yet.
    const proposal = (height: bigint) =>
      encodeProposalMessage(
        PbProposal.encode({
          type: 32,
          height,
          round: far,
          polRound: -1,
          blockId: id,
          timestamp: timeFromMillis(Date.now()),
          signature: new Uint8Array(64).fill(1),
        }).finish(),
        new Uint8Array(),
      );
    await sendAndExpectDrop(target, Channel.consensusData, proposal(h), proposal(h - 1n));
    // A genuinely signed prevote of a validator (byzantine: it signs whatever) for that round.
    const byz = createPrivValidator(nodes[3]!.validatorKey, null);
    const index = target.state().validators.indexOf(hex(ed25519Address(byz.key.pubKey)));
    const vote = signVote(byz, hn.net.chainId, VoteType.prevote, h, far, id, timeFromMillis(Date.now()), index);
    await sendAndExpectDrop(target, Channel.consensusVote, PbVote.encode(vote).finish());
    // The target goes on deciding with the others.
    hn.filter = () => true;
    await until(
      () => nodes.every((n) => n.state().lastBlockHeight >= h + 2n),
      60_000,
      "two more heights after the attack",
    );
  });

  it("block sync refuses a block whose genuine commit does not vouch for its body, and syncs from an honest peer", async () => {
    hn = await startHubNetwork({
      validators: 4,
      fullNodes: 1,
      start: [0, 1, 2, 3],
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 10n ** 12n }] }],
    });
    const { nodes } = hn;
    const honest = nodes[0]!;
    const syncing = nodes[4]!;
    await until(() => honest.state().lastBlockHeight >= 3n, 60_000, "three blocks");
    // A tx the network never agreed on, valid in itself: executing it would move alice's coins.
    const tx = signTx(alice, {
      chainId: hn.net.chainId,
      accountNumber: 0n,
      sequence: 0n,
      msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "1000" }])],
      fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n },
    });
    const junkVote = (h: bigint): PbVote => ({
      type: 1,
      height: h,
      round: 0,
      blockId: { hash: new Uint8Array(32).fill(3), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(4) } },
      timestamp: timeFromMillis(Date.now()),
      validatorAddress: ed25519Address(honest.validatorKey.pubKey),
      validatorIndex: 0,
      signature: new Uint8Array(64).fill(5),
      extension: new Uint8Array(),
      extensionSignature: new Uint8Array(),
    });
    const tampers: Array<{ height: bigint; what: string; edit: (b: Block) => Block }> = [
      { height: 1n, what: "txs", edit: (b) => ({ ...b, data: { txs: [tx] } }) },
      {
        height: 1n,
        what: "evidence",
        edit: (b) => ({
          ...b,
          evidence: {
            evidence: [
              {
                duplicateVoteEvidence: {
                  voteA: junkVote(1n),
                  voteB: { ...junkVote(1n), round: 1 },
                  totalVotingPower: 400n,
                  validatorPower: 100n,
                  timestamp: timeFromMillis(Date.now()),
                },
              },
            ],
          },
        }),
      },
      {
        height: 2n,
        what: "last commit",
        edit: (b) => {
          const lc = b.lastCommit!;
          const i = lc.signatures.findIndex((x) => x.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT);
          return {
            ...b,
            lastCommit: {
              ...lc,
              signatures: lc.signatures.map((x, j) =>
                j === i
                  ? {
                      blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
                      validatorAddress: new Uint8Array(),
                      timestamp: { seconds: 0n, nanos: 0 },
                      signature: new Uint8Array(),
                    }
                  : x,
              ),
            },
          };
        },
      },
    ];
    await syncing.start();
    for (const t of tampers) {
      // A peer with no key: it answers the syncing node's status with the honest chain's blocks
      // and genuine commits, the block at t.height with its body altered.
      const [host, port] = syncing.p2p!.address.split(":");
      const peer = createSwitch(
        {
          nodeKey: generateEd25519(),
          listen: null,
          persistentPeers: [{ id: syncing.id, host: host!, port: Number(port) }],
          maxInbound: 0,
          maxOutbound: 1,
          channels: defaultChannels,
          backoff: { minMs: 600_000, maxMs: 600_000 },
        },
        { logger: nopLogger },
      );
      const events: boolean[] = [];
      peer.onPeer((_, up) => events.push(up));
      peer.onReceive(Channel.consensusState, (from, m) => {
        const h = decodeStatus(m);
        void (async () => {
          const block = await honest.blockStore.loadBlock(h);
          const commit = await honest.blockStore.loadSeenCommit(h);
          if (block === null || commit === null || h > t.height) return;
          const served = h === t.height ? t.edit(block) : block;
          peer.send(
            from,
            Channel.blockSync,
            encodeBlockMessage(Block.encode(served).finish(), Commit.encode(commit).finish()),
          );
        })();
      });
      await peer.start();
      try {
        await until(() => events.includes(false), 30_000, `the syncing node drops the peer that swapped the ${t.what}`);
      } finally {
        await peer.stop();
      }
      assert.equal(syncing.state().lastBlockHeight, t.height - 1n, `the block with swapped ${t.what} is not executed`);
      assert.equal(syncing.blockStore.height, t.height - 1n);
    }
    // An honest peer: the node syncs the real chain, block for block.
    const [host, port] = syncing.p2p!.address.split(":");
    honest.p2p!.dialOnce({ id: syncing.id, host: host!, port: Number(port) });
    const target = honest.state().lastBlockHeight;
    await until(
      () => syncing.state().lastBlockHeight >= target,
      60_000,
      "the syncing node catches up from the honest peer",
    );
    for (let h = 1n; h <= target; h++) {
      assert.equal(
        hex((await syncing.blockStore.loadMeta(h))!.blockId!.hash),
        hex((await honest.blockStore.loadMeta(h))!.blockId!.hash),
        `block ${h}`,
      );
      assert.equal(
        hex((await syncing.blockStore.loadResults(h))!.appHash),
        hex((await honest.blockStore.loadResults(h))!.appHash),
        `app_hash after ${h}`,
      );
    }
    assert.equal(
      (await syncing.blockStore.loadBlock(1n))!.data!.txs.length,
      (await honest.blockStore.loadBlock(1n))!.data!.txs.length,
    );
  });

  it("refuses a proposer's block time a year ahead: block times stay the network's clock", async () => {
    // Validators 0-2 run; validator 3 is byzantine, played by this test with its key: at every
    // height where it proposes, it proposes a block dated a year ahead (every unbonding, jail
    // and provider unbonding would mature at once).
    hn = await startHubNetwork({ validators: 4, start: [0, 1, 2] });
    const { nodes } = hn;
    const byz = createPrivValidator(nodes[3]!.validatorKey, null);
    const byzAddr = hex(ed25519Address(byz.key.pubKey));
    const year = 365 * 24 * 3600 * 1000;
    const peer = createSwitch(
      {
        nodeKey: generateEd25519(),
        listen: null,
        maxInbound: 0,
        maxOutbound: 3,
        channels: defaultChannels,
        persistentPeers: [0, 1, 2].map((i) => {
          const [host, port] = nodes[i]!.p2p!.address.split(":");
          return { id: nodes[i]!.id, host: host!, port: Number(port) };
        }),
      },
      { logger: nopLogger },
    );
    await peer.start();
    const attacked = new Set<bigint>();
    const sent = new Map<bigint, Uint8Array>();
    try {
      await until(
        () => peer.peers().length === 3 && nodes[0]!.state().lastBlockHeight >= 1n,
        30_000,
        "connected, height 1",
      );
      const end = Date.now() + 60_000;
      while (
        attacked.size < 2 ||
        nodes[0]!.state().lastBlockHeight <= [...attacked].reduce((a, b) => (a > b ? a : b), 0n)
      ) {
        if (Date.now() > end) throw new Error(`only attacked heights ${[...attacked].join(",")}`);
        const state = nodes[0]!.state();
        const h = state.lastBlockHeight + 1n;
        if (state.validators.proposer.address === byzAddr) {
          let msg = sent.get(h);
          if (msg === undefined) {
            const commit = (await nodes[0]!.blockStore.loadSeenCommit(h - 1n))!;
            const pb = makeBlock(
              state,
              [],
              commit,
              ed25519Address(byz.key.pubKey),
              timeFromMillis(Date.now() + year),
              appVersion,
            );
            const prop = signProposal(byz, hn.net.chainId, h, 0, -1, pb.blockId, pb.block.header!.time!);
            msg = encodeProposalMessage(PbProposal.encode(prop).finish(), pb.bytes);
            sent.set(h, msg);
          }
          for (const id of peer.peers()) peer.send(id, Channel.consensusData, msg);
          attacked.add(h);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await peer.stop();
    }
    // No block carries the proposer's time; each attacked height was decided in a later round.
    const top = nodes[0]!.state().lastBlockHeight;
    for (let h = 1n; h <= top; h++) {
      const block = (await nodes[0]!.blockStore.loadBlock(h))!;
      assert.ok(
        timeToMillis(block.header!.time!) < Date.now() + 60_000,
        `block ${h} is dated ${new Date(timeToMillis(block.header!.time!)).toISOString()}`,
      );
      if (attacked.has(h)) assert.notEqual(hex(block.header!.proposerAddress), byzAddr, `block ${h}`);
    }
    assert.ok(timeToMillis(nodes[0]!.state().lastBlockTime) < Date.now() + 60_000);
  });

  it("drops votes dated at or before the last block, which could only drag a commit's median time back", async () => {
    // Validator 3 is byzantine (this test, with its key): it precommits whatever the others
    // precommit, first dated before the last block, then dated now.
    hn = await startHubNetwork({ validators: 4, start: [0, 1, 2] });
    const { nodes } = hn;
    const byz = createPrivValidator(nodes[3]!.validatorKey, null);
    // A second signer for the second phase: it may sign again where a backdated vote was dropped.
    const byzNow = createPrivValidator(nodes[3]!.validatorKey, null);
    const byzAddr = hex(ed25519Address(byz.key.pubKey));
    const peer = createSwitch(
      {
        nodeKey: generateEd25519(),
        listen: null,
        maxInbound: 0,
        maxOutbound: 3,
        channels: defaultChannels,
        persistentPeers: [0, 1, 2].map((i) => {
          const [host, port] = nodes[i]!.p2p!.address.split(":");
          return { id: nodes[i]!.id, host: host!, port: Number(port) };
        }),
      },
      { logger: nopLogger },
    );
    let backdated = true;
    const signedFor = new Map<string, bigint>(); // h/r -> height, with the phase it was signed in
    const phaseOf = new Map<bigint, boolean>();
    peer.onReceive(Channel.consensusVote, (_, m) => {
      const v = PbVote.decode(m);
      const key = `${v.height}/${v.round}`;
      // Nil precommits too: a round without a block must still end (2/3 precommits of any kind).
      if (v.type !== SignedMsgType.precommit || v.blockId === undefined || signedFor.has(key)) return;
      const state = nodes[0]!.state();
      if (state.lastBlockHeight + 1n !== v.height) return;
      const time = backdated ? timeFromMillis(timeToMillis(state.lastBlockTime) - 1000) : timeFromMillis(Date.now());
      const index = state.validators.indexOf(byzAddr);
      const mine = signVote(
        backdated ? byz : byzNow,
        hn!.net.chainId,
        VoteType.precommit,
        v.height,
        v.round,
        v.blockId,
        time,
        index,
      );
      signedFor.set(key, v.height);
      phaseOf.set(v.height, backdated);
      for (const id of peer.peers()) peer.send(id, Channel.consensusVote, PbVote.encode(mine).finish());
    });
    await peer.start();
    const signedIn = async (h: bigint) =>
      ((await nodes[0]!.blockStore.loadSeenCommit(h))?.signatures ?? []).some(
        (x) => x.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT && hex(x.validatorAddress) === byzAddr,
      );
    try {
      await until(() => peer.peers().length === 3, 30_000, "connected");
      const start = nodes[0]!.state().lastBlockHeight;
      await until(() => nodes[0]!.state().lastBlockHeight >= start + 5n, 60_000, "five heights with backdated votes");
      // Now dated after the last block, and needed: the hub drops validator 2's precommits, so
      // the others decide only with validator 3's.
      backdated = false;
      signedFor.clear();
      hn.filter = (m) =>
        !(
          m.from === 2 &&
          m.channel === Channel.consensusVote &&
          PbVote.decode(m.payload).type === SignedMsgType.precommit
        );
      let counted = false;
      await until(
        async () => {
          for (const [h, back] of phaseOf)
            if (!back && h <= nodes[0]!.state().lastBlockHeight && (await signedIn(h))) counted = true;
          return counted;
        },
        60_000,
        "a vote dated now is counted (the attack's setup reaches the commits)",
      );
    } finally {
      await peer.stop();
    }
    const backdatedHeights = [...phaseOf].filter(([, back]) => back).map(([h]) => h);
    assert.ok(backdatedHeights.length >= 3, `backdated votes sent at ${backdatedHeights.length} heights`);
    for (const h of backdatedHeights)
      assert.equal(await signedIn(h), false, `a backdated vote is in the commit of height ${h}`);
  });
});
