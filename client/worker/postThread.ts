import { Worker } from "node:worker_threads";
import type { Sketch } from "../../modules/jobs/sketch.js";
import type { PostJob } from "./post.js";

// The main thread's side of the post-processing thread (postWorker.mjs). Jobs are sent in
// batches: one batch in flight at a time, and the jobs that finish inference meanwhile go in the
// next, so that a message costs little per job however small the model. The thread starts with
// the first job and stops after `idleMs` without one (a worker that runs a job now and then does
// not keep it). If it fails, its jobs are rejected and `failed` tells the engine to stop using it.

interface Done {
  buffer: ArrayBuffer;
  digest: Uint8Array;
  sketch: Sketch;
}

interface Item {
  id: number;
  job: PostJob;
  resolve: (r: Done) => void;
  reject: (e: Error) => void;
}

type Reply = { id: number; buffer: ArrayBuffer } & ({ digest: Uint8Array; sketch: Sketch } | { error: string });

export class PostThread {
  failed = false;
  private worker: Worker | null = null;
  private queue: Item[] = [];
  private readonly sent = new Map<number, Item>();
  private next = 0;
  private idle: NodeJS.Timeout | null = null;

  constructor(private readonly idleMs = 30_000) {}

  submit(job: PostJob): Promise<Done> {
    return new Promise<Done>((resolve, reject) => {
      this.queue.push({ id: this.next++, job, resolve, reject });
      if (this.sent.size === 0) this.flush();
    });
  }

  private start(): Worker {
    const w = new Worker(new URL("./postWorker.mjs", import.meta.url));
    w.on("message", (replies: Reply[]) => {
      for (const r of replies) {
        const item = this.sent.get(r.id);
        if (item === undefined) continue;
        this.sent.delete(r.id);
        if ("error" in r) item.reject(new Error(r.error));
        else item.resolve({ buffer: r.buffer, digest: r.digest, sketch: r.sketch });
      }
      if (this.queue.length > 0) this.flush();
      else this.rest();
    });
    const fail = (e: Error) => {
      if (this.worker !== w) return;
      this.failed = true;
      this.worker = null;
      const err = new Error(`post-processing thread failed: ${e.message}`);
      for (const item of [...this.sent.values(), ...this.queue]) item.reject(err);
      this.sent.clear();
      this.queue = [];
    };
    w.on("error", fail);
    w.on("exit", (code) => fail(new Error(`exited with code ${code}`)));
    return w;
  }

  private flush(): void {
    if (this.idle !== null) {
      clearTimeout(this.idle);
      this.idle = null;
    }
    const w = (this.worker ??= this.start());
    w.ref();
    const batch = this.queue;
    this.queue = [];
    for (const item of batch) this.sent.set(item.id, item);
    w.postMessage(
      batch.map((i) => ({ id: i.id, job: i.job })),
      batch.map((i) => i.job.buffer),
    );
  }

  /** Nothing in flight: the thread no longer keeps the process alive, and stops after a while. */
  private rest(): void {
    const w = this.worker;
    if (w === null) return;
    w.unref();
    this.idle = setTimeout(() => void this.stop(), this.idleMs);
    this.idle.unref();
  }

  async stop(): Promise<void> {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    const w = this.worker;
    if (w === null || this.sent.size > 0) return;
    this.worker = null;
    await w.terminate();
  }
}
