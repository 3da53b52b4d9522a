import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { registerError } from "../../modules/sdk/errors.js";
import { cliErrors, type GlobalFlags } from "./context.js";

export const queryErrors = {
  failed: registerError("cli", 5, "query failed"),
};

/** One ABCI query through the node's RPC; a non-zero code becomes an error with the node's log. */
export async function abciQuery(f: GlobalFlags, path: string, data: Uint8Array): Promise<Uint8Array> {
  let client: Comet38Client;
  try {
    client = await Comet38Client.connect(f.node);
  } catch (e) {
    throw cliErrors.node.wrap(`${f.node}: ${(e as Error).message}; is the node running? (--node)`);
  }
  try {
    const res = await client.abciQuery({ path, data });
    if (res.code !== 0) throw queryErrors.failed.wrap(`${res.log ?? ""} (${res.codespace ?? ""} code ${res.code})`);
    return res.value;
  } finally {
    client.disconnect();
  }
}
