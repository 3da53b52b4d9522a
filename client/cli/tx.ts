import type { Command } from "commander";
import { calculateFee, GasPrice, type DeliverTxResponse, type StdFee } from "@cosmjs/stargate";
import { parseCoins } from "../../modules/sdk/coins.js";
import { cliErrors, keyring, print, type GlobalFlags } from "./context.js";
import { connectClient } from "./query.js";

// `tcd tx ...`: the fee flags, then TcomputeClient signs and broadcasts.

const defaultGasPrice = "0.0025utcu";

export interface TxOptions {
  fees?: string;
  gas: string;
  gasAdjustment: string;
  gasPrices: string;
  note: string;
}

export function txFlags(cmd: Command): Command {
  return cmd
    .option("--fees <coins>", "fee to pay, e.g. 500utcu (with --gas N)")
    .option("--gas <limit>", "gas limit, or auto to simulate", "auto")
    .option("--gas-adjustment <x>", "multiplier on simulated gas", "1.4")
    .option("--gas-prices <price>", "price per gas unit", defaultGasPrice)
    .option("--note <memo>", "memo", "");
}

/** The fee the flags ask for: a fixed fee, or a multiplier on simulated gas. */
function feeOf(o: TxOptions): StdFee | number {
  if (o.fees !== undefined) {
    if (o.gas === "auto")
      throw cliErrors.usage.wrap(
        "--fees needs an explicit --gas limit (or drop --fees to pay --gas-prices × simulated gas)",
      );
    return { amount: parseCoins(o.fees).map((c) => ({ denom: c.denom, amount: c.amount.toString() })), gas: o.gas };
  }
  if (o.gas === "auto") return Number(o.gasAdjustment);
  if (!/^[0-9]{1,15}$/.test(o.gas)) throw cliErrors.usage.wrap("--gas must be auto or a whole number");
  return calculateFee(Number(o.gas), GasPrice.fromString(o.gasPrices));
}

/** Signs with key `from` and broadcasts; waits for the block and fails (exit 1) on a non-zero code. */
export async function sendTx(
  f: GlobalFlags,
  from: string,
  msgs: Array<{ typeUrl: string; value: unknown }>,
  o: TxOptions,
  quiet = false,
): Promise<DeliverTxResponse> {
  const wallet = await (await keyring(f, true)).wallet(from);
  const [account] = await wallet.getAccounts();
  const client = await connectClient(f, wallet, o.gasPrices);
  let res: DeliverTxResponse;
  try {
    const chainId = await client.chainId();
    if (f.chainId !== undefined && f.chainId !== chainId)
      throw cliErrors.usage.wrap(`the node serves chain ${chainId}, not ${f.chainId}`);
    res = await client.broadcast(account!.address, msgs, { fee: feeOf(o), memo: o.note });
  } finally {
    client.disconnect();
  }
  const out = {
    txhash: res.transactionHash,
    height: res.height,
    code: res.code,
    gas_used: res.gasUsed,
    gas_wanted: res.gasWanted,
    raw_log: res.rawLog ?? "",
  };
  if (res.code !== 0) {
    print(f, out);
    throw cliErrors.txFailed.wrap(`tx ${res.transactionHash} failed with code ${res.code}: ${res.rawLog ?? ""}`);
  }
  if (!quiet)
    print(
      f,
      out,
      `txhash: ${res.transactionHash}\nheight: ${res.height}\ngas used: ${res.gasUsed} of ${res.gasWanted}`,
    );
  return res;
}
