import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { CodedError, registerError } from "../../modules/sdk/errors.js";
import { keyringErrors, openKeyring, type Keyring, type KeyringBackend } from "./keyring.js";

/** Flags every command understands (Cosmos CLI names). */
export interface GlobalFlags {
  home: string;
  node: string;
  chainId?: string;
  output: "text" | "json";
  keyringBackend: KeyringBackend;
  keyringDir?: string;
  yes: boolean;
}

export const cliErrors = {
  usage: registerError("cli", 2, "invalid arguments"),
  node: registerError("cli", 3, "cannot reach the node"),
  txFailed: registerError("cli", 4, "transaction failed"),
  waitTimeout: registerError("cli", 6, "timed out waiting"),
};

export function defaultHome(): string {
  return process.env["TCD_HOME"] ?? join(homedir(), ".tcompute");
}

export function flags(cmd: Command): GlobalFlags {
  const o = cmd.optsWithGlobals<Record<string, unknown>>();
  const output = o["output"] === "json" ? "json" : "text";
  const backend = o["keyringBackend"] === "test" ? "test" : "file";
  if (o["keyringBackend"] !== undefined && o["keyringBackend"] !== "test" && o["keyringBackend"] !== "file") {
    throw cliErrors.usage.wrap("--keyring-backend must be file or test");
  }
  return {
    home: String(o["home"] ?? defaultHome()),
    node: String(o["node"] ?? "http://127.0.0.1:26657"),
    chainId: o["chainId"] === undefined ? undefined : String(o["chainId"]),
    output,
    keyringBackend: backend,
    keyringDir: o["keyringDir"] === undefined ? undefined : String(o["keyringDir"]),
    yes: o["yes"] === true,
  };
}

let cachedPassphrase: string | null = null;

/** The keyring passphrase: $TCD_KEYRING_PASSPHRASE, or asked once on the terminal. */
export async function askPassphrase(): Promise<void> {
  if (cachedPassphrase !== null) return;
  const env = process.env["TCD_KEYRING_PASSPHRASE"];
  if (env !== undefined && env !== "") {
    cachedPassphrase = env;
    return;
  }
  if (!process.stdin.isTTY) {
    throw keyringErrors.noPassphrase.wrap(
      "set TCD_KEYRING_PASSPHRASE, or use --keyring-backend test for a local test key",
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  cachedPassphrase = await new Promise<string>((resolve) =>
    rl.question("Enter keyring passphrase: ", (a) => (rl.close(), resolve(a))),
  );
  if (cachedPassphrase.length < 8)
    throw keyringErrors.noPassphrase.wrap("the passphrase must be at least 8 characters");
}

export async function keyring(f: GlobalFlags, needSecret: boolean): Promise<Keyring> {
  if (needSecret && f.keyringBackend === "file") await askPassphrase();
  const dir = f.keyringDir ?? join(f.home, f.keyringBackend === "test" ? "keyring-test" : "keyring-file");
  return openKeyring(dir, f.keyringBackend, () => {
    if (cachedPassphrase === null) throw keyringErrors.noPassphrase.wrap("no passphrase given");
    return cachedPassphrase;
  });
}

const jsonReplacer = (_k: string, v: unknown) =>
  typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("hex").toUpperCase() : v;

/** Prints a result as JSON (--output json) or as readable text. */
export function print(f: GlobalFlags, value: unknown, text?: string): void {
  if (f.output === "json" || text === undefined) process.stdout.write(JSON.stringify(value, jsonReplacer, 2) + "\n");
  else process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

export function describeError(e: unknown): string {
  if (e instanceof CodedError) return `Error: ${e.message} (${e.codespace} code ${e.code})`;
  return `Error: ${e instanceof Error ? e.message : String(e)}`;
}
