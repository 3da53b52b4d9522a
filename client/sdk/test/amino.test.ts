import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  Secp256k1HdWallet,
  createMultisigThresholdPubkey,
  encodeSecp256k1Pubkey,
  makeCosmoshubPath,
  pubkeyToAddress,
  serializeSignDoc,
  type StdSignDoc,
} from "@cosmjs/amino";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, makeMultisignedTxBytes } from "@cosmjs/stargate";
import { AuthInfo, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { loadConfig } from "../../../chain/types/nodeConfig.js";
import { createNode, type Node } from "../../../chain/node/node.js";
import { makeTestHome } from "../../../chain/testkit/nodeProcess.js";
import { nopLogger } from "../../../modules/sdk/context.js";
import { TcomputeClient } from "../client.js";
import { tcomputeAminoConverters, tcomputeAminoTypes, tcomputeRegistry } from "../registry.js";

// SIGN_MODE_LEGACY_AMINO_JSON (issue 14 item 4), as Keplr's Ledger path and @cosmjs/amino
// signers sign: cosmjs's own Secp256k1HdWallet in SigningStargateClient, for bank, staking,
// distribution, registry and jobs messages, against a node.

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

describe("amino JSON signing through @cosmjs/amino signers", function () {
  this.timeout(60_000);
  let node: Node;
  let url: string;
  let amino: Secp256k1HdWallet;
  let client: SigningStargateClient;
  let alice: string;
  let carol: string;
  let valoper: string;

  before(async () => {
    amino = await Secp256k1HdWallet.fromMnemonic(mnemonic, {
      prefix: "tc",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(2)],
    });
    const direct = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, {
      prefix: "tc",
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(2)],
    });
    [alice, carol] = (await amino.getAccounts()).map((a) => a.address) as [string, string];
    valoper = toBech32("tcvaloper", fromBech32(carol).data);
    const home = await makeTestHome({
      accounts: [
        { address: alice, coins: [{ denom: "utcu", amount: 10_000_000_000n }] },
        { address: carol, coins: [{ denom: "utcu", amount: 1_000_000_000n }] },
      ],
      gentx: { signer: direct, operator: carol, amount: 100_000_000n },
    });
    const config = loadConfig(home.home);
    config.consensus.timeout_commit = "100ms";
    node = await createNode({ home: home.home, config, inMemory: true }, { logger: nopLogger });
    await node.start();
    url = `http://${node.rpcAddress}`;
    client = await SigningStargateClient.connectWithSigner(url, amino, {
      registry: tcomputeRegistry(),
      aminoTypes: tcomputeAminoTypes(),
      gasPrice: GasPrice.fromString("0.0025utcu"),
      broadcastPollIntervalMs: 200,
    });
  });

  after(async () => {
    client?.disconnect();
    await node?.stop();
  });

  it("sends tokens (cosmos-sdk/MsgSend)", async () => {
    const res = await client.sendTokens(alice, carol, [{ denom: "utcu", amount: "1000" }], "auto", "amino <&> memo");
    assert.equal(res.code, 0, res.rawLog);
    const tx = await client.getTx(res.transactionHash);
    const authInfo = (await import("cosmjs-types/cosmos/tx/v1beta1/tx")).AuthInfo.decode(
      TxRaw.decode(tx!.tx).authInfoBytes,
    );
    assert.equal(authInfo.signerInfos[0]!.modeInfo?.single?.mode, 127, "SIGN_MODE_LEGACY_AMINO_JSON");
  });

  it("delegates, undelegates and withdraws rewards (staking and distribution)", async () => {
    const d = await client.delegateTokens(alice, valoper, { denom: "utcu", amount: "5000000" }, "auto");
    assert.equal(d.code, 0, d.rawLog);
    const u = await client.undelegateTokens(alice, valoper, { denom: "utcu", amount: "1000000" }, "auto");
    assert.equal(u.code, 0, u.rawLog);
    const w = await client.withdrawRewards(alice, valoper, "auto");
    assert.equal(w.code, 0, w.rawLog);
  });

  it("registers a model and submits a job (tcompute/registry/..., tcompute/jobs/...)", async () => {
    const converters = tcomputeAminoConverters();
    assert.equal(converters["/tcompute.jobs.v1.MsgSubmitJob"]!.aminoType, "tcompute/jobs/MsgSubmitJob");
    assert.ok(
      Object.values(converters).every((c) => c.aminoType.length < 40),
      "amino names fit the SDK's 39-character limit",
    );
    const hash = createHash("sha256").update("amino-model").digest("hex");
    const tc = await TcomputeClient.connectWithSigner(url, amino);
    try {
      const reg = await tc.registerModel({
        owner: alice,
        hash,
        name: "amino-mlp",
        inputs: [{ name: "x", dtype: "float32", shape: [-1, 4] }],
        outputs: [{ name: "y", dtype: "float32", shape: [-1, 2] }],
        computeUnits: "10",
        rule: { sketchSize: 16, tolerance: 1000, topK: 0 },
        uri: "",
        // A repeated sub-message with repeated strings, signed as amino JSON.
        challengeInputs: [{ name: "x", shape: [1, 4], values: [] }],
      });
      assert.equal(reg.code, 0, reg.rawLog);
      assert.deepEqual((await tc.query.registry.model(hash)).challengeInputs, [
        { name: "x", shape: [1, 4], values: [] },
      ]);
      const ids = await tc.submitJob(alice, {
        model: hash,
        inputs: [new Uint8Array([1, 2, 3])],
        maxPricePerUnit: "100utcu",
        k: 1,
      });
      assert.equal(ids.length, 1);
      const job = await tc.query.jobs.job(ids[0]!);
      assert.equal(job.requester, alice);
      assert.deepEqual(Buffer.from(job.inputs[0]!.inline), Buffer.from([1, 2, 3]));
    } finally {
      tc.disconnect();
    }
  });

  it("refuses an amino signature over a different document (code 4) and changes nothing", async () => {
    const [acc] = await amino.getAccounts();
    const msg = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: alice, toAddress: carol, amount: [{ denom: "utcu", amount: "7" }] },
    };
    const signed = await client.sign(
      alice,
      [msg],
      { amount: [{ denom: "utcu", amount: "500" }], gas: "200000" },
      "original",
    );
    // The same signature on a tx whose memo differs from what was signed.
    const { TxBody } = await import("cosmjs-types/cosmos/tx/v1beta1/tx");
    const body = TxBody.decode(signed.bodyBytes);
    const forged = TxRaw.encode({ ...signed, bodyBytes: TxBody.encode({ ...body, memo: "forged" }).finish() }).finish();
    const before = await client.getBalance(carol, "utcu");
    const r = (await (
      await fetch(url, {
        method: "POST",
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "broadcast_tx_sync",
          params: { tx: Buffer.from(forged).toString("base64") },
        }),
      })
    ).json()) as { result: { code: number; log: string } };
    assert.equal(r.result.code, 4);
    assert.match(r.result.log, /signature verification failed/);
    assert.deepEqual(await client.getBalance(carol, "utcu"), before);
    assert.ok(acc);
  });

  it("refuses a sign mode it does not serve (SIGN_MODE_TEXTUAL) with code 37", async () => {
    const msg = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: alice, toAddress: carol, amount: [{ denom: "utcu", amount: "7" }] },
    };
    const signed = await client.sign(alice, [msg], { amount: [{ denom: "utcu", amount: "500" }], gas: "200000" }, "");
    const { AuthInfo } = await import("cosmjs-types/cosmos/tx/v1beta1/tx");
    const auth = AuthInfo.decode(signed.authInfoBytes);
    auth.signerInfos[0]!.modeInfo = { single: { mode: 2 } };
    const tx = TxRaw.encode({ ...signed, authInfoBytes: AuthInfo.encode(auth).finish() }).finish();
    const r = (await (
      await fetch(url, {
        method: "POST",
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "broadcast_tx_sync",
          params: { tx: Buffer.from(tx).toString("base64") },
        }),
      })
    ).json()) as { result: { code: number; log: string } };
    assert.equal(r.result.code, 37);
    assert.match(r.result.log, /SIGN_MODE_DIRECT and SIGN_MODE_LEGACY_AMINO_JSON are accepted/);
  });

  it("spends from a 2-of-3 multisig account (LegacyAminoPubKey), and refuses one signature short", async () => {
    const wallets = await Promise.all(
      [3, 4, 5].map((i) => Secp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "tc", hdPaths: [makeCosmoshubPath(i)] })),
    );
    const members = await Promise.all(wallets.map(async (w) => (await w.getAccounts())[0]!));
    const multisigPubkey = createMultisigThresholdPubkey(
      members.map((m) => encodeSecp256k1Pubkey(m.pubkey)),
      2,
    );
    const multisig = pubkeyToAddress(multisigPubkey, "tc");
    assert.equal((await client.sendTokens(alice, multisig, [{ denom: "utcu", amount: "1000000" }], "auto")).code, 0);
    const account = (await client.getAccount(multisig))!;
    const chainId = await client.getChainId();
    const msg = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: multisig, toAddress: carol, amount: [{ denom: "utcu", amount: "4321" }] },
    };
    const fee = { amount: [{ denom: "utcu", amount: "2000" }], gas: "300000" };
    const signWith = async (j: number, sequence: number) => {
      const offline = await SigningStargateClient.offline(wallets[j]!, {
        registry: tcomputeRegistry(),
        aminoTypes: tcomputeAminoTypes(),
      });
      return offline.sign(members[j]!.address, [msg], fee, "multisig", {
        accountNumber: account.accountNumber,
        sequence,
        chainId,
      });
    };
    const broadcast = async (tx: Uint8Array) =>
      (
        (await (
          await fetch(url, {
            method: "POST",
            body: JSON.stringify({
              jsonrpc: "2.0",
              id: 1,
              method: "broadcast_tx_commit",
              params: { tx: Buffer.from(tx).toString("base64") },
            }),
          })
        ).json()) as { result: { check_tx: { code: number; log: string }; tx_result: { code: number; log: string } } }
      ).result;
    // One signature of a 2-of-3: refused (code 4), nothing moves.
    const a = await signWith(0, account.sequence);
    const short = makeMultisignedTxBytes(
      multisigPubkey,
      account.sequence,
      fee,
      a.bodyBytes,
      new Map([[members[0]!.address, a.signatures[0]!]]),
    );
    const before = await client.getBalance(carol, "utcu");
    const r1 = await broadcast(short);
    assert.equal(r1.check_tx.code, 4, r1.check_tx.log);
    assert.match(r1.check_tx.log, /threshold 2/);
    assert.deepEqual(await client.getBalance(carol, "utcu"), before);
    // Two signatures: accepted.
    const b = await signWith(2, account.sequence);
    const full = makeMultisignedTxBytes(
      multisigPubkey,
      account.sequence,
      fee,
      a.bodyBytes,
      new Map([
        [members[0]!.address, a.signatures[0]!],
        [members[2]!.address, b.signatures[0]!],
      ]),
    );
    // Re-encodings amino JSON does not sign (modules/auth/txForm.ts): each verified under a new
    // hash before; now refused with code 2, and the tx as signed still goes through.
    const raw = TxRaw.decode(full);
    const withAuthInfo = (f: (a: AuthInfo) => void) => {
      const a = AuthInfo.decode(raw.authInfoBytes);
      f(a);
      return TxRaw.encode({ ...raw, authInfoBytes: AuthInfo.encode(a).finish() }).finish();
    };
    const variants: Array<[string, Uint8Array]> = [
      [
        "an unknown field in the MultiSignature",
        TxRaw.encode({ ...raw, signatures: [Buffer.concat([raw.signatures[0]!, Buffer.from([0x10, 0x01])])] }).finish(),
      ],
      [
        "a bit set past the bit array's length",
        withAuthInfo((a) => {
          const ba = a.signerInfos[0]!.modeInfo!.multi!.bitarray!;
          ba.elems = Uint8Array.from([ba.elems[0]! | 0x01]);
        }),
      ],
      [
        "an unknown field in the LegacyAminoPubKey",
        withAuthInfo((a) => {
          const pk = a.signerInfos[0]!.publicKey!;
          pk.value = Buffer.concat([pk.value, Buffer.from([0x18, 0x01])]);
        }),
      ],
    ];
    for (const [name, variant] of variants) {
      const r = (await broadcast(variant)).check_tx;
      assert.equal(r.code, 2, `${name}: ${r.log}`);
    }
    const r2 = await broadcast(full);
    assert.equal(r2.check_tx.code, 0, r2.check_tx.log);
    assert.equal(r2.tx_result.code, 0, r2.tx_result.log);
    assert.equal(BigInt((await client.getBalance(carol, "utcu")).amount), BigInt(before.amount) + 4321n);
    // The account now records the multisig key (cosmjs reads it back).
    const after = (await client.getAccount(multisig))!;
    assert.equal(after.sequence, account.sequence + 1);
    assert.equal(after.pubkey?.type, "tendermint/PubKeyMultisigThreshold");
    // A member's own key cannot sign for the multisig address.
    const c = await signWith(1, after.sequence);
    const wrongPk = makeMultisignedTxBytes(
      createMultisigThresholdPubkey(
        members.map((m) => encodeSecp256k1Pubkey(m.pubkey)),
        1,
      ),
      after.sequence,
      fee,
      c.bodyBytes,
      new Map([[members[1]!.address, c.signatures[0]!]]),
    );
    const r3 = await broadcast(wrongPk);
    assert.notEqual(r3.check_tx.code, 0);
    assert.match(r3.check_tx.log, /does not match signer address/);
    // With the key on record, omitting it would be a second form of the same amino tx: refused.
    const d = await signWith(2, after.sequence);
    const next = makeMultisignedTxBytes(
      multisigPubkey,
      after.sequence,
      fee,
      c.bodyBytes,
      new Map([
        [members[1]!.address, c.signatures[0]!],
        [members[2]!.address, d.signatures[0]!],
      ]),
    );
    const nextRaw = TxRaw.decode(next);
    const ai = AuthInfo.decode(nextRaw.authInfoBytes);
    ai.signerInfos[0]!.publicKey = undefined;
    const r4 = (await broadcast(TxRaw.encode({ ...nextRaw, authInfoBytes: AuthInfo.encode(ai).finish() }).finish()))
      .check_tx;
    assert.equal(r4.code, 8, r4.log);
    assert.match(r4.log, /amino JSON, which does not sign the public key/);
  });

  it("builds the same sign bytes as cosmjs for what the ante handler checks", async () => {
    const { aminoSignBytes } = await import("../../../modules/sdk/amino.js");
    const { MsgSend } = await import("cosmjs-types/cosmos/bank/v1beta1/tx");
    const value = { fromAddress: alice, toAddress: carol, amount: [{ denom: "utcu", amount: "9" }] };
    const fee = { amount: [{ denom: "utcu", amount: "1" }], gas: "100" };
    const doc: StdSignDoc = {
      chain_id: "c",
      account_number: "3",
      sequence: "4",
      fee,
      msgs: [tcomputeAminoTypes().toAmino({ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value })],
      memo: "m",
    };
    const ours = aminoSignBytes({
      msgs: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.encode(value).finish() }],
      fee,
      chainId: "c",
      memo: "m",
      accountNumber: 3n,
      sequence: 4n,
      timeoutHeight: 0n,
    });
    assert.deepEqual(Buffer.from(ours), Buffer.from(serializeSignDoc(doc)));
  });
});
