import assert from "node:assert/strict";
import { MemoryStore } from "../../../chain/store/memoryStore.js";
import { AccountKeeper, decodeAccount, type Account } from "../keeper.js";
import { keys } from "../keys.js";

// setAccount remembers the decoded form of the bytes it writes, so that the next read of them
// skips the protobuf decode. What it remembers must be exactly what decoding those bytes gives
// (a node that restarted decodes them), for every account the state can hold.

const key33 = new Uint8Array(33).map((_, i) => i + 2);
const cases: Array<[string, Account]> = [
  ["no key yet", { address: "tc1aaa", pubKey: null, accountNumber: 0n, sequence: 0n }],
  ["a key", { address: "tc1bbb", pubKey: key33, accountNumber: 7n, sequence: 41n }],
  ["an empty key", { address: "tc1ccc", pubKey: new Uint8Array(), accountNumber: 1n, sequence: 1n }],
  ["uint64 maxima", { address: "tc1ddd", pubKey: key33, accountNumber: 2n ** 64n - 1n, sequence: 2n ** 64n - 1n }],
  ["a sequence past uint64", { address: "tc1eee", pubKey: key33, accountNumber: 3n, sequence: 2n ** 64n }],
  ["a non-ASCII address", { address: "tc1é\ud800", pubKey: null, accountNumber: 4n, sequence: 2n }],
  [
    "a multisig",
    {
      address: "tc1fff",
      pubKey: null,
      multisig: { threshold: 2, pubKeys: [key33, key33] },
      accountNumber: 5n,
      sequence: 9n,
    },
  ],
];

describe("auth: the account memo of setAccount", () => {
  for (const [name, account] of cases) {
    it(`reads back what decoding gives, for ${name}`, () => {
      const store = new MemoryStore();
      const keeper = new AccountKeeper();
      keeper.setAccount(store, account);
      const raw = store.get(keys.account(account.address))!;
      assert.deepEqual(keeper.getAccount(store, account.address), decodeAccount(raw));
      assert.deepEqual(new AccountKeeper().getAccount(store, account.address), decodeAccount(raw));
    });
  }

  it("is not changed by a later change to the key bytes the caller passed", () => {
    const store = new MemoryStore();
    const keeper = new AccountKeeper();
    const pubKey = key33.slice();
    keeper.setAccount(store, { address: "tc1ggg", pubKey, accountNumber: 1n, sequence: 0n });
    pubKey[0] = 0xff; // e.g. a view into reused tx bytes
    const got = keeper.getAccount(store, "tc1ggg")!;
    assert.deepEqual(got, decodeAccount(store.get(keys.account("tc1ggg"))!));
    assert.equal(got.pubKey![0], key33[0]);
  });
});
