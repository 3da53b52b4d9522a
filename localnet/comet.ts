import { startLocalnet, type LocalnetOptions, type RunningLocalnet } from "./localnet.js";

// `tcd localnet up --engine cometbft`: each validator is a `tcd start --engine cometbft`
// process (the app's ABCI server and its cometbft child) on the home setupLocalnet made,
// supervised as the TypeScript engine's nodes are (kill, restart, pause, resume). All start at
// once: a CometBFT node reports ready after its first committed block, which needs more than
// two thirds of the voting power online. `disconnect` and the heights in the live view need the
// TypeScript engine's control endpoint, which a CometBFT node does not have.

/** Node i serves ABCI on rpcPort + 1 + 10i (26658 for node0, CometBFT's default proxy_app). */
export function abciPort(o: LocalnetOptions, i: number): number {
  return o.rpcPort + 1 + 10 * i;
}

export function startCometLocalnet(o: LocalnetOptions, out: (line: string) => void): Promise<RunningLocalnet> {
  return startLocalnet(o, out, {
    args: (i, home) => [
      "start",
      "--home",
      home,
      "--log-level",
      "info",
      "--engine",
      "cometbft",
      "--abci",
      `tcp://127.0.0.1:${abciPort(o, i)}`,
    ],
    startTogether: true,
  });
}
