import { connect, type Socket } from "node:net";
import type { DeepPartial } from "cosmjs-types/helpers";
import { Request, Response } from "cosmjs-types/tendermint/abci/types";
import { cometMaxMessageBytes, FrameDecoder, frame } from "./frame.js";
import { parseAbciAddress } from "./server.js";

// A minimal ABCI socket client (what CometBFT's socket client does: requests written in order,
// responses matched in order). Tests use it to talk to the server as CometBFT would, and to send
// it raw bytes that CometBFT never would.

export interface AbciClient {
  call(req: DeepPartial<Request>): Promise<Response>;
  /** Writes raw bytes (bad frames in tests). */
  writeRaw(bytes: Uint8Array): void;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

export async function connectAbci(address: string): Promise<AbciClient> {
  const a = parseAbciAddress(address);
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = a.kind === "tcp" ? connect(a.port, a.host) : connect(a.path);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
  const decoder = new FrameDecoder(cometMaxMessageBytes);
  const waiting: Array<{ resolve: (r: Response) => void; reject: (e: Error) => void }> = [];
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => (closedResolve = r));
  socket.on("data", (d: Buffer) => {
    for (const f of decoder.push(d)) waiting.shift()?.resolve(Response.decode(f));
  });
  socket.on("error", () => undefined);
  socket.on("close", () => {
    for (const w of waiting.splice(0)) w.reject(new Error("connection closed"));
    closedResolve();
  });
  return {
    call(req) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        socket.write(
          frame(Request.encode(Request.fromPartial(req as Parameters<typeof Request.fromPartial>[0])).finish()),
        );
      });
    },
    writeRaw(bytes) {
      socket.write(bytes);
    },
    closed,
    close() {
      socket.destroy();
    },
  };
}
