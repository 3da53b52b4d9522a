import type { Command } from "commander";
import { findCometbft } from "../../chain/abci/binary.js";
import { startCometLocalnet } from "../../localnet/comet.js";
import { rmSync } from "node:fs";
import { cliErrors, flags, print } from "../../client/cli/context.js";
import {
  defaultLocalnetDir,
  keyringDir,
  localnetChainId,
  setupLocalnet,
  localnetTimeoutCommit,
  startLocalnet,
  stopLocalnetByPidFiles,
  stopProcesses,
  tcdFromSources,
} from "../../localnet/localnet.js";
import { tcdBundle } from "../../localnet/bundle.js";
import {
  bootstrapMarket,
  liveView,
  marketAccounts,
  startDemoStream,
  startWorkers,
} from "../../localnet/marketplace.js";
import { askSupervisor, parseNodeName, perturbations, serveSupervisor } from "../../localnet/supervisor.js";

/** `tcd localnet up|down|status`, and the perturbations kill|restart|pause|resume|disconnect|reconnect <node>. */
export function registerLocalnetCommands(program: Command): void {
  const localnet = program.command("localnet").description("a network on this machine, for development and demos");
  localnet
    .command("up")
    .description("create (first time) and start the localnet; Ctrl-C stops it")
    .option("--validators <n>", "number of validators", "4")
    .option("--dir <dir>", "where the localnet lives", defaultLocalnetDir)
    .option("--rpc-port <port>", "RPC port of the first node", "26657")
    .option("--reset", "delete the localnet's data and start from a new genesis", false)
    .option("--workers <n>", "provider workers (each a registered provider)", "3")
    .option("--byzantine-workers <n>", "how many of them return wrong outputs (to watch them get slashed)", "0")
    .option("--no-auditors", "do not run an auditing worker per validator")
    .option("--no-demo", "do not send the demo stream of jobs")
    .option("--demo-interval <ms>", "one demo job every this many milliseconds", "3000")
    .option("--engine <engine>", "consensus engine of every validator: tcompute or cometbft", "tcompute")
    .option(
      "--timeout-commit <duration>",
      `block interval of every node (consensus.timeout_commit; default ${localnetTimeoutCommit}; job windows count blocks)`,
    )
    .option(
      "--no-bundle",
      "run the nodes and workers from the sources through tsx (default: from a bundle, less memory)",
    )
    .action(
      async (
        o: {
          validators: string;
          dir: string;
          rpcPort: string;
          reset: boolean;
          workers: string;
          byzantineWorkers: string;
          auditors: boolean;
          demo: boolean;
          demoInterval: string;
          engine: string;
          bundle: boolean;
          timeoutCommit?: string;
        },
        cmd: Command,
      ) => {
        const f = flags(cmd);
        if (o.engine !== "tcompute" && o.engine !== "cometbft")
          throw cliErrors.usage.wrap("--engine must be tcompute or cometbft");
        if (o.engine === "cometbft") {
          const bin = findCometbft();
          if ("missing" in bin) throw cliErrors.usage.wrap(bin.missing);
        }
        const workers = Number(o.workers);
        const byzantine = Number(o.byzantineWorkers);
        if (!Number.isInteger(workers) || workers < 0 || workers > 16) throw cliErrors.usage.wrap("--workers: 0 to 16");
        if (!Number.isInteger(byzantine) || byzantine < 0 || byzantine > workers)
          throw cliErrors.usage.wrap("--byzantine-workers: 0 to --workers");
        const tcd = o.bundle ? await tcdBundle((l) => process.stderr.write(l + "\n")) : tcdFromSources;
        const opts = {
          tcd,
          dir: o.dir,
          validators: Number(o.validators),
          rpcPort: Number(o.rpcPort),
          reset: o.reset,
          timeoutCommit: o.timeoutCommit,
          extraAccounts: workers > 0 ? (dir: string) => marketAccounts(dir, workers) : undefined,
        };
        const { accounts } = await setupLocalnet(opts);
        // Ctrl-C (or SIGTERM) from here on stops whatever has started, even during start-up: a
        // signal before the handlers were installed killed this process alone, and the nodes it
        // had started lived on as orphans.
        let interrupted = false;
        let onStop = () => {};
        const stopRequested = new Promise<void>((resolve) => (onStop = resolve));
        const signal = () => {
          interrupted = true;
          onStop();
        };
        process.once("SIGINT", signal);
        process.once("SIGTERM", signal);
        // One line per block (from node0), and every warning or error from any node.
        const net = await (o.engine === "cometbft" ? startCometLocalnet : startLocalnet)(opts, (line) => {
          // With workers, the live view shows progress; the nodes only say what goes wrong.
          if (
            (workers === 0 && line.startsWith("[node0] ")) ||
            /^\[node[0-9]+\] [WE]\[/.test(line) ||
            !/^\[node[0-9]+\] I\[/.test(line)
          )
            process.stderr.write(line + "\n");
        });
        let supervisor: Awaited<ReturnType<typeof serveSupervisor>> | null = null;
        let nodesView: NodeJS.Timeout | null = null;
        let children: Awaited<ReturnType<typeof startWorkers>> = [];
        let demo: { stop(): void } | null = null;
        let view: NodeJS.Timeout | null = null;
        try {
          if (interrupted) return;
          const lines = [
            "",
            `tcompute localnet ${localnetChainId} is running (${opts.validators} validator${opts.validators > 1 ? "s" : ""}).`,
            ...net.rpc.map((r, i) => `  node${i} RPC: ${r}`),
            `Dashboard: http://127.0.0.1:${opts.rpcPort + 2}/ (served with node0's REST API)`,
            "Demo accounts (keyring-backend test):",
            ...accounts.map((a) => `  ${a.name.padEnd(7)} ${a.address}`),
            "Try, in another terminal:",
            `  node cmd/tcd/tcd.mjs tx bank send alice ${accounts[1]!.address} 1000utcu --keyring-backend test --keyring-dir ${keyringDir(opts.dir)} --node ${net.rpc[0]}`,
            "Ctrl-C stops every node. Perturb one (CometBFT e2e style): tcd localnet kill|restart|pause|resume|disconnect node1",
            "",
          ];
          print(f, { chain_id: localnetChainId, rpc: net.rpc, accounts }, lines.join("\n"));
          supervisor = await serveSupervisor(o.dir, net);
          // Each node's height and state, every 5 s (with the marketplace view when it runs).
          nodesView = setInterval(() => {
            net.view().then(
              (v) => process.stdout.write(`${v}\n`),
              () => {},
            );
          }, 5000);
          const market = {
            dir: o.dir,
            validators: opts.validators,
            workers,
            byzantineWorkers: byzantine,
            auditors: o.auditors,
            rpc: net.rpc,
            tcd,
          };
          const say = (l: string) => process.stderr.write(l + "\n");
          if (workers > 0) {
            try {
              await Promise.race([bootstrapMarket(market, say), stopRequested]);
            } catch (e) {
              say(
                `the marketplace could not be set up: ${(e as Error).message}\n(a localnet made by an older version or with fewer workers needs --reset)`,
              );
              process.exitCode = 1;
              return;
            }
            if (interrupted) return;
            // Worker output: what they do with jobs, and every problem.
            children = startWorkers(market, (l) => {
              if (/ran job|failed|refused|warning|could not|cannot|Error/.test(l)) say(l);
            });
            if (o.demo) demo = startDemoStream(market, Number(o.demoInterval), () => {});
            const since = { height: 0, txPerSecond: 0, balances: new Map<string, bigint>() };
            view = setInterval(() => {
              liveView(market, since).then(
                (v) => process.stdout.write(`\n${v}\n`),
                (e: unknown) => say(`view: ${(e as Error).message}`),
              );
            }, 5000);
            say(
              `marketplace: ${workers} worker(s)${byzantine > 0 ? ` (${byzantine} byzantine)` : ""}${o.auditors ? `, ${opts.validators} auditor(s)` : ""}${o.demo ? ", a demo job every " + o.demoInterval + " ms" : ""}. Submit one yourself:\n  node cmd/tcd/tcd.mjs tx jobs submit alice --model mlp-64x128x128x32 --input <file> --k 3 --wait --keyring-backend test --keyring-dir ${keyringDir(o.dir)} --node ${net.rpc[0]}`,
            );
          }
          // Until Ctrl-C (or SIGTERM): a node that dies is reported and the others go on.
          await stopRequested;
        } finally {
          // Whatever ended the run (a signal, a failed set-up, an error): everything started stops.
          net.stopping();
          if (nodesView !== null) clearInterval(nodesView);
          if (view !== null) clearInterval(view);
          demo?.stop();
          // Each step whatever the one before did: a failing close must not leave nodes running.
          await supervisor
            ?.close()
            .catch((e: unknown) => process.stderr.write(`supervisor: ${(e as Error).message}\n`));
          await stopProcesses(children).catch((e: unknown) =>
            process.stderr.write(`workers: ${(e as Error).message}\n`),
          );
          await net.stop();
          process.off("SIGINT", signal);
          process.off("SIGTERM", signal);
          process.stderr.write("localnet stopped\n");
        }
      },
    );
  for (const action of perturbations) {
    const what = {
      kill: "kill a node (SIGKILL); the others go on",
      restart: "stop a node (SIGTERM) if it runs, and start it again",
      pause: "freeze a node (SIGSTOP)",
      resume: "unfreeze a paused node (SIGCONT)",
      disconnect: "drop and refuse all of a node's peers for a while (through its loopback control endpoint)",
      reconnect: "end a node's disconnect now",
    }[action];
    const c = localnet
      .command(`${action} <node>`)
      .description(`${what}, in the running localnet (node0, node1, ...)`)
      .option("--dir <dir>", "where the localnet lives", defaultLocalnetDir);
    if (action === "disconnect") c.option("--seconds <n>", "how long the node stays disconnected", "30");
    c.action(async (node: string, o: { dir: string; seconds?: string }, cmd: Command) => {
      const f = flags(cmd);
      const i = parseNodeName(node);
      const query = action === "disconnect" ? `?seconds=${encodeURIComponent(o.seconds ?? "30")}` : "";
      const r = await askSupervisor(o.dir, `/nodes/${i}/${action}${query}`, "POST");
      print(f, r, String(r["message"]));
    });
  }
  localnet
    .command("status")
    .description("each node of the running localnet: height and state")
    .option("--dir <dir>", "where the localnet lives", defaultLocalnetDir)
    .action(async (o: { dir: string }, cmd: Command) => {
      const f = flags(cmd);
      const r = await askSupervisor(o.dir, "/nodes", "GET");
      print(f, r, String(r["view"]));
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
