import type { OfflineDirectSigner } from "@cosmjs/proto-signing";
import { collectGentxs, signGentx } from "../genesis/gentx.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { randomInt } from "node:crypto";
import { createServer } from "node:net";
import { addGenesisAccounts, addGenesisValidator, newGenesisDoc } from "../genesis/build.js";
import { saveGenesisFile, type GenesisDoc } from "../genesis/genesisDoc.js";
import type { Coin } from "../../modules/sdk/coins.js";
import { loadOrGenNodeKey, loadOrGenPrivValidatorKey } from "../crypto/keyFiles.js";
import { defaultConfig, homePaths, saveConfig, type NodeConfig } from "../types/nodeConfig.js";
import { timeFromMillis } from "../types/time.js";
import { tcdBin } from "./tcd.js";
import { testTempDir } from "./tempDir.js";
import { killWithParent } from "./childProcesses.js";

// Real node processes for end-to-end tests: a fresh home in a temp dir, RPC on a free
// 127.0.0.1 port, short block times, and the process stopped when the test ends.

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A localnet's --rpc-port: a base whose whole block [base - 1, base + span) is free now, below
 * the kernel's ephemeral range. A localnet derives its other ports from the base (p2p at -1,
 * REST at +2, metrics at +3, control at +5, then +10 per node); a base from freePort() lies in
 * the ephemeral range, where the client sockets of tests running alongside take ports of the
 * block before the localnet binds them, and a node whose port was taken failed to start.
 */
export async function freePortBlock(span: number): Promise<number> {
  const ephemeralLow = (() => {
    try {
      return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    } catch {
      return 32768;
    }
  })();
  const low = 10_000;
  const high = Math.max(low + span + 2, ephemeralLow - span - 1);
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = randomInt(low + 1, high);
    if (await allFree(base - 1, base + span)) return base;
  }
  throw new Error(`no free block of ${span + 1} ports between ${low} and ${high}`);
}

async function allFree(from: number, to: number): Promise<boolean> {
  for (let port = from; port < to; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (!ok) return false;
  }
  return true;
}

export interface TestHome {
  home: string;
  rpcPort: number;
  chainId: string;
  genesis: GenesisDoc;
}

export async function makeTestHome(opts: {
  accounts: Array<{ address: string; coins: Coin[] }>;
  chainId?: string;
  editConfig?: (c: NodeConfig) => void;
  /** Changes the genesis before it is written (after accounts and any gentx). */
  editGenesis?: (doc: GenesisDoc) => void;
  /** Make the node's validator a staking validator through a gentx of this (funded) operator. */
  gentx?: { signer: OfflineDirectSigner; operator: string; amount: bigint };
}): Promise<TestHome> {
  const home = testTempDir("tcd-test-");
  const paths = homePaths(home);
  mkdirSync(paths.data, { recursive: true });
  const rpcPort = await freePort();
  const config = defaultConfig("test-node");
  config.rpc.laddr = `tcp://127.0.0.1:${rpcPort}`;
  config.p2p.laddr = `tcp://127.0.0.1:${await freePort()}`;
  config.consensus.timeout_commit = "300ms";
  config.log_level = "warn";
  opts.editConfig?.(config);
  saveConfig(home, config);
  loadOrGenNodeKey(paths.nodeKey);
  const key = loadOrGenPrivValidatorKey(paths.privValidatorKey);
  const chainId = opts.chainId ?? "tcompute-e2e-1";
  const doc = newGenesisDoc(chainId, timeFromMillis(Date.now()));
  addGenesisValidator(doc, key.pubKey, 100n, "test-node");
  addGenesisAccounts(doc, opts.accounts);
  if (opts.gentx !== undefined) {
    const g = opts.gentx;
    const tx = await signGentx(g.signer, doc, {
      chainId,
      operator: g.operator,
      consensusPubKey: key.pubKey,
      amount: g.amount,
      denom: "utcu",
      moniker: "test-node",
      commissionRate: "0.1",
      commissionMaxRate: "0.2",
      commissionMaxChangeRate: "0.01",
      minSelfDelegation: 1n,
    });
    collectGentxs(doc, [tx]);
  }
  opts.editGenesis?.(doc);
  saveGenesisFile(paths.genesis, doc);
  return { home, rpcPort, chainId, genesis: doc };
}

export interface NodeProcess {
  rpcUrl: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `tcd start` on a home; resolves once RPC is served, rejects if the process exits first. */
export async function startNodeProcess(
  home: string,
  extraArgs: string[] = [],
  nodeArgs: string[] = [],
): Promise<NodeProcess> {
  const child = killWithParent(
    spawn(process.execPath, [...nodeArgs, tcdBin, "start", "--home", home, ...extraArgs], {
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let out = "";
  const rpcUrl = await new Promise<string>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /RPC listening on (\S+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`node exited with code ${code} before serving RPC:\n${out}`)));
  });
  return {
    rpcUrl,
    child,
    output: () => out,
    stop(signal = "SIGTERM") {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}

/** Runs `tcd start` expecting it to fail; returns its exit code and output. */
export async function runNodeExpectingFailure(home: string): Promise<{ code: number | null; output: string }> {
  const child = killWithParent(
    spawn(process.execPath, [tcdBin, "start", "--home", home], { stdio: ["ignore", "pipe", "pipe"] }),
  );
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  clearTimeout(timer);
  return { code, output: out };
}
