import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

// Fetching models and inputs by URI, always checked against the sha256 they are registered or
// submitted with: file:// paths and http(s):// URLs, bounded in size and time.

export class FetchError extends Error {}

export async function fetchVerified(uri: string, sha256: string, maxBytes: number, timeoutMs = 30_000): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if (uri.startsWith("file://")) {
    bytes = await readFile(fileURLToPath(uri));
  } else if (uri.startsWith("http://") || uri.startsWith("https://")) {
    const res = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new FetchError(`${uri}: HTTP ${res.status}`);
    const len = Number(res.headers.get("content-length") ?? "0");
    if (len > maxBytes) throw new FetchError(`${uri}: ${len} bytes is over ${maxBytes}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } else {
    throw new FetchError(`${uri}: only file:// and http(s):// are fetched`);
  }
  if (bytes.length > maxBytes) throw new FetchError(`${uri}: ${bytes.length} bytes is over ${maxBytes}`);
  const got = createHash("sha256").update(bytes).digest("hex");
  if (got !== sha256) throw new FetchError(`${uri}: sha256 ${got}, expected ${sha256}`);
  return bytes;
}
