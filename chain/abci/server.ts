import { existsSync, lstatSync, unlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import {
  Request,
  Response,
  ResponseApplySnapshotChunk_Result,
  ResponseOfferSnapshot_Result,
} from "cosmjs-types/tendermint/abci/types";
import type { Application } from "../app/abci.js";
import type { Logger } from "../../modules/sdk/context.js";
import { registerError } from "../../modules/sdk/errors.js";
import { cometMaxMessageBytes, FrameDecoder, FrameError, frame } from "./frame.js";

// An ABCI 2.0 socket server as CometBFT v0.38 dials it (proxy_app = tcp://... or unix://...).
// CometBFT opens four connections (consensus, mempool, query, snapshot); each is answered in
// request order. App calls from all connections run one at a time, as CometBFT's own local
// client does with its global mutex, so that CheckTx, Query and Commit never interleave.

export const abciErrors = {
  address: registerError("abci", 2, "invalid ABCI listen address"),
};

export interface AbciServerOptions {
  /** tcp://host:port or unix:///path/to/socket. */
  address: string;
  /** Largest request accepted (CometBFT's own limit by default). */
  maxMessageBytes?: number;
  /** Connections served at once; CometBFT uses four. */
  maxConnections?: number;
  /** Requests read ahead of the app on one connection before the socket is paused. */
  maxQueuedRequests?: number;
}

export interface AbciServer {
  /** tcp://host:port (with the real port) or unix://path. */
  readonly address: string;
  /** Requests that got a ResponseException or closed their connection, for tests and metrics. */
  readonly rejected: number;
  close(): Promise<void>;
}

export type ListenAddress = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

export function parseAbciAddress(addr: string): ListenAddress {
  const unix = /^unix:\/\/(.+)$/.exec(addr);
  if (unix !== null) return { kind: "unix", path: unix[1]! };
  const tcp = /^(?:tcp:\/\/)?([^:/]+|\[[0-9a-fA-F:]+\]):([0-9]{1,5})$/.exec(addr);
  if (tcp === null || Number(tcp[2]) > 65535)
    throw abciErrors.address.wrap(`${JSON.stringify(addr)} (use tcp://host:port or unix:///path)`);
  return { kind: "tcp", host: tcp[1]!.replace(/^\[|\]$/g, ""), port: Number(tcp[2]) };
}

type Kind = keyof Request;

/** The one field set in a decoded Request, or null for none (an unknown or removed call). */
function requestKind(req: Request): Kind | null {
  for (const k of Object.keys(req) as Kind[]) if (req[k] !== undefined) return k;
  return null;
}

export async function createAbciServer(
  opts: AbciServerOptions,
  deps: { app: Application; logger: Logger },
): Promise<AbciServer> {
  const { app, logger } = deps;
  const maxBytes = opts.maxMessageBytes ?? cometMaxMessageBytes;
  const maxConns = opts.maxConnections ?? 16;
  const maxQueued = opts.maxQueuedRequests ?? 1024;
  const listen = parseAbciAddress(opts.address);
  const sockets = new Set<Socket>();
  let rejected = 0;
  let nextConn = 0;
  /** App calls from every connection run in this order, one at a time. */
  let appLock: Promise<unknown> = Promise.resolve();
  const withApp = <T>(f: () => Promise<T>): Promise<T> => {
    const run = appLock.then(f, f);
    appLock = run.catch(() => undefined);
    return run;
  };

  async function handle(req: Request, kind: Kind): Promise<Response> {
    switch (kind) {
      case "echo":
        return Response.fromPartial({ echo: { message: req.echo!.message } });
      case "flush":
        return Response.fromPartial({ flush: {} });
      case "info":
        return Response.fromPartial({ info: await withApp(() => app.info(req.info!)) });
      case "initChain":
        return Response.fromPartial({ initChain: await withApp(() => app.initChain(req.initChain!)) });
      case "checkTx":
        return Response.fromPartial({ checkTx: await withApp(() => app.checkTx(req.checkTx!)) });
      case "prepareProposal":
        return Response.fromPartial({
          prepareProposal: await withApp(() => app.prepareProposal(req.prepareProposal!)),
        });
      case "processProposal":
        return Response.fromPartial({
          processProposal: await withApp(() => app.processProposal(req.processProposal!)),
        });
      case "finalizeBlock":
        return Response.fromPartial({ finalizeBlock: await withApp(() => app.finalizeBlock(req.finalizeBlock!)) });
      case "extendVote":
        return Response.fromPartial({ extendVote: await withApp(() => app.extendVote(req.extendVote!)) });
      case "verifyVoteExtension":
        return Response.fromPartial({
          verifyVoteExtension: await withApp(() => app.verifyVoteExtension(req.verifyVoteExtension!)),
        });
      case "commit":
        return Response.fromPartial({ commit: await withApp(() => app.commit()) });
      case "query":
        return Response.fromPartial({ query: await withApp(() => app.query(req.query!)) });
      // No state sync: no snapshots offered, none taken.
      case "listSnapshots":
        return Response.fromPartial({ listSnapshots: { snapshots: [] } });
      case "offerSnapshot":
        return Response.fromPartial({ offerSnapshot: { result: ResponseOfferSnapshot_Result.REJECT } });
      case "loadSnapshotChunk":
        return Response.fromPartial({ loadSnapshotChunk: { chunk: new Uint8Array() } });
      case "applySnapshotChunk":
        return Response.fromPartial({ applySnapshotChunk: { result: ResponseApplySnapshotChunk_Result.ABORT } });
    }
  }

  function serve(socket: Socket): void {
    const conn = ++nextConn;
    const peer = listen.kind === "tcp" ? `${socket.remoteAddress}:${socket.remotePort}` : listen.path;
    if (sockets.size >= maxConns) {
      logger.warn("abci connection refused: too many connections", { conn, peer, max: maxConns });
      rejected++;
      socket.destroy();
      return;
    }
    sockets.add(socket);
    // Each answer is a small write; with Nagle on, the second of two answers waits for the
    // peer's delayed ACK (40 ms on Linux), which capped CheckTx at ~25 a second per connection.
    if (listen.kind === "tcp") socket.setNoDelay(true);
    logger.debug("abci connection opened", { conn, peer });
    const decoder = new FrameDecoder(maxBytes);
    const queue: Uint8Array[] = [];
    let running = false;
    let closed = false;
    let paused = false;

    const close = (reason: string, level: "info" | "warn") => {
      if (closed) return;
      closed = true;
      queue.length = 0;
      logger[level]("abci connection closed", { conn, peer, reason });
      socket.destroy();
    };

    const write = (res: Response): Promise<void> => {
      if (closed) return Promise.resolve();
      const ok = socket.write(frame(Response.encode(res).finish()));
      if (ok) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          socket.off("drain", done);
          socket.off("close", done);
          resolve();
        };
        socket.on("drain", done);
        socket.on("close", done);
      });
    };

    const exception = (error: string) => {
      rejected++;
      return write(Response.fromPartial({ exception: { error } }));
    };

    const run = async () => {
      if (running) return;
      running = true;
      while (queue.length > 0 && !closed) {
        const bytes = queue.shift()!;
        if (paused && queue.length < maxQueued / 2) {
          paused = false;
          socket.resume();
        }
        let req: Request;
        try {
          req = Request.decode(bytes);
        } catch (e) {
          logger.warn("abci request is not a valid Request protobuf", {
            conn,
            peer,
            bytes: bytes.length,
            err: (e as Error).message,
          });
          await exception(`malformed request: ${(e as Error).message}`);
          close("malformed request", "warn");
          break;
        }
        const kind = requestKind(req);
        if (kind === null) {
          // As CometBFT's own server: an exception, and the connection stays usable.
          logger.warn("abci request of an unknown type", { conn, peer, bytes: bytes.length });
          await exception("unknown request");
          continue;
        }
        let res: Response;
        try {
          res = await handle(req, kind);
        } catch (e) {
          logger.error("abci request failed in the application", {
            conn,
            peer,
            request: kind,
            err: (e as Error).message,
          });
          await exception(`${kind}: ${(e as Error).message}`);
          continue;
        }
        await write(res);
      }
      running = false;
    };

    socket.on("data", (data: Buffer) => {
      if (closed) return;
      let frames: Uint8Array[];
      try {
        frames = decoder.push(data);
      } catch (e) {
        if (!(e instanceof FrameError)) throw e;
        rejected++;
        close(`bad frame: ${e.message}`, "warn");
        return;
      }
      queue.push(...frames);
      if (!paused && queue.length >= maxQueued) {
        paused = true;
        socket.pause();
      }
      void run();
    });
    socket.on("end", () => {
      if (decoder.pendingBytes > 0 || decoder.pendingLength !== null) {
        const want = decoder.pendingLength;
        close(
          `peer closed mid-message (${decoder.pendingBytes} bytes of ${want === null ? "an unfinished length prefix" : want})`,
          "warn",
        );
      } else close("peer closed the connection", "info");
    });
    socket.on("error", (e) => close(`socket error: ${e.message}`, "warn"));
    socket.on("close", () => {
      sockets.delete(socket);
      if (!closed) close("connection lost", "info");
    });
  }

  const server: Server = createServer({ allowHalfOpen: false }, serve);
  if (listen.kind === "unix" && existsSync(listen.path) && lstatSync(listen.path).isSocket()) unlinkSync(listen.path);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (listen.kind === "tcp") server.listen(listen.port, listen.host, () => resolve());
    else server.listen(listen.path, () => resolve());
  });
  server.on("error", (e) => logger.error("abci server error", { err: e.message }));
  const bound = server.address();
  const address =
    listen.kind === "unix"
      ? `unix://${listen.path}`
      : `tcp://${listen.host}:${typeof bound === "object" && bound !== null ? bound.port : listen.port}`;
  logger.info("abci server listening", { address });

  return {
    address,
    get rejected() {
      return rejected;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await appLock;
      if (listen.kind === "unix" && existsSync(listen.path)) unlinkSync(listen.path);
    },
  };
}
