import type { OfflineSigner } from "@cosmjs/proto-signing";
import { registerError } from "../../modules/sdk/errors.js";
import { QueryFailed, TcomputeClient } from "../sdk/client.js";
import { cliErrors, type GlobalFlags } from "./context.js";

// The CLI reaches the chain only through TcomputeClient (client/sdk): these turn its failures
// into the CLI's error codes.

export const queryErrors = {
  failed: registerError("cli", 5, "query failed"),
};

/** A TcomputeClient on --node (signing with `signer` when given); cli 3 when the node is not there. */
export async function connectClient(
  f: GlobalFlags,
  signer?: OfflineSigner,
  gasPrice?: string,
): Promise<TcomputeClient> {
  try {
    if (signer !== undefined)
      return await TcomputeClient.connectWithSigner(f.node, signer, gasPrice === undefined ? {} : { gasPrice });
    const client = await TcomputeClient.connect(f.node);
    // The node answers now (or cli 3), rather than a query failing later.
    await client.chainId().catch((e: unknown) => {
      client.disconnect();
      throw e;
    });
    return client;
  } catch (e) {
    throw cliErrors.node.wrap(`${f.node}: ${(e as Error).message}; is the node running? (--node)`);
  }
}

/** Runs `use` with a query client on --node, disconnecting after; a failed query is cli 5. */
export async function withClient<T>(f: GlobalFlags, use: (c: TcomputeClient) => Promise<T>): Promise<T> {
  const client = await connectClient(f);
  try {
    return await use(client);
  } catch (e) {
    if (e instanceof QueryFailed) throw queryErrors.failed.wrap(e.message);
    throw e;
  } finally {
    client.disconnect();
  }
}

/** One ABCI query through TcomputeClient; a non-zero code becomes cli 5 with the node's log. */
export async function chainQuery(f: GlobalFlags, path: string, data: Uint8Array): Promise<Uint8Array> {
  return withClient(f, (c) => c.abciQuery(path, data));
}
