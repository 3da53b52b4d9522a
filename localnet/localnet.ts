import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { addGenesisAccount, newGenesisDoc } from "../chain/genesis/build.js";
import { collectGentxs, signGentx } from "../chain/genesis/gentx.js";
import { saveGenesisFile } from "../chain/genesis/genesisDoc.js";
import { loadOrGenNodeKey, loadOrGenPrivValidatorKey, nodeId } from "../chain/crypto/keyFiles.js";
import { defaultConfig, homePaths, loadConfig, parseDuration, saveConfig } from "../chain/types/nodeConfig.js";
import { timeFromMillis } from "../chain/types/time.js";
import { openKeyring } from "../client/cli/keyring.js";
import { registerError } from "../modules/sdk/errors.js";

// A network on one machine, under a git-ignored directory: keys, genesis with funded demo
// accounts, one home per validator, each validator a separate `tcd start` process.

export const localnetErrors = {
  unsupported: registerError("localnet", 2, "unsupported localnet setting"),
  startFailed: registerError("localnet", 3, "a node failed to start"),
  unknownNode: registerError("localnet", 4, "no such localnet node"),
  notRunning: registerError("localnet", 5, "the localnet node is not running"),
  controlFailed: registerError("localnet", 6, "the localnet control request failed"),
  noSupervisor: registerError("localnet", 7, "no running localnet"),
};

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
export const defaultLocalnetDir = join(repoRoot, ".localnet");
export const localnetChainId = "tcompute-localnet-1";
/**
 * The localnet's block interval: the node's default (1 s, CometBFT's). 300 ms halves the p50
 * broadcast→commit of bench:consensus, but the jobs module counts its windows in blocks, and
 * with 300 ms blocks k = 3 jobs failed and two marketplace e2e tests broke (docs/performance.md,
 * step i17-val4c): a shorter localnet interval needs the localnet's jobs windows scaled with it.
 * `tcd localnet up --timeout-commit 300ms` gives one for consensus-only work.
 */
export const localnetTimeoutCommit = "1s";

export interface LocalnetOptions {
  dir: string;
  validators: number;
  rpcPort: number;
  reset: boolean;
  /** More funded accounts (the marketplace's providers and requester), created in the keyring. */
  extraAccounts?: (dir: string) => Promise<Array<{ name: string; address: string; utcu: bigint }>>;
  /** How the nodes run tcd: node's arguments before tcd's (default: the sources through tsx). */
  tcd?: readonly string[];
  /**
   * consensus.timeout_commit of every node (default localnetTimeoutCommit); given for an
   * existing localnet, it is written into its nodes' configs too.
   */
  timeoutCommit?: string;
  /**
   * How long a node may take from its spawn to serving RPC before it counts as failed to start
   * (default nodeStartTimeoutMs). A node that hangs instead of exiting must not hang `localnet up`.
   */
  nodeStartTimeoutMs?: number;
}

/** The default LocalnetOptions.nodeStartTimeoutMs: generous for CometBFT's first block on a loaded box. */
export const nodeStartTimeoutMs = 120_000;

/** node's arguments that run tcd from the sources, through tsx (cmd/tcd/tcd.mjs). */
export const tcdFromSources: readonly string[] = [join(repoRoot, "cmd", "tcd", "tcd.mjs")];

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
export async function setupLocalnet(
  o: LocalnetOptions,
): Promise<{ accounts: Array<{ name: string; address: string }> }> {
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
  const timeoutCommit = o.timeoutCommit ?? localnetTimeoutCommit;
  if (parseDuration(timeoutCommit) <= 0)
    throw localnetErrors.unsupported.wrap(`--timeout-commit ${timeoutCommit}: must be positive`);
  if (existsSync(homePaths(nodeHome(o.dir, 0)).genesis)) {
    const have = readdirSync(o.dir).filter((f) => /^node[0-9]+$/.test(f)).length;
    if (have !== o.validators)
      throw localnetErrors.unsupported.wrap(
        `the localnet in ${o.dir} has ${have} validators; pass --reset to make one with ${o.validators}`,
      );
    if (o.timeoutCommit !== undefined) {
      for (let i = 0; i < have; i++) {
        const config = loadConfig(nodeHome(o.dir, i));
        config.consensus.timeout_commit = o.timeoutCommit;
        saveConfig(nodeHome(o.dir, i), config);
      }
    }
    return { accounts };
  }
  // Ports: node i serves RPC on rpcPort + 10i, p2p on rpcPort - 1 + 10i, control on rpcPort + 5 + 10i.
  const homes = Array.from({ length: o.validators }, (_, i) => nodeHome(o.dir, i));
  const keys = homes.map((home) => {
    const paths = homePaths(home);
    mkdirSync(paths.data, { recursive: true });
    return { node: loadOrGenNodeKey(paths.nodeKey), val: loadOrGenPrivValidatorKey(paths.privValidatorKey) };
  });
  const doc = newGenesisDoc(localnetChainId, timeFromMillis(Date.now()));
  // Governance on a localnet decides in a minute, not the SDK's two days (docs/governance.md).
  Object.assign((doc.app_state["gov"] as { params: Record<string, unknown> }).params, {
    max_deposit_period: "600s",
    voting_period: "60s",
    expedited_voting_period: "30s",
  });
  for (const [i, a] of accounts.entries())
    addGenesisAccount(doc, a.address, [{ denom: "utcu", amount: demoAccounts[i]!.utcu }]);
  for (const a of (await o.extraAccounts?.(o.dir)) ?? [])
    addGenesisAccount(doc, a.address, [{ denom: "utcu", amount: a.utcu }]);
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
    config.p2p.persistent_peers = keys
      .map((k, j) => (j === i ? "" : `${nodeId(k.node)}@${p2pAddr(j)}`))
      .filter((x) => x !== "")
      .join(",");
    config.rpc.cors_allowed_origins = ["*"]; // browser explorers and wallets may call a localnet (tcd start: off)
    config.api = {
      ...config.api,
      enable: true,
      address: `tcp://127.0.0.1:${o.rpcPort + 2 + 10 * i}`,
      cors_allowed_origins: ["*"],
    }; // REST: 26659, 26669, ...
    config.instrumentation = {
      ...config.instrumentation,
      prometheus: true,
      prometheus_listen_addr: `127.0.0.1:${o.rpcPort + 3 + 10 * i}`,
    }; // metrics: 26660, 26670, ...
    config.p2p.control_laddr = controlLaddr(o.rpcPort, i);
    config.consensus.timeout_commit = timeoutCommit;
    saveConfig(home, config);
    saveGenesisFile(homePaths(home).genesis, doc);
  });
  return { accounts };
}

/** A node of a running localnet, as its supervisor (`tcd localnet up`) sees it. */
export interface LocalnetNode {
  readonly name: string;
  /** running, paused, disconnected (running, p2p isolated), starting, stopping, dead. */
  readonly state: "starting" | "running" | "paused" | "stopping" | "dead";
  readonly pid: number | null;
  /** How the last process of this node ended ("killed by SIGKILL", "exited with code 2"), if it did. */
  readonly lastExit: string | null;
  /** Epoch ms until which its p2p is isolated (0: not). */
  readonly disconnectedUntil: number;
  readonly rpc: string;
  readonly control: string;
}

export interface RunningLocalnet {
  rpc: string[];
  nodes(): readonly LocalnetNode[];
  /** CometBFT e2e perturbations of one node (by index). */
  kill(i: number): Promise<string>;
  restart(i: number): Promise<string>;
  pause(i: number): Promise<string>;
  resume(i: number): Promise<string>;
  disconnect(i: number, seconds: number): Promise<string>;
  /** Ends a disconnect before its time is up. */
  reconnect(i: number): Promise<string>;
  /** Each node's height and state, one line (heights from each node's control endpoint). */
  view(): Promise<string>;
  /** From now on node exits are expected (Ctrl-C reaches the nodes too, from the terminal). */
  stopping(): void;
  stop(): Promise<void>;
}

/** Port layout: node i serves RPC on rpcPort + 10i, p2p on rpcPort - 1 + 10i, control on rpcPort + 5 + 10i (clear of the ABCI and metrics ports CometBFT puts at +1 and +3). */
const controlLaddr = (rpcPort: number, i: number) => `tcp://127.0.0.1:${rpcPort + 5 + 10 * i}`;

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with code ${code ?? "?"}`;
}

/**
 * Starts every node as a child process and supervises them; resolves when each has printed
 * its RPC address. A node that dies is reported (with its signal or exit code) through `out`
 * and the others go on; it stays dead until restarted.
 */
/** How each node process is started: its tcd arguments, and whether all must start at once. */
export interface NodeLauncher {
  args(i: number, home: string): string[];
  /** CometBFT nodes report ready only after a first block, which needs 2/3+ of them online. */
  startTogether: boolean;
}

const tcdEngine: NodeLauncher = {
  args: (_i, home) => ["start", "--home", home, "--log-level", "info"],
  startTogether: false,
};

export async function startLocalnet(
  o: LocalnetOptions,
  out: (line: string) => void,
  launcher: NodeLauncher = tcdEngine,
): Promise<RunningLocalnet> {
  type Slot = {
    name: string;
    home: string;
    child: ChildProcess | null;
    state: LocalnetNode["state"];
    lastExit: string | null;
    disconnectedUntil: number;
    rpc: string;
    control: string;
    expectExit: boolean;
    exited: Promise<void>;
  };
  const slots: Slot[] = [];
  for (let i = 0; i < o.validators; i++) {
    const home = nodeHome(o.dir, i);
    // Localnets made before the control endpoint existed get one (loopback only).
    const config = loadConfig(home);
    if (config.p2p.control_laddr === "") {
      config.p2p.control_laddr = controlLaddr(o.rpcPort, i);
      saveConfig(home, config);
    }
    slots.push({
      name: `node${i}`,
      home,
      child: null,
      state: "dead",
      lastExit: null,
      disconnectedUntil: 0,
      rpc: "",
      control: `http://${config.p2p.control_laddr.replace(/^tcp:\/\//, "")}`,
      expectExit: false,
      exited: Promise.resolve(),
    });
  }
  let stopping = false;

  function spawnNode(i: number): Promise<string> {
    const slot = slots[i]!;
    const child = spawn(process.execPath, [...(o.tcd ?? tcdFromSources), ...launcher.args(i, slot.home)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    slot.child = child;
    slot.state = "starting";
    slot.expectExit = false;
    slot.disconnectedUntil = 0;
    writeFileSync(join(o.dir, `${slot.name}.pid`), String(child.pid));
    slot.exited = new Promise<void>((resolve) =>
      child.once("exit", (code, signal) => {
        if (slot.child === child) {
          // One that dies before serving is reported by spawnNode's error, not as a death.
          const started = slot.state !== "starting";
          slot.child = null;
          slot.state = "dead";
          slot.lastExit = exitText(code, signal);
          rmSync(join(o.dir, `${slot.name}.pid`), { force: true });
          if (!slot.expectExit && !stopping && started)
            out(
              `[localnet] ${slot.name} died: ${slot.lastExit}; the other nodes go on (tcd localnet restart ${slot.name} starts it again)`,
            );
        }
        resolve();
      }),
    );
    return new Promise<string>((resolve, reject) => {
      let buf = "";
      let settled = false; // served RPC, or failed: one answer per spawn
      const limitMs = o.nodeStartTimeoutMs ?? nodeStartTimeoutMs;
      const deadline = setTimeout(() => {
        if (settled) return;
        settled = true; // the exit that follows is ours
        reject(
          localnetErrors.startFailed.wrap(
            `${slot.name} did not serve RPC within ${limitMs} ms; stopped (its output is above)`,
          ),
        );
        void stopNode(slot);
      }, limitMs);
      const onLine = (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = /RPC listening on (\S+)/.exec(line);
          if (m !== null && !settled) {
            settled = true;
            clearTimeout(deadline);
            slot.rpc = m[1]!;
            if (slot.state === "starting") slot.state = "running";
            resolve(m[1]!);
          }
          out(`[${slot.name}] ${line}`);
        }
      };
      child.stdout!.on("data", onLine);
      child.stderr!.on("data", onLine);
      child.once("exit", (code, signal) => {
        clearTimeout(deadline);
        if (!settled)
          reject(localnetErrors.startFailed.wrap(`${slot.name} ${exitText(code, signal)} before serving RPC`));
      });
    });
  }

  async function stopNode(slot: Slot): Promise<void> {
    const child = slot.child;
    if (child === null) return;
    slot.expectExit = true;
    slot.state = "stopping";
    child.kill("SIGCONT"); // a paused node must run to stop
    await stopProcesses([child]);
    await slot.exited;
  }

  const rpc: string[] = [];
  try {
    if (launcher.startTogether) rpc.push(...(await Promise.all(slots.map((_s, i) => spawnNode(i)))));
    else for (let i = 0; i < o.validators; i++) rpc.push(await spawnNode(i));
  } catch (e) {
    stopping = true;
    await Promise.all(slots.map(stopNode));
    throw e;
  }

  const slotOf = (i: number): Slot => {
    const s = slots[i];
    if (s === undefined)
      throw localnetErrors.unknownNode.wrap(`node${i}: this localnet has node0 to node${slots.length - 1}`);
    return s;
  };
  const alive = (s: Slot): ChildProcess => {
    if (s.child === null || s.state === "stopping")
      throw localnetErrors.notRunning.wrap(
        `${s.name} is ${s.state}${s.lastExit !== null ? ` (${s.lastExit})` : ""}; tcd localnet restart ${s.name} starts it`,
      );
    return s.child;
  };
  const control = async (s: Slot, path: string, method: "GET" | "POST"): Promise<Record<string, unknown>> => {
    const res = await fetch(`${s.control}${path}`, { method, signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw localnetErrors.controlFailed.wrap(`${s.name}: ${String(body["error"] ?? res.status)}`);
    return body;
  };

  return {
    rpc,
    nodes: () =>
      slots.map((s) => ({
        name: s.name,
        state: s.state,
        pid: s.child?.pid ?? null,
        lastExit: s.lastExit,
        disconnectedUntil: s.disconnectedUntil > Date.now() ? s.disconnectedUntil : 0,
        rpc: s.rpc,
        control: s.control,
      })),
    async kill(i) {
      const s = slotOf(i);
      const c = alive(s);
      c.kill("SIGKILL");
      await s.exited;
      return `${s.name} ${s.lastExit}`;
    },
    async restart(i) {
      const s = slotOf(i);
      const was = s.child === null ? `was ${s.lastExit ?? "not running"}` : "was running";
      await stopNode(s);
      try {
        await spawnNode(i);
      } catch (e) {
        // Said here too: the one who asked may have given up waiting for the answer.
        out(`[localnet] ${s.name} did not restart: ${(e as Error).message}`);
        throw e;
      }
      return `${s.name} restarted (${was})`;
    },
    async pause(i) {
      const s = slotOf(i);
      alive(s).kill("SIGSTOP");
      s.state = "paused";
      return `${s.name} paused (SIGSTOP)`;
    },
    async resume(i) {
      const s = slotOf(i);
      alive(s).kill("SIGCONT");
      s.state = "running";
      return `${s.name} resumed (SIGCONT)`;
    },
    async disconnect(i, seconds) {
      const s = slotOf(i);
      alive(s);
      if (s.state === "paused") throw localnetErrors.notRunning.wrap(`${s.name} is paused; resume it first`);
      const r = await control(s, `/p2p/disconnect?seconds=${seconds}`, "POST");
      s.disconnectedUntil = Number(r["isolated_until_ms"]);
      return `${s.name} disconnected from its peers for ${seconds} s`;
    },
    async reconnect(i) {
      const s = slotOf(i);
      alive(s);
      if (s.state === "paused") throw localnetErrors.notRunning.wrap(`${s.name} is paused; resume it first`);
      await control(s, "/p2p/reconnect", "POST");
      s.disconnectedUntil = 0;
      return `${s.name} reconnected to its peers`;
    },
    async view() {
      const parts = await Promise.all(
        slots.map(async (s) => {
          let height = "?";
          if (s.state === "running") {
            try {
              const st = await control(s, "/status", "GET");
              height = String(st["height"]);
              s.disconnectedUntil = Number(st["isolated_until_ms"]);
            } catch {
              // not answering (yet)
            }
          }
          const left = s.disconnectedUntil - Date.now();
          const state =
            s.state === "dead"
              ? `dead (${s.lastExit ?? "not started"})`
              : s.state === "running" && left > 0
                ? `disconnected (${Math.ceil(left / 1000)} s left)`
                : s.state;
          return `${s.name} ${s.state === "running" ? `h=${height} ` : ""}${state}`;
        }),
      );
      return `nodes: ${parts.join(" · ")}`;
    },
    stopping() {
      stopping = true;
    },
    async stop() {
      stopping = true;
      await Promise.all(slots.map(stopNode));
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
