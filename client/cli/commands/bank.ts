import type { Command } from "commander";
import { calculateFee, GasPrice, SigningStargateClient, StargateClient, type DeliverTxResponse, type StdFee } from "@cosmjs/stargate";
import { parseCoins, formatCoins } from "../../../modules/sdk/coins.js";
import { validateAddress } from "../../../modules/sdk/address.js";
import { cliErrors, flags, keyring, print, type GlobalFlags } from "../context.js";
import { tcomputeRegistry } from "../../sdk/registry.js";

const defaultGasPrice = "0.0025utcu";

async function connectQuery(f: GlobalFlags): Promise<StargateClient> {
  try {
    return await StargateClient.connect(f.node);
  } catch (e) {
    throw cliErrors.node.wrap(`${f.node}: ${(e as Error).message}; is the node running? (--node)`);
  }
}

/** Signs and broadcasts; waits for the block and fails (exit 1) on a non-zero code. */
export async function signAndSend(
  f: GlobalFlags,
  from: string,
  msgs: Array<{ typeUrl: string; value: unknown }>,
  o: { fees?: string; gas: string; gasAdjustment: string; gasPrices: string; note: string },
  quiet = false,
): Promise<DeliverTxResponse> {
  const wallet = await (await keyring(f, true)).wallet(from);
  const [account] = await wallet.getAccounts();
  let client: SigningStargateClient;
  try {
    client = await SigningStargateClient.connectWithSigner(f.node, wallet, { gasPrice: GasPrice.fromString(o.gasPrices), registry: tcomputeRegistry() });
  } catch (e) {
    throw cliErrors.node.wrap(`${f.node}: ${(e as Error).message}; is the node running? (--node)`);
  }
  const chainId = await client.getChainId();
  if (f.chainId !== undefined && f.chainId !== chainId) throw cliErrors.usage.wrap(`the node serves chain ${chainId}, not ${f.chainId}`);
  let fee: StdFee | number;
  if (o.fees !== undefined) {
    if (o.gas === "auto") throw cliErrors.usage.wrap("--fees needs an explicit --gas limit (or drop --fees to pay --gas-prices × simulated gas)");
    fee = { amount: parseCoins(o.fees).map((c) => ({ denom: c.denom, amount: c.amount.toString() })), gas: o.gas };
  } else if (o.gas === "auto") {
    fee = Number(o.gasAdjustment);
  } else {
    if (!/^[0-9]{1,15}$/.test(o.gas)) throw cliErrors.usage.wrap("--gas must be auto or a whole number");
    fee = calculateFee(Number(o.gas), GasPrice.fromString(o.gasPrices));
  }
  const res = await client.signAndBroadcast(account!.address, msgs, fee, o.note);
  client.disconnect();
  const out = { txhash: res.transactionHash, height: res.height, code: res.code, gas_used: res.gasUsed, gas_wanted: res.gasWanted, raw_log: res.rawLog ?? "" };
  if (res.code !== 0) {
    print(f, out);
    throw cliErrors.txFailed.wrap(`tx ${res.transactionHash} failed with code ${res.code}: ${res.rawLog ?? ""}`);
  }
  if (!quiet) print(f, out, `txhash: ${res.transactionHash}\nheight: ${res.height}\ngas used: ${res.gasUsed} of ${res.gasWanted}`);
  return res;
}

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

/** `tcd tx bank send`, `tcd q bank balances`, `tcd q tx`. */
export function registerBankCommands(tx: Command, q: Command): void {
  const bank = tx.command("bank").description("bank transactions");
  txFlags(bank.command("send <from-key> <to-address> <amount>").description("send coins, e.g. `tcd tx bank send alice tc1... 1000utcu`")).action(
    async (from: string, to: string, amount: string, o: { fees?: string; gas: string; gasAdjustment: string; gasPrices: string; note: string }, cmd: Command) => {
      const f = flags(cmd);
      validateAddress(to);
      const coins = parseCoins(amount);
      if (coins.length === 0) throw cliErrors.usage.wrap("amount must be positive, e.g. 1000utcu");
      const keys = await keyring(f, false);
      const sender = keys.show(from).address;
      if (!f.yes && f.output === "text") process.stderr.write(`sending ${formatCoins(coins)} from ${sender} to ${to}\n`);
      await signAndSend(f, from, [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: sender, toAddress: to, amount: coins.map((c) => ({ denom: c.denom, amount: c.amount.toString() })) } }], o);
    },
  );

  const qbank = q.command("bank").description("bank queries");
  qbank
    .command("balances <address>")
    .description("all balances of an address")
    .action(async (address: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      validateAddress(address);
      const client = await connectQuery(f);
      const balances = await client.getAllBalances(address);
      client.disconnect();
      print(f, { balances }, balances.length === 0 ? "no balances" : balances.map((b) => `${b.amount}${b.denom}`).join("\n"));
    });

  q.command("tx <hash>")
    .description("a committed tx by hash, with its result and events")
    .action(async (hash: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw cliErrors.usage.wrap("hash must be 64 hex characters");
      const client = await connectQuery(f);
      const t = await client.getTx(hash.toUpperCase());
      client.disconnect();
      if (t === null) throw cliErrors.usage.wrap(`tx ${hash} not found (not yet committed, or never sent)`);
      const out = { txhash: t.hash, height: t.height, index: t.txIndex, code: t.code, gas_used: t.gasUsed, gas_wanted: t.gasWanted, events: t.events, tx: Buffer.from(t.tx).toString("base64") };
      print(f, out, `txhash: ${t.hash}\nheight: ${t.height}\ncode: ${t.code}\ngas used: ${t.gasUsed} of ${t.gasWanted}\nevents: ${t.events.map((e) => e.type).join(", ")}`);
    });
}
