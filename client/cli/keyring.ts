import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { registerError } from "../../modules/sdk/errors.js";

// A keyring of secp256k1 HD keys (BIP-44 path m/44'/118'/0'/0/0, as Cosmos wallets and Keplr
// derive). Backend "file" stores each key as cosmjs's encrypted wallet serialization (Argon2id
// + XChaCha20-Poly1305) under a passphrase; backend "test" stores the mnemonic in clear, for
// localnets only, as the Cosmos SDK's test backend does.

export const keyringErrors = {
  notFound: registerError("keyring", 2, "key not found"),
  exists: registerError("keyring", 3, "key already exists"),
  badPassphrase: registerError("keyring", 4, "wrong passphrase or corrupt key file"),
  invalidName: registerError("keyring", 5, "invalid key name"),
  invalidMnemonic: registerError("keyring", 6, "invalid mnemonic"),
  noPassphrase: registerError("keyring", 7, "passphrase required"),
};

export type KeyringBackend = "file" | "test";

export interface KeyInfo {
  name: string;
  type: "local";
  algo: "secp256k1";
  address: string;
  pubkey: string; // base64, compressed
  backend: KeyringBackend;
}

interface KeyFile extends KeyInfo {
  /** Encrypted wallet (file backend) or the mnemonic (test backend). */
  secret: string;
}

export const addressPrefix = "tc";

export interface Keyring {
  readonly dir: string;
  list(): KeyInfo[];
  show(name: string): KeyInfo;
  /** Creates a key from a mnemonic (a new 24-word one if omitted); returns it and the mnemonic. */
  add(name: string, mnemonic?: string): Promise<{ info: KeyInfo; mnemonic: string }>;
  delete(name: string): void;
  wallet(name: string): Promise<DirectSecp256k1HdWallet>;
}

function checkName(name: string): string {
  if (!/^[a-zA-Z0-9_.-]{1,64}$/.test(name))
    throw keyringErrors.invalidName.wrap(`${JSON.stringify(name)}: use letters, digits, _ . - (at most 64)`);
  return name;
}

export function openKeyring(dir: string, backend: KeyringBackend, passphrase: () => string): Keyring {
  const path = (name: string) => join(dir, `${checkName(name)}.info.json`);
  const read = (name: string): KeyFile => {
    const p = path(name);
    if (!existsSync(p)) throw keyringErrors.notFound.wrap(`${name} (in ${dir}); list keys with \`tcd keys list\``);
    try {
      return JSON.parse(readFileSync(p, "utf8")) as KeyFile;
    } catch (e) {
      throw keyringErrors.badPassphrase.wrap(`${p}: ${(e as Error).message}`);
    }
  };
  const strip = (f: KeyFile): KeyInfo => ({
    name: f.name,
    type: f.type,
    algo: f.algo,
    address: f.address,
    pubkey: f.pubkey,
    backend: f.backend,
  });
  return {
    dir,
    list() {
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((f) => f.endsWith(".info.json"))
        .sort()
        .map((f) => strip(JSON.parse(readFileSync(join(dir, f), "utf8")) as KeyFile));
    },
    show: (name) => strip(read(name)),
    async add(name, mnemonic) {
      if (existsSync(path(name))) throw keyringErrors.exists.wrap(`${name}; delete it first or choose another name`);
      let wallet: DirectSecp256k1HdWallet;
      try {
        wallet =
          mnemonic === undefined
            ? await DirectSecp256k1HdWallet.generate(24, { prefix: addressPrefix })
            : await DirectSecp256k1HdWallet.fromMnemonic(mnemonic.trim().split(/\s+/).join(" "), {
                prefix: addressPrefix,
              });
      } catch (e) {
        throw keyringErrors.invalidMnemonic.wrap((e as Error).message);
      }
      const [account] = await wallet.getAccounts();
      const info: KeyInfo = {
        name,
        type: "local",
        algo: "secp256k1",
        address: account!.address,
        pubkey: Buffer.from(account!.pubkey).toString("base64"),
        backend,
      };
      const secret = backend === "test" ? wallet.mnemonic : await wallet.serialize(passphrase());
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(path(name), JSON.stringify({ ...info, secret }, null, 2) + "\n", { mode: 0o600 });
      return { info, mnemonic: wallet.mnemonic };
    },
    delete(name) {
      read(name);
      rmSync(path(name));
    },
    async wallet(name) {
      const f = read(name);
      if (f.backend === "test") return DirectSecp256k1HdWallet.fromMnemonic(f.secret, { prefix: addressPrefix });
      try {
        return await DirectSecp256k1HdWallet.deserialize(f.secret, passphrase());
      } catch (e) {
        throw keyringErrors.badPassphrase.wrap(`${name}: ${(e as Error).message}`);
      }
    },
  };
}
