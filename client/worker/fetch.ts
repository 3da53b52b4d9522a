import { createHash } from "node:crypto";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { open } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { fileURLToPath } from "node:url";

// Fetching models and inputs by URI, always checked against the sha256 they are registered or
// submitted with. The URIs come from requesters and registrants, so nothing here trusts them
// (docs/worker.md, "Fetching inputs"):
// - http(s) only; file:// only when the operator allows it (`tcd worker start --allow-file-uris`);
// - every address connected to (the first hop and each redirect hop, checked on the address DNS
//   actually returned and again on the socket's peer) must be public unless the operator allows
//   loopback (`--allow-loopback-uris`) or private and link-local ranges (`--allow-private-uris`);
//   at most maxRedirects hops;
// - the size limit holds while streaming: a declared content-length over it is refused before the
//   body, and the body is cut off the moment it passes the limit (never buffered past it);
// - a connect timeout and a total timeout (headers and body);
// - the sha256 is computed as the bytes arrive.

/** Why a fetch failed; the worker reports these in an "unusable input" result (jobs module). */
export type FetchReason = "unreachable" | "too_large" | "hash_mismatch" | "refused";

export class FetchError extends Error {
  constructor(
    readonly reason: FetchReason,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchPolicy {
  /** Largest body in bytes; the fetch stops reading at maxBytes + 1. */
  maxBytes: number;
  /** Time to open a TCP (and TLS) connection, per hop (default 10 s). */
  connectTimeoutMs?: number;
  /** Time for the whole fetch, all hops and the body (default 60 s). */
  totalTimeoutMs?: number;
  /** Redirects followed at most (default 3). */
  maxRedirects?: number;
  /** Operator opt-in: read file:// URIs (still bounded by maxBytes). */
  allowFile?: boolean;
  /** Operator opt-in: connect to loopback addresses (127.0.0.0/8, ::1). */
  allowLoopback?: boolean;
  /** Operator opt-in: connect to every other non-public address (private, link-local, ...). */
  allowPrivate?: boolean;
}

// ---- addresses ----

function v4Number(ip: string): number {
  return ip.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}

const v4Blocked: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved and broadcast
];

function v4Public(ip: string): boolean {
  const n = v4Number(ip);
  return !v4Blocked.some(
    ([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(v4Number(base) / 2 ** (32 - bits)),
  );
}

/** The 16 bytes of an IPv6 address (with an embedded dotted IPv4 tail allowed). */
function v6Bytes(ip: string): number[] {
  let s = ip.toLowerCase().split("%")[0]!;
  const tail: number[] = [];
  const m = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m !== null) {
    tail.push(...m[1]!.split(".").map(Number));
    s = s.slice(0, s.length - m[1]!.length) + "0:0";
  }
  const [head, rest] = s.includes("::") ? s.split("::") : [s, undefined];
  const hs = head === "" ? [] : head!.split(":");
  const rs = rest === undefined || rest === "" ? [] : rest.split(":");
  const groups = rest === undefined ? hs : [...hs, ...Array<string>(8 - hs.length - rs.length).fill("0"), ...rs];
  const bytes = groups.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 255];
  });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function v6Public(ip: string): boolean {
  const b = v6Bytes(ip);
  const zeroTo = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (zeroTo(15) && (b[15] === 0 || b[15] === 1)) return false; // :: and ::1
  if (zeroTo(10) && b[10] === 0xff && b[11] === 0xff) return v4Public(b.slice(12).join(".")); // ::ffff:a.b.c.d
  if (zeroTo(12)) return v4Public(b.slice(12).join(".")); // ::a.b.c.d (deprecated compatible form)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) return v4Public(b.slice(12).join(".")); // 64:ff9b::/96 NAT64
  if ((b[0]! & 0xfe) === 0xfc) return false; // fc00::/7 unique local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return false; // fe80::/10 link-local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return false; // fec0::/10 site-local
  if (b[0] === 0xff) return false; // multicast
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return false; // documentation
  return true;
}

/** Whether a worker may connect to this IP address without the operator's allowPrivate. */
export function isPublicAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return v4Public(ip);
  if (v === 6) return v6Public(ip);
  return false;
}

function isLoopback(ip: string): boolean {
  if (isIP(ip) === 4) return ip.startsWith("127.");
  if (isIP(ip) !== 6) return false;
  const b = v6Bytes(ip);
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return true;
  return b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff && b[12] === 127;
}

/** Whether the policy lets a worker connect to ip. */
export function addressAllowed(ip: string, policy: Pick<FetchPolicy, "allowLoopback" | "allowPrivate">): boolean {
  if (isPublicAddress(ip)) return true;
  if (isLoopback(ip)) return policy.allowLoopback === true;
  return isIP(ip) !== 0 && policy.allowPrivate === true;
}

/** A DNS lookup that only ever returns addresses the policy allows (so no socket opens to others). */
function checkedLookup(policy: FetchPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addrs) => {
      if (err !== null) return callback(err, "", 0);
      const list = (addrs as LookupAddress[]).filter((a) => addressAllowed(a.address, policy));
      if (list.length === 0)
        return callback(
          Object.assign(new Error(`${hostname} resolves only to non-public addresses`), { code: "EREFUSEDADDR" }),
          "",
          0,
        );
      if (options.all === true) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

// ---- fetching ----

/** Fetches uri (bounded by policy) and returns the bytes only if they hash to sha256 (hex). */
export async function fetchVerified(uri: string, sha256: string, policy: FetchPolicy): Promise<Uint8Array> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new FetchError("refused", `${uri}: not a URL`);
  }
  if (url.protocol === "file:") {
    if (policy.allowFile !== true)
      throw new FetchError(
        "refused",
        `${uri}: file:// URIs are not read (the operator's --allow-file-uris allows them)`,
      );
    return readFileBounded(url, sha256, policy.maxBytes);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new FetchError("refused", `${uri}: only http(s):// is fetched`);
  const deadline = Date.now() + (policy.totalTimeoutMs ?? 60_000);
  const maxRedirects = policy.maxRedirects ?? 3;
  for (let hop = 0; ; hop++) {
    const res = await get(url, policy, deadline);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined) {
      res.destroy();
      if (hop >= maxRedirects) throw new FetchError("unreachable", `${uri}: more than ${maxRedirects} redirects`);
      let next: URL;
      try {
        next = new URL(res.headers.location, url);
      } catch {
        throw new FetchError("unreachable", `${uri}: a redirect to a bad URL`);
      }
      if (next.protocol !== "http:" && next.protocol !== "https:")
        throw new FetchError("refused", `${uri}: a redirect to ${next.protocol} (only http(s) is followed)`);
      url = next;
      continue;
    }
    if (status !== 200) {
      res.destroy();
      throw new FetchError("unreachable", `${uri}: HTTP ${status}`);
    }
    return readBody(uri, res, sha256, policy.maxBytes, deadline);
  }
}

/** One GET: the connection checked against the policy, bounded by the connect and total timeouts. */
function get(url: URL, policy: FetchPolicy, deadline: number): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) !== 0 && !addressAllowed(host, policy))
    return Promise.reject(new FetchError("refused", `${url.href}: ${host} is not a public address`));
  return new Promise((resolve, reject) => {
    const left = deadline - Date.now();
    if (left <= 0) return reject(new FetchError("unreachable", `${url.href}: timed out`));
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      method: "GET",
      lookup: checkedLookup(policy),
      headers: { "accept-encoding": "identity" },
      agent: false,
    });
    let settled = false;
    const fail = (e: FetchError) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      req.destroy();
      reject(e);
    };
    const connectTimer = setTimeout(
      () =>
        fail(
          new FetchError("unreachable", `${url.href}: no connection within ${policy.connectTimeoutMs ?? 10_000} ms`),
        ),
      Math.min(left, policy.connectTimeoutMs ?? 10_000),
    );
    const totalTimer = setTimeout(() => fail(new FetchError("unreachable", `${url.href}: timed out`)), left);
    req.on("socket", (sock) => {
      sock.once("connect", () => {
        clearTimeout(connectTimer);
        // The address actually connected to, whatever DNS said.
        const peer = sock.remoteAddress ?? "";
        if (!addressAllowed(peer, policy))
          fail(new FetchError("refused", `${url.href}: connected to non-public address ${peer}`));
      });
    });
    req.on("error", (e: NodeJS.ErrnoException) =>
      fail(
        e.code === "EREFUSEDADDR"
          ? new FetchError("refused", `${url.href}: ${e.message}`)
          : new FetchError("unreachable", `${url.href}: ${e.message}`),
      ),
    );
    req.on("response", (res) => {
      if (settled) return res.destroy();
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      resolve(res);
    });
    req.end();
  });
}

/** The body, hashed as it streams; never more than maxBytes + 1 bytes are read. */
function readBody(
  uri: string,
  res: IncomingMessage,
  sha256: string,
  maxBytes: number,
  deadline: number,
): Promise<Uint8Array> {
  const declared = res.headers["content-length"];
  if (declared !== undefined && (!/^[0-9]{1,15}$/.test(declared) || Number(declared) > maxBytes)) {
    res.destroy();
    return Promise.reject(new FetchError("too_large", `${uri}: content-length ${declared} is over ${maxBytes}`));
  }
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (e: FetchError | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e !== null) {
        res.destroy();
        return reject(e);
      }
      const got = hash.digest("hex");
      if (got !== sha256) return reject(new FetchError("hash_mismatch", `${uri}: sha256 ${got}, expected ${sha256}`));
      resolve(new Uint8Array(Buffer.concat(chunks, size)));
    };
    const timer = setTimeout(
      () => finish(new FetchError("unreachable", `${uri}: timed out reading the body`)),
      Math.max(0, deadline - Date.now()),
    );
    res.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > maxBytes) return finish(new FetchError("too_large", `${uri}: body is over ${maxBytes} bytes`));
      hash.update(c);
      chunks.push(c);
    });
    res.on("end", () => finish(null));
    res.on("aborted", () => finish(new FetchError("unreachable", `${uri}: the connection closed early`)));
    res.on("error", (e) => finish(new FetchError("unreachable", `${uri}: ${e.message}`)));
    res.on("close", () => {
      if (!res.complete) finish(new FetchError("unreachable", `${uri}: the connection closed early`));
    });
  });
}

/** A file, read in chunks up to maxBytes + 1 (so /dev/zero and endless pipes stop at the limit). */
async function readFileBounded(url: URL, sha256: string, maxBytes: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(fileURLToPath(url), "r");
  } catch (e) {
    throw new FetchError("unreachable", `${url.href}: ${(e as Error).message}`);
  }
  try {
    const hash = createHash("sha256");
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(1 << 20, maxBytes + 1 - size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > maxBytes) throw new FetchError("too_large", `${url.href}: over ${maxBytes} bytes`);
      hash.update(buf.subarray(0, bytesRead));
      chunks.push(buf.subarray(0, bytesRead));
    }
    const got = hash.digest("hex");
    if (got !== sha256) throw new FetchError("hash_mismatch", `${url.href}: sha256 ${got}, expected ${sha256}`);
    return new Uint8Array(Buffer.concat(chunks, size));
  } catch (e) {
    if (e instanceof FetchError) throw e;
    throw new FetchError("unreachable", `${url.href}: ${(e as Error).message}`);
  } finally {
    await fh.close();
  }
}
