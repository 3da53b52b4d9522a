import assert from "node:assert/strict";
import {
  createMultisigThresholdPubkey,
  decodeBech32Pubkey,
  encodeBech32Pubkey,
  encodeSecp256k1Pubkey,
  pubkeyToAddress,
} from "@cosmjs/amino";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import {
  GasPrice,
  QueryClient,
  SigningStargateClient,
  setupBankExtension,
  setupDistributionExtension,
  setupStakingExtension,
  setupTxExtension,
} from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { QueryBalanceRequest } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { QueryValidatorsRequest, QueryValidatorsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { nopLogger } from "../../../modules/sdk/context.js";
import { loadConfig } from "../../../chain/types/nodeConfig.js";
import { createNode, type Node } from "../../../chain/node/node.js";
import { makeTestHome } from "../../../chain/testkit/nodeProcess.js";

// What cosmjs's own integration suites expect of a Cosmos SDK chain (issue 14 item 5), asked
// through cosmjs's query extensions and Comet38Client against a node.

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

describe("Cosmos SDK query paths through cosmjs", function () {
  this.timeout(60_000);
  let node: Node;
  let comet: Comet38Client;
  let q: ReturnType<typeof makeQueryClient>;
  let alice: string;
  let carol: string;
  let valoper: string;
  let txHash: string;
  let wallet: DirectSecp256k1HdWallet;

  function makeQueryClient(c: Comet38Client) {
    return QueryClient.withExtensions(
      c,
      setupBankExtension,
      setupStakingExtension,
      setupDistributionExtension,
      setupTxExtension,
    );
  }

  before(async () => {
    wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, {
      prefix: "tc",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(2)],
    });
    [alice, carol] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
    valoper = toBech32("tcvaloper", fromBech32(carol).data);
    const home = await makeTestHome({
      accounts: [
        { address: alice, coins: [{ denom: "utcu", amount: 10_000_000_000n }] },
        { address: carol, coins: [{ denom: "utcu", amount: 1_000_000_000n }] },
      ],
      gentx: { signer: wallet, operator: carol, amount: 100_000_000n },
    });
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "100ms";
    node = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
    await node.start();
    comet = await Comet38Client.connect(`http://${node.rpcAddress}`);
    q = makeQueryClient(comet);
    const client = await SigningStargateClient.connectWithSigner(`http://${node.rpcAddress}`, wallet, {
      gasPrice: GasPrice.fromString("0.0025utcu"),
    });
    const res = await client.sendTokens(alice, carol, [{ denom: "utcu", amount: "777" }], "auto");
    assert.equal(res.code, 0, res.rawLog);
    txHash = res.transactionHash;
    client.disconnect();
  });

  after(async () => {
    comet?.disconnect();
    await node?.stop();
  });

  it("GetTx finds a tx by hash and answers NotFound for an unknown one", async () => {
    const r = await q.tx.getTx(txHash);
    assert.equal(r.txResponse?.txhash, txHash);
    assert.equal(r.txResponse?.code, 0);
    assert.ok((r.txResponse?.height ?? 0n) > 0n);
    assert.match(r.txResponse?.timestamp ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.equal(r.tx?.body?.messages[0]?.typeUrl, "/cosmos.bank.v1beta1.MsgSend");
    await assert.rejects(q.tx.getTx("AB".repeat(32)), /\(22\).*rpc error: code = NotFound desc = tx not found/);
    await assert.rejects(q.tx.getTx("zz"), /InvalidArgument/);
  });

  it("HistoricalInfo gives the header and bonded validators of a past height", async () => {
    const r = await q.staking.historicalInfo(2);
    assert.equal(r.hist?.header.height, 2n);
    assert.equal(r.hist?.header.chainId, await comet.status().then((s) => s.nodeInfo.network));
    assert.deepEqual(
      r.hist?.valset.map((v) => v.operatorAddress),
      [valoper],
    );
    await assert.rejects(
      q.staking.historicalInfo(10_000_000),
      /NotFound desc = historical info for height 10000000 not found/,
    );
  });

  it("distribution answers DelegatorValidators, ValidatorOutstandingRewards and ValidatorSlashes", async () => {
    assert.deepEqual((await q.distribution.delegatorValidators(carol)).validators, [valoper]);
    const out = await q.distribution.validatorOutstandingRewards(valoper);
    assert.equal(out.rewards?.rewards[0]?.denom, "utcu");
    assert.ok(BigInt(out.rewards!.rewards[0]!.amount) > 0n, "the validator has earned block rewards");
    const h = (await comet.status()).syncInfo.latestBlockHeight;
    const slashes = await q.distribution.validatorSlashes(valoper, 1, h);
    assert.deepEqual(slashes.slashes, []);
    await assert.rejects(q.distribution.validatorSlashes(valoper, 5, 1), /starting height greater than ending height/);
  });

  it("counts pagination.total when the request sets no limit, as the SDK", async () => {
    const r = await q.staking.validators("BOND_STATUS_BONDED");
    assert.equal(r.validators.length, 1);
    assert.equal(r.pagination?.total, 1n);
    // With a limit and no count_total, the SDK leaves total at 0.
    const raw = await q.queryAbci(
      "/cosmos.staking.v1beta1.Query/Validators",
      QueryValidatorsRequest.encode({
        status: "",
        pagination: { key: new Uint8Array(), offset: 0n, limit: 10n, countTotal: false, reverse: false },
      }).finish(),
    );
    assert.equal(QueryValidatorsResponse.decode(raw.value).pagination?.total, 0n);
    assert.equal((await q.staking.delegatorDelegations(carol)).pagination?.total, 1n);
  });

  it("DenomMetadata and Redelegations answer NotFound (code 22) as the SDK", async () => {
    await assert.rejects(
      q.bank.denomMetadata("nosuchdenom"),
      /\(22\): rpc error: code = NotFound desc = client metadata for denom nosuchdenom: key not found/,
    );
    const other = toBech32("tcvaloper", new Uint8Array(20).fill(7));
    await assert.rejects(
      q.staking.redelegations(carol, valoper, other),
      /\(22\): rpc error: code = NotFound desc = redelegation not found/,
    );
  });

  it("serves block_search over heights and block events", async () => {
    const r = await comet.blockSearch({ query: "block.height >= 1 AND block.height <= 3" });
    assert.equal(r.totalCount, 3);
    assert.deepEqual(
      r.blocks.map((b) => b.block.header.height),
      [1, 2, 3],
    );
    const desc = await comet.blockSearch({ query: "block.height <= 3", order_by: "desc", per_page: 2 });
    assert.deepEqual(
      desc.blocks.map((b) => b.block.header.height),
      [2, 3],
      "the two highest (cosmjs sorts a page by height)",
    );
    assert.equal((await comet.blockSearch({ query: "block.height <= 3 AND nosuch.attr = 'x'" })).totalCount, 0);
    // The heights one call reads are bounded (by rpc.max_tx_search_entries, here lowered to 2).
    const saved = node.config.rpc.max_tx_search_entries;
    node.config.rpc.max_tx_search_entries = 2;
    try {
      await assert.rejects(
        comet.blockSearch({ query: "block.height >= 1 AND block.height <= 3" }),
        /selects 3 heights, more than 2/,
      );
    } finally {
      node.config.rpc.max_tx_search_entries = saved;
    }
  });

  it("Simulate reports gas_wanted as the SDK's infinite simulation meter (max uint64)", async () => {
    const [acc] = await wallet.getAccounts();
    const msg = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: MsgSend.encode({
        fromAddress: alice,
        toAddress: carol,
        amount: [{ denom: "utcu", amount: "1" }],
      }).finish(),
    };
    const r = await q.tx.simulate([msg], "", encodeSecp256k1Pubkey(acc!.pubkey), 1); // alice has sent one tx

    assert.equal(r.gasInfo?.gasWanted, 18446744073709551615n);
    assert.ok((r.gasInfo?.gasUsed ?? 0n) > 0n);
  });

  it("refuses queries at a past height and proofs, with clear errors", async () => {
    const data = QueryBalanceRequest.encode({ address: alice, denom: "utcu" }).finish();
    const h = (await comet.status()).syncInfo.latestBlockHeight;
    await assert.rejects(
      q.queryAbci("/cosmos.bank.v1beta1.Query/Balance", data, h - 2),
      /historical queries are not served/,
    );
    await assert.rejects(
      comet.abciQuery({ path: "/cosmos.bank.v1beta1.Query/Balance", data, prove: true }),
      /proofs are not served/,
    );
  });

  it("decodes bech32 pubkeys and builds multisig addresses with the pinned @scure/base", async () => {
    const accounts = await wallet.getAccounts();
    const pubkeys = accounts.map((a) => encodeSecp256k1Pubkey(a.pubkey));
    const bech = encodeBech32Pubkey(pubkeys[0]!, "tcpub");
    assert.deepEqual(decodeBech32Pubkey(bech), pubkeys[0]);
    assert.equal(fromBech32(alice).prefix, "tc");
    const multi = createMultisigThresholdPubkey(pubkeys, 2);
    assert.match(pubkeyToAddress(multi, "tc"), /^tc1/);
  });
});
