import type { Command } from "commander";
import { parseCoins, formatCoins } from "../../../modules/sdk/coins.js";
import { validateAddress } from "../../../modules/sdk/address.js";
import { cliErrors, flags, keyring, print } from "../context.js";
import { withClient } from "../query.js";
import { sendTx, txFlags } from "../tx.js";

/** `tcd tx bank send`, `tcd q bank balances`, `tcd q tx`. */
export function registerBankCommands(tx: Command, q: Command): void {
  const bank = tx.command("bank").description("bank transactions");
  txFlags(
    bank
      .command("send <from-key> <to-address> <amount>")
      .description("send coins, e.g. `tcd tx bank send alice tc1... 1000utcu`"),
  ).action(
    async (
      from: string,
      to: string,
      amount: string,
      o: { fees?: string; gas: string; gasAdjustment: string; gasPrices: string; note: string },
      cmd: Command,
    ) => {
      const f = flags(cmd);
      validateAddress(to);
      const coins = parseCoins(amount);
      if (coins.length === 0) throw cliErrors.usage.wrap("amount must be positive, e.g. 1000utcu");
      const keys = await keyring(f, false);
      const sender = keys.show(from).address;
      if (!f.yes && f.output === "text")
        process.stderr.write(`sending ${formatCoins(coins)} from ${sender} to ${to}\n`);
      await sendTx(
        f,
        from,
        [
          {
            typeUrl: "/cosmos.bank.v1beta1.MsgSend",
            value: {
              fromAddress: sender,
              toAddress: to,
              amount: coins.map((c) => ({ denom: c.denom, amount: c.amount.toString() })),
            },
          },
        ],
        o,
      );
    },
  );

  const qbank = q.command("bank").description("bank queries");
  qbank
    .command("balances <address>")
    .description("all balances of an address")
    .action(async (address: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      validateAddress(address);
      const balances = await withClient(f, (c) => c.query.bank.allBalances(address));
      print(
        f,
        { balances },
        balances.length === 0 ? "no balances" : balances.map((b) => `${b.amount}${b.denom}`).join("\n"),
      );
    });

  q.command("tx <hash>")
    .description("a committed tx by hash, with its result and events")
    .action(async (hash: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw cliErrors.usage.wrap("hash must be 64 hex characters");
      const t = await withClient(f, (c) => c.getTx(hash.toUpperCase()));
      if (t === null) throw cliErrors.usage.wrap(`tx ${hash} not found (not yet committed, or never sent)`);
      const out = {
        txhash: t.hash,
        height: t.height,
        index: t.txIndex,
        code: t.code,
        gas_used: t.gasUsed,
        gas_wanted: t.gasWanted,
        events: t.events,
        tx: Buffer.from(t.tx).toString("base64"),
      };
      print(
        f,
        out,
        `txhash: ${t.hash}\nheight: ${t.height}\ncode: ${t.code}\ngas used: ${t.gasUsed} of ${t.gasWanted}\nevents: ${t.events.map((e) => e.type).join(", ")}`,
      );
    });
}
