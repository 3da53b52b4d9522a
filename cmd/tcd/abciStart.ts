import { startAbciApp } from "../../chain/abci/appServer.js";
import { findCometbft } from "../../chain/abci/binary.js";
import { dataEngine, defaultProxyApp, ensureCometHome, readCometSetting } from "../../chain/abci/cometHome.js";
import { spawnCometbft } from "../../chain/abci/cometProcess.js";
import type { NodeConfig } from "../../chain/types/nodeConfig.js";
import { createLogger } from "../../chain/node/logger.js";
import { cliErrors } from "../../client/cli/context.js";

// `tcd start --abci <addr>` (the app alone, for a CometBFT run by the operator) and
// `tcd start --engine cometbft` (the app and a `cometbft start` child on the same home).

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

function refuseOtherEngine(home: string, engine: "cometbft" | "tcompute"): void {
  const found = dataEngine(home);
  if (found !== null && found !== engine) {
    throw cliErrors.usage.wrap(
      `${home}/data holds the ${found === "cometbft" ? "CometBFT" : "TypeScript"} engine's blocks; a home runs one engine: see docs/node.md (moving a validator between engines)`,
    );
  }
}

/** `tcd start` with the TypeScript engine refuses a home whose blocks CometBFT wrote. */
export function checkTypescriptEngineHome(home: string): void {
  refuseOtherEngine(home, "tcompute");
}

/** The app alone, serving ABCI, keeping its own state store; runs until SIGINT/SIGTERM. */
export async function startAppOnly(home: string, config: NodeConfig, address: string): Promise<void> {
  const logger = createLogger(config.log_level);
  const a = await startAbciApp({ home, config, address }, { logger });
  process.stdout.write(
    `ABCI listening on ${a.server.address} (chain ${a.app().chainId || "not initialized"}); run: cometbft start --home ${home} --proxy_app ${a.server.address}\n`,
  );
  await waitForSignal();
  await a.close();
}

/** The app's ABCI server and a CometBFT child on one home; Ctrl-C stops both. */
export async function startWithCometbft(
  home: string,
  config: NodeConfig,
  opts: { abci?: string; rpcLaddr?: string },
): Promise<void> {
  const logger = createLogger(config.log_level);
  refuseOtherEngine(home, "cometbft");
  const bin = findCometbft();
  if ("missing" in bin) throw cliErrors.usage.wrap(bin.missing);
  if (ensureCometHome(home, config))
    logger.info("wrote config/config.toml for CometBFT from config/tcd.json", { home });
  const address = opts.abci ?? readCometSetting(home, null, "proxy_app") ?? defaultProxyApp;
  const rpcLaddr = opts.rpcLaddr ?? readCometSetting(home, "rpc", "laddr") ?? config.rpc.laddr;
  const app = await startAbciApp({ home, config, address }, { logger });
  const comet = spawnCometbft(
    {
      binary: bin.path,
      home,
      rpcLaddr,
      extraArgs: ["--proxy_app", app.server.address, "--rpc.laddr", rpcLaddr],
      onOutput: (l) => process.stderr.write(l + "\n"),
    },
    { logger },
  );
  const stopped = waitForSignal();
  try {
    await Promise.race([comet.ready(), stopped]);
  } catch (e) {
    await comet.stop();
    await app.close();
    throw e;
  }
  process.stdout.write(
    `cometbft ${bin.version} pid ${comet.child.pid}\nRPC listening on ${comet.rpcUrl} (chain ${app.app().chainId})\n`,
  );
  const exit = await Promise.race([stopped.then(() => null), comet.exited]);
  if (exit !== null) {
    process.stderr.write(`cometbft exited (code ${exit.code}, signal ${exit.signal})\n`);
    process.exitCode = 2;
  }
  await comet.stop();
  await app.close();
}
