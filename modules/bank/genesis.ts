import type { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import { validateAddress } from "../sdk/address.js";
import {
  addCoins,
  coinsFromProto,
  coinsToProto,
  formatCoins,
  normalizeCoins,
  validateDenom,
  type Coin,
} from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import { asArray, asBool, asObject, asString, asUint, field, optField, type JsonObject } from "../sdk/json.js";
import { bankErrors } from "./errors.js";
import type { BankKeeper } from "./keeper.js";
import { defaultParams, type BankParams } from "./params.js";

interface CoinJson {
  denom: string;
  amount: string;
}

export interface DenomMetadataJson {
  description: string;
  denom_units: Array<{ denom: string; exponent: number; aliases: string[] }>;
  base: string;
  display: string;
  name: string;
  symbol: string;
  uri: string;
  uri_hash: string;
}

export interface BankGenesisJson {
  params: { send_enabled: never[]; default_send_enabled: boolean };
  balances: Array<{ address: string; coins: CoinJson[] }>;
  supply: CoinJson[];
  denom_metadata: DenomMetadataJson[];
  send_enabled: never[];
}

export interface BankGenesis {
  params: BankParams;
  balances: Array<{ address: string; coins: Coin[] }>;
  supply: Coin[];
  metadata: Metadata[];
}

/** TCU: base denom utcu, display TCU with 6 decimals. */
export function tcuMetadata(): DenomMetadataJson {
  return {
    description: "The native token of tcompute",
    denom_units: [
      { denom: "utcu", exponent: 0, aliases: ["microtcu"] },
      { denom: "TCU", exponent: 6, aliases: [] },
    ],
    base: "utcu",
    display: "TCU",
    name: "tcompute",
    symbol: "TCU",
    uri: "",
    uri_hash: "",
  };
}

export function defaultGenesis(): BankGenesisJson {
  return {
    params: { send_enabled: [], default_send_enabled: defaultParams().defaultSendEnabled },
    balances: [],
    supply: [],
    denom_metadata: [tcuMetadata()],
    send_enabled: [],
  };
}

function coinList(v: unknown, path: string): Coin[] {
  return coinsFromProto(
    asArray(v, path).map((c, i) => {
      const o = asObject(c, `${path}[${i}]`);
      return {
        denom: asString(field(o, "denom", `${path}[${i}]`), `${path}[${i}].denom`),
        amount: asString(field(o, "amount", `${path}[${i}]`), `${path}[${i}].amount`),
      };
    }),
  );
}

function parseMetadata(o: JsonObject, path: string): Metadata {
  const str = (k: string) => (optField(o, k) === undefined ? "" : asString(o[k], `${path}.${k}`));
  const base = validateDenom(asString(field(o, "base", path), `${path}.base`));
  const denomUnits = asArray(field(o, "denom_units", path), `${path}.denom_units`).map((u, i) => {
    const uo = asObject(u, `${path}.denom_units[${i}]`);
    return {
      denom: asString(field(uo, "denom", `${path}.denom_units[${i}]`), `${path}.denom_units[${i}].denom`),
      exponent: Number(
        asUint(field(uo, "exponent", `${path}.denom_units[${i}]`), `${path}.denom_units[${i}].exponent`),
      ),
      aliases: asArray(optField(uo, "aliases") ?? [], `${path}.denom_units[${i}].aliases`).map((a, j) =>
        asString(a, `${path}.denom_units[${i}].aliases[${j}]`),
      ),
    };
  });
  return {
    description: str("description"),
    denomUnits,
    base,
    display: str("display"),
    name: str("name"),
    symbol: str("symbol"),
    uri: str("uri"),
    uriHash: str("uri_hash"),
  };
}

export function parseGenesis(json: unknown): BankGenesis {
  const o = asObject(json, "bank");
  const p = asObject(field(o, "params", "bank"), "bank.params");
  const params = {
    defaultSendEnabled: asBool(field(p, "default_send_enabled", "bank.params"), "bank.params.default_send_enabled"),
  };
  const seen = new Set<string>();
  const balances = asArray(field(o, "balances", "bank"), "bank.balances").map((b, i) => {
    const bo = asObject(b, `bank.balances[${i}]`);
    const address = validateAddress(
      asString(field(bo, "address", `bank.balances[${i}]`), `bank.balances[${i}].address`),
    );
    if (seen.has(address))
      throw bankErrors.duplicateEntry.wrap(`bank.balances[${i}]: duplicate balance for ${address}`);
    seen.add(address);
    return { address, coins: coinList(field(bo, "coins", `bank.balances[${i}]`), `bank.balances[${i}].coins`) };
  });
  const computed = normalizeCoins(balances.flatMap((b) => b.coins));
  const declared = coinList(optField(o, "supply") ?? [], "bank.supply");
  if (declared.length > 0 && formatCoins(declared) !== formatCoins(computed)) {
    throw sdkErrors.invalidCoins.wrap(
      `bank.supply: genesis supply ${formatCoins(declared)} does not equal the sum of balances ${formatCoins(computed)}`,
    );
  }
  const metadata = asArray(optField(o, "denom_metadata") ?? [], "bank.denom_metadata").map((m, i) =>
    parseMetadata(asObject(m, `bank.denom_metadata[${i}]`), `bank.denom_metadata[${i}]`),
  );
  return { params, balances, supply: computed, metadata };
}

export function initGenesis(ctx: Context, keeper: BankKeeper, g: BankGenesis): void {
  keeper.setParams(ctx.store, g.params);
  for (const b of g.balances) for (const c of b.coins) keeper.initBalance(ctx.store, b.address, c);
  for (const c of g.supply) keeper.setSupply(ctx.store, c.denom, c.amount);
  for (const m of g.metadata) keeper.setMetadata(ctx.store, m);
}

export function exportGenesis(ctx: Context, keeper: BankKeeper): BankGenesisJson {
  const byAddr = new Map<string, Coin[]>();
  for (const { address, coin } of keeper.balances(ctx.store)) {
    byAddr.set(address, addCoins(byAddr.get(address) ?? [], [coin]));
  }
  return {
    params: { send_enabled: [], default_send_enabled: keeper.getParams(ctx.store).defaultSendEnabled },
    balances: [...byAddr.keys()].sort().map((address) => ({ address, coins: coinsToProto(byAddr.get(address)!) })),
    supply: coinsToProto(keeper.totalSupply(ctx.store)),
    denom_metadata: keeper.allMetadata(ctx.store).map((m) => ({
      description: m.description,
      denom_units: m.denomUnits.map((u) => ({ denom: u.denom, exponent: u.exponent, aliases: u.aliases })),
      base: m.base,
      display: m.display,
      name: m.name,
      symbol: m.symbol,
      uri: m.uri,
      uri_hash: m.uriHash,
    })),
    send_enabled: [],
  };
}
