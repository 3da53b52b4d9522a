import { validateAddress } from "../sdk/address.js";
import { parseDec } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import { authErrors } from "./errors.js";
import { asArray, asObject, asString, asUint, field, optField } from "../sdk/json.js";
import {
  baseAccountTypeUrl,
  multisigPubKeyTypeUrl,
  secp256k1PubKeyTypeUrl,
  type Account,
  type AccountKeeper,
  type MultisigKey,
} from "./keeper.js";
import { defaultParams, paramsToJson, validateParams, type Params, type ParamsJson } from "./params.js";

export interface GenesisAccountJson {
  "@type": string;
  address: string;
  pub_key:
    | { "@type": string; key: string }
    | { "@type": string; threshold: number; public_keys: Array<{ "@type": string; key: string }> }
    | null;
  account_number: string;
  sequence: string;
}

export interface AuthGenesisJson {
  params: ParamsJson;
  accounts: GenesisAccountJson[];
}

export interface AuthGenesis {
  params: Params;
  accounts: Account[];
}

export function defaultGenesis(): AuthGenesisJson {
  return { params: paramsToJson(defaultParams()), accounts: [] };
}

export function parseGenesis(json: unknown): AuthGenesis {
  const o = asObject(json, "auth");
  const p = asObject(field(o, "params", "auth"), "auth.params");
  const params: Params = {
    maxMemoCharacters: asUint(field(p, "max_memo_characters", "auth.params"), "auth.params.max_memo_characters"),
    txSigLimit: asUint(field(p, "tx_sig_limit", "auth.params"), "auth.params.tx_sig_limit"),
    txSizeCostPerByte: asUint(field(p, "tx_size_cost_per_byte", "auth.params"), "auth.params.tx_size_cost_per_byte"),
    sigVerifyCostEd25519: asUint(
      field(p, "sig_verify_cost_ed25519", "auth.params"),
      "auth.params.sig_verify_cost_ed25519",
    ),
    sigVerifyCostSecp256k1: asUint(
      field(p, "sig_verify_cost_secp256k1", "auth.params"),
      "auth.params.sig_verify_cost_secp256k1",
    ),
    minGasPrice: parseDec(asString(field(p, "min_gas_price", "auth.params"), "auth.params.min_gas_price")),
    feeDenom: asString(field(p, "fee_denom", "auth.params"), "auth.params.fee_denom"),
  };
  validateParams(params);
  const seenAddr = new Set<string>();
  const seenNum = new Set<bigint>();
  const accounts = asArray(optField(o, "accounts") ?? [], "auth.accounts").map((a, i) => {
    const path = `auth.accounts[${i}]`;
    const ao = asObject(a, path);
    const type = asString(field(ao, "@type", path), `${path}.@type`);
    if (type !== baseAccountTypeUrl) throw authErrors.invalidType.wrap(`${path}: unsupported account type ${type}`);
    const address = validateAddress(asString(field(ao, "address", path), `${path}.address`));
    if (seenAddr.has(address)) throw authErrors.invalidRequest.wrap(`${path}: duplicate account ${address}`);
    seenAddr.add(address);
    const accountNumber = asUint(field(ao, "account_number", path), `${path}.account_number`);
    if (seenNum.has(accountNumber))
      throw authErrors.invalidRequest.wrap(`${path}: duplicate account number ${accountNumber}`);
    seenNum.add(accountNumber);
    let pubKey: Uint8Array | null = null;
    let multisig: MultisigKey | undefined;
    const pk = optField(ao, "pub_key");
    const secp = (v: unknown, at: string) => {
      const o = asObject(v, at);
      if (asString(field(o, "@type", at), `${at}.@type`) !== secp256k1PubKeyTypeUrl)
        throw authErrors.invalidPubKey.wrap(
          `${at}: only secp256k1 keys (or a LegacyAminoPubKey of them) are supported`,
        );
      const key = Buffer.from(asString(field(o, "key", at), `${at}.key`), "base64");
      if (key.length !== 33) throw authErrors.invalidPubKey.wrap(`${at}: must be 33 bytes`);
      return new Uint8Array(key);
    };
    if (pk !== undefined && pk !== null) {
      const pko = asObject(pk, `${path}.pub_key`);
      if (asString(field(pko, "@type", `${path}.pub_key`), `${path}.pub_key.@type`) === multisigPubKeyTypeUrl) {
        const keys = asArray(field(pko, "public_keys", `${path}.pub_key`), `${path}.pub_key.public_keys`).map((k, j) =>
          secp(k, `${path}.pub_key.public_keys[${j}]`),
        );
        multisig = {
          threshold: Number(asUint(field(pko, "threshold", `${path}.pub_key`), `${path}.pub_key.threshold`)),
          pubKeys: keys,
        };
        if (multisig.threshold < 1 || multisig.threshold > keys.length)
          throw authErrors.invalidPubKey.wrap(`${path}.pub_key: threshold must be between 1 and the number of keys`);
      } else pubKey = secp(pk, `${path}.pub_key`);
    }
    return {
      address,
      pubKey,
      ...(multisig === undefined ? {} : { multisig }),
      accountNumber,
      sequence: asUint(field(ao, "sequence", path), `${path}.sequence`),
    };
  });
  return { params, accounts };
}

export function initGenesis(ctx: Context, keeper: AccountKeeper, g: AuthGenesis): void {
  keeper.setParams(ctx.store, g.params);
  let next = 0n;
  for (const a of g.accounts) {
    keeper.setAccount(ctx.store, a);
    if (a.accountNumber >= next) next = a.accountNumber + 1n;
  }
  keeper.setNextAccountNumber(ctx.store, next);
}

export function exportGenesis(ctx: Context, keeper: AccountKeeper): AuthGenesisJson {
  const accounts = [...keeper.accounts(ctx.store)].map((a) => ({
    "@type": baseAccountTypeUrl,
    address: a.address,
    pub_key:
      a.multisig !== undefined
        ? {
            "@type": multisigPubKeyTypeUrl,
            threshold: a.multisig.threshold,
            public_keys: a.multisig.pubKeys.map((k) => ({
              "@type": secp256k1PubKeyTypeUrl,
              key: Buffer.from(k).toString("base64"),
            })),
          }
        : a.pubKey === null
          ? null
          : { "@type": secp256k1PubKeyTypeUrl, key: Buffer.from(a.pubKey).toString("base64") },
    account_number: a.accountNumber.toString(),
    sequence: a.sequence.toString(),
  }));
  return { params: paramsToJson(keeper.getParams(ctx.store)), accounts };
}
