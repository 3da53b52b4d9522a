import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { flags, keyring, print } from "../context.js";
import { cliErrors } from "../context.js";

async function readMnemonic(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Enter your bip39 mnemonic, then press Ctrl-D:\n");
  const text = readFileSync(0, "utf8").trim();
  if (text === "") throw cliErrors.usage.wrap("no mnemonic on standard input");
  return text;
}

/** `tcd keys add|list|show|delete|import`. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command("keys").description("manage the local keyring (--keyring-backend file|test)");

  keys
    .command("add <name>")
    .description("create a new key (24-word mnemonic), or recover one with --recover (mnemonic on stdin)")
    .option("--recover", "read a mnemonic from standard input instead of generating one", false)
    .action(async (name: string, o: { recover: boolean }, cmd: Command) => {
      const f = flags(cmd);
      const kr = await keyring(f, true);
      const { info, mnemonic } = await kr.add(name, o.recover ? await readMnemonic() : undefined);
      const text =
        `- name: ${info.name}\n  address: ${info.address}\n  pubkey: ${info.pubkey}` +
        (o.recover
          ? ""
          : `\n\n**Write this mnemonic phrase down and keep it safe. It is the only way to recover your account.**\n\n${mnemonic}`);
      print(f, o.recover ? info : { ...info, mnemonic }, text);
    });

  keys
    .command("import <name>")
    .description("import a key from a bip39 mnemonic read on standard input")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const kr = await keyring(f, true);
      const { info } = await kr.add(name, await readMnemonic());
      print(f, info, `imported ${info.name}: ${info.address}`);
    });

  keys
    .command("list")
    .description("list keys")
    .action(async (_o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const list = (await keyring(f, false)).list();
      print(
        f,
        list,
        list.length === 0 ? "no keys" : list.map((k) => `- name: ${k.name}\n  address: ${k.address}`).join("\n"),
      );
    });

  keys
    .command("show <name>")
    .description("show a key's address and public key")
    .option("-a, --address", "print the address only", false)
    .action(async (name: string, o: { address: boolean }, cmd: Command) => {
      const f = flags(cmd);
      const info = (await keyring(f, false)).show(name);
      print(
        f,
        info,
        o.address ? info.address : `- name: ${info.name}\n  address: ${info.address}\n  pubkey: ${info.pubkey}`,
      );
    });

  keys
    .command("delete <name>")
    .description("delete a key (asks unless --yes)")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const f = flags(cmd);
      const kr = await keyring(f, false);
      kr.show(name);
      if (!f.yes) throw cliErrors.usage.wrap(`this deletes ${name} for good; pass --yes to confirm`);
      kr.delete(name);
      print(f, { deleted: name }, `deleted ${name}`);
    });
}
