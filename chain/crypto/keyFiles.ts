import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { registerError } from "../../modules/sdk/errors.js";
import { ed25519Address, ed25519FromSeed, generateEd25519, type Ed25519Key } from "./ed25519.js";
import { bytesEqual } from "../types/bytes.js";

// CometBFT's key files: config/priv_validator_key.json and config/node_key.json, in its JSON
// shape (amino type names, base64 values), so that operators recognise them.

export const keyFileErrors = {
  invalid: registerError("keyfile", 2, "invalid key file"),
};

interface KeyJson {
  type: string;
  value: string;
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw keyFileErrors.invalid.wrap(`${path}: ${(e as Error).message}`);
  }
}

function privKeyFromJson(path: string, v: unknown): Ed25519Key {
  const k = v as KeyJson | undefined;
  if (k?.type !== "tendermint/PrivKeyEd25519" || typeof k.value !== "string") {
    throw keyFileErrors.invalid.wrap(`${path}: priv_key must be a tendermint/PrivKeyEd25519`);
  }
  const raw = Buffer.from(k.value, "base64");
  if (raw.length !== 64) throw keyFileErrors.invalid.wrap(`${path}: priv_key must be 64 bytes (seed and public key)`);
  const key = ed25519FromSeed(raw.subarray(0, 32));
  if (!bytesEqual(key.pubKey, raw.subarray(32)))
    throw keyFileErrors.invalid.wrap(`${path}: public key does not match the seed`);
  return key;
}

function privKeyJson(key: Ed25519Key): KeyJson {
  return { type: "tendermint/PrivKeyEd25519", value: Buffer.concat([key.seed, key.pubKey]).toString("base64") };
}

function writeSecret(path: string, json: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(json, null, 2) + "\n", { mode: 0o600 });
}

export function loadOrGenPrivValidatorKey(path: string): Ed25519Key {
  if (existsSync(path)) return loadPrivValidatorKey(path);
  const key = generateEd25519();
  writeSecret(path, {
    address: Buffer.from(ed25519Address(key.pubKey)).toString("hex").toUpperCase(),
    pub_key: { type: "tendermint/PubKeyEd25519", value: Buffer.from(key.pubKey).toString("base64") },
    priv_key: privKeyJson(key),
  });
  return key;
}

export function loadPrivValidatorKey(path: string): Ed25519Key {
  return privKeyFromJson(path, readJson(path)["priv_key"]);
}

export function loadOrGenNodeKey(path: string): Ed25519Key {
  if (existsSync(path)) return privKeyFromJson(path, readJson(path)["priv_key"]);
  const key = generateEd25519();
  writeSecret(path, { priv_key: privKeyJson(key) });
  return key;
}

/** The node ID: lowercase hex of the node key's address, as in `id@host:port`. */
export function nodeId(key: Ed25519Key): string {
  return Buffer.from(ed25519Address(key.pubKey)).toString("hex");
}
