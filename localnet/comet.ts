import { spawn, type ChildProcess } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { localnetErrors, nodeHome, repoRoot, stopProcesses, type LocalnetOptions, type RunningLocalnet } from "./localnet.js";

// `tcd localnet up --engine cometbft`: each validator is a `tcd start --engine cometbft`
// process (the app's ABCI server and its cometbft child) on the home setupLocalnet made. All
// start at once: a CometBFT node reports ready after its first committed block, which needs
// more than two thirds of the voting power online.

const tcdBin = join(repoRoot, "client", "cli", "tcd.mjs");

/** Node i serves ABCI on rpcPort + 1 + 10i (26658 for node0, CometBFT's default proxy_app). */
export function abciPort(o: LocalnetOptions, i: number): number {
  return o.rpcPort + 1 + 10 * i;
}

export async function startCometLocalnet(o: LocalnetOptions, out: (line: string) => void): Promise<RunningLocalnet> {
  const children: ChildProcess[] = [];
  const ready = Array.from({ length: o.validators }, (_, i) => {
    const home = nodeHome(o.dir, i);
    const child = spawn(process.execPath, [tcdBin, "start", "--home", home, "--log-level", "info", "--engine", "cometbft", "--abci", `tcp://127.0.0.1:${abciPort(o, i)}`], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    writeFileSync(join(o.dir, `node${i}.pid`), String(child.pid));
    return new Promise<string>((resolve, reject) => {
      let buf = "";
      const onData = (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = /RPC listening on (\S+)/.exec(line);
          if (m !== null) resolve(m[1]!);
          out(`[node${i}] ${line}`);
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(localnetErrors.startFailed.wrap(`node${i} exited with code ${code} before serving RPC`)));
    });
  });
  let rpc: string[];
  try {
    rpc = await Promise.all(ready);
  } catch (e) {
    await stopProcesses(children);
    throw e;
  }
  const exited = Promise.race(children.map((c) => new Promise<number>((r) => c.once("exit", (code) => r(code ?? 0)))));
  return {
    rpc,
    exited,
    async stop() {
      await stopProcesses(children);
      for (let i = 0; i < children.length; i++) rmSync(join(o.dir, `node${i}.pid`), { force: true });
    },
  };
}
