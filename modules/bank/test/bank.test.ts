import assert from "node:assert/strict";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import {
  QueryBalanceRequest,
  QueryBalanceResponse,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { msgMultiSendAny, msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx, type RawKey, type TxSpec } from "../../../client/sdk/signing.js";
import { moduleAddress } from "../../sdk/address.js";

const alice = rawKeyFromSeed("alice");
const bob = rawKeyFromSeed("bob");
const carol = rawKeyFromSeed("carol");
const fee = { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n };

async function balance(chain: TestChain, address: string, denom = "utcu"): Promise<bigint> {
  const res = await chain.query(
    "/cosmos.bank.v1beta1.Query/Balance",
    QueryBalanceRequest.encode({ address, denom }).finish(),
  );
  assert.equal(res.code, 0, res.log);
  return BigInt(QueryBalanceResponse.decode(res.value).balance!.amount);
}

async function account(chain: TestChain, address: string): Promise<BaseAccount | null> {
  const res = await chain.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address }).finish());
  if (res.code !== 0) {
    assert.match(res.log, /rpc error: code = NotFound/);
    return null;
  }
  return BaseAccount.decode(QueryAccountResponse.decode(res.value).account!.value);
}

function send(
  key: RawKey,
  chain: TestChain,
  seq: bigint,
  to: string,
  amount: string,
  over: Partial<TxSpec> = {},
): Uint8Array {
  return signTx(key, {
    chainId: chain.chainId,
    accountNumber: 0n,
    sequence: seq,
    msgs: [msgSendAny(key.address, to, [{ denom: "utcu", amount }])],
    fee,
    ...over,
  });
}

describe("bank and auth on an in-process chain", () => {
  let chain: TestChain;
  beforeEach(async () => {
    chain = await createTestChain({
      accounts: [{ address: alice.address, coins: [{ denom: "utcu", amount: 1_000_000n }] }],
    });
  });

  it("moves coins, pays the fee to the fee collector and bumps the sequence", async () => {
    const res = await chain.deliver([send(alice, chain, 0n, bob.address, "1000")]);
    assert.equal(res.txResults[0]!.code, 0, res.txResults[0]!.log);
    assert.equal(await balance(chain, alice.address), 1_000_000n - 1000n - 500n);
    assert.equal(await balance(chain, bob.address), 1000n);
    assert.equal(await balance(chain, moduleAddress("fee_collector")), 500n);
    assert.equal((await account(chain, alice.address))!.sequence, 1n);
    const types = res.txResults[0]!.events.map((e) => e.type);
    for (const t of ["tx", "message", "coin_spent", "coin_received", "transfer"])
      assert.ok(types.includes(t), `event ${t} emitted`);
  });

  it("creates the recipient's account, with the next account number, on first receipt", async () => {
    assert.equal(await account(chain, bob.address), null);
    await chain.deliver([send(alice, chain, 0n, bob.address, "1")]);
    const b = await account(chain, bob.address);
    assert.ok(b !== null);
    assert.ok(b.accountNumber > 0n);
    assert.equal(b.pubKey, undefined);
  });

  it("accepts several txs of one sender in one block through CheckTx, counting pending sequences", async () => {
    const txs = [0n, 1n, 2n].map((s) => send(alice, chain, s, bob.address, "10"));
    for (const tx of txs) assert.equal((await chain.checkTx(tx)).code, 0);
    const replay = await chain.checkTx(txs[0]!);
    assert.equal(replay.code, 32, "a replayed sequence is refused while the first is pending");
    const res = await chain.deliver(txs);
    assert.deepEqual(
      res.txResults.map((r) => r.code),
      [0, 0, 0],
    );
    assert.equal(await balance(chain, bob.address), 30n);
  });

  it("executes MsgMultiSend to several outputs", async () => {
    const tx = signTx(alice, {
      chainId: chain.chainId,
      accountNumber: 0n,
      sequence: 0n,
      fee,
      msgs: [
        msgMultiSendAny(
          alice.address,
          [{ denom: "utcu", amount: "30" }],
          [
            { address: bob.address, coins: [{ denom: "utcu", amount: "10" }] },
            { address: carol.address, coins: [{ denom: "utcu", amount: "20" }] },
          ],
        ),
      ],
    });
    const res = await chain.deliver([tx]);
    assert.equal(res.txResults[0]!.code, 0, res.txResults[0]!.log);
    assert.equal(await balance(chain, bob.address), 10n);
    assert.equal(await balance(chain, carol.address), 20n);
  });

  it("simulates a tx without signature or fee and reports its gas", async () => {
    const signed = send(alice, chain, 0n, bob.address, "5");
    const raw = TxRaw.decode(signed);
    const unsigned = TxRaw.encode({ ...raw, signatures: [new Uint8Array()] }).finish();
    const res = await chain.query(
      "/cosmos.tx.v1beta1.Service/Simulate",
      SimulateRequest.encode({ txBytes: unsigned }).finish(),
    );
    assert.equal(res.code, 0, res.log);
    const gas = SimulateResponse.decode(res.value).gasInfo!.gasUsed;
    assert.ok(gas > 10_000n && gas < 200_000n, `gas ${gas}`);
    assert.equal(await balance(chain, bob.address), 0n, "simulation changes nothing");
  });

  it("keeps the fee and sequence when a message fails, and nothing else", async () => {
    const tx = send(alice, chain, 0n, bob.address, "999999999");
    const check = await chain.checkTx(tx);
    assert.equal(check.code, 5, "CheckTx runs messages and reports insufficient funds");
    const res = await chain.deliver([tx]);
    assert.equal(res.txResults[0]!.code, 5);
    assert.equal(res.txResults[0]!.codespace, "sdk");
    assert.equal(await balance(chain, alice.address), 1_000_000n - 500n);
    assert.equal(await balance(chain, bob.address), 0n);
    assert.equal((await account(chain, alice.address))!.sequence, 1n);
  });

  describe("refuses bad input with a clear code and no state change", () => {
    const cases: Array<[string, (c: TestChain) => Uint8Array, number, RegExp]> = [
      ["malformed bytes", () => new Uint8Array([0xff, 0xff, 0xff, 0x01]), 2, /malformed|parse/],
      ["truncated tx", (c) => send(alice, c, 0n, bob.address, "1").subarray(0, 40), 2, /parse/],
      ["oversized tx", (c) => send(alice, c, 0n, bob.address, "1", { memo: "x".repeat(1 << 20) }), 21, /too large/],
      [
        "unknown message type",
        (c) =>
          signTx(alice, {
            chainId: c.chainId,
            accountNumber: 0n,
            sequence: 0n,
            fee,
            msgs: [{ typeUrl: "/foo.Bar", value: new Uint8Array() }],
          }),
        2,
        /unable to resolve type URL/,
      ],
      [
        "bad signature",
        (c) => {
          const r = TxRaw.decode(send(alice, c, 0n, bob.address, "1"));
          r.signatures[0]![5]! ^= 1;
          return TxRaw.encode(r).finish();
        },
        4,
        /signature verification failed/,
      ],
      [
        "signature over another chain-id",
        (c) => send(alice, c, 0n, bob.address, "1", { chainId: "other-chain" }),
        4,
        /signature verification failed/,
      ],
      ["wrong account number", (c) => send(alice, c, 0n, bob.address, "1", { accountNumber: 7n }), 4, /account number/],
      [
        "wrong sequence",
        (c) => send(alice, c, 3n, bob.address, "1"),
        32,
        /account sequence mismatch, expected 0, got 3/,
      ],
      [
        "insufficient fee",
        (c) =>
          send(alice, c, 0n, bob.address, "1", {
            fee: { amount: [{ denom: "utcu", amount: "1" }], gasLimit: 200_000n },
          }),
        13,
        /insufficient fee/,
      ],
      [
        "fee in a denom nobody has",
        (c) =>
          send(alice, c, 0n, bob.address, "1", {
            fee: { amount: [{ denom: "uatom", amount: "100000" }], gasLimit: 200_000n },
          }),
        13,
        /insufficient fee/,
      ],
      ["unknown sender", (c) => send(carol, c, 0n, bob.address, "1"), 9, /not found/],
      [
        "out of gas",
        (c) =>
          send(alice, c, 0n, bob.address, "1", {
            fee: { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 1000n },
          }),
        11,
        /out of gas/,
      ],
      ["zero amount", (c) => send(alice, c, 0n, bob.address, "0"), 10, /must be positive/],
      [
        "negative amount",
        (c) =>
          signTx(alice, {
            chainId: c.chainId,
            accountNumber: 0n,
            sequence: 0n,
            fee,
            msgs: [
              {
                typeUrl: "/cosmos.bank.v1beta1.MsgSend",
                value: MsgSend.encode({
                  fromAddress: alice.address,
                  toAddress: bob.address,
                  amount: [{ denom: "utcu", amount: "-5" }],
                }).finish(),
              },
            ],
          }),
        10,
        /invalid amount/,
      ],
      ["invalid recipient address", (c) => send(alice, c, 0n, "tc1notanaddress", "1"), 7, /invalid address/],
      [
        "recipient of another prefix",
        (c) => send(alice, c, 0n, "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", "1"),
        7,
        /prefix/,
      ],
      [
        "invalid denom",
        (c) =>
          signTx(alice, {
            chainId: c.chainId,
            accountNumber: 0n,
            sequence: 0n,
            fee,
            msgs: [msgSendAny(alice.address, bob.address, [{ denom: "1bad!", amount: "5" }])],
          }),
        10,
        /invalid denom/,
      ],
      [
        "send to a module account",
        (c) => send(alice, c, 0n, moduleAddress("fee_collector"), "1"),
        4,
        /not allowed to receive funds/,
      ],
      ["memo too long", (c) => send(alice, c, 0n, bob.address, "1", { memo: "m".repeat(300) }), 12, /memo/],
      ["timed-out tx", (c) => send(alice, c, 0n, bob.address, "1", { timeoutHeight: 1n }), 30, /timeout height/],
    ];
    for (const [name, make, code, log] of cases) {
      it(name, async () => {
        await chain.deliver([]);
        await chain.deliver([]);
        const tx = make(chain);
        const check = await chain.checkTx(tx);
        assert.equal(check.code, code, `CheckTx code for ${name}: ${check.log}`);
        assert.match(check.log, log);
        const before = { alice: await balance(chain, alice.address), bob: await balance(chain, bob.address) };
        const hashBefore = Buffer.from(chain.app.appHash).toString("hex");
        const res = await chain.deliver([tx]);
        assert.equal(res.txResults[0]!.code, code, `FinalizeBlock code for ${name}: ${res.txResults[0]!.log}`);
        assert.equal(await balance(chain, bob.address), before.bob);
        if (name === "send to a module account") {
          // Message-level failures: only the fee and the sequence bump remain.
          assert.equal(await balance(chain, alice.address), before.alice - 500n);
        } else {
          assert.equal(await balance(chain, alice.address), before.alice);
          assert.equal(Buffer.from(chain.app.appHash).toString("hex"), hashBefore, "no state change at all");
        }
      });
    }

    it("refuses a high-S signature (malleated) even though it is mathematically valid", async () => {
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const raw = TxRaw.decode(send(alice, chain, 0n, bob.address, "1"));
      const sig = raw.signatures[0]!;
      const s = BigInt("0x" + Buffer.from(sig.subarray(32)).toString("hex"));
      const highS = Buffer.from((n - s).toString(16).padStart(64, "0"), "hex");
      raw.signatures[0] = new Uint8Array([...sig.subarray(0, 32), ...highS]);
      const check = await chain.checkTx(TxRaw.encode(raw).finish());
      assert.equal(check.code, 4);
    });
  });

  it("conserves total supply across blocks", async () => {
    const supply = async () => {
      const r = await chain.query("/cosmos.bank.v1beta1.Query/TotalSupply", new Uint8Array());
      return QueryTotalSupplyResponse.decode(r.value).supply;
    };
    const before = await supply();
    await chain.deliver([send(alice, chain, 0n, bob.address, "100"), send(alice, chain, 1n, carol.address, "100")]);
    assert.deepEqual(await supply(), before);
  });
});
