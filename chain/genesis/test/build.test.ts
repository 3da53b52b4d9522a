import assert from "node:assert/strict";
import type { AuthGenesisJson } from "../../../modules/auth/genesis.js";
import type { BankGenesisJson } from "../../../modules/bank/genesis.js";
import { encodeAddress, validateAddress } from "../../../modules/sdk/address.js";
import {
  addCoins,
  coinsFromProto,
  coinsToProto,
  formatCoins,
  normalizeCoins,
  type Coin,
} from "../../../modules/sdk/coins.js";
import { xorshift32 } from "../../testkit/xorshift.js";
import { addGenesisAccount, addGenesisAccounts, newGenesisDoc } from "../build.js";
import { genesisErrors, type GenesisDoc } from "../genesisDoc.js";

// addGenesisAccounts builds in one pass what addGenesisAccount built one account at a time (a
// sort and a supply sum per call: minutes for 30,000 accounts). The reference is the per-call
// code as it was, kept here: the genesis must come out byte for byte the same.

function referenceAddGenesisAccount(doc: GenesisDoc, address: string, given: readonly Coin[]): void {
  validateAddress(address);
  const coins = normalizeCoins(given);
  if (coins.length === 0) throw genesisErrors.invalid.wrap("an account needs a positive balance");
  const auth = doc.app_state["auth"] as AuthGenesisJson;
  const bank = doc.app_state["bank"] as BankGenesisJson;
  if (!auth.accounts.some((a) => a.address === address)) {
    const next = auth.accounts.reduce(
      (m, a) => (BigInt(a.account_number) >= m ? BigInt(a.account_number) + 1n : m),
      0n,
    );
    auth.accounts.push({
      "@type": "/cosmos.auth.v1beta1.BaseAccount",
      address,
      pub_key: null,
      account_number: next.toString(),
      sequence: "0",
    });
  }
  const existing = bank.balances.find((b) => b.address === address);
  if (existing !== undefined) existing.coins = coinsToProto(addCoins(coinsFromProto(existing.coins), coins));
  else bank.balances.push({ address, coins: coinsToProto(coins) });
  bank.balances.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const supply = bank.balances.reduce<Coin[]>((s, b) => addCoins(s, coinsFromProto(b.coins)), []);
  bank.supply = coinsToProto(supply);
  if (formatCoins(supply) === "") bank.supply = [];
}

const time = { seconds: 1_767_225_600n, nanos: 0 };
const denoms = ["utcu", "uatom", "stake"];

/** Accounts in a shuffled order, some addresses repeated, one to three denoms each. */
function accounts(seed: number, n: number): Array<{ address: string; coins: Coin[] }> {
  const next = xorshift32(seed);
  const addresses = Array.from({ length: Math.ceil(n / 2) }, () =>
    encodeAddress(Uint8Array.from({ length: 20 }, () => next() & 0xff)),
  );
  return Array.from({ length: n }, () => ({
    address: addresses[next() % addresses.length]!,
    coins: denoms
      .filter((_, i) => i === 0 || next() % 2 === 0)
      .map((denom) => ({ denom, amount: BigInt(1 + (next() % 1_000_000)) })),
  }));
}

describe("genesis accounts (chain/genesis/build.ts)", () => {
  for (const seed of [1, 2, 3]) {
    it(`addGenesisAccounts makes the same genesis as one addGenesisAccount per account (seed ${seed})`, () => {
      const list = accounts(seed, 300);
      const a = newGenesisDoc("g-1", time);
      const b = newGenesisDoc("g-1", time);
      const c = newGenesisDoc("g-1", time);
      // Some accounts already there: numbering and balances continue from them.
      for (const x of list.slice(0, 20)) referenceAddGenesisAccount(a, x.address, x.coins);
      for (const x of list.slice(0, 20)) referenceAddGenesisAccount(b, x.address, x.coins);
      for (const x of list.slice(0, 20)) referenceAddGenesisAccount(c, x.address, x.coins);
      for (const x of list.slice(20)) referenceAddGenesisAccount(a, x.address, x.coins);
      addGenesisAccounts(b, list.slice(20));
      for (const x of list.slice(20)) addGenesisAccount(c, x.address, x.coins);
      assert.equal(JSON.stringify(b), JSON.stringify(a), "the batch");
      assert.equal(JSON.stringify(c), JSON.stringify(a), "one call per account");
    });
  }

  it("refuses a bad account in the batch before adding any", () => {
    const doc = newGenesisDoc("g-1", time);
    const before = JSON.stringify(doc);
    const good = accounts(4, 2)[0]!;
    assert.throws(
      () => addGenesisAccounts(doc, [good, { address: good.address, coins: [{ denom: "utcu", amount: 0n }] }]),
      /positive balance/,
    );
    assert.throws(() => addGenesisAccounts(doc, [good, { address: "tc1nope", coins: good.coins }]));
    assert.equal(JSON.stringify(doc), before);
  });
});
