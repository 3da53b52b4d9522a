import type { Command } from "commander";
import { rmSync } from "node:fs";
import { flags, print } from "../client/cli/context.js";
import { defaultLocalnetDir, keyringDir, localnetChainId, setupLocalnet, startLocalnet, stopLocalnetByPidFiles } from "./localnet.js";

/** `tcd localnet up|down`. */
export function registerLocalnetCommands(program: Command): void {
  const localnet = program.command("localnet").description("a network on this machine, for development and demos");
  localnet
    .command("up")
    .description("create (first time) and start the localnet; Ctrl-C stops it")
    .option("--validators <n>", "number of validators", "4")
    .option("--dir <dir>", "where the localnet lives", defaultLocalnetDir)
    .option("--rpc-port <port>", "RPC port of the first node", "26657")
    .option("--reset", "delete the localnet's data and start from a new genesis", false)
    .action(async (o: { validators: string; dir: string; rpcPort: string; reset: boolean }, cmd: Command) => {
      const f = flags(cmd);
      const opts = { dir: o.dir, validators: Number(o.validators), rpcPort: Number(o.rpcPort), reset: o.reset };
      const { accounts } = await setupLocalnet(opts);
      // One line per block (from node0), and every warning or error from any node.
      const net = await startLocalnet(opts, (line) => {
        if (line.startsWith("[node0] ") || /^\[node[0-9]+\] [WE]\[/.test(line) || !/^\[node[0-9]+\] I\[/.test(line)) process.stderr.write(line + "\n");
      });
      const lines = [
        "",
        `tcompute localnet ${localnetChainId} is running (${opts.validators} validator${opts.validators > 1 ? "s" : ""}).`,
        ...net.rpc.map((r, i) => `  node${i} RPC: ${r}`),
        "Demo accounts (keyring-backend test):",
        ...accounts.map((a) => `  ${a.name.padEnd(7)} ${a.address}`),
        "Try, in another terminal:",
        `  node client/cli/tcd.mjs tx bank send alice ${accounts[1]!.address} 1000utcu --keyring-backend test --keyring-dir ${keyringDir(opts.dir)} --node ${net.rpc[0]}`,
        "Ctrl-C stops every node.",
        "",
      ];
      print(f, { chain_id: localnetChainId, rpc: net.rpc, accounts }, lines.join("\n"));
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
        void net.exited.then((code) => {
          process.stderr.write(`a node exited (code ${code}); stopping the localnet\n`);
          process.exitCode = 1;
          resolve();
        });
      });
      await net.stop();
      process.stderr.write("localnet stopped\n");
    });
  localnet
    .command("down")
    .description("stop a running localnet; with --reset also delete its data")
    .option("--dir <dir>", "where the localnet lives", defaultLocalnetDir)
    .option("--reset", "also delete the localnet's data", false)
    .action((o: { dir: string; reset: boolean }, cmd: Command) => {
      const f = flags(cmd);
      const n = stopLocalnetByPidFiles(o.dir);
      if (o.reset) rmSync(o.dir, { recursive: true, force: true });
      print(f, { stopped: n, reset: o.reset }, `stopped ${n} node(s)${o.reset ? ", data deleted" : ""}`);
    });
}
