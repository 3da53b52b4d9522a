import type { IncomingMessage, ServerResponse } from "node:http";

// What the node's two HTTP servers (the CometBFT RPC here, the REST API in chain/api) share:
// CORS and a bounded request body.

/**
 * CORS headers only when `allowed` lists the request's origin (or "*"), as CometBFT and the
 * SDK: none by default, and none for an origin not listed.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: readonly string[],
  o: { methods: string; headers: string },
): void {
  const origin = req.headers.origin;
  if (allowed.length === 0 || origin === undefined) return;
  if (allowed.includes("*")) res.setHeader("Access-Control-Allow-Origin", "*");
  else if (allowed.includes(origin)) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Vary", "Origin");
  } else return;
  res.setHeader("Access-Control-Allow-Methods", o.methods);
  res.setHeader("Access-Control-Allow-Headers", o.headers);
}

/**
 * Reads the request body, at most `maxBytes`: `onBody` with all of it at the end, or `onTooLarge`
 * once as soon as it runs past the bound (the rest is drained, never kept). A broken request
 * closes the connection.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  onTooLarge: () => void,
  onBody: (body: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on("data", (c: Buffer) => {
    if (tooLarge) return;
    size += c.length;
    if (size > maxBytes) {
      tooLarge = true;
      onTooLarge();
      req.resume();
      return;
    }
    chunks.push(c);
  });
  req.on("end", () => {
    if (!tooLarge) onBody(Buffer.concat(chunks));
  });
  req.on("error", () => res.destroy());
}
