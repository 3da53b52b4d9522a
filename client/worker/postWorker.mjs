// The post-processing thread of a worker's inference engine (inference.ts): the payload's sha256
// and the sketch of jobs whose inference is done, while the main thread runs the next inference.
// Plain JavaScript so that it starts without the TypeScript loader; it registers tsx itself, then takes finishJob from post.ts. Receives batches
// [{ id, job }] (each job's payload buffer transferred) and answers [{ id, digest, sketch } or
// { id, error }] with the buffers transferred back.
import { parentPort } from "node:worker_threads";

// tsx's hooks, registered in the main thread, do not reach worker threads: registered here.
(await import("tsx/esm/api")).register();
const { finishJob } = await import("./post.ts");

parentPort.on("message", (batch) => {
  const out = [];
  const transfer = [];
  for (const { id, job } of batch) {
    try {
      const r = finishJob(job);
      out.push({ id, digest: r.digest, sketch: r.sketch, buffer: job.buffer });
    } catch (e) {
      out.push({ id, error: e instanceof Error ? e.message : String(e), buffer: job.buffer });
    }
    transfer.push(job.buffer);
  }
  parentPort.postMessage(out, transfer);
});
