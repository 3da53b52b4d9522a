import { readFileSync, writeFileSync } from "node:fs";
import type { ConsensusParams } from "cosmjs-types/tendermint/types/params";
import { CodedError, registerError } from "../../modules/sdk/errors.js";
import { asArray, asObject, asString, asUint, field, optField } from "../../modules/sdk/json.js";
import type { Timestamp } from "../../modules/sdk/context.js";
import { parseTime } from "../types/time.js";
import { validatorAddress } from "../types/hashes.js";

/** Errors reading a genesis file: the node refuses to start, saying which field is wrong. */
export const genesisErrors = {
  invalid: registerError("genesis", 2, "invalid genesis"),
  unreadable: registerError("genesis", 3, "cannot read genesis file"),
};

export interface GenesisValidator {
  address: string; // uppercase hex, 20 bytes
  pub_key: { type: "tendermint/PubKeyEd25519"; value: string };
  power: string;
  name: string;
}

/** genesis.json in CometBFT's shape; app_state holds one entry per module. */
export interface GenesisDoc {
  genesis_time: string;
  chain_id: string;
  initial_height: string;
  consensus_params: {
    block: { max_bytes: string; max_gas: string };
    evidence: { max_age_num_blocks: string; max_age_duration: string; max_bytes: string };
    validator: { pub_key_types: string[] };
    version: { app: string };
    abci: { vote_extensions_enable_height: string };
  };
  validators: GenesisValidator[];
  app_hash: string;
  app_state: Record<string, unknown>;
}

export interface ParsedGenesis {
  doc: GenesisDoc;
  chainId: string;
  time: Timestamp;
  initialHeight: bigint;
  validators: Array<{ pubKey: Uint8Array; power: bigint; name: string; address: Uint8Array }>;
  consensusParams: ConsensusParams;
}

export function defaultConsensusParams(): GenesisDoc["consensus_params"] {
  return {
    block: { max_bytes: "22020096", max_gas: "1000000000" },
    evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
    validator: { pub_key_types: ["ed25519"] },
    version: { app: "1" },
    abci: { vote_extensions_enable_height: "0" },
  };
}

const chainIdPattern = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,49}$/;

function wrapGenesisError(e: unknown): never {
  if (e instanceof CodedError && e.codespace === "genesis") throw e;
  throw genesisErrors.invalid.wrap(e instanceof Error ? e.message : String(e));
}

/** Validates a genesis document's CometBFT part; the app validates app_state at InitChain. */
export function parseGenesis(json: unknown): ParsedGenesis {
  try {
    const o = asObject(json, "genesis");
    const chainId = asString(field(o, "chain_id", "genesis"), "genesis.chain_id");
    if (!chainIdPattern.test(chainId))
      throw genesisErrors.invalid.wrap(`chain_id ${JSON.stringify(chainId)} must be 1-50 characters of [a-zA-Z0-9._-]`);
    const time = parseTime(asString(field(o, "genesis_time", "genesis"), "genesis.genesis_time"));
    const initialHeight = asUint(optField(o, "initial_height") ?? "1", "genesis.initial_height");
    if (initialHeight < 1n) throw genesisErrors.invalid.wrap("initial_height must be at least 1");
    const cp = asObject(field(o, "consensus_params", "genesis"), "genesis.consensus_params");
    const block = asObject(field(cp, "block", "genesis.consensus_params"), "genesis.consensus_params.block");
    const maxBytes = asUint(field(block, "max_bytes", "consensus_params.block"), "consensus_params.block.max_bytes");
    const maxGasRaw = asString(field(block, "max_gas", "consensus_params.block"), "consensus_params.block.max_gas");
    if (!/^(-1|[0-9]{1,19})$/.test(maxGasRaw))
      throw genesisErrors.invalid.wrap("consensus_params.block.max_gas must be -1 or a non-negative integer");
    if (maxBytes < 1024n || maxBytes > 104857600n)
      throw genesisErrors.invalid.wrap("consensus_params.block.max_bytes must be between 1 KiB and 100 MiB");
    const validators = asArray(optField(o, "validators") ?? [], "genesis.validators").map((v, i) => {
      const path = `genesis.validators[${i}]`;
      const vo = asObject(v, path);
      const pk = asObject(field(vo, "pub_key", path), `${path}.pub_key`);
      if (asString(field(pk, "type", `${path}.pub_key`), `${path}.pub_key.type`) !== "tendermint/PubKeyEd25519") {
        throw genesisErrors.invalid.wrap(`${path}.pub_key.type must be tendermint/PubKeyEd25519`);
      }
      const pubKey = Buffer.from(asString(field(pk, "value", `${path}.pub_key`), `${path}.pub_key.value`), "base64");
      if (pubKey.length !== 32) throw genesisErrors.invalid.wrap(`${path}.pub_key.value must be 32 bytes`);
      const power = asUint(field(vo, "power", path), `${path}.power`);
      if (power <= 0n) throw genesisErrors.invalid.wrap(`${path}.power must be positive`);
      const address = validatorAddress(pubKey);
      const declared = optField(vo, "address");
      if (
        declared !== undefined &&
        declared !== "" &&
        asString(declared, `${path}.address`).toUpperCase() !== Buffer.from(address).toString("hex").toUpperCase()
      ) {
        throw genesisErrors.invalid.wrap(`${path}.address does not match its pub_key`);
      }
      const name = optField(vo, "name");
      return { pubKey, power, address, name: name === undefined ? "" : asString(name, `${path}.name`) };
    });
    asObject(field(o, "app_state", "genesis"), "genesis.app_state");
    // Evidence and ABCI params are optional (CometBFT's defaults apply when absent).
    const ev = optField(cp, "evidence");
    const evo = ev === undefined ? {} : asObject(ev, "genesis.consensus_params.evidence");
    const evField = (k: string, dflt: string) => asUint(optField(evo, k) ?? dflt, `consensus_params.evidence.${k}`);
    const maxAgeNumBlocks = evField("max_age_num_blocks", "100000");
    const maxAgeNanos = evField("max_age_duration", "172800000000000");
    const evMaxBytes = evField("max_bytes", "1048576");
    if (maxAgeNumBlocks < 1n || maxAgeNanos < 1n)
      throw genesisErrors.invalid.wrap("consensus_params.evidence max ages must be positive");
    if (evMaxBytes > maxBytes)
      throw genesisErrors.invalid.wrap("consensus_params.evidence.max_bytes must not exceed block.max_bytes");
    const ab = optField(cp, "abci");
    const abo = ab === undefined ? {} : asObject(ab, "genesis.consensus_params.abci");
    const voteExtensionsEnableHeight = asUint(
      optField(abo, "vote_extensions_enable_height") ?? "0",
      "consensus_params.abci.vote_extensions_enable_height",
    );
    const consensusParams: ConsensusParams = {
      block: { maxBytes, maxGas: BigInt(maxGasRaw) },
      evidence: {
        maxAgeNumBlocks,
        maxAgeDuration: { seconds: maxAgeNanos / 1_000_000_000n, nanos: Number(maxAgeNanos % 1_000_000_000n) },
        maxBytes: evMaxBytes,
      },
      validator: { pubKeyTypes: ["ed25519"] },
      version: { app: 1n },
      abci: { voteExtensionsEnableHeight },
    };
    return { doc: json as GenesisDoc, chainId, time, initialHeight, validators, consensusParams };
  } catch (e) {
    wrapGenesisError(e);
  }
}

export function loadGenesisFile(path: string): ParsedGenesis {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw genesisErrors.unreadable.wrap(`${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw genesisErrors.invalid.wrap(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseGenesis(json);
}

export function saveGenesisFile(path: string, doc: GenesisDoc): void {
  writeFileSync(path, JSON.stringify(doc, null, 2) + "\n");
}
