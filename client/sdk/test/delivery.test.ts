import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { computeSketch, Outcome, sketchToPb, type Job } from "../../../modules/jobs/index.js";
import type { Assignment } from "../../../modules/jobs/types.js";
import { encodeResult, flatten, type Tensor } from "../../models/tensors.js";
import { seal } from "../sealing.js";
import {
  fetchAcceptedOutput,
  fetchOutputBytes,
  OutputFetchError,
  OutputMismatchError,
  outputMismatch,
  rawKeyFromMnemonic,
  verifyOutputRequest,
} from "../outputs.js";
import type { RawKey } from "../signing.js";

// Verified delivery (docs/jobs.md, "Verified delivery"): the requester checks every fetched
// output against the worker's committed digest and revealed sketch, refuses a wrong one and tries
// the next accepted worker. Workers here are stub output servers on 127.0.0.1 that serve whatever
// payload they are given, sealed to the requester's key like client/worker does.

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const rule = { sketchSize: 16, tolerance: 1000, topK: 0 };
const jobId = "7";

function payloadOf(values: number[]): Uint8Array {
  const t: Tensor = { dtype: "float32", shape: [values.length], data: new Float32Array(values) };
  return encodeResult([{ y: t }]);
}
const good = payloadOf([0.5, -1.25, 3, 4.5, 2, 0, -7, 1]);
const wrong = payloadOf([0.5, -1.25, 3, 4.5, 2, 0, -7, 9]);

function sketchOf(values: number[]) {
  const t: Tensor = { dtype: "float32", shape: [values.length], data: new Float32Array(values) };
  return sketchToPb(computeSketch(jobId, flatten({ y: t }), rule));
}
const goodSketch = sketchOf([0.5, -1.25, 3, 4.5, 2, 0, -7, 1]);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest();

async function stub(payload: Uint8Array): Promise<{ server: Server; uri: string }> {
  const server = createServer((req, res) => {
    const who = verifyOutputRequest(jobId, req.headers as Record<string, string>, Math.floor(Date.now() / 1000));
    if (typeof who === "string") {
      res.writeHead(401).end(who);
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from(seal(payload, who.x25519)));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  return {
    server,
    uri: `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}/outputs/${jobId}`,
  };
}

function assignment(provider: string, uri: string, digest: Uint8Array, sketch = goodSketch): Assignment {
  return {
    provider,
    gpu: "",
    pricePerUnit: "1utcu",
    commitment: new Uint8Array(32),
    committedHeight: "1",
    digest,
    sketch,
    outputUri: uri,
    revealedHeight: "2",
    outcome: Outcome.accepted,
    paid: "1",
    slashed: "0",
  };
}

function jobWith(assignments: Assignment[]): Job {
  return { id: jobId, requester: "", model: "m", assignments } as unknown as Job;
}

describe("verified delivery (client/sdk fetchAcceptedOutput)", () => {
  let key: RawKey;
  const servers: Server[] = [];
  before(async () => {
    key = await rawKeyFromMnemonic(mnemonic);
  });
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });
  async function serving(p: Uint8Array): Promise<string> {
    const s = await stub(p);
    servers.push(s.server);
    return s.uri;
  }

  it("refuses a worker serving another output than its committed digest and takes the next worker's", async () => {
    const liar = await serving(wrong);
    const honest = await serving(good);
    const job = jobWith([assignment("liar", liar, sha(good)), assignment("honest", honest, sha(good))]);
    const got = await fetchAcceptedOutput(key, job, rule);
    assert.equal(got.provider, "honest");
    assert.deepEqual(Buffer.from(got.bytes), Buffer.from(good));
  });

  it("refuses an output whose recomputed sketch does not agree with the revealed sketch", async () => {
    // The worker committed to the digest of what it serves but revealed the sketch of another output.
    const tamperer = await serving(wrong);
    const honest = await serving(good);
    const job = jobWith([
      assignment("tamperer", tamperer, sha(wrong), goodSketch),
      assignment("honest", honest, sha(good)),
    ]);
    assert.match(outputMismatch(job, job.assignments[0]!, wrong, rule) ?? "", /sketch does not agree/);
    assert.equal((await fetchAcceptedOutput(key, job, rule)).provider, "honest");
  });

  it("refuses every wrong output with an error naming each worker", async () => {
    const a = await serving(wrong);
    const b = await serving(new Uint8Array([1, 2, 3]));
    const job = jobWith([assignment("w1", a, sha(good)), assignment("w2", b, sha(good))]);
    await assert.rejects(
      fetchAcceptedOutput(key, job, rule),
      (e: Error) =>
        e instanceof OutputMismatchError &&
        /none of its 2 accepted worker/.test(e.message) &&
        /w1 served a wrong output: its sha256/.test(e.message) &&
        /w2 served a wrong output/.test(e.message),
    );
  });

  it("skips an unreachable worker and reports a plain fetch error when none answers", async () => {
    const down = "http://127.0.0.1:1/outputs/7";
    const honest = await serving(good);
    assert.equal(
      (
        await fetchAcceptedOutput(
          key,
          jobWith([assignment("down", down, sha(good)), assignment("honest", honest, sha(good))]),
          rule,
        )
      ).provider,
      "honest",
    );
    await assert.rejects(
      fetchAcceptedOutput(key, jobWith([assignment("down", down, sha(good))]), rule),
      (e: Error) => e instanceof OutputFetchError && !(e instanceof OutputMismatchError) && /down:/.test(e.message),
    );
  });

  it("stops reading an output over the size limit (declared or endless) and takes the next worker's", async () => {
    const endless = createServer((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 7);
      const pump = () => {
        while (res.write(chunk));
        res.once("drain", pump);
      };
      pump();
      res.on("close", () => res.removeAllListeners("drain"));
    });
    const huge = createServer((_req, res) => res.writeHead(200, { "content-length": String(1 << 30) }).end());
    for (const s of [endless, huge]) {
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
      servers.push(s);
    }
    const uriOf = (s: Server) => {
      const a = s.address();
      return `http://127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}/outputs/${jobId}`;
    };
    await assert.rejects(
      fetchOutputBytes(key, jobId, uriOf(endless), undefined, 1 << 20),
      /over the 1048576-byte limit/,
    );
    await assert.rejects(
      fetchOutputBytes(key, jobId, uriOf(huge), undefined, 1 << 20),
      /1073741824 bytes, over the 1048576-byte limit/,
    );
    const honest = await serving(good);
    const small = (k: RawKey, id: string, uri: string) => fetchOutputBytes(k, id, uri, undefined, 1 << 20);
    const got = await fetchAcceptedOutput(
      key,
      jobWith([
        assignment("endless", uriOf(endless), sha(good)),
        assignment("huge", uriOf(huge), sha(good)),
        assignment("honest", honest, sha(good)),
      ]),
      rule,
      small,
    );
    assert.equal(got.provider, "honest");
  });

  it("refuses a non-finite or undecodable payload that matches its digest", async () => {
    const junk = new Uint8Array([0xff, 0xff, 0xff]);
    const job = jobWith([assignment("junk", "", sha(junk))]);
    assert.match(outputMismatch(job, job.assignments[0]!, junk, rule) ?? "", /not a result payload/);
    const nan = payloadOf([Number.NaN, 1]);
    const j2 = jobWith([assignment("nan", "", sha(nan))]);
    assert.match(outputMismatch(j2, j2.assignments[0]!, nan, rule) ?? "", /cannot be computed/);
  });
});
