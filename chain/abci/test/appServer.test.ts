import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadGenesisFile } from "../../genesis/genesisDoc.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { configPath, defaultConfig, homePaths, legacyConfigPath, loadConfig } from "../../types/nodeConfig.js";
import { makeTestHome } from "../../testkit/nodeProcess.js";
import { startAbciApp } from "../appServer.js";
import { connectAbci } from "../client.js";
import { cometConfigToml, dataEngine, ensureCometHome, readCometSetting } from "../cometHome.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

async function initChainRequest(home: string) {
  const g = loadGenesisFile(homePaths(home).genesis);
  return {
    time: g.time,
    chainId: g.chainId,
    consensusParams: g.consensusParams,
    validators: g.validators.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
    appStateBytes: Buffer.from(JSON.stringify(g.doc.app_state)),
    initialHeight: g.initialHeight,
  };
}

describe("the app as a CometBFT app process (startAbciApp) and its home", () => {
  it("keeps its state across restarts, so that Info agrees with what it committed", async () => {
    const { home } = await makeTestHome({ accounts: [] });
    const config = loadConfig(home);
    const init = await initChainRequest(home);
    let a = await startAbciApp({ home, config, address: "tcp://127.0.0.1:0" }, { logger: nopLogger });
    let c = await connectAbci(a.server.address);
    const initRes = (await c.call({ initChain: init })).initChain!;
    const g = loadGenesisFile(homePaths(home).genesis);
    const fin = (
      await c.call({
        finalizeBlock: {
          txs: [],
          height: 1n,
          time: { seconds: g.time.seconds + 1n, nanos: 0 },
          hash: new Uint8Array(32),
          proposerAddress: g.validators[0]!.address,
          nextValidatorsHash: new Uint8Array(32),
        },
      })
    ).finalizeBlock!;
    assert.notEqual(hex(fin.appHash), hex(initRes.appHash));
    await c.call({ commit: {} });
    c.close();
    await a.close();

    a = await startAbciApp({ home, config, address: "tcp://127.0.0.1:0" }, { logger: nopLogger });
    c = await connectAbci(a.server.address);
    const info = (await c.call({ info: {} })).info!;
    assert.equal(info.lastBlockHeight, 1n);
    assert.equal(hex(info.lastBlockAppHash), hex(fin.appHash));
    const again = await c.call({ initChain: init });
    assert.match(
      again.exception?.error ?? "",
      /initChain on an initialized state/,
      "a second InitChain after block 1 is refused",
    );
    c.close();
    await a.close();
  });

  it("makes its state again when CometBFT repeats InitChain before block 1 (a crash in between)", async () => {
    const { home } = await makeTestHome({ accounts: [] });
    const config = loadConfig(home);
    const init = await initChainRequest(home);
    let a = await startAbciApp({ home, config, address: "tcp://127.0.0.1:0" }, { logger: nopLogger });
    let c = await connectAbci(a.server.address);
    const first = (await c.call({ initChain: init })).initChain!;
    c.close();
    await a.close();
    a = await startAbciApp({ home, config, address: "tcp://127.0.0.1:0" }, { logger: nopLogger });
    c = await connectAbci(a.server.address);
    assert.equal((await c.call({ info: {} })).info!.lastBlockHeight, 0n);
    const second = await c.call({ initChain: init });
    assert.equal(second.exception, undefined);
    assert.equal(hex(second.initChain!.appHash), hex(first.appHash));
    c.close();
    await a.close();
  });

  it("refuses a state store of another chain", async () => {
    const { home } = await makeTestHome({ accounts: [] });
    const config = loadConfig(home);
    const a = await startAbciApp({ home, config, address: "tcp://127.0.0.1:0" }, { logger: nopLogger });
    const c = await connectAbci(a.server.address);
    await c.call({ initChain: await initChainRequest(home) });
    c.close();
    await a.close();
    const gpath = homePaths(home).genesis;
    writeFileSync(gpath, readFileSync(gpath, "utf8").replace(/"chain_id": "[^"]+"/, '"chain_id": "other-chain-1"'));
    await assert.rejects(
      startAbciApp({ home, config, address: "tcp://127.0.0.1:0" }, { logger: nopLogger }),
      /holds chain tcompute-e2e-1, but genesis is for other-chain-1/,
    );
  });

  it("writes CometBFT's config.toml from tcd.json once, and the signer state CometBFT needs", () => {
    const home = mkdtempSync(join(tmpdir(), "comet-home-"));
    const c = defaultConfig("val-a");
    c.rpc.laddr = "tcp://127.0.0.1:36657";
    c.p2p.persistent_peers = "0123456789abcdef0123456789abcdef01234567@127.0.0.1:36666";
    c.log_level = "warn";
    assert.equal(ensureCometHome(home, c, "tcp://127.0.0.1:36658"), true);
    assert.equal(readCometSetting(home, null, "proxy_app"), "tcp://127.0.0.1:36658");
    assert.equal(readCometSetting(home, "rpc", "laddr"), "tcp://127.0.0.1:36657");
    assert.equal(readCometSetting(home, "p2p", "persistent_peers"), c.p2p.persistent_peers);
    assert.equal(readCometSetting(home, null, "log_level"), "error", "CometBFT has no warn level");
    assert.equal(readCometSetting(home, "rpc", "no_such_key"), null);
    assert.match(
      cometConfigToml(c, "tcp://x:1"),
      /addr_book_strict = false\nallow_duplicate_ip = true/,
      "loopback localnets",
    );
    assert.match(
      cometConfigToml(c, "tcp://x:1"),
      /\nmax_request_batch_size = 50\n/,
      "rpc.max_batch_requests carries over (CometBFT's own default is 10)",
    );
    assert.deepEqual(JSON.parse(readFileSync(homePaths(home).privValidatorState, "utf8")), {
      height: "0",
      round: 0,
      step: 0,
    });
    // An operator's edits survive.
    const path = join(home, "config", "config.toml");
    writeFileSync(path, readFileSync(path, "utf8").replace("36658", "46658"));
    assert.equal(ensureCometHome(home, c), false);
    assert.equal(readCometSetting(home, null, "proxy_app"), "tcp://127.0.0.1:46658");
  });

  it("tells which engine's block stores a data directory holds", () => {
    const home = mkdtempSync(join(tmpdir(), "engine-home-"));
    assert.equal(dataEngine(home), null);
    mkdirSync(join(home, "data", "blockstore.db"), { recursive: true });
    assert.equal(dataEngine(home), "tcompute");
    mkdirSync(join(home, "data", "state.db"));
    assert.equal(dataEngine(home), "cometbft");
  });

  it("renames an old config/config.json to config/tcd.json (CometBFT would read it as its own)", () => {
    const home = mkdtempSync(join(tmpdir(), "legacy-home-"));
    mkdirSync(join(home, "config"));
    writeFileSync(legacyConfigPath(home), JSON.stringify({ moniker: "old", consensus: { timeout_commit: "2s" } }));
    const c = loadConfig(home);
    assert.equal(c.moniker, "old");
    assert.equal(c.consensus.timeout_commit, "2s");
    assert.equal(existsSync(legacyConfigPath(home)), false);
    assert.equal(existsSync(configPath(home)), true);
  });
});
