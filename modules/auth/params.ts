import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { Params as PbParams } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { decOne, formatDec, parseDec, validateDenom } from "../sdk/coins.js";
import { authErrors } from "./errors.js";

/**
 * The SDK's standard auth params, plus the fee floor. The minimum gas price is a consensus
 * parameter here (not a per-node setting as in the SDK's app.toml), so that a block proposer
 * cannot include underpriced txs and every node checks fees the same way.
 */
export interface Params {
  maxMemoCharacters: bigint;
  txSigLimit: bigint;
  txSizeCostPerByte: bigint;
  sigVerifyCostEd25519: bigint;
  sigVerifyCostSecp256k1: bigint;
  /** Fixed-point, 18 decimals: fee >= ceil(gas_limit × min_gas_price). */
  minGasPrice: bigint;
  feeDenom: string;
}

export function defaultParams(): Params {
  return {
    maxMemoCharacters: 256n,
    txSigLimit: 7n,
    txSizeCostPerByte: 10n,
    sigVerifyCostEd25519: 590n,
    sigVerifyCostSecp256k1: 1000n,
    minGasPrice: decOne / 400n, // 0.0025 utcu per gas
    feeDenom: "utcu",
  };
}

export function validateParams(p: Params): void {
  const positive: Array<keyof Params> = [
    "maxMemoCharacters",
    "txSigLimit",
    "txSizeCostPerByte",
    "sigVerifyCostEd25519",
    "sigVerifyCostSecp256k1",
  ];
  for (const k of positive) {
    if ((p[k] as bigint) <= 0n) throw authErrors.invalidRequest.wrap(`auth param ${k} must be positive`);
  }
  if (p.minGasPrice < 0n) throw authErrors.invalidRequest.wrap("auth param min_gas_price must not be negative");
  validateDenom(p.feeDenom);
}

export function encodeParams(p: Params): Uint8Array {
  return PbParams.encode(p).finish();
}

export function encodeFeeParams(p: Params): Uint8Array {
  return BinaryWriter.create().uint32(10).string(formatDec(p.minGasPrice)).uint32(18).string(p.feeDenom).finish();
}

export function decodeParams(std: Uint8Array, fee: Uint8Array): Params {
  const pb = PbParams.decode(std);
  const r = new BinaryReader(fee);
  let minGasPrice = 0n;
  let feeDenom = "";
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) minGasPrice = parseDec(r.string());
    else if (tag >>> 3 === 2) feeDenom = r.string();
    else r.skipType(tag & 7);
  }
  return { ...pb, minGasPrice, feeDenom };
}

/** Params as genesis.json spells them (snake_case, integers as strings). */
export interface ParamsJson {
  max_memo_characters: string;
  tx_sig_limit: string;
  tx_size_cost_per_byte: string;
  sig_verify_cost_ed25519: string;
  sig_verify_cost_secp256k1: string;
  min_gas_price: string;
  fee_denom: string;
}

export function paramsToJson(p: Params): ParamsJson {
  return {
    max_memo_characters: p.maxMemoCharacters.toString(),
    tx_sig_limit: p.txSigLimit.toString(),
    tx_size_cost_per_byte: p.txSizeCostPerByte.toString(),
    sig_verify_cost_ed25519: p.sigVerifyCostEd25519.toString(),
    sig_verify_cost_secp256k1: p.sigVerifyCostSecp256k1.toString(),
    min_gas_price: formatDec(p.minGasPrice),
    fee_denom: p.feeDenom,
  };
}
