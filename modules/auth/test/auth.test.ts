import assert from "node:assert/strict";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { BranchStore } from "../../../chain/store/branchStore.js";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { exportAppState, importAppState } from "../../../chain/testkit/genesis.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx, type RawKey } from "../../../client/sdk/signing.js";
import { testContext } from "../../sdk/test/fixtures.js";
import type { AuthGenesisJson } from "../genesis.js";
import { authInvariants } from "../invariants.js";
import { AccountKeeper } from "../keeper.js";
import { authErrors } from "../errors.js";
import { attributeKeys, eventTypes } from "../events.js";

const alice = rawKeyFromSeed("auth-alice");
const bob = rawKeyFromSeed("auth-bob");
const fee = { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n };

function send(key: RawKey, chain: TestChain, accountNumber: bigint, sequence: bigint, to: string): Uint8Array {
  return signTx(key, {
    chainId: chain.chainId,
    accountNumber,
    sequence,
    msgs: [msgSendAny(key.address, to, [{ denom: "utcu", amount: "1000" }])],
    fee,
  });
}

async function account(chain: TestChain, address: string): Promise<BaseAccount | null> {
  const res = await chain.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address }).finish());
  if (res.code !== 0) return null;
  return BaseAccount.decode(QueryAccountResponse.decode(res.value).account!.value);
}

const exportAuth = (c: TestChain) =>
  c.app.withCommittedContext((ctx, modules) =>
    modules.find((m) => m.name === "auth")!.exportGenesis(ctx),
  ) as AuthGenesisJson;

describe("auth: accounts, sequences and the ante handler", () => {
  let chain: TestChain;
  beforeEach(async () => {
    chain = await createTestChain({
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 1_000_000n }] }],
    });
  });

  it("records the signer's public key on its first tx and bumps its sequence on each", async () => {
    assert.equal((await account(chain, alice.address))!.pubKey, undefined, "no key before the first tx");
    for (const seq of [0n, 1n]) {
      const res = await chain.deliver([send(alice, chain, 0n, seq, bob.address)]);
      assert.equal(res.txResults[0]!.code, 0, res.txResults[0]!.log);
    }
    const a = (await account(chain, alice.address))!;
    assert.equal(a.sequence, 2n);
    assert.equal(a.pubKey?.typeUrl, "/cosmos.crypto.secp256k1.PubKey");
  });

  it("emits the SDK's tx events: acc_seq and signature per signer, then fee and fee_payer", async () => {
    const res = await chain.deliver([send(alice, chain, 0n, 0n, bob.address)]);
    const tx = res.txResults[0]!.events.filter((e) => e.type === eventTypes.tx).map((e) =>
      e.attributes.map((a) => a.key),
    );
    assert.deepEqual(tx, [
      [attributeKeys.accSeq],
      [attributeKeys.signature],
      [attributeKeys.fee, attributeKeys.feePayer],
    ]);
    const accSeq = res.txResults[0]!.events.find((e) => e.attributes.some((a) => a.key === attributeKeys.accSeq))!;
    assert.equal(accSeq.attributes[0]!.value, `${alice.address}/0`);
  });

  it("gives a new account the next account number and never reuses one", async () => {
    const peek = () => chain.app.withCommittedContext((ctx) => new AccountKeeper().peekNextAccountNumber(ctx.store));
    // Module accounts also get numbers on their first receipt (fees, rewards at begin-block).
    const before = peek();
    await chain.deliver([send(alice, chain, 0n, 0n, bob.address)]);
    const n = (await account(chain, bob.address))!.accountNumber;
    assert.ok(n >= before && n < peek(), `bob's number ${n} was taken from the counter (${before} -> ${peek()})`);
    const numbers = exportAuth(chain).accounts.map((a) => a.account_number);
    assert.equal(new Set(numbers).size, numbers.length, "no number given twice");
  });

  it("answers an unknown account with sdk 22 and the log cosmjs reads as not found", async () => {
    const res = await chain.query(
      "/cosmos.auth.v1beta1.Query/Account",
      QueryAccountRequest.encode({ address: bob.address }).finish(),
    );
    assert.equal(res.codespace, authErrors.keyNotFound.codespace);
    assert.equal(res.code, authErrors.keyNotFound.code);
    assert.match(res.log, /rpc error: code = NotFound/);
  });

  it("exports its genesis and re-imports it to the same accounts, numbers and sequences", async () => {
    await chain.deliver([send(alice, chain, 0n, 0n, bob.address)]);
    const exported = exportAppState(chain);
    const again = await importAppState(exported);
    assert.deepEqual(exportAuth(again), exportAuth(chain));
    assert.equal((await account(again, alice.address))!.sequence, 1n);
  });

  it("refuses a genesis with a duplicate account, account number or unknown account type", async () => {
    const cases: Array<[string, (g: AuthGenesisJson) => void, RegExp]> = [
      [
        "duplicate address",
        (g) => g.accounts.push({ ...g.accounts[0]!, account_number: "9" }),
        /duplicate account tc1/,
      ],
      [
        "duplicate number",
        (g) => g.accounts.push({ ...g.accounts[0]!, address: bob.address }),
        /duplicate account number 0/,
      ],
      [
        "unknown type",
        (g) => (g.accounts[0]!["@type"] = "/cosmos.auth.v1beta1.ModuleAccount"),
        /unsupported account type/,
      ],
    ];
    for (const [name, edit, re] of cases) {
      await assert.rejects(
        createTestChain({
          accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 5n }] }],
          editGenesis: (doc) => edit(doc.app_state["auth"] as AuthGenesisJson),
        }),
        re,
        name,
      );
    }
  });

  it("has an invariant that catches two accounts with one number", () => {
    const keeper = new AccountKeeper();
    const broken = chain.app.withCommittedContext((ctx) => {
      const store = new BranchStore(ctx.store);
      const c = testContext("query", { store, chainId: chain.chainId, height: 1n });
      const [invariant] = authInvariants(keeper);
      assert.deepEqual(invariant!.check(c), [], "sound at start");
      keeper.setAccount(store, { ...keeper.getAccount(store, alice.address)!, address: bob.address });
      return invariant!.check(c);
    });
    assert.equal(broken.length, 1);
    assert.match(broken[0]!, /account number 0 held by/);
  });
});
