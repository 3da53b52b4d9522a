import type { AuthGenesisJson } from "../../modules/auth/genesis.js";
import type { BankGenesisJson } from "../../modules/bank/genesis.js";
import { defaultAppState } from "../../modules/basics.js";
import { validateAddress } from "../../modules/sdk/address.js";
import {
  addCoins,
  coinsFromProto,
  coinsToProto,
  formatCoins,
  normalizeCoins,
  type Coin,
} from "../../modules/sdk/coins.js";
import { validatorAddress } from "../types/hashes.js";
import { formatTime } from "../types/time.js";
import type { Timestamp } from "../../modules/sdk/context.js";
import { defaultConsensusParams, genesisErrors, type GenesisDoc } from "./genesisDoc.js";

/** A new genesis with every module's defaults, no accounts and no validators. */
export function newGenesisDoc(chainId: string, time: Timestamp): GenesisDoc {
  return {
    genesis_time: formatTime(time),
    chain_id: chainId,
    initial_height: "1",
    consensus_params: defaultConsensusParams(),
    validators: [],
    app_hash: "",
    app_state: defaultAppState(),
  };
}

/** `tcd genesis add-account`: an account with a balance (balances add up if it exists). */
export function addGenesisAccount(doc: GenesisDoc, address: string, given: readonly Coin[]): void {
  addGenesisAccounts(doc, [{ address, coins: given }]);
}

/**
 * The same as addGenesisAccount for each account in order (the same genesis), in O(N log N) for
 * N accounts instead of a sort and a supply sum per account; all are checked before any is added.
 */
export function addGenesisAccounts(
  doc: GenesisDoc,
  accounts: ReadonlyArray<{ address: string; coins: readonly Coin[] }>,
): void {
  const checked = accounts.map(({ address, coins: given }) => {
    validateAddress(address);
    const coins = normalizeCoins(given);
    if (coins.length === 0) throw genesisErrors.invalid.wrap("an account needs a positive balance");
    return { address, coins };
  });
  const auth = doc.app_state["auth"] as AuthGenesisJson;
  const bank = doc.app_state["bank"] as BankGenesisJson;
  const known = new Set(auth.accounts.map((a) => a.address));
  // New accounts are numbered after the highest number so far, in the order they are added.
  let next = auth.accounts.reduce((m, a) => (BigInt(a.account_number) >= m ? BigInt(a.account_number) + 1n : m), 0n);
  const balances = new Map<string, BankGenesisJson["balances"][number]>();
  for (const b of bank.balances) if (!balances.has(b.address)) balances.set(b.address, b);
  for (const { address, coins } of checked) {
    if (!known.has(address)) {
      known.add(address);
      auth.accounts.push({
        "@type": "/cosmos.auth.v1beta1.BaseAccount",
        address,
        pub_key: null,
        account_number: (next++).toString(),
        sequence: "0",
      });
    }
    const existing = balances.get(address);
    if (existing !== undefined) existing.coins = coinsToProto(addCoins(coinsFromProto(existing.coins), coins));
    else {
      const b = { address, coins: coinsToProto(coins) };
      bank.balances.push(b);
      balances.set(address, b);
    }
  }
  bank.balances.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  // The supply summed per denom over all balances (one pass, not a coin list re-sorted per balance).
  const byDenom = new Map<string, bigint>();
  for (const b of bank.balances)
    for (const c of coinsFromProto(b.coins)) byDenom.set(c.denom, (byDenom.get(c.denom) ?? 0n) + c.amount);
  const supply = normalizeCoins([...byDenom].map(([denom, amount]) => ({ denom, amount })));
  bank.supply = coinsToProto(supply);
  if (formatCoins(supply) === "") bank.supply = [];
}

export function addGenesisValidator(doc: GenesisDoc, pubKey: Uint8Array, power: bigint, name: string): void {
  const address = Buffer.from(validatorAddress(pubKey)).toString("hex").toUpperCase();
  if (doc.validators.some((v) => v.address === address))
    throw genesisErrors.invalid.wrap(`validator ${address} is already in genesis`);
  doc.validators.push({
    address,
    pub_key: { type: "tendermint/PubKeyEd25519", value: Buffer.from(pubKey).toString("base64") },
    power: power.toString(),
    name,
  });
}
