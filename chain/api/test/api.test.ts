import assert from "node:assert/strict";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { nopLogger } from "../../../modules/sdk/context.js";
import { loadConfig } from "../../types/nodeConfig.js";
import { createNode, type Node } from "../../node/node.js";
import { freePort, makeTestHome } from "../../testkit/nodeProcess.js";

// The REST API with plain HTTP requests, as Ping.pub and Keplr send them (issue 14 item 2).

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("REST API (gRPC-gateway routes)", function () {
  this.timeout(60_000);
  let node: Node;
  let base: string;
  let alice: string;
  let carol: string;
  let valoper: string;
  let chainId: string;
  let sendHash: string;
  let client: SigningStargateClient;

  const get = async (
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: J; headers: Headers }> => {
    const res = await fetch(`${base}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as J, headers: res.headers };
  };
  const post = async (path: string, body: unknown): Promise<{ status: number; body: J }> => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as J };
  };

  before(async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, {
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
    chainId = home.chainId;
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "100ms";
    config.api.enable = true;
    config.api.address = `tcp://127.0.0.1:${await freePort()}`;
    config.api.max_body_bytes = 100_000;
    node = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
    await node.start();
    base = `http://${node.apiAddress}`;
    client = await SigningStargateClient.connectWithSigner(`http://${node.rpcAddress}`, wallet, {
      gasPrice: GasPrice.fromString("0.0025utcu"),
    });
    const res = await client.sendTokens(alice, carol, [{ denom: "utcu", amount: "777" }], "auto", "via rest");
    assert.equal(res.code, 0, res.rawLog);
    sendHash = res.transactionHash;
  });

  after(async () => {
    client?.disconnect();
    await node?.stop();
  });

  it("is off by default (the SDK's app.toml [api] enable = false)", () => {
    assert.equal(loadConfig("/nonexistent").api.enable, false);
  });

  it("serves node info, syncing, blocks and validator sets", async () => {
    const info = (await get("/cosmos/base/tendermint/v1beta1/node_info")).body;
    assert.equal(info.default_node_info.network, chainId);
    assert.equal(info.default_node_info.other.tx_index, "on");
    assert.equal(info.application_version.app_name, "tcd");
    assert.match(info.application_version.cosmos_sdk_version, /^v0\.50/);
    assert.deepEqual((await get("/cosmos/base/tendermint/v1beta1/syncing")).body, { syncing: false });
    const latest = (await get("/cosmos/base/tendermint/v1beta1/blocks/latest")).body;
    assert.match(latest.block.header.height, /^[0-9]+$/, "int64 as a string");
    assert.equal(latest.block.header.chain_id, chainId);
    assert.equal(Buffer.from(latest.block_id.hash, "base64").length, 32);
    assert.match(latest.sdk_block.header.proposer_address, /^tcvalcons1/);
    const one = (await get("/cosmos/base/tendermint/v1beta1/blocks/1")).body;
    assert.equal(one.block.header.height, "1");
    const vs = (await get("/cosmos/base/tendermint/v1beta1/validatorsets/latest")).body;
    assert.match(vs.validators[0].address, /^tcvalcons1/);
    assert.equal(vs.validators[0].pub_key["@type"], "/cosmos.crypto.ed25519.PubKey");
    assert.equal(typeof vs.validators[0].pub_key.key, "string");
    assert.equal(vs.pagination.total, "1");
    assert.equal((await get("/cosmos/base/tendermint/v1beta1/validatorsets/2")).body.block_height, "2");
  });

  it("serves bank balances, supply and denom metadata, with NotFound as the SDK", async () => {
    const bal = (await get(`/cosmos/bank/v1beta1/balances/${carol}`)).body;
    assert.equal(bal.balances[0].denom, "utcu");
    assert.match(bal.balances[0].amount, /^[0-9]+$/);
    assert.equal(bal.pagination.total, "1");
    assert.deepEqual(
      (await get(`/cosmos/bank/v1beta1/balances/${carol}/by_denom?denom=utcu`)).body.balance,
      bal.balances[0],
    );
    assert.equal((await get("/cosmos/bank/v1beta1/supply/by_denom?denom=utcu")).body.amount.denom, "utcu");
    assert.ok((await get("/cosmos/bank/v1beta1/supply")).body.supply.length >= 1);
    const missing = await get("/cosmos/bank/v1beta1/denoms_metadata/nosuch");
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, {
      code: 5,
      message: "client metadata for denom nosuch: key not found",
      details: [],
    });
    const bad = await get("/cosmos/bank/v1beta1/balances/notanaddress");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 3);
  });

  it("serves auth accounts with Any unpacked (@type) and snake_case fields", async () => {
    const acc = (await get(`/cosmos/auth/v1beta1/accounts/${alice}`)).body.account;
    assert.equal(acc["@type"], "/cosmos.auth.v1beta1.BaseAccount");
    assert.equal(acc.address, alice);
    assert.match(acc.account_number, /^[0-9]+$/);
    assert.equal(acc.sequence, "1");
    assert.equal(acc.pub_key["@type"], "/cosmos.crypto.secp256k1.PubKey");
    const nobody = await get(`/cosmos/auth/v1beta1/accounts/${toBech32("tc", new Uint8Array(20).fill(3))}`);
    assert.equal(nobody.status, 404);
    assert.equal(nobody.body.code, 5);
  });

  it("serves staking validators, delegations, unbondings, pool and params with decimals and enum names", async () => {
    const vals = (await get("/cosmos/staking/v1beta1/validators?status=BOND_STATUS_BONDED")).body;
    assert.equal(vals.validators.length, 1);
    const v = vals.validators[0];
    assert.equal(v.operator_address, valoper);
    assert.equal(v.status, "BOND_STATUS_BONDED");
    assert.equal(v.consensus_pubkey["@type"], "/cosmos.crypto.ed25519.PubKey");
    assert.equal(v.delegator_shares, "100000000.000000000000000000");
    assert.equal(v.commission.commission_rates.rate, "0.100000000000000000");
    assert.equal(vals.pagination.total, "1");
    assert.equal((await get(`/cosmos/staking/v1beta1/validators/${valoper}`)).body.validator.tokens, "100000000");
    const dels = (await get(`/cosmos/staking/v1beta1/delegations/${carol}`)).body;
    assert.equal(dels.delegation_responses[0].delegation.shares, "100000000.000000000000000000");
    assert.equal(dels.delegation_responses[0].balance.amount, "100000000");
    assert.equal(
      (await get(`/cosmos/staking/v1beta1/validators/${valoper}/delegations`)).body.delegation_responses.length,
      1,
    );
    assert.deepEqual(
      (await get(`/cosmos/staking/v1beta1/delegators/${carol}/unbonding_delegations`)).body.unbonding_responses,
      [],
    );
    assert.deepEqual(
      (await get(`/cosmos/staking/v1beta1/validators/${valoper}/unbonding_delegations`)).body.unbonding_responses,
      [],
    );
    assert.equal((await get("/cosmos/staking/v1beta1/pool")).body.pool.bonded_tokens, "100000000");
    assert.equal((await get("/cosmos/staking/v1beta1/params")).body.params.bond_denom, "utcu");
    assert.equal((await get("/cosmos/staking/v1beta1/historical_info/2")).body.hist.header.height, "2");
    const page = (await get("/cosmos/staking/v1beta1/validators?pagination.limit=1&pagination.count_total=false")).body;
    assert.equal(page.pagination.total, "0");
  });

  it("serves distribution rewards and commission as DecCoins, and slashing signing infos", async () => {
    const r = (await get(`/cosmos/distribution/v1beta1/delegators/${carol}/rewards`)).body;
    assert.equal(r.rewards[0].validator_address, valoper);
    assert.match(r.total[0].amount, /^[0-9]+\.[0-9]{18}$/);
    assert.match(
      (await get(`/cosmos/distribution/v1beta1/validators/${valoper}/commission`)).body.commission.commission[0].amount,
      /^[0-9]+\.[0-9]{18}$/,
    );
    assert.match(
      (await get(`/cosmos/distribution/v1beta1/validators/${valoper}/outstanding_rewards`)).body.rewards.rewards[0]
        .amount,
      /^[0-9]+\.[0-9]{18}$/,
    );
    assert.deepEqual((await get(`/cosmos/distribution/v1beta1/delegators/${carol}/validators`)).body.validators, [
      valoper,
    ]);
    assert.deepEqual((await get(`/cosmos/distribution/v1beta1/validators/${valoper}/slashes`)).body.slashes, []);
    assert.ok(Array.isArray((await get("/cosmos/distribution/v1beta1/community_pool")).body.pool));
    const infos = (await get("/cosmos/slashing/v1beta1/signing_infos")).body;
    assert.match(infos.info[0].address, /^tcvalcons1/);
    assert.match(
      (await get("/cosmos/slashing/v1beta1/params")).body.params.slash_fraction_double_sign,
      /^0\.[0-9]{18}$/,
    );
  });

  it("finds txs by hash and by events, simulates and broadcasts", async () => {
    const t = (await get(`/cosmos/tx/v1beta1/txs/${sendHash}`)).body;
    assert.equal(t.tx_response.txhash, sendHash);
    assert.equal(t.tx_response.code, 0);
    assert.equal(t.tx.body.memo, "via rest");
    assert.equal(t.tx.body.messages[0]["@type"], "/cosmos.bank.v1beta1.MsgSend");
    assert.equal(t.tx.body.messages[0].from_address, alice);
    assert.equal(t.tx.auth_info.signer_infos[0].mode_info.single.mode, "SIGN_MODE_DIRECT");
    assert.equal((await get(`/cosmos/tx/v1beta1/txs/${"AB".repeat(32)}`)).status, 404);
    const search = (await get(`/cosmos/tx/v1beta1/txs?query=${encodeURIComponent(`message.sender='${alice}'`)}`)).body;
    assert.equal(search.total, "1");
    assert.equal(search.tx_responses[0].txhash, sendHash);
    // A signed tx (not broadcast by the client): simulate it, then broadcast it over REST.
    const msg = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: alice, toAddress: carol, amount: [{ denom: "utcu", amount: "5" }] },
    };
    const signed = await client.sign(
      alice,
      [msg],
      { amount: [{ denom: "utcu", amount: "500" }], gas: "200000" },
      "rest broadcast",
    );
    const txBytes = Buffer.from(TxRaw.encode(signed).finish()).toString("base64");
    const sim = await post("/cosmos/tx/v1beta1/simulate", { tx_bytes: txBytes });
    assert.equal(sim.status, 200, JSON.stringify(sim.body));
    assert.match(sim.body.gas_info.gas_used, /^[1-9][0-9]*$/);
    const b = await post("/cosmos/tx/v1beta1/txs", { tx_bytes: txBytes, mode: "BROADCAST_MODE_SYNC" });
    assert.equal(b.status, 200);
    assert.equal(b.body.tx_response.code, 0, b.body.tx_response.raw_log);
    let found: { status: number; body: J } | null = null;
    for (let i = 0; i < 100 && found?.status !== 200; i++) {
      found = await get(`/cosmos/tx/v1beta1/txs/${b.body.tx_response.txhash}`);
      if (found.status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(found?.body.tx_response.code, 0);
    const again = await post("/cosmos/tx/v1beta1/txs", { tx_bytes: txBytes, mode: "BROADCAST_MODE_SYNC" });
    assert.notEqual(again.body.tx_response.code, 0, "a replayed tx is refused by CheckTx");
  });

  it("serves tcompute's own modules under /tcompute/<module>/v1/", async () => {
    const p = await get("/tcompute/jobs/v1/params");
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(typeof p.body.params, "object");
    const models = await get("/tcompute/registry/v1/models");
    assert.equal(models.status, 200, JSON.stringify(models.body));
    assert.ok(Array.isArray(models.body.models));
    const jobs = await get("/tcompute/jobs/v1/jobs_by_state?state=JOB_STATE_PENDING&pagination.limit=5");
    assert.equal(jobs.status, 200, JSON.stringify(jobs.body));
    assert.deepEqual(jobs.body.jobs, []);
    const sched = await get("/tcompute/emissions/v1/schedule");
    assert.match(sched.body.current_per_block, /^[0-9]+$/);
    assert.equal((await get("/tcompute/jobs/v1/job?id=nosuch")).body.code !== undefined, true);
  });

  it("answers bad requests with the SDK's {code, message, details} and bounds bodies", async () => {
    assert.deepEqual((await get("/cosmos/nothing/here")).body, { code: 5, message: "Not Found", details: [] });
    assert.equal((await get("/tcompute/nosuchmodule/v1/params")).status, 404);
    const badHeight = await get("/cosmos/base/tendermint/v1beta1/blocks/abc");
    assert.equal(badHeight.status, 400);
    assert.equal(badHeight.body.code, 3);
    const big = await post("/cosmos/tx/v1beta1/txs", { tx_bytes: "A".repeat(200_000) });
    assert.equal(big.status, 429);
    assert.match(big.body.message, /max_body_bytes/);
    const junk = await post("/cosmos/tx/v1beta1/txs", "{not json");
    assert.equal(junk.status, 400);
    assert.equal(junk.body.code, 3);
    const mode = await post("/cosmos/tx/v1beta1/txs", { tx_bytes: "AAAA", mode: "BROADCAST_MODE_BLOCK" });
    assert.equal(mode.status, 400);
    assert.match(mode.body.message, /unsupported broadcast mode/);
    const past = await get(`/cosmos/bank/v1beta1/balances/${alice}`, { "x-cosmos-block-height": "1" });
    assert.equal(past.status, 400);
    assert.match(past.body.message, /historical queries are not served/);
    assert.equal(
      (await get("/cosmos/base/tendermint/v1beta1/node_info", { Origin: "http://evil.example" })).headers.get(
        "access-control-allow-origin",
      ),
      null,
    );
    const longUrl = await get(`/cosmos/bank/v1beta1/balances/${alice}?denom=${"x".repeat(9000)}`);
    assert.equal(longUrl.status, 400);
    assert.match(longUrl.body.message, /URL longer than/);
    const del = await fetch(`${base}/cosmos/bank/v1beta1/params`, { method: "DELETE" });
    assert.equal(del.status, 501);
    assert.equal(((await del.json()) as J).code, 12);
    // The node still answers.
    assert.equal((await get("/cosmos/base/tendermint/v1beta1/syncing")).status, 200);
  });

  it("sends CORS headers for configured origins only", async () => {
    const home = await makeTestHome({ accounts: [] });
    const config = loadConfig(home.home);
    config.api.enable = true;
    config.api.address = `tcp://127.0.0.1:${await freePort()}`;
    config.api.cors_allowed_origins = ["http://localhost:8080"];
    const other = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
    await other.start();
    try {
      const ok = await fetch(`http://${other.apiAddress}/cosmos/base/tendermint/v1beta1/syncing`, {
        headers: { Origin: "http://localhost:8080" },
      });
      assert.equal(ok.headers.get("access-control-allow-origin"), "http://localhost:8080");
      const pre = await fetch(`http://${other.apiAddress}/cosmos/tx/v1beta1/txs`, {
        method: "OPTIONS",
        headers: { Origin: "http://localhost:8080", "Access-Control-Request-Method": "POST" },
      });
      assert.equal(pre.status, 204);
      assert.match(pre.headers.get("access-control-allow-methods") ?? "", /POST/);
      const no = await fetch(`http://${other.apiAddress}/cosmos/base/tendermint/v1beta1/syncing`, {
        headers: { Origin: "http://evil.example" },
      });
      assert.equal(no.headers.get("access-control-allow-origin"), null);
    } finally {
      await other.stop();
    }
  });
});
