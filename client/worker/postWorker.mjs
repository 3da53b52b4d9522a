// The post-processing thread of a worker's inference engine (inference.ts, postThread.ts): the
// payload's sha256 and the sketch of jobs whose inference is done, while the main thread runs the
// next inference. Plain JavaScript so that it starts without the TypeScript loader; it registers
// tsx itself, then runs serveLoop from post.ts over the shared slots it was given (post.ts
// describes them). The loop blocks this thread; it returns when the main thread sets `stop`.
import { receiveMessageOnPort, workerData } from "node:worker_threads";

// tsx's hooks, registered in the main thread, do not reach worker threads: registered here.
(await import("tsx/esm/api")).register();
const { serveLoop } = await import("./post.ts");

const { ctl, slots, port } = workerData;
serveLoop(ctl, slots, () => receiveMessageOnPort(port)?.message);
port.close();
