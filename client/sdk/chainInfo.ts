import { bech32Prefix } from "../../modules/sdk/address.js";
import { parseDec } from "../../modules/sdk/coins.js";

// What wallets and registries need to know of a tcompute chain, from its genesis: Keplr's
// ChainInfo (for window.keplr.experimentalSuggestChain) and a Cosmos chain-registry entry
// (chain.json and assetlist.json). `tcd chain-info` writes them.

export interface ChainEndpoints {
  rpc: string;
  rest: string;
  /** chain-registry's network_type; a localnet is a devnet. */
  networkType?: "mainnet" | "testnet" | "devnet";
}

interface DenomUnit {
  denom: string;
  exponent: number;
  aliases?: string[];
}

interface Metadata {
  description?: string;
  denom_units: DenomUnit[];
  base: string;
  display: string;
  name?: string;
  symbol?: string;
}

interface GenesisView {
  chain_id: string;
  app_state: Record<string, unknown>;
}

/** The fee and staking token of a genesis: denom metadata, bond denom and min gas price. */
function tokens(g: GenesisView) {
  const app = g.app_state as {
    bank?: { denom_metadata?: Metadata[] };
    auth?: { params?: { min_gas_price?: string; fee_denom?: string } };
    staking?: { params?: { bond_denom?: string } };
  };
  const feeDenom = app.auth?.params?.fee_denom ?? "utcu";
  const bondDenom = app.staking?.params?.bond_denom ?? feeDenom;
  const meta = (app.bank?.denom_metadata ?? []).find((m) => m.base === feeDenom);
  const display = meta?.denom_units.find((u) => u.denom === meta.display) ?? { denom: feeDenom, exponent: 0 };
  // min_gas_price is a decimal string: as a JS number only here, for the wallets' fee steps.
  const minGas = Number(parseDec(app.auth?.params?.min_gas_price ?? "0")) / 1e18;
  return { feeDenom, bondDenom, meta, display, minGas };
}

const round = (x: number) => Number(x.toPrecision(6));

/** Keplr's ChainInfo, for `window.keplr.experimentalSuggestChain(info)`. */
export function keplrChainInfo(g: GenesisView, e: ChainEndpoints) {
  const t = tokens(g);
  const currency = {
    coinDenom: (t.meta?.symbol ?? t.display.denom).toUpperCase(),
    coinMinimalDenom: t.feeDenom,
    coinDecimals: t.display.exponent,
  };
  const low = t.minGas > 0 ? t.minGas : 0.0025;
  return {
    chainId: g.chain_id,
    chainName: `tcompute (${g.chain_id})`,
    rpc: e.rpc,
    rest: e.rest,
    bip44: { coinType: 118 },
    bech32Config: {
      bech32PrefixAccAddr: bech32Prefix.account,
      bech32PrefixAccPub: `${bech32Prefix.account}pub`,
      bech32PrefixValAddr: bech32Prefix.validator,
      bech32PrefixValPub: `${bech32Prefix.validator}pub`,
      bech32PrefixConsAddr: bech32Prefix.consensus,
      bech32PrefixConsPub: `${bech32Prefix.consensus}pub`,
    },
    currencies: [currency],
    feeCurrencies: [{ ...currency, gasPriceStep: { low: round(low), average: round(low * 2), high: round(low * 4) } }],
    stakeCurrency: { ...currency, coinMinimalDenom: t.bondDenom },
    features: [] as string[],
  };
}

/** A chain-registry entry: chain.json and assetlist.json. */
export function chainRegistryEntry(g: GenesisView, e: ChainEndpoints) {
  const t = tokens(g);
  const chainName = g.chain_id.replace(/[^a-z0-9]/gi, "").toLowerCase();
  const low = t.minGas > 0 ? t.minGas : 0.0025;
  const chain = {
    $schema: "../chain.schema.json",
    chain_name: chainName,
    chain_type: "cosmos" as const,
    status: "live" as const,
    network_type: e.networkType ?? "devnet",
    pretty_name: "tcompute",
    chain_id: g.chain_id,
    bech32_prefix: bech32Prefix.account,
    daemon_name: "tcd",
    node_home: "$HOME/.tcompute",
    key_algos: ["secp256k1" as const],
    slip44: 118,
    fees: {
      fee_tokens: [
        {
          denom: t.feeDenom,
          fixed_min_gas_price: t.minGas,
          low_gas_price: round(low),
          average_gas_price: round(low * 2),
          high_gas_price: round(low * 4),
        },
      ],
    },
    staking: { staking_tokens: [{ denom: t.bondDenom }] },
    codebase: {
      sdk: { type: "cosmos" as const, version: "0.50" },
      consensus: { type: "cometbft" as const, version: "0.38" },
    },
    apis: { rpc: [{ address: e.rpc, provider: "tcd" }], rest: [{ address: e.rest, provider: "tcd" }] },
  };
  const units: DenomUnit[] = t.meta?.denom_units.map((u) => ({
    denom: u.denom,
    exponent: u.exponent,
    ...(u.aliases !== undefined && u.aliases.length > 0 ? { aliases: u.aliases } : {}),
  })) ?? [{ denom: t.feeDenom, exponent: 0 }];
  const assetlist = {
    $schema: "../assetlist.schema.json",
    chain_name: chainName,
    assets: [
      {
        description: t.meta?.description || "The tcompute marketplace's staking and fee token.",
        denom_units: units,
        base: t.feeDenom,
        name: t.meta?.name || "TCU",
        display: t.meta?.display ?? t.feeDenom,
        symbol: (t.meta?.symbol || t.display.denom).toUpperCase(),
        type_asset: "sdk.coin" as const,
      },
    ],
  };
  return { chain, assetlist };
}

/** A Ping.pub explorer chain config (explorer/chains/<network>/<name>.json). */
export function pingPubChain(g: GenesisView, e: ChainEndpoints) {
  const t = tokens(g);
  const low = t.minGas > 0 ? t.minGas : 0.0025;
  return {
    chain_name: g.chain_id.replace(/[^a-z0-9]/gi, "").toLowerCase(),
    registry_name: "tcompute",
    api: [e.rest],
    rpc: [e.rpc],
    sdk_version: "0.50.0",
    coin_type: "118",
    // A fee for a 200k-gas tx at the minimum gas price, in the base denom.
    min_tx_fee: String(Math.ceil(200_000 * low)),
    addr_prefix: bech32Prefix.account,
    logo: "",
    assets: [
      {
        base: t.feeDenom,
        symbol: (t.meta?.symbol || t.display.denom).toUpperCase(),
        exponent: String(t.display.exponent),
        coingecko_id: "",
        logo: "",
      },
    ],
  };
}
