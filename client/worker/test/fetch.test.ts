import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FetchError, fetchVerified, isPublicAddress, type FetchPolicy, type FetchReason } from "../fetch.js";

// The worker's fetcher against hostile URIs: local servers on 127.0.0.1 (so the normal cases run
// with allowPrivate, the operator's opt-in for loopback; the refusals run without it).

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const body = Buffer.from("the honest input bytes ".repeat(40));

async function rejects(p: Promise<unknown>, reason: FetchReason): Promise<FetchError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FetchError, `not a FetchError: ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    return e;
  }
  assert.fail(`expected a ${reason} refusal`);
}

describe("worker fetch: bounded and checked input fetching", () => {
  let server: Server;
  let base = "";
  const sockets = new Set<Socket>();
  let served = 0;
  const local: FetchPolicy = { maxBytes: 4096, allowLoopback: true, totalTimeoutMs: 5000 };

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const u = req.url ?? "/";
      if (u === "/ok") return res.end(body);
      if (u === "/endless") {
        // No content-length, chunked, never ends: counts what the client pulled.
        res.writeHead(200, { "content-type": "application/octet-stream" });
        const chunk = Buffer.alloc(16 << 10, 7);
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) served += chunk.length;
          if (!res.destroyed) res.once("drain", pump);
        };
        pump();
        return;
      }
      if (u === "/huge-length") {
        res.writeHead(200, { "content-length": String(1 << 30) });
        return res.write(Buffer.alloc(1024));
      }
      if (u === "/short-length") {
        // Claims 100 bytes and sends more: the client takes 100 (and the hash does not match).
        const sock = res.socket!;
        sock.write(`HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n${"x".repeat(5000)}`);
        return sock.end();
      }
      if (u === "/long-length") {
        // Claims 1000 bytes, sends 10 and closes.
        const sock = res.socket!;
        sock.write(`HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789`);
        return sock.end();
      }
      if (u === "/drip") {
        res.writeHead(200, { "content-length": "1000" });
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write("x")), 50);
        res.on("close", () => clearInterval(t));
        return;
      }
      if (u === "/silent") return; // headers never come
      if (u === "/loop") return res.writeHead(302, { location: "/loop" }).end();
      if (u.startsWith("/hops/")) {
        const n = Number(u.slice(6));
        return res.writeHead(302, { location: n === 0 ? "/ok" : `/hops/${n - 1}` }).end();
      }
      if (u === "/to-loopback")
        return res.writeHead(302, { location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ok` }).end();
      if (u === "/to-metadata")
        return res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      if (u === "/to-private") return res.writeHead(302, { location: "http://10.0.0.1/x" }).end();
      if (u === "/to-localhost-name")
        return res.writeHead(302, { location: `http://localhost:${(server.address() as AddressInfo).port}/ok` }).end();
      if (u === "/to-file") return res.writeHead(302, { location: "file:///etc/passwd" }).end();
      if (u === "/mismatch") {
        // Right length, wrong bytes half way: caught by the streamed hash.
        const bad = Buffer.from(body);
        bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 1;
        return res.end(bad);
      }
      if (u === "/404") return res.writeHead(404).end();
      res.writeHead(500).end();
    });
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("fetches a good input with its hash", async () => {
    const got = await fetchVerified(`${base}/ok`, sha(body), local);
    assert.deepEqual(Buffer.from(got), body);
  });

  it("stops an endless body at the size limit, without reading on", async () => {
    served = 0;
    const e = await rejects(fetchVerified(`${base}/endless`, sha(body), local), "too_large");
    assert.match(e.message, /over 4096/);
    // The server could only push what fits in socket buffers before the client hung up.
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(served < 64 << 20, `the server pushed ${served} bytes`);
  });

  it("refuses a declared content-length over the limit before the body", async () => {
    await rejects(fetchVerified(`${base}/huge-length`, sha(body), local), "too_large");
  });

  it("reads only the declared length when the server sends more (and the hash fails)", async () => {
    await rejects(fetchVerified(`${base}/short-length`, sha("x".repeat(5000)), local), "hash_mismatch");
  });

  it("treats a body shorter than its content-length as unreachable", async () => {
    await rejects(fetchVerified(`${base}/long-length`, sha("0123456789"), local), "unreachable");
  });

  it("gives up on a slow drip at the total timeout", async () => {
    const e = await rejects(fetchVerified(`${base}/drip`, sha(body), { ...local, totalTimeoutMs: 300 }), "unreachable");
    assert.match(e.message, /timed out/);
  });

  it("gives up on a server that never answers", async () => {
    await rejects(fetchVerified(`${base}/silent`, sha(body), { ...local, totalTimeoutMs: 300 }), "unreachable");
  });

  it("follows a bounded number of redirects and refuses a loop", async () => {
    assert.deepEqual(Buffer.from(await fetchVerified(`${base}/hops/2`, sha(body), local)), body);
    await rejects(fetchVerified(`${base}/hops/5`, sha(body), local), "unreachable");
    const e = await rejects(fetchVerified(`${base}/loop`, sha(body), local), "unreachable");
    assert.match(e.message, /redirects/);
  });

  it("refuses loopback URIs (literal, by name, IPv6, v4-mapped) without the operator's opt-in", async () => {
    const strict: FetchPolicy = { maxBytes: 4096, totalTimeoutMs: 5000 };
    await rejects(fetchVerified(`${base}/ok`, sha(body), strict), "refused");
    await rejects(
      fetchVerified(`http://localhost:${(server.address() as AddressInfo).port}/ok`, sha(body), strict),
      "refused",
    );
    await rejects(fetchVerified(`http://[::1]:1/ok`, sha(body), strict), "refused");
    await rejects(fetchVerified(`http://[::ffff:127.0.0.1]:1/ok`, sha(body), strict), "refused");
  });

  it("checks every redirect hop: loopback allowed does not let a redirect reach link-local or private ranges", async () => {
    assert.deepEqual(Buffer.from(await fetchVerified(`${base}/to-loopback`, sha(body), local)), body);
    const e = await rejects(fetchVerified(`${base}/to-metadata`, sha(body), local), "refused");
    assert.match(e.message, /169\.254\.169\.254/);
    await rejects(fetchVerified(`${base}/to-private`, sha(body), local), "refused");
    await rejects(
      fetchVerified(`${base}/to-localhost-name`, sha(body), { ...local, allowLoopback: false, allowPrivate: true }),
      "refused",
    );
    await rejects(fetchVerified(`${base}/to-file`, sha(body), local), "refused");
  });

  it("classifies addresses", async () => {
    for (const ip of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "::1",
      "::",
      "fe80::1",
      "fd00::1",
      "::ffff:10.0.0.1",
      "::ffff:7f00:1",
      "64:ff9b::a00:1",
    ])
      assert.equal(isPublicAddress(ip), false, ip);
    for (const ip of ["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
      assert.equal(isPublicAddress(ip), true, ip);
    assert.equal(isPublicAddress("not-an-ip"), false);
  });

  it("refuses file:// by default", async () => {
    await rejects(fetchVerified("file:///etc/hostname", sha(body), { maxBytes: 4096 }), "refused");
    await rejects(fetchVerified("ftp://example.com/x", sha(body), { maxBytes: 4096 }), "refused");
    await rejects(fetchVerified("not a uri", sha(body), { maxBytes: 4096 }), "refused");
  });

  it("with the file flag, reads files bounded: /dev/zero stops at the limit", async () => {
    await rejects(fetchVerified("file:///dev/zero", sha(body), { maxBytes: 1 << 20, allowFile: true }), "too_large");
    const dir = mkdtempSync(join(tmpdir(), "fetch-"));
    try {
      const f = join(dir, "in.bin");
      writeFileSync(f, body);
      assert.deepEqual(
        Buffer.from(await fetchVerified(pathToFileURL(f).href, sha(body), { maxBytes: 4096, allowFile: true })),
        body,
      );
      await rejects(
        fetchVerified(pathToFileURL(f).href, sha("other"), { maxBytes: 4096, allowFile: true }),
        "hash_mismatch",
      );
      await rejects(fetchVerified(pathToFileURL(f).href, sha(body), { maxBytes: 100, allowFile: true }), "too_large");
      await rejects(
        fetchVerified(pathToFileURL(join(dir, "missing")).href, sha(body), { maxBytes: 4096, allowFile: true }),
        "unreachable",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a body whose hash does not match (changed mid-stream)", async () => {
    await rejects(fetchVerified(`${base}/mismatch`, sha(body), local), "hash_mismatch");
    await rejects(fetchVerified(`${base}/404`, sha(body), local), "unreachable");
  });
});
