import { MessageChannel, Worker } from "node:worker_threads";
import { ctl, ctlLength, readSlot, slotBytes, writeSlot, type PostJob, type PostResult } from "./post.js";

// The main thread's side of the post-processing thread (postWorker.mjs, the loop in post.ts).
// Jobs go through a ring of shared slots without a message per job (post.ts says how): submit
// copies the job into the next free slot; finished jobs are collected whenever the main thread
// passes by (`collect`, which the engine calls after each inference), and, when
// the main thread has nothing else to do, by waiting on the shared `done` counter
// (Atomics.waitAsync). With every slot taken, `submit` returns null and the caller finishes the
// job itself. The thread starts with the first job and stops after `idleMs` without one. If it
// fails, its jobs are rejected and `failed` tells the engine to stop using it.

// Atomics.waitAsync (V8, Node ≥ 16) is not in the project's TypeScript lib (es2022).
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: true; value: Promise<string> } | { async: false };
  }
).waitAsync;

interface Pending {
  resolve: (r: PostResult) => void;
  reject: (e: Error) => void;
}

export class PostThread {
  failed = false;
  private worker: Worker | null = null;
  private c: Int32Array<SharedArrayBuffer> = new Int32Array(new SharedArrayBuffer(4));
  private slots: SharedArrayBuffer[] = [];
  private gens: number[] = [];
  private port: MessageChannel["port1"] | null = null;
  /** Jobs submitted and collected (sequence numbers: slot = seq % slots). */
  private head = 0;
  private collected = 0;
  private readonly pending: Pending[] = [];
  private waiting = false;
  private idle: NodeJS.Timeout | null = null;

  constructor(
    private readonly slotCount = 32,
    private readonly idleMs = 30_000,
    /** The thread's script (tests give one that fails). */
    private readonly script: URL = new URL("./postWorker.mjs", import.meta.url),
  ) {}

  /** Jobs submitted and not yet collected. */
  get inFlight(): number {
    return this.head - this.collected;
  }

  /** Queues a job; null when every slot is taken (the caller then finishes the job itself). */
  submit(job: PostJob): Promise<PostResult> | null {
    if (this.worker === null) this.start();
    else this.worker.ref();
    if (this.head - this.collected >= this.slotCount) return null;
    const i = this.head % this.slotCount;
    const need = slotBytes(job);
    if (this.slots[i]!.byteLength < need) {
      // Grown: the thread takes the new buffer from the port before it serves this slot.
      const buffer = new SharedArrayBuffer(Math.max(need, 2 * this.slots[i]!.byteLength));
      this.slots[i] = buffer;
      const gen = ++this.gens[i]!;
      this.port!.postMessage({ slot: i, gen, buffer });
      Atomics.store(this.c, ctl.gen + i, gen);
    }
    writeSlot(this.slots[i]!, job);
    const p = new Promise<PostResult>((resolve, reject) => this.pending.push({ resolve, reject }));
    this.head++;
    Atomics.store(this.c, ctl.head, this.head);
    if (Atomics.load(this.c, ctl.threadSleeps) !== 0) Atomics.notify(this.c, ctl.head);
    if (!this.waiting) {
      // When the main thread has nothing else to do, wait for the thread's results.
      this.waiting = true;
      setImmediate(() => this.await());
    }
    return p;
  }

  /** Resolves every job the thread has finished (cheap: one shared load when none has). */
  collect(): void {
    if (this.worker === null) return;
    const done = Atomics.load(this.c, ctl.done);
    while (this.collected < done) {
      const r = readSlot(this.slots[this.collected % this.slotCount]!);
      this.collected++;
      const p = this.pending.shift()!;
      if (r instanceof Error) p.reject(r);
      else p.resolve(r);
    }
  }

  private await(): void {
    this.collect();
    if (this.inFlight === 0 || this.worker === null) {
      this.waiting = false;
      if (this.worker !== null) this.rest();
      return;
    }
    Atomics.store(this.c, ctl.mainWaits, 1);
    const w = waitAsync(this.c, ctl.done, this.collected);
    const again = () => {
      Atomics.store(this.c, ctl.mainWaits, 0);
      this.await();
    };
    if (w.async) void w.value.then(again);
    else again();
  }

  private start(): void {
    this.c = new Int32Array(new SharedArrayBuffer(4 * ctlLength(this.slotCount)));
    this.slots = Array.from({ length: this.slotCount }, () => new SharedArrayBuffer(4096));
    this.gens = new Array<number>(this.slotCount).fill(0);
    this.head = this.collected = 0;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const w = new Worker(this.script, {
      workerData: { ctl: this.c, slots: this.slots, port: port2 },
      transferList: [port2],
    });
    this.worker = w;
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    const fail = (e: Error) => {
      if (this.worker !== w) return;
      this.failed = true;
      this.worker = null;
      const err = new Error(`post-processing thread failed: ${e.message}`);
      for (const p of this.pending.splice(0)) p.reject(err);
    };
    w.on("error", fail);
    w.on("exit", (code) => fail(new Error(`exited with code ${code}`)));
  }

  /** Nothing in flight: the thread no longer keeps the process alive, and stops after a while. */
  private rest(): void {
    this.worker?.unref();
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.stop(), this.idleMs);
    this.idle.unref();
  }

  async stop(): Promise<void> {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    const w = this.worker;
    if (w === null || this.inFlight > 0) return;
    this.worker = null;
    Atomics.store(this.c, ctl.stop, 1);
    Atomics.notify(this.c, ctl.head);
    this.port?.close();
    this.port = null;
    await w.terminate();
  }
}
