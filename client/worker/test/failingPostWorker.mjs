// A post-processing thread that dies once the first job is published (postThread.test.ts): the
// job must be rejected, not left waiting.
import { workerData } from "node:worker_threads";

const { ctl } = workerData;
while (Atomics.load(ctl, 0) === 0) Atomics.wait(ctl, 0, 0, 50);
throw new Error("post thread crashed");
