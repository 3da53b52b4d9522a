import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { computeSketch } from "../../../modules/jobs/sketch.js";
import { finishJob, type PostJob } from "../post.js";
import { PostThread } from "../postThread.js";

// The shared-memory hand-off to the post-processing thread (postThread.ts, post.ts): what the
// thread computes is finishJob's result on the main thread, for jobs of any size (slots grow),
// keyed or not, in order; a job whose output is not finite is rejected with finishJob's error;
// with every slot taken, submit declines (the engine then finishes the job itself).

function job(id: string, values: number[], at = 3, key?: Uint8Array): PostJob {
  // A payload of `at` header bytes, then float32 data (placed so that the data is 4-aligned).
  const offset = (4 - (at & 3)) & 3;
  const buffer = new ArrayBuffer(offset + at + 4 * values.length);
  new Uint8Array(buffer, offset, at).fill(0x5a);
  new Float32Array(buffer, offset + at, values.length).set(values);
  const j: PostJob = {
    jobId: id,
    rule: { sketchSize: 16, tolerance: 1000, topK: 2 },
    buffer,
    offset,
    size: at + 4 * values.length,
    outs: [{ dtype: "float32", at, length: values.length }],
  };
  if (key !== undefined) j.key = key;
  return j;
}

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + seed));

describe("post-processing thread (shared slots)", function () {
  this.timeout(60_000);

  it("gives finishJob's digest and sketch, in order, for small and growing jobs, keyed or not", async () => {
    const t = new PostThread(4);
    try {
      const key = createHash("sha256").update("k").digest();
      const jobs = [5, 64, 3000, 20_000, 7, 9000, 1].map((n, i) =>
        job(`job-${i}-é`, values(n, i), 1 + i, i % 2 ? key : undefined),
      );
      const want = jobs.map((j) => finishJob(j));
      // Three rounds over four slots: every slot is reused and several grow.
      for (let round = 0; round < 3; round++) {
        const got = await Promise.all(jobs.slice(0, 4).map((j) => t.submit(j)!));
        const rest = await Promise.all(jobs.slice(4).map((j) => t.submit(j)!));
        [...got, ...rest].forEach((r, i) => {
          assert.deepEqual(Buffer.from(r.digest), Buffer.from(want[i]!.digest), `digest ${i}`);
          assert.deepEqual(r.sketch, want[i]!.sketch, `sketch ${i}`);
        });
      }
      // The thread's sketch is modules/jobs' computeSketch of the output.
      const j = job("42", values(100, 3));
      const r = await t.submit(j)!;
      assert.deepEqual(r.sketch, computeSketch("42", new Float32Array(j.buffer, j.offset + 3, 100), j.rule));
    } finally {
      await t.stop();
    }
  });

  it("rejects a job whose output is not finite, and goes on with the next", async () => {
    const t = new PostThread(4);
    try {
      const bad = t.submit(job("1", [1, Number.NaN, 2]))!;
      const good = t.submit(job("2", [1, 2, 3]))!;
      await assert.rejects(bad, /not finite/);
      assert.deepEqual((await good).sketch, finishJob(job("2", [1, 2, 3])).sketch);
    } finally {
      await t.stop();
    }
  });

  it("declines a job when every slot is taken", async () => {
    const t = new PostThread(2);
    try {
      const a = t.submit(job("1", [1, 2]));
      const b = t.submit(job("2", [1, 2]));
      assert.ok(a !== null && b !== null);
      assert.equal(t.submit(job("3", [1, 2])), null);
      await Promise.all([a, b]);
      // Collected: a slot is free again.
      const c = t.submit(job("4", [1, 2]));
      assert.ok(c !== null);
      await c;
    } finally {
      await t.stop();
    }
  });

  it("starts again after it was stopped, with fresh slots", async () => {
    const t = new PostThread(2);
    try {
      const want = finishJob(job("1", values(50, 1)));
      assert.deepEqual((await t.submit(job("1", values(50, 1)))!).sketch, want.sketch);
      await t.stop();
      for (let round = 0; round < 3; round++) {
        const r = await t.submit(job("1", values(50, 1)))!;
        assert.deepEqual(Buffer.from(r.digest), Buffer.from(want.digest));
        assert.deepEqual(r.sketch, want.sketch);
        await t.stop();
      }
    } finally {
      await t.stop();
    }
  });
  it("rejects the jobs of a thread that crashes, instead of leaving them waiting", async () => {
    const t = new PostThread(4, 30_000, new URL("./failingPostWorker.mjs", import.meta.url));
    try {
      const a = t.submit(job("1", [1, 2, 3]))!;
      const b = t.submit(job("2", [1, 2, 3]))!;
      await assert.rejects(a, /post-processing thread failed: post thread crashed/);
      await assert.rejects(b, /post-processing thread failed/);
      assert.equal(t.failed, true);
    } finally {
      await t.stop();
    }
  });

  it("holds at most its slots under a flood; the rest is declined, every accepted job is right", async () => {
    const t = new PostThread(8);
    try {
      const accepted: Array<[number, Promise<{ sketch: unknown }>]> = [];
      let declined = 0;
      for (let i = 0; i < 2000; i++) {
        const p = t.submit(job(String(i), values(40, i)));
        assert.ok(t.inFlight <= 8, `in flight ${t.inFlight} at ${i}`);
        if (p === null) declined++;
        else accepted.push([i, p]);
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      assert.ok(declined > 0, "a flood fills the ring");
      for (const [i, p] of accepted)
        assert.deepEqual((await p).sketch, finishJob(job(String(i), values(40, i))).sketch, `job ${i}`);
    } finally {
      await t.stop();
    }
  });
});
