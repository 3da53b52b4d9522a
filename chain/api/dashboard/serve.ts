import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The web dashboard's static files (issue 14 item 1): the browser code in ./browser is bundled
// with esbuild on the first request into memory (no build step for users) with uPlot, from
// node_modules (no CDN). The API server serves them at "/" and under /dashboard/; the page then
// reads everything from the REST API on the same origin, and learns from /dashboard/config.json
// where the node's RPC WebSocket is (its port: the page uses its own host name) for live updates.

export interface StaticFile {
  type: string;
  body: Buffer;
}

const here = dirname(fileURLToPath(import.meta.url));

let built: Promise<Map<string, StaticFile>> | null = null;

async function build(): Promise<Map<string, StaticFile>> {
  const esbuild = await import("esbuild");
  const out = await esbuild.build({
    entryPoints: [join(here, "browser", "main.ts")],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: ["es2022"],
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  const js = out.outputFiles[0];
  if (js === undefined) throw new Error("dashboard bundle produced no output");
  const require = createRequire(import.meta.url);
  const uplotCss = await readFile(join(dirname(require.resolve("uplot")), "uPlot.min.css"));
  const css = Buffer.concat([uplotCss, Buffer.from("\n"), await readFile(join(here, "browser", "style.css"))]);
  const html = await readFile(join(here, "browser", "index.html"));
  return new Map<string, StaticFile>([
    ["index.html", { type: "text/html; charset=utf-8", body: html }],
    ["app.js", { type: "text/javascript; charset=utf-8", body: Buffer.from(js.contents) }],
    ["app.css", { type: "text/css; charset=utf-8", body: css }],
  ]);
}

/**
 * The dashboard file a GET path names ("/" and "/dashboard/" are the page), or null when the
 * path is not the dashboard's. The bundle is built once; a failed build is retried on the next
 * request.
 */
export async function dashboardFile(pathname: string): Promise<StaticFile | null> {
  let name: string;
  if (pathname === "/" || pathname === "/dashboard" || pathname === "/dashboard/") name = "index.html";
  else if (pathname.startsWith("/dashboard/")) name = pathname.slice("/dashboard/".length);
  else return null;
  built ??= build().catch((e: unknown) => {
    built = null;
    throw e;
  });
  return (await built).get(name) ?? null;
}

/**
 * /dashboard/config.json: what the page needs beyond its own origin — the RPC WebSocket's port
 * and path (from the RPC server's listen address; null when it is not known). The page joins
 * the port to the host name it was loaded from, which is also what the RPC's Origin check admits.
 */
export function dashboardConfig(rpcAddress: string): { websocket: { port: number; path: string } | null } {
  const port = Number(rpcAddress.slice(rpcAddress.lastIndexOf(":") + 1));
  return { websocket: rpcAddress === "" || !Number.isInteger(port) || port <= 0 ? null : { port, path: "/websocket" } };
}
