import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "../../modules/sdk/context.js";
import { parseListenAddress } from "../types/nodeConfig.js";

// `cometbft start --home <home>` as a child of the app process. CometBFT stops itself when its
// ABCI connections fail (the app died); the app stops CometBFT when it is asked to stop.

export interface CometProcess {
  readonly child: ChildProcess;
  /** http://host:port of CometBFT's RPC. */
  readonly rpcUrl: string;
  /** Resolves with the exit code (or signal) when CometBFT exits, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once CometBFT's RPC answers with a committed block (rejects if it exits first). */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after the grace period; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface CometProcessOptions {
  binary: string;
  home: string;
  /** CometBFT's RPC listen address (config.toml's rpc.laddr, or the override passed here). */
  rpcLaddr: string;
  /** Flags passed to `cometbft start` (e.g. --proxy_app, --rpc.laddr overrides). */
  extraArgs?: string[];
  /** Each line CometBFT writes to stdout or stderr. */
  onOutput?: (line: string) => void;
}

export function spawnCometbft(opts: CometProcessOptions, deps: { logger: Logger }): CometProcess {
  const { host, port } = parseListenAddress(opts.rpcLaddr);
  const rpcUrl = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  const child = spawn(opts.binary, ["start", "--home", opts.home, ...(opts.extraArgs ?? [])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  deps.logger.info("cometbft started", { pid: child.pid, binary: opts.binary, rpc: rpcUrl });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", (e) => {
      deps.logger.error("cometbft could not be started", { err: e.message });
      resolve({ code: -1, signal: null });
    });
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = "";
    stream.on("data", (d: Buffer) => {
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop()!;
      for (const l of lines) opts.onOutput?.(l);
    });
  }
  let done = false;
  void exited.then(() => (done = true));

  return {
    child,
    rpcUrl,
    exited,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (done) throw new Error(`cometbft exited before serving RPC (${JSON.stringify(await exited)})`);
        try {
          const res = await fetch(`${rpcUrl}/status`, { signal: AbortSignal.timeout(2000) });
          const body = (await res.json()) as { result?: { sync_info?: { latest_block_height?: string } } };
          if (Number(body.result?.sync_info?.latest_block_height ?? "0") >= 1) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`cometbft RPC at ${rpcUrl} made no block within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop(graceMs = 10_000) {
      if (done) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (!done) child.kill("SIGKILL");
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
