// A node's CometBFT JSON-RPC as tests use it: one call, the height, waiting for heights.

export type Rpc = (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** JSON-RPC calls to `url`; an error answer throws. `timeoutMs` bounds each call when given. */
export const rpcOf =
  (url: string, timeoutMs?: number): Rpc =>
  async (method, params = {}) => {
    const init: RequestInit = { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) };
    if (timeoutMs !== undefined) init.signal = AbortSignal.timeout(timeoutMs);
    const res = await fetch(url, init);
    const body = (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
    if (body.result === undefined) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  };

/** The node's latest height, -1 when it does not answer. */
export async function heightOf(url: string, timeoutMs?: number): Promise<number> {
  try {
    return Number(
      ((await rpcOf(url, timeoutMs)("status"))["sync_info"] as { latest_block_height: string }).latest_block_height,
    );
  } catch {
    return -1;
  }
}

/**
 * Resolves once every node reached height `h`. Each status call is bounded (a node that does not
 * answer counts as -1), so that the deadline holds even when a node stops answering.
 */
export async function waitHeight(urls: string[], h: number, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const hs = await Promise.all(urls.map((u) => heightOf(u, 10_000)));
    if (hs.every((x) => x >= h)) return;
    if (Date.now() > end) throw new Error(`heights ${hs.join(",")} did not reach ${h}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
