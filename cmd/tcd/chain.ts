import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { collectGentxs, signGentx } from "../../chain/genesis/gentx.js";
import type { Command } from "commander";
import { addGenesisAccount, addGenesisValidator, newGenesisDoc } from "../../chain/genesis/build.js";
import { loadGenesisFile, saveGenesisFile } from "../../chain/genesis/genesisDoc.js";
import {
  loadOrGenNodeKey,
  loadOrGenPrivValidatorKey,
  loadPrivValidatorKey,
  nodeId,
} from "../../chain/crypto/keyFiles.js";
import { defaultConfig, homePaths, loadConfig, saveConfig } from "../../chain/types/nodeConfig.js";
import { createLogger } from "../../chain/node/logger.js";
import { createNode } from "../../chain/node/node.js";
import { timeFromMillis } from "../../chain/types/time.js";
import { parseCoins } from "../../modules/sdk/coins.js";
import { validateAddress } from "../../modules/sdk/address.js";
import { cliErrors, flags, keyring, print } from "../../client/cli/context.js";
import { chainRegistryEntry, keplrChainInfo, pingPubChain } from "../../client/sdk/chainInfo.js";
import { ensureCometHome } from "../../chain/abci/cometHome.js";
import { checkTypescriptEngineHome, startAppOnly, startWithCometbft } from "./abciStart.js";

/** `tcd init`, `tcd genesis add-account`, `tcd start`, `tcd status`. */
export function registerChainCommands(program: Command): void {
  program
    .command("init <moniker>")
    .description(
      "create a node's home: config, node and validator keys, and a genesis with this validator (needs --chain-id)",
    )
    .option("--overwrite", "replace an existing genesis.json", false)
    .option("--power <n>", "this validator's voting power in genesis", "100")
    .action((moniker: string, opts: { overwrite: boolean; power: string }, cmd: Command) => {
      const f = flags(cmd);
      if (f.chainId === undefined)
        throw cliErrors.usage.wrap("init needs --chain-id, e.g. --chain-id tcompute-localnet-1");
      const o = { ...opts, chainId: f.chainId };
      const paths = homePaths(f.home);
      if (existsSync(paths.genesis) && !o.overwrite)
        throw cliErrors.usage.wrap(`${paths.genesis} exists; pass --overwrite to replace it`);
      mkdirSync(paths.config, { recursive: true });
      mkdirSync(paths.data, { recursive: true });
      if (!existsSync(paths.genesis) || o.overwrite) saveConfig(f.home, { ...defaultConfig(moniker), moniker });
      // CometBFT's config.toml and signer state, so that `cometbft start --home` runs this validator too.
      ensureCometHome(f.home, loadConfig(f.home));
      const nodeKey = loadOrGenNodeKey(paths.nodeKey);
      const valKey = loadOrGenPrivValidatorKey(paths.privValidatorKey);
      const doc = newGenesisDoc(o.chainId, timeFromMillis(Date.now()));
      if (!/^[0-9]{1,18}$/.test(o.power) || BigInt(o.power) === 0n)
        throw cliErrors.usage.wrap("--power must be a positive integer");
      addGenesisValidator(doc, valKey.pubKey, BigInt(o.power), moniker);
      saveGenesisFile(paths.genesis, doc);
      print(
        f,
        { moniker, chain_id: o.chainId, node_id: nodeId(nodeKey), home: f.home },
        `Initialized ${moniker} for chain ${o.chainId} in ${f.home}\nnode id: ${nodeId(nodeKey)}`,
      );
    });

  const genesis = program.command("genesis").description("edit the genesis file before the chain starts");
  genesis
    .command("add-account <address-or-key> <coins>")
    .description("fund an account in genesis, e.g. `tcd genesis add-account alice 1000000000utcu`")
    .action(async (who: string, coins: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const paths = homePaths(f.home);
      const g = loadGenesisFile(paths.genesis);
      let address = who;
      if (!who.startsWith("tc1")) address = (await keyring(f, false)).show(who).address;
      validateAddress(address);
      addGenesisAccount(g.doc, address, parseCoins(coins));
      saveGenesisFile(paths.genesis, g.doc);
      print(f, { address, coins }, `Added ${coins} for ${address} to ${paths.genesis}`);
    });

  genesis
    .command("gentx <key-name> <amount>")
    .description(
      "sign this node's MsgCreateValidator with an account funded in genesis, e.g. `tcd genesis gentx alice 10000000utcu`",
    )
    .option("--moniker <name>", "validator name (default: the node's moniker)")
    .option("--commission-rate <dec>", "initial commission rate", "0.10")
    .option("--commission-max-rate <dec>", "maximum commission rate", "0.20")
    .option("--commission-max-change-rate <dec>", "maximum daily commission change", "0.01")
    .option("--min-self-delegation <n>", "minimum self-delegation in base units", "1")
    .action(
      async (
        keyName: string,
        amount: string,
        o: {
          moniker?: string;
          commissionRate: string;
          commissionMaxRate: string;
          commissionMaxChangeRate: string;
          minSelfDelegation: string;
        },
        cmd: Command,
      ) => {
        const f = flags(cmd);
        const paths = homePaths(f.home);
        const g = loadGenesisFile(paths.genesis);
        const coins = parseCoins(amount);
        if (coins.length !== 1) throw cliErrors.usage.wrap("the self-delegation is one coin, e.g. 10000000utcu");
        const kr = await keyring(f, true);
        const operator = kr.show(keyName).address;
        if (!/^[0-9]{1,30}$/.test(o.minSelfDelegation))
          throw cliErrors.usage.wrap("--min-self-delegation must be a whole number of base units");
        const tx = await signGentx(await kr.wallet(keyName), g.doc, {
          chainId: g.chainId,
          operator,
          consensusPubKey: loadPrivValidatorKey(paths.privValidatorKey).pubKey,
          amount: coins[0]!.amount,
          denom: coins[0]!.denom,
          moniker: o.moniker ?? loadConfig(f.home).moniker,
          commissionRate: o.commissionRate,
          commissionMaxRate: o.commissionMaxRate,
          commissionMaxChangeRate: o.commissionMaxChangeRate,
          minSelfDelegation: BigInt(o.minSelfDelegation),
        });
        const dir = join(paths.config, "gentx");
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `gentx-${nodeId(loadOrGenNodeKey(paths.nodeKey))}.json`);
        writeFileSync(
          file,
          JSON.stringify({ tx: Buffer.from(tx).toString("base64"), operator, amount }, null, 2) + "\n",
        );
        print(f, { file, operator }, `Genesis transaction written to ${file}`);
      },
    );

  genesis
    .command("collect-gentxs")
    .description(
      "put every gentx of config/gentx (or --gentx-dir) into genesis; the validator set then comes from them",
    )
    .option("--gentx-dir <dir>", "where the gentx files are")
    .action((o: { gentxDir?: string }, cmd: Command) => {
      const f = flags(cmd);
      const paths = homePaths(f.home);
      const dir = o.gentxDir ?? join(paths.config, "gentx");
      if (!existsSync(dir)) throw cliErrors.usage.wrap(`${dir} does not exist; run \`tcd genesis gentx\` first`);
      const files = readdirSync(dir)
        .filter((x) => x.endsWith(".json"))
        .sort();
      if (files.length === 0) throw cliErrors.usage.wrap(`no gentx files in ${dir}`);
      const txs = files.map((x) => {
        try {
          const j = JSON.parse(readFileSync(join(dir, x), "utf8")) as { tx?: unknown };
          if (typeof j.tx !== "string") throw new Error('no "tx" field');
          return new Uint8Array(Buffer.from(j.tx, "base64"));
        } catch (e) {
          throw cliErrors.usage.wrap(`${join(dir, x)}: ${(e as Error).message}`);
        }
      });
      const g = loadGenesisFile(paths.genesis);
      collectGentxs(g.doc, txs);
      saveGenesisFile(paths.genesis, g.doc);
      print(f, { gentxs: files.length }, `Collected ${files.length} genesis transaction(s) into ${paths.genesis}`);
    });

  program
    .command("start")
    .description("run the node until interrupted")
    .option("--rpc.laddr <addr>", "RPC listen address, e.g. tcp://127.0.0.1:26657")
    .option("--log-level <level>", "debug, info, warn or error")
    .option(
      "--engine <engine>",
      "consensus engine: tcompute (built in) or cometbft (a `cometbft start` child over ABCI)",
      "tcompute",
    )
    .option(
      "--abci <addr>",
      "serve the app over ABCI at tcp://host:port or unix:///path (alone, or with --engine cometbft: the address CometBFT dials)",
    )
    .action(async (o: Record<string, string | undefined>, cmd: Command) => {
      const f = flags(cmd);
      const config = loadConfig(f.home);
      if (o["rpc.laddr"] !== undefined) config.rpc.laddr = o["rpc.laddr"];
      if (o["logLevel"] !== undefined) config.log_level = o["logLevel"] as typeof config.log_level;
      if (o["engine"] !== "tcompute" && o["engine"] !== "cometbft")
        throw cliErrors.usage.wrap("--engine must be tcompute or cometbft");
      if (o["engine"] === "cometbft")
        return startWithCometbft(f.home, config, { abci: o["abci"], rpcLaddr: o["rpc.laddr"] });
      if (o["abci"] !== undefined) return startAppOnly(f.home, config, o["abci"]);
      checkTypescriptEngineHome(f.home);
      const logger = createLogger(config.log_level);
      const node = await createNode({ home: f.home, config }, { logger });
      await node.start();
      process.stdout.write(`RPC listening on http://${node.rpcAddress} (chain ${node.genesis.chainId})\n`);
      if (node.apiAddress !== "") process.stdout.write(`REST API listening on http://${node.apiAddress}\n`);
      if (node.metricsAddress !== "")
        process.stdout.write(`Prometheus metrics on http://${node.metricsAddress}/metrics\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        void node.halted.then((e) => {
          process.stderr.write(`node halted: ${e.message}\n`);
          process.exitCode = 2;
          resolve();
        });
      });
      await node.stop();
    });

  const info = program
    .command("chain-info")
    .description("what wallets and registries need to know of this chain (from <home>/config/genesis.json)");
  const endpoints = (c: Command) =>
    c
      .option("--rpc <url>", "the RPC endpoint wallets should use", "http://127.0.0.1:26657")
      .option("--rest <url>", "the REST endpoint (api.address)", "http://127.0.0.1:1317")
      .option("--network-type <type>", "chain-registry network_type: mainnet, testnet or devnet", "devnet");
  const endpointsOf = (o: { rpc: string; rest: string; networkType: string }) => {
    for (const u of [o.rpc, o.rest])
      if (!/^https?:\/\/[^\s]+$/.test(u)) throw cliErrors.usage.wrap(`${u} is not an http(s) URL`);
    if (!["mainnet", "testnet", "devnet"].includes(o.networkType))
      throw cliErrors.usage.wrap("--network-type must be mainnet, testnet or devnet");
    return { rpc: o.rpc, rest: o.rest, networkType: o.networkType as "mainnet" | "testnet" | "devnet" };
  };
  endpoints(
    info.command("keplr").description("Keplr's ChainInfo JSON, for window.keplr.experimentalSuggestChain"),
  ).action((o: { rpc: string; rest: string; networkType: string }, cmd: Command) => {
    const f = flags(cmd);
    process.stdout.write(
      JSON.stringify(keplrChainInfo(loadGenesisFile(homePaths(f.home).genesis).doc, endpointsOf(o)), null, 2) + "\n",
    );
  });
  endpoints(
    info.command("pingpub").description("a Ping.pub explorer chain config (explorer/chains/<network>/<name>.json)"),
  ).action((o: { rpc: string; rest: string; networkType: string }, cmd: Command) => {
    const f = flags(cmd);
    process.stdout.write(
      JSON.stringify(pingPubChain(loadGenesisFile(homePaths(f.home).genesis).doc, endpointsOf(o)), null, 2) + "\n",
    );
  });
  endpoints(info.command("registry").description("a chain-registry entry: chain.json and assetlist.json"))
    .option("--out <dir>", "write chain.json and assetlist.json there (default: print both)")
    .action((o: { rpc: string; rest: string; networkType: string; out?: string }, cmd: Command) => {
      const f = flags(cmd);
      const entry = chainRegistryEntry(loadGenesisFile(homePaths(f.home).genesis).doc, endpointsOf(o));
      if (o.out === undefined) return void process.stdout.write(JSON.stringify(entry, null, 2) + "\n");
      mkdirSync(o.out, { recursive: true });
      writeFileSync(join(o.out, "chain.json"), JSON.stringify(entry.chain, null, 2) + "\n");
      writeFileSync(join(o.out, "assetlist.json"), JSON.stringify(entry.assetlist, null, 2) + "\n");
      print(
        f,
        { chain: join(o.out, "chain.json"), assetlist: join(o.out, "assetlist.json") },
        `Wrote ${join(o.out, "chain.json")} and ${join(o.out, "assetlist.json")}`,
      );
    });

  program
    .command("status")
    .description("the node's status (chain, height, latest block, validator)")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const res = await rpcCall(f.node, "status", {});
      const s = res as {
        node_info: { network: string; moniker: string };
        sync_info: {
          latest_block_height: string;
          latest_block_hash: string;
          latest_block_time: string;
          catching_up: boolean;
        };
      };
      print(
        f,
        res,
        `chain ${s.node_info.network} (${s.node_info.moniker}) height ${s.sync_info.latest_block_height} at ${s.sync_info.latest_block_time}\nlatest block ${s.sync_info.latest_block_hash}${s.sync_info.catching_up ? " (catching up)" : ""}`,
      );
    });
}

/** A JSON-RPC call to a node; throws with the node's own error text. */
export async function rpcCall(node: string, method: string, params: Record<string, unknown>): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(node, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
  } catch (e) {
    throw cliErrors.node.wrap(
      `${node}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}; is the node running? (--node)`,
    );
  }
  const body = (await res.json()) as { result?: unknown; error?: { message: string; data: string } };
  if (body.error !== undefined) throw cliErrors.node.wrap(`${method}: ${body.error.message}: ${body.error.data}`);
  return body.result;
}
