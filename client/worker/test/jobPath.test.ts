import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { computeSketch, sketchesAgree, type Sketch } from "../../../modules/jobs/sketch.js";
import { decodeResult, encodeResult, resultLayout, sketchInput, type Tensor } from "../../models/tensors.js";
import { zoo } from "../../models/zoo.js";
import { UnusableReason } from "../../../modules/jobs/types.js";
import { InferenceEngine, InputRejectedError, type JobResult } from "../inference.js";
import { unusableOfRefusal } from "../worker.js";

// The worker's per-job path (InferenceEngine.runJob: outputs written by onnxruntime into the
// payload, digest and sketch on the main thread or on the post-processing thread) gives exactly
// what the reference path gives (encodeResult, sha256, modules/jobs/sketch.ts's computeSketch
// over sketchInput): the same payload bytes, digest, sketch components and top-k, for every zoo
// model, plain and keyed (private sealed) jobs, one input or several.

const key = createHash("sha256").update("a sketch key").digest();

function reference(
  jobId: string,
  outputs: Array<Record<string, Tensor>>,
  rule: (typeof zoo)[string]["rule"],
  k?: Uint8Array,
) {
  const payload = encodeResult(outputs);
  return {
    payload: Buffer.from(payload),
    digest: createHash("sha256").update(payload).digest("hex"),
    sketch: computeSketch(jobId, sketchInput(outputs), rule, k),
    elements: Array.from(sketchInput(outputs)),
  };
}

function same(r: JobResult, want: ReturnType<typeof reference>, what: string): void {
  assert.ok(Buffer.from(r.payload).equals(want.payload), `${what}: payload`);
  assert.equal(r.digest.toString("hex"), want.digest, `${what}: digest`);
  assert.deepEqual(r.sketch, want.sketch, `${what}: sketch`);
  // An auditor's audit sketch is taken from the served payload (worker.ts execute): its
  // elements must be the ones the result's sketch was computed over.
  assert.deepEqual(Array.from(sketchInput(decodeResult(r.payload))), want.elements, `${what}: payload elements`);
}

/** An engine with the model loaded; `prepare` runs before the load (e.g. to swap the post thread). */
async function loadedEngine(
  m: (typeof zoo)[string],
  options: ConstructorParameters<typeof InferenceEngine>[0] = { threads: 1 },
  prepare?: (engine: InferenceEngine) => void | Promise<void>,
): Promise<{ engine: InferenceEngine; hash: string }> {
  const bytes = m.bytes();
  const hash = createHash("sha256").update(bytes).digest("hex");
  const engine = new InferenceEngine(options);
  await prepare?.(engine);
  await engine.load(hash, bytes);
  return { engine, hash };
}

/** The engine's loaded model, reached into: its native session and its plans. */
type LoadedModel = { native: { run: (...a: unknown[]) => unknown }; plans: Map<string, unknown> | null };
const loadedModel = async (engine: InferenceEngine, hash: string) =>
  (await (engine as unknown as { sessions: Map<string, Promise<unknown>> }).sessions.get(hash)!) as LoadedModel;

/**
 * Replaces the model's native run: each call asks `next` for a message to throw, or null to run
 * for real. Returns the undo (release needs the real session back).
 */
function scriptNative(l: LoadedModel, next: () => string | null): () => void {
  const native = l.native;
  l.native = Object.create(native, {
    run: {
      value: (...a: unknown[]) => {
        const failure = next();
        if (failure !== null) throw new Error(failure);
        return native.run.call(native, ...a);
      },
    },
  });
  return () => (l.native = native);
}

describe("worker job path (runJob) against the reference path", function () {
  this.timeout(120_000);

  for (const m of Object.values(zoo)) {
    it(`${m.name}: the same payload, digest and sketch, alone, in flight together and keyed`, async () => {
      // postThreadMinMs 0: the thread takes every model's jobs when several are in flight.
      const { engine, hash } = await loadedEngine(m, { threads: 1, postThreadMinMs: 0 });
      try {
        const inputs = [0, 1, 2].map((v) => m.sampleInput(v));
        const outs = await Promise.all(inputs.map((i) => engine.run(hash, i)));
        // First run (makes the plan), then planned runs alone (main thread).
        for (const round of [0, 1])
          for (let v = 0; v < 3; v++)
            same(
              await engine.runJob(hash, `${40 + v}`, [inputs[v]!], m.rule),
              reference(`${40 + v}`, [outs[v]!], m.rule),
              `${m.name} round ${round} variant ${v}`,
            );
        // Several in flight: digests and sketches on the post-processing thread.
        const together = await Promise.all(
          [0, 1, 2, 0, 1, 2].map((v, i) =>
            engine.runJob(hash, `${50 + i}`, [inputs[v]!], m.rule, i % 2 ? key : undefined),
          ),
        );
        together.forEach((r, i) =>
          same(r, reference(`${50 + i}`, [outs[i % 3]!], m.rule, i % 2 ? key : undefined), `${m.name} in flight ${i}`),
        );
        assert.ok(engine.threadJobs > 0, "jobs in flight went through the post-processing thread");
        // Alone and keyed; several inputs in one job (the general path).
        same(
          await engine.runJob(hash, "60", [inputs[1]!], m.rule, key),
          reference("60", [outs[1]!], m.rule, key),
          "keyed",
        );
        same(await engine.runJob(hash, "61", inputs, m.rule), reference("61", outs, m.rule), "three inputs");
      } finally {
        await engine.release();
      }
    });
  }

  it("a flood of jobs in flight (more than the thread's slots): every result is the reference's", async () => {
    const m = zoo["mlp-64x128x128x32"]!;
    const { engine, hash } = await loadedEngine(m);
    try {
      const input = m.sampleInput(0);
      const out = await engine.run(hash, input);
      await engine.runJob(hash, "0", [input], m.rule);
      const post = (engine as unknown as { post: { inFlight: number } }).post;
      let most = 0;
      const jobs = Array.from({ length: 500 }, (_, i) =>
        engine.runJob(hash, `f${i}`, [input], m.rule).then((r) => {
          most = Math.max(most, post.inFlight);
          return r;
        }),
      );
      const got = await Promise.all(jobs);
      got.forEach((r, i) => same(r, reference(`f${i}`, [out], m.rule), `flood ${i}`));
      assert.ok(most <= 32, `at most the ring's 32 slots in flight (saw ${most})`);
    } finally {
      await engine.release();
    }
  });

  it("a post thread that crashes fails its jobs (no hang); later jobs are finished on the main thread", async () => {
    const m = zoo["mlp-64x128x128x32"]!;
    const { PostThread } = await import("../postThread.js");
    const { engine, hash } = await loadedEngine(m, { threads: 1 }, (e) => {
      (e as unknown as { post: unknown }).post = new PostThread(
        32,
        30_000,
        new URL("./failingPostWorker.mjs", import.meta.url),
      );
    });
    try {
      const input = m.sampleInput(0);
      const out = await engine.run(hash, input);
      await engine.runJob(hash, "0", [input], m.rule);
      const settled = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => engine.runJob(hash, `c${i}`, [input], m.rule)),
      );
      assert.ok(engine.threadJobs > 0, "jobs went to the thread");
      const failed = settled.filter((s) => s.status === "rejected");
      assert.equal(failed.length, engine.threadJobs, "every job the thread took failed");
      for (const f of failed)
        assert.match(String((f as PromiseRejectedResult).reason), /post-processing thread failed/);
      const after = await Promise.all([1, 2, 3].map((i) => engine.runJob(hash, `d${i}`, [input], m.rule)));
      after.forEach((r, i) => same(r, reference(`d${i + 1}`, [out], m.rule), `after the crash ${i}`));
    } finally {
      await engine.release();
    }
  });

  it("an input the model refuses is InputRejectedError naming the input, on every path; the plans stay on", async () => {
    const m = zoo["silero-vad"]!;
    const { engine, hash } = await loadedEngine(m);
    const rejected = async (inputs: Array<Record<string, Tensor>>, index: number, what: string, resources = false) => {
      await assert.rejects(
        engine.runJob(hash, "r", inputs, m.rule),
        (e: unknown) =>
          e instanceof InputRejectedError &&
          e.input === index &&
          /refuses input/.test(e.message) &&
          e.resources === resources,
        what,
      );
    };
    let restore = () => {};
    try {
      const good = m.sampleInput(0);
      // A clip of one sample: silero's reflect pad needs two ("Pad reflect requires axis length >= 2").
      const short = { ...good, input: { dtype: "float32", shape: [1, 1], data: Float32Array.of(0.5) } };
      const { sr: _sr, ...noRate } = good;
      await rejected([short], 0, "first run (no plan yet) on a clip too short");
      await rejected([noRate], 0, "a missing input");
      await rejected([good, short], 1, "the second of two inputs (general path)");
      // Planned: the good shapes made a plan; the same shapes now refused by the native run.
      const out = await engine.run(hash, good);
      await engine.runJob(hash, "p0", [good], m.rule);
      const loaded = await loadedModel(engine, hash);
      assert.ok(loaded.plans !== null && loaded.plans.size > 0, "a plan for the good shapes");
      // Each native run takes the next entry: a message to throw, or null to run for real.
      let script: Array<string | null> = [];
      restore = scriptNative(loaded, () => script.shift() ?? null);
      // Planned run, general run (the retry) refuse; the control runs: the input's.
      const gather = "Non-zero status code returned while running Gather node: indices out of range";
      script = [gather, gather, null];
      await rejected([good], 0, "planned run: a refusal that is not about shapes (the control still runs)");
      script = ["Got invalid dimensions for input: input", "Got invalid dimensions for input: input", null];
      await rejected([good], 0, "planned run: a shape refusal the general path also sees");
      assert.ok(loaded.plans !== null, "an input the model refuses does not turn the plans off");
      assert.deepEqual(script, [], "each refusal checked against the control");
      // Out of memory on the input twice while the control runs: the input needs more than this
      // worker has. Still the input's (not a no-show), but marked as for want of resources.
      const noRoom = "Failed to allocate memory for requested buffer of size 1099511627776";
      script = [noRoom, noRoom, null];
      await rejected([good], 0, "planned run: out of memory on the input alone", true);
      script = [noRoom, null, noRoom];
      await rejected([good, good], 0, "general path: out of memory on the input alone", true);
      assert.deepEqual(script, [], "input, control, input again");
      // The worker's own failure: the last good input fails too, so the job is not called unusable.
      for (const failure of [
        "Failed to allocate memory for requested buffer of size 4096",
        "Non-zero status code returned while running Conv node: unexpected error",
      ]) {
        // Planned run, its retry on the general path, then the control: all fail.
        script = [failure, failure, failure];
        await assert.rejects(
          engine.runJob(hash, "oom", [good], m.rule),
          (e: unknown) => !(e instanceof InputRejectedError) && (e as Error).message === failure,
          `planned: ${failure}`,
        );
        assert.deepEqual(script, [], "every scripted run was made");
        // General path: the first input, then the control.
        script = [failure, failure];
        await assert.rejects(
          engine.runJob(hash, "oom2", [good, good], m.rule),
          (e: unknown) => !(e instanceof InputRejectedError) && (e as Error).message === failure,
          `general path: ${failure}`,
        );
        assert.deepEqual(script, [], "every scripted run was made");
      }
      assert.ok(loaded.plans !== null && loaded.plans.size > 0, "plans kept through the worker's own failures");
      // A passing failure (memory freed meanwhile): the control runs and so does the input on its
      // second try, so the job is answered, not called unusable (for a challenge: a slash).
      const oom = "Failed to allocate memory for requested buffer of size 4096";
      script = [oom, null];
      same(await engine.runJob(hash, "t1", [good], m.rule), reference("t1", [out], m.rule), "planned: retried");
      assert.ok(loaded.plans !== null && loaded.plans.size > 0, "a passing failure does not turn the plans off");
      script = [oom, null, null, null];
      const two = await engine.runJob(hash, "t2", [good, good], m.rule);
      same(two, reference("t2", [out, out], m.rule), "general path: the control runs, then the input");
      assert.deepEqual(script, [], "input, control, input again, then the second input");
      restore();
      same(await engine.runJob(hash, "p1", [good], m.rule), reference("p1", [out], m.rule), "a good input after them");
      assert.ok(loaded.plans !== null && loaded.plans.size > 0, "still planned");
    } finally {
      restore();
      await engine.release();
    }
  });

  it("reports a refusal for want of memory as RESOURCES (a decline: never slashed), any other as REJECTED", () => {
    const short = unusableOfRefusal(
      new InputRejectedError(2, "the model refuses input 2: Pad reflect requires axis length >= 2"),
    );
    assert.deepEqual([short.reason, short.input], [UnusableReason.rejected, 2]);
    const big = unusableOfRefusal(
      new InputRejectedError(1, "the model refuses input 1: Failed to allocate memory", true),
    );
    assert.deepEqual([big.reason, big.input], [UnusableReason.resources, 1]);
    assert.match(big.message, /needs more memory than this worker has/);
  });

  it("the control is the worker's own input when given, else the smallest input that ran, never a sealed job's", async () => {
    const m = zoo["silero-vad"]!;
    const { engine, hash } = await loadedEngine(m);
    const clip = (n: number, seed: number) => {
      const x = m.sampleInput(seed);
      return { ...x, input: { dtype: "float32", shape: [1, n], data: new Float32Array(n).fill(0.01 * seed) } };
    };
    try {
      assert.equal(await engine.controlOf(hash), null, "nothing ran yet");
      const big = clip(4096, 1);
      const small = clip(512, 2);
      const sealed = clip(256, 3);
      await engine.runJob(hash, "a", [big], m.rule);
      assert.equal((await engine.controlOf(hash))!.input, big, "the first input that ran");
      await engine.runJob(hash, "b", [small], m.rule);
      assert.equal((await engine.controlOf(hash))!.input, small, "a smaller one replaces it");
      await engine.runJob(hash, "c", [big], m.rule);
      assert.equal((await engine.controlOf(hash))!.input, small, "a larger one does not");
      await engine.runJob(hash, "d", [sealed], m.rule, undefined, undefined, { retain: false });
      assert.equal((await engine.controlOf(hash))!.input, small, "a sealed job's input is not kept");
      // Multi-input: the first input becomes the control as soon as it runs, so the second
      // input's failure is judged against it (before, the control was set after all inputs).
      const fresh = await loadedEngine(m);
      try {
        const short = { ...small, input: { dtype: "float32", shape: [1, 1], data: Float32Array.of(0.5) } };
        await assert.rejects(
          fresh.engine.runJob(fresh.hash, "e", [small, short], m.rule),
          (e: unknown) => e instanceof InputRejectedError && e.input === 1,
        );
        assert.equal((await fresh.engine.controlOf(fresh.hash))!.input, small);
      } finally {
        await fresh.engine.release();
      }
      // The worker's own control: kept whatever requesters send afterwards.
      const own = clip(512, 4);
      await engine.adoptControl(hash, own);
      await engine.runJob(hash, "f", [clip(300, 5)], m.rule);
      assert.deepEqual(await engine.controlOf(hash), { input: own, owned: true });
      const refusedOwn = { ...own, input: { dtype: "float32", shape: [1, 1], data: Float32Array.of(0.5) } };
      await assert.rejects(engine.adoptControl(hash, refusedOwn), /Pad|reflect|axis/i, "a refused one throws");
      assert.equal((await engine.controlOf(hash))!.input, own, "and is not adopted");
    } finally {
      await engine.release();
    }
  });

  it("a shape error on the planned path that the general path runs turns the plans off; before any success, a failure is the input's", async () => {
    const m = zoo["mlp-64x128x128x32"]!;
    const { engine, hash } = await loadedEngine(m);
    try {
      const good = m.sampleInput(0);
      const out = await engine.run(hash, good);
      same(await engine.runJob(hash, "a", [good], m.rule), reference("a", [out], m.rule), "first run");
      const loaded = await loadedModel(engine, hash);
      assert.ok(loaded.plans !== null && loaded.plans.size > 0);
      const script: Array<string | null> = ["Got invalid dimensions for output: y"];
      const restore = scriptNative(loaded, () => script.shift() ?? null);
      same(
        await engine.runJob(hash, "b", [good], m.rule),
        reference("b", [out], m.rule),
        "answered by the general path",
      );
      assert.equal(loaded.plans, null, "outputs whose shape depends on the data: plans off");
      restore();
    } finally {
      await engine.release();
    }
    // A fresh engine, nothing run yet: no control input, so the failure is the input's whatever
    // it says (a requester can make onnxruntime run out of memory; silence would be a no-show),
    // once a second try fails too. An empty batch that runs is not made the control.
    const fresh = await loadedEngine(m);
    try {
      const retry = await loadedEngine(m);
      const once = ["Failed to allocate memory for requested buffer of size 4096"];
      const undo = scriptNative(await loadedModel(retry.engine, retry.hash), () => once.shift() ?? null);
      try {
        const first = m.sampleInput(2);
        const r = await retry.engine.runJob(retry.hash, "n", [first], m.rule);
        same(r, reference("n", [await retry.engine.run(retry.hash, first)], m.rule), "a passing failure, retried");
      } finally {
        undo();
        await retry.engine.release();
      }
      const empty = await loadedEngine(m);
      try {
        // (The engine's bookkeeping of a run that succeeded, reached into: onnxruntime itself
        // refuses an empty batch of this model, but another model may run one.)
        const ran = (i: Record<string, Tensor>) =>
          (empty.engine as unknown as { ran(l: unknown, i: Record<string, Tensor>, retain: boolean): void }).ran(
            l,
            i,
            true,
          );
        const l = await loadedModel(empty.engine, empty.hash);
        ran({ x: { dtype: "float32", shape: [0, 64], data: new Float32Array(0) } });
        assert.equal(await empty.engine.controlOf(empty.hash), null, "an empty batch is no control");
        const one = m.sampleInput(3);
        ran(one);
        assert.equal((await empty.engine.controlOf(empty.hash))!.input, one, "a non-empty one is");
      } finally {
        await empty.engine.release();
      }
      const restore = scriptNative(
        await loadedModel(fresh.engine, fresh.hash),
        () => "Failed to allocate memory for requested buffer of size 1099511627776",
      );
      try {
        await assert.rejects(
          fresh.engine.runJob(fresh.hash, "c", [m.sampleInput(1)], m.rule),
          (e: unknown) => e instanceof InputRejectedError && /allocate memory/.test(e.message) && e.resources,
        );
      } finally {
        restore();
      }
    } finally {
      await fresh.engine.release();
    }
  });

  it("a wrong projection is caught: another job id's or key's sketch is not the job's", async () => {
    const m = zoo["ppocr-v4-det"]!;
    const { engine, hash } = await loadedEngine(m);
    try {
      const input = m.sampleInput(0);
      const out = await engine.run(hash, input);
      await engine.runJob(hash, "1", [input], m.rule);
      const [a, b] = await Promise.all([
        engine.runJob(hash, "70", [input], m.rule),
        engine.runJob(hash, "71", [input], m.rule),
      ]);
      const want = reference("70", [out], m.rule).sketch;
      assert.deepEqual(a.sketch, want);
      assert.notDeepEqual(b.sketch, want);
      assert.ok(!sketchesAgree(b.sketch, want, m.rule), "another job's projection disagrees under the rule");
      const keyed: Sketch = (await engine.runJob(hash, "70", [input], m.rule, key)).sketch;
      assert.ok(!sketchesAgree(keyed, want, m.rule), "a keyed projection is not the plain one");
      // A tampered output (the --byzantine worker) is sketched as tampered.
      const t = await engine.runJob(hash, "70", [input], m.rule, undefined, (o) => o.map((v) => v + 0.5));
      assert.ok(!sketchesAgree(t.sketch, want, m.rule));
    } finally {
      await engine.release();
    }
  });

  it("a result layout is where encodeResult writes each tensor's data", () => {
    const outs: Record<string, Tensor> = {
      b: { dtype: "float32", shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
      a: { dtype: "int64", shape: [1], data: BigInt64Array.of(-5n) },
      c: { dtype: "uint8", shape: [300], data: new Uint8Array(300).fill(7) },
    };
    const l = resultLayout(outs)!;
    const bytes = Buffer.from(encodeResult([outs]));
    assert.equal(l.size, bytes.length);
    assert.deepEqual(l.names, ["a", "b", "c"]);
    const built = Buffer.alloc(l.size);
    for (const h of l.headers) built.set(h.bytes, h.at);
    l.names.forEach((n, i) => {
      const d = outs[n]!.data;
      built.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), l.dataAt[i]!);
    });
    assert.ok(built.equals(bytes));
    assert.equal(resultLayout({ e: { dtype: "float32", shape: [0], data: new Float32Array(0) } }), null);
  });
});
