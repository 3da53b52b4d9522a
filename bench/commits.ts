import { createHash } from "node:crypto";
import { WebSocket } from "ws";

// Shared by the benchmarks: follow commits over the WebSocket RPC, and percentiles.

export interface CommittedBlock {
  height: number;
  /** Hashes (uppercase hex) of the block's txs. */
  txHashes: string[];
  /** The round the previous height was decided in (this block's last_commit.round). */
  lastCommitRound: number;
  /** performance.now() when the header arrived. */
  at: number;
}

/**
 * Subscribes to NewBlockHeader and fetches each block's txs afterwards (a NewBlock subscription
 * would make the node serialise every tx result of every block for the benchmark's sake).
 */
export async function watchCommits(rpcUrl: string, onBlock: (b: CommittedBlock) => void): Promise<WebSocket> {
  const ws = new WebSocket(rpcUrl.replace("http", "ws") + "/websocket", { maxPayload: 512 * 1024 * 1024 });
  await new Promise((r) => ws.once("open", r));
  ws.send(
    JSON.stringify({ jsonrpc: "2.0", id: 1, method: "subscribe", params: { query: "tm.event='NewBlockHeader'" } }),
  );
  ws.on("message", (data) => {
    const at = performance.now();
    const msg = JSON.parse(data.toString()) as { result?: { data?: { value: { header: { height: string } } } } };
    const header = msg.result?.data?.value.header;
    if (header === undefined) return;
    void fetch(`${rpcUrl}/block?height=${header.height}`).then(
      async (r) => {
        const block = (
          (await r.json()) as { result: { block: { data: { txs: string[] | null }; last_commit: { round: number } } } }
        ).result.block;
        const txHashes = (block.data.txs ?? []).map((t) =>
          createHash("sha256").update(Buffer.from(t, "base64")).digest("hex").toUpperCase(),
        );
        onBlock({ height: Number(header.height), txHashes, lastCommitRound: block.last_commit.round, at });
      },
      () => {},
    ); // a node stopping at the end of a run: the block no longer matters
  });
  return ws;
}

export function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
