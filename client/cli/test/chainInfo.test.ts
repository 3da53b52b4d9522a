import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StargateClient } from "@cosmjs/stargate";
import { loadConfig } from "../../../chain/types/nodeConfig.js";
import { createNode, type Node } from "../../../chain/node/node.js";
import { freePort, makeTestHome } from "../../../chain/testkit/nodeProcess.js";
import { repoRoot } from "../../../localnet/localnet.js";
import { nopLogger } from "../../../modules/sdk/context.js";

// `tcd chain-info keplr|registry` (issue 14 item 4): Keplr's ChainInfo and a chain-registry entry
// from a node's genesis, checked against the rules of chain-registry's chain.schema.json and
// assetlist.schema.json (required fields, enums, patterns, no unknown properties), and used: the
// endpoints they name answer cosmjs and the REST API with this chain.

type J = Record<string, unknown>;

function onlyKeys(o: unknown, allowed: string[], at: string): J {
  assert.equal(typeof o, "object", at);
  const extra = Object.keys(o as J).filter((k) => !allowed.includes(k));
  assert.deepEqual(extra, [], `${at}: properties the schema does not allow`);
  return o as J;
}

function checkChainJson(c: J): void {
  onlyKeys(
    c,
    [
      "$schema",
      "chain_name",
      "chain_type",
      "chain_id",
      "pre_fork_chain_name",
      "pretty_name",
      "website",
      "status",
      "network_type",
      "bech32_prefix",
      "bech32_config",
      "daemon_name",
      "node_home",
      "key_algos",
      "slip44",
      "alternative_slip44s",
      "fees",
      "staking",
      "codebase",
      "images",
      "logo_URIs",
      "description",
      "peers",
      "apis",
      "explorers",
      "keywords",
      "extra_codecs",
    ],
    "chain",
  );
  assert.match(String(c["$schema"]), /^(\.\.\/)+chain\.schema\.json$/);
  assert.match(String(c["chain_name"]), /^[a-z0-9]+$/);
  assert.equal(c["chain_type"], "cosmos");
  for (const k of ["chain_id", "pretty_name", "bech32_prefix", "daemon_name", "node_home"])
    assert.ok(typeof c[k] === "string" && (c[k] as string).length > 0, k);
  assert.ok(["live", "upcoming", "killed"].includes(String(c["status"])));
  assert.ok(["mainnet", "testnet", "devnet"].includes(String(c["network_type"])));
  assert.ok(
    (c["key_algos"] as string[]).every((a) => ["secp256k1", "ethsecp256k1", "ed25519", "sr25519", "bn254"].includes(a)),
  );
  assert.equal(typeof c["slip44"], "number");
  const fees = onlyKeys(c["fees"], ["fee_tokens"], "fees");
  for (const t of fees["fee_tokens"] as J[]) {
    onlyKeys(
      t,
      ["denom", "fixed_min_gas_price", "low_gas_price", "average_gas_price", "high_gas_price", "gas_costs"],
      "fee_token",
    );
    assert.ok(typeof t["denom"] === "string" && t["denom"] !== "");
    for (const k of ["fixed_min_gas_price", "low_gas_price", "average_gas_price", "high_gas_price"])
      assert.equal(typeof t[k], "number", k);
  }
  const staking = onlyKeys(c["staking"], ["staking_tokens", "lock_duration"], "staking");
  for (const t of staking["staking_tokens"] as J[]) onlyKeys(t, ["denom"], "staking_token");
  const codebase = onlyKeys(
    c["codebase"],
    [
      "git_repo",
      "recommended_version",
      "compatible_versions",
      "tag",
      "language",
      "binaries",
      "sdk",
      "consensus",
      "cosmwasm",
      "ibc",
      "genesis",
    ],
    "codebase",
  );
  const sdk = onlyKeys(codebase["sdk"], ["type", "version", "repo", "tag"], "sdk");
  assert.ok(["cosmos", "penumbra", "other"].includes(String(sdk["type"])));
  assert.match(String(sdk["version"]), /^v?\d+(\.\d+){0,2}$/);
  const consensus = onlyKeys(codebase["consensus"], ["type", "version", "repo", "tag"], "consensus");
  assert.ok(["tendermint", "cometbft", "sei-tendermint"].includes(String(consensus["type"])));
  assert.match(String(consensus["version"]), /^v?\d+(\.\d+){0,2}$/);
  const apis = onlyKeys(c["apis"], ["rpc", "rest", "grpc", "wss", "grpc-web", "evm-http-jsonrpc"], "apis");
  for (const e of [...(apis["rpc"] as J[]), ...(apis["rest"] as J[])]) {
    onlyKeys(e, ["address", "provider", "archive"], "endpoint");
    assert.ok(typeof e["address"] === "string" && e["address"] !== "");
  }
}

function checkAssetList(a: J, chainName: string): void {
  onlyKeys(a, ["$schema", "chain_name", "assets"], "assetlist");
  assert.match(String(a["$schema"]), /^(\.\.\/)+assetlist\.schema\.json$/);
  assert.equal(a["chain_name"], chainName);
  for (const asset of a["assets"] as J[]) {
    for (const k of ["denom_units", "base", "name", "display", "symbol", "type_asset"])
      assert.ok(k in asset, `asset.${k} is required`);
    assert.equal(asset["type_asset"], "sdk.coin");
    const units = asset["denom_units"] as J[];
    for (const u of units) onlyKeys(u, ["denom", "exponent", "aliases"], "denom_unit");
    assert.ok(
      units.some((u) => u["denom"] === asset["base"] && u["exponent"] === 0),
      "the base unit has exponent 0",
    );
    assert.ok(
      units.some((u) => u["denom"] === asset["display"]),
      "display names a unit",
    );
  }
}

describe("tcd chain-info: Keplr ChainInfo and chain-registry entry", function () {
  this.timeout(60_000);
  let node: Node;
  let home: string;
  let chainId: string;
  let rpc: string;
  let rest: string;

  before(async () => {
    const h = await makeTestHome({ accounts: [] });
    home = h.home;
    chainId = h.chainId;
    const config = loadConfig(home);
    config.api.enable = true;
    config.api.address = `tcp://127.0.0.1:${await freePort()}`;
    node = await createNode({ home, config, inMemory: true }, { logger: nopLogger });
    await node.start();
    rpc = `http://${node.rpcAddress}`;
    rest = `http://${node.apiAddress}`;
  });

  after(async () => {
    await node?.stop();
  });

  const tcd = (...args: string[]) =>
    execFileSync(process.execPath, [join(repoRoot, "cmd", "tcd", "tcd.mjs"), ...args, "--home", home], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });

  it("prints a Keplr ChainInfo whose endpoints serve this chain", async () => {
    const info = JSON.parse(tcd("chain-info", "keplr", "--rpc", rpc, "--rest", rest)) as J & {
      bech32Config: J;
      currencies: J[];
      feeCurrencies: Array<J & { gasPriceStep: { low: number; average: number; high: number } }>;
      stakeCurrency: J;
      bip44: J;
    };
    assert.equal(info["chainId"], chainId);
    assert.equal(info.bip44["coinType"], 118);
    assert.deepEqual(Object.values(info.bech32Config), [
      "tc",
      "tcpub",
      "tcvaloper",
      "tcvaloperpub",
      "tcvalcons",
      "tcvalconspub",
    ]);
    assert.deepEqual(info.currencies[0], { coinDenom: "TCU", coinMinimalDenom: "utcu", coinDecimals: 6 });
    const step = info.feeCurrencies[0]!.gasPriceStep;
    assert.ok(step.low > 0 && step.low <= step.average && step.average <= step.high);
    assert.equal(info.stakeCurrency["coinMinimalDenom"], "utcu");
    const client = await StargateClient.connect(String(info["rpc"]));
    assert.equal(await client.getChainId(), chainId);
    client.disconnect();
    const ni = (await (await fetch(`${String(info["rest"])}/cosmos/base/tendermint/v1beta1/node_info`)).json()) as {
      default_node_info: { network: string };
    };
    assert.equal(ni.default_node_info.network, chainId);
  });

  it("writes chain.json and assetlist.json that follow the chain-registry schemas", () => {
    const out = mkdtempSync(join(tmpdir(), "tcd-registry-"));
    tcd("chain-info", "registry", "--rpc", rpc, "--rest", rest, "--network-type", "testnet", "--out", out);
    const chain = JSON.parse(readFileSync(join(out, "chain.json"), "utf8")) as J;
    checkChainJson(chain);
    assert.equal(chain["chain_id"], chainId);
    assert.equal(chain["network_type"], "testnet");
    assert.equal(chain["bech32_prefix"], "tc");
    checkAssetList(JSON.parse(readFileSync(join(out, "assetlist.json"), "utf8")) as J, String(chain["chain_name"]));
  });

  it("prints a Ping.pub chain config whose REST endpoint serves the routes Ping.pub reads", async () => {
    const p = JSON.parse(tcd("chain-info", "pingpub", "--rpc", rpc, "--rest", rest)) as {
      api: string[];
      rpc: string[];
      addr_prefix: string;
      sdk_version: string;
      assets: Array<{ base: string; exponent: string; symbol: string }>;
    };
    assert.equal(p.addr_prefix, "tc");
    assert.deepEqual(p.assets[0], { base: "utcu", symbol: "TCU", exponent: "6", coingecko_id: "", logo: "" });
    for (const path of [
      "/cosmos/base/tendermint/v1beta1/node_info",
      "/cosmos/base/tendermint/v1beta1/blocks/latest",
      "/cosmos/staking/v1beta1/validators",
      "/cosmos/staking/v1beta1/pool",
      "/cosmos/bank/v1beta1/supply",
      "/cosmos/slashing/v1beta1/signing_infos",
      "/cosmos/distribution/v1beta1/community_pool",
    ]) {
      assert.equal((await fetch(`${p.api[0]}${path}`)).status, 200, path);
    }
  });

  it("refuses bad options with a usage error", () => {
    assert.throws(() => tcd("chain-info", "keplr", "--rpc", "not a url"), /is not an http\(s\) URL/);
    assert.throws(() => tcd("chain-info", "registry", "--network-type", "moon"), /network-type must be/);
  });
});
