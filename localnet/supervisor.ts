import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { localnetErrors, nodeStartTimeoutMs, type RunningLocalnet } from "./localnet.js";

// How `tcd localnet kill|restart|pause|resume|disconnect|reconnect <node>` reach the `tcd localnet up`
// that supervises the nodes: it listens on 127.0.0.1 (an ephemeral port) and writes the port
// and a random token to <dir>/supervisor.json (mode 0600); a command reads the file and sends
// POST /nodes/<i>/<action> with the token. Only loopback, only these six actions.

export const perturbations = ["kill", "restart", "pause", "resume", "disconnect", "reconnect"] as const;
export type Perturbation = (typeof perturbations)[number];

const supervisorFile = (dir: string) => join(dir, "supervisor.json");

export async function serveSupervisor(dir: string, net: RunningLocalnet): Promise<{ close(): Promise<void> }> {
  const token = randomBytes(16).toString("hex");
  const server: Server = createServer((req, res) => {
    req.resume();
    const reply = (code: number, body: Record<string, unknown>) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const remote = req.socket.remoteAddress ?? "";
    if (!(remote === "::1" || /^(::ffff:)?127\./.test(remote))) return reply(403, { error: "loopback only" });
    if (req.headers["authorization"] !== `Bearer ${token}`) return reply(401, { error: "wrong token" });
    const url = new URL(req.url ?? "/", "http://supervisor");
    if (req.method === "GET" && url.pathname === "/nodes") {
      void net.view().then((view) => reply(200, { nodes: net.nodes(), view }));
      return;
    }
    const m = /^\/nodes\/([0-9]{1,2})\/([a-z]+)$/.exec(url.pathname);
    if (req.method !== "POST" || m === null || !(perturbations as readonly string[]).includes(m[2]!))
      return reply(404, { error: "unknown request" });
    const i = Number(m[1]);
    const action = m[2] as Perturbation;
    const seconds = Number(url.searchParams.get("seconds") ?? "30");
    const run = action === "disconnect" ? net.disconnect(i, seconds) : net[action](i);
    run.then(
      (message) => reply(200, { message }),
      (e: Error) => reply(409, { error: e.message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  writeFileSync(
    supervisorFile(dir),
    JSON.stringify({ url: `http://127.0.0.1:${port}`, token, pid: process.pid }) + "\n",
    { mode: 0o600 },
  );
  return {
    close: async () => {
      rmSync(supervisorFile(dir), { force: true });
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

/** Parses "node2" or "2". */
export function parseNodeName(s: string): number {
  const m = /^(?:node)?([0-9]{1,2})$/.exec(s.trim());
  if (m === null)
    throw localnetErrors.unknownNode.wrap(`${JSON.stringify(s)}: name a node as node0, node1, ... (or 0, 1, ...)`);
  return Number(m[1]);
}

/** Sends one request to the running supervisor of the localnet in `dir`. */
export async function askSupervisor(
  dir: string,
  path: string,
  method: "GET" | "POST",
): Promise<Record<string, unknown>> {
  const f = supervisorFile(dir);
  if (!existsSync(f))
    throw localnetErrors.noSupervisor.wrap(`${dir} has no running \`tcd localnet up\` (start one, or pass its --dir)`);
  const { url, token, pid } = JSON.parse(readFileSync(f, "utf8")) as { url: string; token: string; pid: number };
  try {
    process.kill(pid, 0);
  } catch {
    throw localnetErrors.noSupervisor.wrap(`the \`tcd localnet up\` of ${dir} (pid ${pid}) is gone`);
  }
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
    // Longer than a restart may take (a node has nodeStartTimeoutMs to serve), so that the
    // supervisor's answer, not an abort, says how it went.
    signal: AbortSignal.timeout(nodeStartTimeoutMs + 30_000),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw localnetErrors.controlFailed.wrap(String(body["error"] ?? res.status));
  return body;
}
