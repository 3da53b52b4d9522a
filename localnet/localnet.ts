import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { addGenesisAccount, newGenesisDoc } from "../genesis/build.js";
import { collectGentxs, signGentx } from "../genesis/gentx.js";
import { saveGenesisFile } from "../genesis/genesisDoc.js";
import { loadOrGenNodeKey, loadOrGenPrivValidatorKey, nodeId } from "../chain/crypto/keyFiles.js";
import { defaultConfig, homePaths, saveConfig } from "../chain/node/config.js";
import { timeFromMillis } from "../chain/types/time.js";
import { openKeyring } from "../client/cli/keyring.js";
import { registerError } from "../modules/sdk/errors.js";

// A network on one machine, under a git-ignored directory: keys, genesis with funded demo
// accounts, one home per validator, each validator a separate `tcd start` process.

export const localnetErrors = {
  unsupported: registerError("localnet", 2, "unsupported localnet setting"),
  startFailed: registerError("localnet", 3, "a node failed to start"),
};

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
export const defaultLocalnetDir = join(repoRoot, ".localnet");
export const localnetChainId = "tcompute-localnet-1";
const tcdBin = join(repoRoot, "client", "cli", "tcd.mjs");

export interface LocalnetOptions {
  dir: string;
  validators: number;
  rpcPort: number;
  reset: boolean;
  /** More funded accounts (the marketplace's providers and requester), created in the keyring. */
  extraAccounts?: (dir: string) => Promise<Array<{ name: string; address: string; utcu: bigint }>>;
}

/** Demo accounts every localnet has, in its test keyring (balances in utcu). */
export const demoAccounts: ReadonlyArray<{ name: string; utcu: bigint }> = [
  { name: "alice", utcu: 1_000_000_000_000n },
  { name: "bob", utcu: 1_000_000_000_000n },
  { name: "faucet", utcu: 1_000_000_000_000_000n },
];

export function nodeHome(dir: string, i: number): string {
  return join(dir, `node${i}`);
}

export function keyringDir(dir: string): string {
  return join(dir, "keyring-test");
}

/** Writes the homes, keys and genesis of a new localnet (removing an old one with reset). */
export async function setupLocalnet(o: LocalnetOptions): Promise<{ accounts: Array<{ name: string; address: string }> }> {
  if (!Number.isInteger(o.validators) || o.validators < 1 || o.validators > 16) {
    throw localnetErrors.unsupported.wrap(`--validators ${o.validators}: use 1 to 16`);
  }
  if (o.reset) rmSync(o.dir, { recursive: true, force: true });
  mkdirSync(o.dir, { recursive: true });
  const keyring = openKeyring(keyringDir(o.dir), "test", () => "");
  const accounts: Array<{ name: string; address: string }> = [];
  const existing = new Map(keyring.list().map((k) => [k.name, k.address]));
  for (const a of demoAccounts) {
    const address = existing.get(a.name) ?? (await keyring.add(a.name)).info.address;
    accounts.push({ name: a.name, address });
  }
  if (existsSync(homePaths(nodeHome(o.dir, 0)).genesis)) {
    const have = readdirSync(o.dir).filter((f) => /^node[0-9]+$/.test(f)).length;
    if (have !== o.validators) throw localnetErrors.unsupported.wrap(`the localnet in ${o.dir} has ${have} validators; pass --reset to make one with ${o.validators}`);
    return { accounts };
  }
  // Ports: node i serves RPC on rpcPort + 10i and p2p on rpcPort - 1 + 10i.
  const homes = Array.from({ length: o.validators }, (_, i) => nodeHome(o.dir, i));
  const keys = homes.map((home) => {
    const paths = homePaths(home);
    mkdirSync(paths.data, { recursive: true });
    return { node: loadOrGenNodeKey(paths.nodeKey), val: loadOrGenPrivValidatorKey(paths.privValidatorKey) };
  });
  const doc = newGenesisDoc(localnetChainId, timeFromMillis(Date.now()));
  // Governance on a localnet decides in a minute, not the SDK's two days (docs/governance.md).
  Object.assign((doc.app_state["gov"] as { params: Record<string, unknown> }).params, { max_deposit_period: "600s", voting_period: "60s", expedited_voting_period: "30s" });
  for (const [i, a] of accounts.entries()) addGenesisAccount(doc, a.address, [{ denom: "utcu", amount: demoAccounts[i]!.utcu }]);
  for (const a of (await o.extraAccounts?.(o.dir)) ?? []) addGenesisAccount(doc, a.address, [{ denom: "utcu", amount: a.utcu }]);
  // Each validator is created by a gentx of its operator account (val0, val1, ...), which
  // bonds 100 TCU (power 100) with the node's consensus key, as on a real network.
  const operators: string[] = [];
  for (let i = 0; i < o.validators; i++) {
    const name = `val${i}`;
    const address = existing.get(name) ?? (await keyring.add(name)).info.address;
    operators.push(address);
    addGenesisAccount(doc, address, [{ denom: "utcu", amount: 1_000_000_000n }]);
  }
  const gentxs: Uint8Array[] = [];
  for (const [i, k] of keys.entries()) {
    gentxs.push(
      await signGentx(await keyring.wallet(`val${i}`), doc, {
        chainId: localnetChainId,
        operator: operators[i]!,
        consensusPubKey: k.val.pubKey,
        amount: 100_000_000n,
        denom: "utcu",
        moniker: `node${i}`,
        commissionRate: "0.05",
        commissionMaxRate: "0.20",
        commissionMaxChangeRate: "0.01",
        minSelfDelegation: 1n,
      }),
    );
  }
  collectGentxs(doc, gentxs);
  const p2pAddr = (i: number) => `127.0.0.1:${o.rpcPort - 1 + 10 * i}`;
  homes.forEach((home, i) => {
    const config = defaultConfig(`node${i}`);
    config.rpc.laddr = `tcp://127.0.0.1:${o.rpcPort + 10 * i}`;
    config.p2p.laddr = `tcp://${p2pAddr(i)}`;
    config.p2p.persistent_peers = keys.map((k, j) => (j === i ? "" : `${nodeId(k.node)}@${p2pAddr(j)}`)).filter((x) => x !== "").join(",");
    config.rpc.cors_allowed_origins = ["*"]; // browser explorers and wallets may call a localnet (tcd start: off)
    config.api = { ...config.api, enable: true, address: `tcp://127.0.0.1:${o.rpcPort + 2 + 10 * i}`, cors_allowed_origins: ["*"] }; // REST: 26659, 26669, ...
    config.instrumentation = { ...config.instrumentation, prometheus: true, prometheus_listen_addr: `127.0.0.1:${o.rpcPort + 3 + 10 * i}` }; // metrics: 26660, 26670, ...
    saveConfig(home, config);
    saveGenesisFile(homePaths(home).genesis, doc);
  });
  return { accounts };
}

export interface RunningLocalnet {
  rpc: string[];
  stop(): Promise<void>;
  exited: Promise<number>;
}

/** Starts every node as a child process; resolves when each has printed its RPC address. */
export async function startLocalnet(o: LocalnetOptions, out: (line: string) => void): Promise<RunningLocalnet> {
  const children: ChildProcess[] = [];
  const rpc: string[] = [];
  for (let i = 0; i < o.validators; i++) {
    const home = nodeHome(o.dir, i);
    const child = spawn(process.execPath, [tcdBin, "start", "--home", home, "--log-level", "info"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    writeFileSync(join(o.dir, `node${i}.pid`), String(child.pid));
    const addr = await new Promise<string>((resolve, reject) => {
      let buf = "";
      const onLine = (prefix: string) => (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = /RPC listening on (\S+)/.exec(line);
          if (m !== null) resolve(m[1]!);
          out(`${prefix}${line}`);
        }
      };
      child.stdout!.on("data", onLine(`[node${i}] `));
      child.stderr!.on("data", onLine(`[node${i}] `));
      child.once("exit", (code) => reject(localnetErrors.startFailed.wrap(`node${i} exited with code ${code} before serving RPC`)));
    });
    rpc.push(addr);
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

/** SIGTERM to each child (SIGKILL after 10 s), resolved when all have exited. */
export async function stopProcesses(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.kill("SIGTERM");
          setTimeout(() => c.kill("SIGKILL"), 10_000).unref();
        }),
    ),
  );
}

/** `tcd localnet down`: stops nodes started by another `localnet up` (by their pid files). */
export function stopLocalnetByPidFiles(dir: string): number {
  let n = 0;
  for (let i = 0; i < 64; i++) {
    const f = join(dir, `node${i}.pid`);
    if (!existsSync(f)) continue;
    const pid = Number(readFileSync(f, "utf8"));
    try {
      process.kill(pid, "SIGTERM");
      n++;
    } catch {
      // already gone
    }
    rmSync(f, { force: true });
  }
  return n;
}
