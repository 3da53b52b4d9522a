import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { makeTestNetwork, type TestNetwork } from "../../testkit/network.js";
import { freePort, startNodeProcess, type NodeProcess } from "../../testkit/nodeProcess.js";
import { Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { nopLogger } from "../../../modules/sdk/context.js";
import { ed25519Address, ed25519Sign, generateEd25519 } from "../../crypto/ed25519.js";
import { loadOrGenNodeKey, loadPrivValidatorKey, nodeId } from "../../crypto/keyFiles.js";
import { homePaths, loadConfig } from "../../types/nodeConfig.js";
import { Channel, createSwitch, defaultChannels, parsePeerAddress } from "../../p2p/switch.js";
import { SignedMsgType, voteSignBytes } from "../../types/signBytes.js";
import { timeFromMillis } from "../../types/time.js";
import { heightOf, rpcOf, waitHeight } from "../../testkit/rpc.js";

// Four validator processes on 127.0.0.1: agreement, a stream of txs while a validator is
// SIGKILLed and restarted, a halt without fork when two stop, and a fresh full node that syncs.

const alice = rawKeyFromSeed("net-alice");
const bob = rawKeyFromSeed("net-bob");

/** Block hash and app_hash of every height up to h, per node: they must be equal everywhere. */
async function chainOf(url: string, upTo: number): Promise<string[]> {
  const out: string[] = [];
  for (let h = 1; h <= upTo; h++) {
    const b = (await rpcOf(url)("block", { height: String(h) })) as {
      block_id: { hash: string };
      block: { header: { app_hash: string } };
    };
    out.push(`${b.block_id.hash}/${b.block.header.app_hash}`);
  }
  return out;
}

describe("a network of four validator processes (e2e)", function () {
  this.timeout(240_000);
  let net: TestNetwork;
  const procs: Array<NodeProcess | null> = [];
  const url = (i: number) => procs[i]!.rpcUrl;

  before(async () => {
    net = await makeTestNetwork({
      validators: 4,
      fullNodes: 1,
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 10n ** 12n }] }],
    });
    for (let i = 0; i < 4; i++) procs.push(await startNodeProcess(net.homes[i]!));
  });

  after(async () => {
    for (const p of procs) await p?.stop("SIGKILL");
  });

  // A failed test keeps every node's log (in a directory the test homes' cleanup leaves alone):
  // a stall seen once under load is diagnosed from them, not from a rerun that passes.
  // TCOMPUTE_KEEP_LOGS=1 keeps them after every test.
  afterEach(function () {
    const test = this.currentTest;
    if (test === undefined || (test.state !== "failed" && process.env.TCOMPUTE_KEEP_LOGS !== "1")) return;
    const dir = mkdtempSync(join(tmpdir(), "tcd-e2e-logs-"));
    procs.forEach((p, i) => p !== null && writeFileSync(join(dir, `node${i}.log`), p.output()));
    process.stderr.write(`node logs of "${test.title}" kept in ${dir}\n`);
  });

  it("all validators decide the same blocks, with the same app_hash at every height", async () => {
    await waitHeight([0, 1, 2, 3].map(url), 5);
    const chains = await Promise.all([0, 1, 2, 3].map((i) => chainOf(url(i), 5)));
    for (let i = 1; i < 4; i++) assert.deepEqual(chains[i], chains[0], `node ${i} agrees with node 0`);
  });

  it("turns a double sign into DuplicateVoteEvidence that a block carries and every node agrees on", async () => {
    // A byzantine process holding node3's validator key connects to node0 and sends, for the
    // next heights, two prevotes of node3 for two different blocks.
    const key3 = loadPrivValidatorKey(homePaths(net.homes[3]!).privValidatorKey);
    const addr3 = Buffer.from(ed25519Address(key3.pubKey)).toString("hex").toUpperCase();
    const cfg0 = loadConfig(net.homes[0]!);
    const id0 = nodeId(loadOrGenNodeKey(homePaths(net.homes[0]!).nodeKey));
    const byz = createSwitch(
      {
        nodeKey: generateEd25519(),
        listen: { host: "127.0.0.1", port: await freePort() },
        persistentPeers: [parsePeerAddress(`${id0}@${cfg0.p2p.laddr.replace("tcp://", "")}`)],
        maxInbound: 1,
        maxOutbound: 1,
        channels: defaultChannels,
      },
      { logger: nopLogger },
    );
    await byz.start();
    try {
      const from = await heightOf(url(0));
      const stamps = new Map<string, ReturnType<typeof timeFromMillis>>();
      const vote = (h: bigint, fill: number) => {
        const blockId = {
          hash: new Uint8Array(32).fill(fill),
          partSetHeader: { total: 1, hash: new Uint8Array(32).fill(fill) },
        };
        // One timestamp per height and value: a vote sent again is the same vote, so its evidence
        // is the same evidence (the pool keeps it once). Fresh timestamps made a second, distinct
        // pair for a height whenever the chain had not advanced between two rounds of sending.
        const key = `${h}/${fill}`;
        const timestamp = stamps.get(key) ?? timeFromMillis(Date.now());
        stamps.set(key, timestamp);
        const signature = ed25519Sign(
          key3,
          voteSignBytes(net.chainId, SignedMsgType.prevote, h, 0, blockId, timestamp),
        );
        return PbVote.encode({
          type: SignedMsgType.prevote,
          height: h,
          round: 0,
          blockId,
          timestamp,
          validatorAddress: Buffer.from(addr3, "hex"),
          validatorIndex: 0,
          signature,
          extension: new Uint8Array(),
          extensionSignature: new Uint8Array(),
        }).finish();
      };
      const deadline = Date.now() + 15_000;
      while (byz.peers().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (let k = 0; k < 3; k++) {
        const h = BigInt((await heightOf(url(0))) + 1);
        for (let d = 0n; d < 3n; d++) {
          byz.broadcast(Channel.consensusVote, vote(h + d, 0xa1));
          byz.broadcast(Channel.consensusVote, vote(h + d, 0xb2));
        }
        await new Promise((r) => setTimeout(r, 700));
      }
      // Some later block (proposed by any validator, so checked by all) carries the evidence.
      type EvJson = {
        type: string;
        value: { vote_a: { validator_address: string; height: string }; ValidatorPower: string };
      };
      let found: { height: number; ev: EvJson } | null = null;
      for (let h = from + 1; found === null && Date.now() < deadline + 30_000;) {
        if ((await heightOf(url(1))) < h) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        const b = (await rpcOf(url(1))("block", { height: String(h) })) as {
          block: { evidence: { evidence: EvJson[] } };
        };
        if (b.block.evidence.evidence.length > 0) found = { height: h, ev: b.block.evidence.evidence[0]! };
        h++;
      }
      assert.ok(found !== null, "a block with evidence was committed");
      assert.equal(found.ev.type, "tendermint/DuplicateVoteEvidence");
      assert.equal(found.ev.value.vote_a.validator_address, addr3);
      assert.equal(found.ev.value.ValidatorPower, "100");
      await waitHeight([0, 1, 2, 3].map(url), found.height + 2);
      const chains = await Promise.all([0, 1, 2, 3].map((i) => chainOf(url(i), found!.height + 1)));
      for (let i = 1; i < 4; i++) assert.deepEqual(chains[i], chains[0], `node ${i} agrees with node 0`);
      // Included once only: the next blocks do not carry it again.
      for (let h = found.height + 1; h <= found.height + 2; h++) {
        const b = (await rpcOf(url(2))("block", { height: String(h) })) as {
          block: { evidence: { evidence: Array<{ value: { vote_a: { height: string } } }> } };
        };
        assert.ok(
          b.block.evidence.evidence.every((e) => e.value.vote_a.height !== found!.ev.value.vote_a.height),
          "not included twice",
        );
      }
    } finally {
      await byz.stop();
    }
  });

  it("keeps committing while a validator is SIGKILLed; it restarts, catches up, and no tx is lost", async () => {
    const hashes: string[] = [];
    let seq = 0n;
    const sendSome = async (n: number, via: number) => {
      for (let i = 0; i < n; i++) {
        const tx = signTx(alice, {
          chainId: net.chainId,
          accountNumber: 0n,
          sequence: seq,
          msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "1" }])],
          fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n },
        });
        const r = (await rpcOf(url(via))("broadcast_tx_sync", { tx: Buffer.from(tx).toString("base64") })) as {
          code: number;
          hash: string;
          log: string;
        };
        assert.equal(r.code, 0, r.log);
        hashes.push(createHash("sha256").update(tx).digest("hex").toUpperCase());
        seq++;
      }
    };
    const committed = async (via: number) => {
      for (const hash of hashes) {
        let found = false;
        for (let i = 0; i < 150 && !found; i++) {
          found = await rpcOf(url(via))("tx", { hash }).then(
            () => true,
            () => false,
          );
          if (!found) await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(found, `tx ${hash} committed and found on node ${via}`);
      }
    };
    await sendSome(5, 0);
    await committed(1);
    await procs[3]!.stop("SIGKILL");
    const h = await heightOf(url(0));
    await sendSome(5, 1);
    await waitHeight([0, 1, 2].map(url), h + 3);
    procs[3] = await startNodeProcess(net.homes[3]!);
    const top = await heightOf(url(0));
    await waitHeight([url(3)], top);
    await committed(3);
    const q = (await rpcOf(url(3))("abci_query", {
      path: "/cosmos.bank.v1beta1.Query/Balance",
      data: Buffer.from(QueryBalanceRequest.encode({ address: bob.address, denom: "utcu" }).finish()).toString("hex"),
    })) as { response: { value: string } };
    assert.equal(QueryBalanceResponse.decode(Buffer.from(q.response.value, "base64")).balance!.amount, "10");
    const chains = await Promise.all([0, 3].map((i) => chainOf(url(i), top)));
    assert.deepEqual(chains[1], chains[0]);
  });

  it("halts without forking when two of four stop, and resumes when they return", async () => {
    await procs[2]!.stop("SIGTERM");
    await procs[3]!.stop("SIGTERM");
    await new Promise((r) => setTimeout(r, 1500));
    const stuck = await heightOf(url(0));
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok((await heightOf(url(0))) <= stuck + 1, "no progress without 2/3");
    procs[2] = await startNodeProcess(net.homes[2]!);
    procs[3] = await startNodeProcess(net.homes[3]!);
    await waitHeight([0, 1, 2, 3].map(url), stuck + 3);
    const top = stuck + 3;
    const chains = await Promise.all([0, 1, 2, 3].map((i) => chainOf(url(i), top)));
    for (let i = 1; i < 4; i++) assert.deepEqual(chains[i], chains[0], `node ${i} agrees after the halt`);
  });

  it("a fresh full node syncs from height 1 and reports the same app_hash", async () => {
    procs[4] = await startNodeProcess(net.homes[4]!, ["--log-level", "info"]);
    const top = await heightOf(url(0));
    await waitHeight([url(4)], top, 90_000);
    assert.deepEqual(await chainOf(url(4), top), await chainOf(url(0), top));
  });

  it("a full node becomes a validator through MsgCreateValidator: its power reaches consensus at H+2 and it signs", async () => {
    const key4 = loadPrivValidatorKey(homePaths(net.homes[4]!).privValidatorKey);
    const addr4 = Buffer.from(ed25519Address(key4.pubKey)).toString("hex").toUpperCase();
    const accRes = (await rpcOf(url(0))("abci_query", {
      path: "/cosmos.auth.v1beta1.Query/Account",
      data: Buffer.from(QueryAccountRequest.encode({ address: alice.address }).finish()).toString("hex"),
    })) as { response: { value: string } };
    const acc = BaseAccount.decode(
      QueryAccountResponse.decode(Buffer.from(accRes.response.value, "base64")).account!.value,
    );
    const msg = {
      typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
      value: MsgCreateValidator.encode(
        MsgCreateValidator.fromPartial({
          description: { moniker: "node4" },
          commission: { rate: "100000000000000000", maxRate: "200000000000000000", maxChangeRate: "10000000000000000" },
          minSelfDelegation: "1",
          validatorAddress: toBech32("tcvaloper", fromBech32(alice.address, 90).data),
          pubkey: {
            typeUrl: "/cosmos.crypto.ed25519.PubKey",
            value: Ed25519PubKey.encode({ key: key4.pubKey }).finish(),
          },
          value: { denom: "utcu", amount: "200000000" },
        }),
      ).finish(),
    };
    const tx = signTx(alice, {
      chainId: net.chainId,
      accountNumber: acc.accountNumber,
      sequence: acc.sequence,
      msgs: [msg],
      fee: { amount: [{ denom: "utcu", amount: "2000" }], gasLimit: 400_000n },
    });
    const r = (await rpcOf(url(0))("broadcast_tx_sync", { tx: Buffer.from(tx).toString("base64") })) as {
      code: number;
      log: string;
      hash: string;
    };
    assert.equal(r.code, 0, r.log);
    let included = 0;
    for (let i = 0; i < 100 && included === 0; i++) {
      try {
        const t = (await rpcOf(url(0))("tx", { hash: r.hash })) as {
          height: string;
          tx_result: { code: number; log: string };
        };
        assert.equal(t.tx_result.code, 0, t.tx_result.log);
        included = Number(t.height);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        await new Promise((res) => setTimeout(res, 200));
      }
    }
    assert.ok(included > 0, "the tx was committed");
    // Returned at end-block H = included; the set of H+1 is unchanged, H+2 has the new validator.
    await waitHeight([0, 1, 2, 3, 4].map(url), included + 4);
    const setAt = async (h: number) =>
      (
        (await rpcOf(url(0))("validators", { height: String(h) })) as {
          validators: Array<{ address: string; voting_power: string }>;
        }
      ).validators;
    assert.equal((await setAt(included + 1)).length, 4);
    const withNew = await setAt(included + 2);
    assert.equal(withNew.length, 5);
    assert.equal(withNew.find((v) => v.address === addr4)?.voting_power, "200");
    // Its precommits appear in commits of later heights.
    let signed = false;
    for (let h = included + 3; h <= included + 4 && !signed; h++) {
      const c = (await rpcOf(url(1))("commit", { height: String(h) })) as {
        signed_header: { commit: { signatures: Array<{ validator_address: string; block_id_flag: number }> } };
      };
      signed = c.signed_header.commit.signatures.some((s) => s.validator_address === addr4 && s.block_id_flag === 2);
    }
    assert.ok(signed, "the new validator signs");
    const top = await heightOf(url(4));
    assert.deepEqual(await chainOf(url(4), top), await chainOf(url(0), top));
  });
});
