import assert from "node:assert/strict";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import {
  BroadcastTxError,
  calculateFee,
  QueryClient,
  setupDistributionExtension,
  setupStakingExtension,
  SigningStargateClient,
  StargateClient,
} from "@cosmjs/stargate";
import { encodePubkey } from "@cosmjs/proto-signing";
import { Decimal } from "@cosmjs/math";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { Comet38Client, WebsocketClient } from "@cosmjs/tendermint-rpc";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { gasPrice, testWallet, validatorHome } from "../../../chain/testkit/cometbftNodes.js";
import { startNodeProcess, type NodeProcess, type TestHome } from "../../../chain/testkit/nodeProcess.js";
import { sleep } from "../../../chain/testkit/wait.js";
import { testEngines } from "../../../chain/testkit/engines.js";

// The real @cosmjs/stargate clients, unchanged, against a real node process.

async function rpc(
  url: string,
  method: string,
  params: unknown,
): Promise<{ result?: unknown; error?: { code: number; message: string; data: string } }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }),
  });
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string; data: string } };
}

for (const engine of testEngines())
  describe(`a node process driven by @cosmjs/stargate (e2e) ${engine.title}`, function () {
    this.timeout(120_000);
    let wallet: DirectSecp256k1HdWallet;
    let alice: string;
    let bob: string;
    let carol: string;
    let home: TestHome;
    let node: NodeProcess;
    let client: SigningStargateClient;

    before(async function () {
      if (engine.missing !== null) return this.skip();
      const test = await testWallet(3);
      wallet = test.wallet;
      [alice, bob, carol] = test.addresses as [string, string, string];
      // carol operates the node's validator (a gentx), so that it signs blocks and earns rewards.
      home = await validatorHome(wallet, alice, carol);
      node = await startNodeProcess(home.home, await engine.startArgs());
      client = await SigningStargateClient.connectWithSigner(node.rpcUrl, wallet, { gasPrice });
    });

    after(async () => {
      client?.disconnect();
      await node?.stop();
    });

    it("reports the chain id and a growing height", async () => {
      assert.equal(await client.getChainId(), home.chainId);
      const h1 = await client.getHeight();
      assert.ok(h1 >= 1);
      await sleep(800);
      assert.ok((await client.getHeight()) > h1);
    });

    it("reads accounts (existing and missing) and balances", async () => {
      const acc = await client.getAccount(alice);
      assert.ok(acc !== null);
      assert.equal(acc.address, alice);
      assert.equal(acc.sequence, 0);
      assert.equal(await client.getAccount(bob), null);
      assert.deepEqual(await client.getBalance(alice, "utcu"), { denom: "utcu", amount: "10000000000" });
      assert.deepEqual(await client.getBalance(bob, "utcu"), { denom: "utcu", amount: "0" });
      assert.deepEqual(await client.getAllBalances(alice), [{ denom: "utcu", amount: "10000000000" }]);
    });

    it("simulates, sends tokens with fee auto, and finds the tx", async () => {
      const msg = {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress: alice, toAddress: bob, amount: [{ denom: "utcu", amount: "12345" }] },
      };
      const gas = await client.simulate(alice, [msg], "");
      assert.ok(gas > 20_000 && gas < 200_000, `simulated gas ${gas}`);
      const res = await client.sendTokens(alice, bob, [{ denom: "utcu", amount: "12345" }], "auto", "hello");
      assert.equal(res.code, 0, res.rawLog);
      assert.ok(res.gasUsed <= res.gasWanted);
      assert.deepEqual(await client.getBalance(bob, "utcu"), { denom: "utcu", amount: "12345" });
      const found = await client.getTx(res.transactionHash);
      assert.ok(found !== null);
      assert.equal(found.height, res.height);
      assert.equal(found.code, 0);
      const bySender = await client.searchTx(`message.sender='${alice}'`);
      assert.ok(bySender.some((t) => t.hash === res.transactionHash));
      const byHeight = await client.searchTx(`tx.height=${res.height}`);
      assert.ok(byHeight.some((t) => t.hash === res.transactionHash));
      const block = await client.getBlock(res.height);
      assert.equal(block.header.height, res.height);
      assert.equal(block.header.chainId, home.chainId);
      assert.ok(block.txs.length >= 1);
    });

    it("puts several txs of one sender, signed with consecutive sequences, in one block", async () => {
      // A block can be cut while the batch arrives (CometBFT reaps the mempool when it proposes), so
      // the four may straddle two blocks: every batch must commit in order, and one of up to three
      // must land in one block.
      const spans: number[] = [];
      for (let attempt = 0; attempt < 3 && !spans.includes(1); attempt++) {
        const acc = (await client.getAccount(alice))!;
        const fee = calculateFee(100_000, gasPrice);
        const txs: Uint8Array[] = [];
        for (let i = 0; i < 4; i++) {
          const signed = await client.sign(
            alice,
            [
              {
                typeUrl: "/cosmos.bank.v1beta1.MsgSend",
                value: { fromAddress: alice, toAddress: bob, amount: [{ denom: "utcu", amount: "1" }] },
              },
            ],
            fee,
            "",
            {
              accountNumber: acc.accountNumber,
              sequence: acc.sequence + i,
              chainId: home.chainId,
            },
          );
          txs.push(TxRaw.encode(signed).finish());
        }
        // One JSON-RPC batch: both engines run its calls in order, so CheckTx sees the sequences in
        // order, and the four reach the mempool within one block interval.
        const batch = txs.map((tx, i) => ({
          jsonrpc: "2.0",
          id: i,
          method: "broadcast_tx_sync",
          params: { tx: Buffer.from(tx).toString("base64") },
        }));
        const answers = (await fetch(node.rpcUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(batch),
        }).then((r) => r.json())) as Array<{ result: { code: number; hash: string; log: string } }>;
        for (const a of answers) assert.equal(a.result.code, 0, a.result.log);
        const hashes = answers.map((a) => a.result.hash);
        const heights = new Set<number>();
        for (const h of hashes) {
          let t = null;
          for (let i = 0; i < 50 && t === null; i++) {
            t = await client.getTx(h);
            if (t === null) await sleep(100);
          }
          assert.ok(t !== null, `tx ${h} committed`);
          assert.equal(t.code, 0);
          heights.add(t.height);
        }
        spans.push(heights.size);
      }
      assert.ok(
        spans.includes(1),
        `all four in one block in one of the batches (blocks per batch: ${spans.join(", ")})`,
      );
    });

    it("creates a validator, then delegateTokens / undelegateTokens and the staking query extension work unchanged", async () => {
      const valoper = toBech32("tcvaloper", fromBech32(alice, 90).data);
      const create = {
        typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
        value: MsgCreateValidator.fromPartial({
          description: { moniker: "cosmjs-val" },
          commission: {
            rate: Decimal.fromUserInput("0.1", 18).atomics,
            maxRate: Decimal.fromUserInput("0.2", 18).atomics,
            maxChangeRate: Decimal.fromUserInput("0.01", 18).atomics,
          },
          minSelfDelegation: "1",
          validatorAddress: valoper,
          pubkey: encodePubkey({ type: "tendermint/PubKeyEd25519", value: Buffer.alloc(32, 3).toString("base64") }),
          value: { denom: "utcu", amount: "5000000" },
        }),
      };
      const created = await client.signAndBroadcast(alice, [create], "auto");
      assert.equal(created.code, 0, created.rawLog);
      const delegated = await client.delegateTokens(alice, valoper, { denom: "utcu", amount: "2000000" }, "auto");
      assert.equal(delegated.code, 0, delegated.rawLog);
      const q = QueryClient.withExtensions(await Comet38Client.connect(node.rpcUrl), setupStakingExtension);
      const d = await q.staking.delegation(alice, valoper);
      assert.equal(d.delegationResponse?.balance?.amount, "7000000");
      const v = await q.staking.validator(valoper);
      assert.equal(v.validator?.description?.moniker, "cosmjs-val");
      const vals = await q.staking.validators("BOND_STATUS_BONDED");
      assert.ok(vals.validators.some((x) => x.operatorAddress === valoper));
      const undelegated = await client.undelegateTokens(alice, valoper, { denom: "utcu", amount: "1000000" }, "auto");
      assert.equal(undelegated.code, 0, undelegated.rawLog);
      const ubd = await q.staking.unbondingDelegation(alice, valoper);
      assert.equal(ubd.unbond?.entries[0]?.balance, "1000000");
      const pool = await q.staking.pool();
      assert.equal(pool.pool?.bondedTokens, "106000000", "the node validator's 100 TCU and this one's 6");
      const dels = await q.staking.delegatorDelegations(alice);
      assert.equal(dels.delegationResponses.length, 1);
    });

    it("earns rewards on a delegation to the signing validator and withdraws them with withdrawRewards", async () => {
      const nodeValoper = toBech32("tcvaloper", fromBech32(carol, 90).data);
      const d = await client.delegateTokens(
        alice,
        nodeValoper,
        { denom: "utcu", amount: 50_000_000n.toString() },
        "auto",
      );
      assert.equal(d.code, 0, d.rawLog);
      await sleep(1500); // a few blocks of issuance
      const q = QueryClient.withExtensions(await Comet38Client.connect(node.rpcUrl), setupDistributionExtension);
      const pending = await q.distribution.delegationRewards(alice, nodeValoper);
      const owed = BigInt(pending.rewards[0]?.amount ?? "0") / 10n ** 18n;
      assert.ok(owed > 0n, "rewards accrued");
      const before = BigInt((await client.getBalance(alice, "utcu")).amount);
      const w = await client.withdrawRewards(alice, nodeValoper, "auto");
      assert.equal(w.code, 0, w.rawLog);
      const after = BigInt((await client.getBalance(alice, "utcu")).amount);
      const fee = BigInt(calculateFee(Number(w.gasWanted), gasPrice).amount[0]!.amount);
      assert.ok(after - before + fee >= owed, `withdrew ${after - before + fee}, ${owed} were pending before`);
      const commission = await q.distribution.validatorCommission(nodeValoper);
      assert.ok(commission.commission !== undefined);
    });

    it("delivers NewBlock and Tx events over a WebSocket subscription", async () => {
      const ws = new WebsocketClient(node.rpcUrl.replace("http", "ws"));
      const tm = Comet38Client.create(ws);
      try {
        const blocks: number[] = [];
        const txHashes: string[] = [];
        const bsub = tm.subscribeNewBlock().subscribe({ next: (b) => blocks.push(b.header.height) });
        const tsub = tm
          .subscribeTx(`message.sender='${alice}'`)
          .subscribe({ next: (t) => txHashes.push(Buffer.from(t.hash).toString("hex").toUpperCase()) });
        await sleep(300);
        const res = await client.sendTokens(alice, bob, [{ denom: "utcu", amount: "7" }], "auto");
        await sleep(700);
        bsub.unsubscribe();
        tsub.unsubscribe();
        assert.ok(blocks.length >= 1, "NewBlock events arrived");
        assert.ok(txHashes.includes(res.transactionHash), "the Tx event of our send arrived");
      } finally {
        tm.disconnect();
      }
    });

    describe("errors surface through cosmjs with their codes", () => {
      it("a wrong sequence is a BroadcastTxError with code 32", async () => {
        const acc = (await client.getAccount(alice))!;
        const signed = await client.sign(
          alice,
          [
            {
              typeUrl: "/cosmos.bank.v1beta1.MsgSend",
              value: { fromAddress: alice, toAddress: bob, amount: [{ denom: "utcu", amount: "1" }] },
            },
          ],
          calculateFee(100_000, gasPrice),
          "",
          {
            accountNumber: acc.accountNumber,
            sequence: acc.sequence + 5,
            chainId: home.chainId,
          },
        );
        await assert.rejects(
          client.broadcastTx(TxRaw.encode(signed).finish()),
          (e: unknown) =>
            e instanceof BroadcastTxError && e.code === 32 && /account sequence mismatch/.test(e.log ?? ""),
        );
      });

      it("insufficient funds is code 5 and an insufficient fee code 13", async () => {
        await assert.rejects(
          client.sendTokens(alice, bob, [{ denom: "utcu", amount: "99999999999999" }], calculateFee(100_000, gasPrice)),
          (e: unknown) => e instanceof BroadcastTxError && e.code === 5,
        );
        await assert.rejects(
          client.sendTokens(alice, bob, [{ denom: "utcu", amount: "1" }], {
            amount: [{ denom: "utcu", amount: "1" }],
            gas: "100000",
          }),
          (e: unknown) => e instanceof BroadcastTxError && e.code === 13,
        );
      });

      it("a tx signed for another chain-id fails signature verification (code 4)", async () => {
        const acc = (await client.getAccount(alice))!;
        const signed = await client.sign(
          alice,
          [
            {
              typeUrl: "/cosmos.bank.v1beta1.MsgSend",
              value: { fromAddress: alice, toAddress: bob, amount: [{ denom: "utcu", amount: "1" }] },
            },
          ],
          calculateFee(100_000, gasPrice),
          "",
          {
            accountNumber: acc.accountNumber,
            sequence: acc.sequence,
            chainId: "another-chain",
          },
        );
        await assert.rejects(
          client.broadcastTx(TxRaw.encode(signed).finish()),
          (e: unknown) => e instanceof BroadcastTxError && e.code === 4,
        );
      });

      it("a missing account's query answers null, not an error", async () => {
        const stranger = (await (await DirectSecp256k1HdWallet.generate(12, { prefix: "tc" })).getAccounts())[0]!
          .address;
        assert.equal(await client.getAccount(stranger), null);
        assert.equal(await client.getSequence(bob).then(() => "ok"), "ok");
      });
    });

    describe("bad RPC input answers JSON-RPC errors and the node keeps running", () => {
      it("malformed JSON, unknown methods, bad params, oversized bodies", async () => {
        const parse = await fetch(node.rpcUrl, { method: "POST", body: "{not json" }).then(
          (r) => r.json() as Promise<{ error: { code: number } }>,
        );
        assert.equal(parse.error.code, -32700);
        assert.equal((await rpc(node.rpcUrl, "no_such_method", {})).error?.code, -32601);
        assert.equal((await rpc(node.rpcUrl, "block", { height: "abc" })).error?.code, -32602);
        // A query that does not parse is a method failure (-32603) under both engines, as in CometBFT.
        assert.equal((await rpc(node.rpcUrl, "tx_search", { query: "tx.height >>> 5" })).error?.code, -32603);
        assert.equal((await rpc(node.rpcUrl, "broadcast_tx_sync", { tx: "!!!" })).error?.code, -32602);
        assert.equal((await rpc(node.rpcUrl, "abci_query", { path: "/x", data: "zz" })).error?.code, -32602);
        const big = await fetch(node.rpcUrl, { method: "POST", body: "x".repeat(2_000_000) });
        assert.equal(big.status, 400, "an oversized body is HTTP 400, as CometBFT's");
        const batch = await fetch(node.rpcUrl, {
          method: "POST",
          body: JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "health", params: {} }, { id: 2 }]),
        }).then((r) => r.json() as Promise<Array<{ result?: unknown; error?: { code: number } }>>);
        assert.deepEqual(batch[0]!.result, {});
        // A batch entry without a method is the empty method name: -32601 (method not found), as in CometBFT.
        assert.equal(batch[1]!.error?.code, -32601);
        const get = await fetch(`${node.rpcUrl}/block?height=1`).then(
          (r) => r.json() as Promise<{ result: { block: { header: { height: string } } } }>,
        );
        assert.equal(get.result.block.header.height, "1");
        const status = await StargateClient.connect(node.rpcUrl);
        assert.ok((await status.getHeight()) > 1, "still serving");
        status.disconnect();
      });
    });
  });
