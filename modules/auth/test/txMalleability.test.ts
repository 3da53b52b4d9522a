import assert from "node:assert/strict";
import { makeCosmoshubPath, Secp256k1HdWallet } from "@cosmjs/amino";
import { SigningStargateClient } from "@cosmjs/stargate";
import { createHash } from "node:crypto";
import secp256k1 from "secp256k1";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createTestChain, type TestChain } from "../../../chain/testkit/inProcessChain.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { tcomputeAminoTypes, tcomputeRegistry } from "../../../client/sdk/registry.js";
import { rawKeyFromSeed, signTx, txHash } from "../../../client/sdk/signing.js";

// Tx malleability: CometBFT names a tx by the sha256 of its bytes, and a signature covers only
// parts of them. SIGN_MODE_DIRECT signs body_bytes and auth_info_bytes, not the TxRaw around
// them; SIGN_MODE_LEGACY_AMINO_JSON signs a JSON rendering, not even those bytes. Anyone who sees
// a tx (a peer, an RPC node) could re-encode it so that the signature still verifies under
// another hash, and get that copy into a block first: the sender's client, waiting for its
// hash, never sees it included, though the transfer happened, and may sign it again. So the
// node accepts a tx only in the one encoding its decoded parts give back.

const alice = rawKeyFromSeed("mall-alice");
const bob = rawKeyFromSeed("mall-bob");
const fee = { amount: [{ denom: "utcu", amount: "500" }], gasLimit: 200_000n };
const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

const isNotCanonical = (r: { code: number; codespace: string; log: string }) =>
  r.code === 2 && r.codespace === "sdk" && /not in its canonical encoding/.test(r.log);

/** A varint's bytes. */
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}
/** A length-delimited field: tag, length, bytes. */
const field = (num: number, bytes: Uint8Array) =>
  Buffer.from([...varint((num << 3) | 2), ...varint(bytes.length), ...bytes]);

describe("tx malleability: one encoding per tx", () => {
  let chain: TestChain;
  let amino: Secp256k1HdWallet;
  let carol: string;
  beforeEach(async () => {
    amino = await Secp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "tc", hdPaths: [makeCosmoshubPath(0)] });
    carol = (await amino.getAccounts())[0]!.address;
    chain = await createTestChain({
      accounts: [
        { address: alice.address, coins: [{ denom: "utcu", amount: 1_000_000n }] },
        { address: carol, coins: [{ denom: "utcu", amount: 1_000_000n }] },
      ],
    });
  });

  const direct = () =>
    signTx(alice, {
      chainId: chain.chainId,
      accountNumber: 0n,
      sequence: 0n,
      msgs: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "1000" }])],
      fee,
    });

  /** Variants of a TxRaw that decode to the same fields (so the same signatures verify). */
  function rawVariants(tx: Uint8Array): Array<[string, Uint8Array]> {
    const raw = TxRaw.decode(tx);
    const sigs = raw.signatures.map((s) => field(3, s));
    return [
      ["an unknown field appended to TxRaw", Buffer.concat([tx, Buffer.from([0x20, 0x01])])],
      ["a body_bytes field given twice (the last wins)", Buffer.concat([field(1, new Uint8Array([1, 2])), tx])],
      [
        "auth_info_bytes before body_bytes",
        Buffer.concat([field(2, raw.authInfoBytes), field(1, raw.bodyBytes), ...sigs]),
      ],
      [
        "a length in a longer varint than needed",
        Buffer.concat([
          Buffer.from([0x0a, ...varint(raw.bodyBytes.length).map((b) => b | 0x80), 0x00]),
          raw.bodyBytes,
          field(2, raw.authInfoBytes),
          ...sigs,
        ]),
      ],
    ];
  }

  it("refuses a re-encoded TxRaw of a SIGN_MODE_DIRECT tx (sdk 2) and still takes the tx as signed", async () => {
    const tx = direct();
    for (const [name, variant] of rawVariants(tx)) {
      assert.notEqual(txHash(variant), txHash(tx), name);
      const r = await chain.checkTx(variant);
      assert.ok(isNotCanonical(r), `${name}: ${r.code} ${r.log}`);
    }
    // In a block too: a proposer that includes a variant gets it failed (code 2), nothing moves.
    const [name, variant] = rawVariants(tx)[0]!;
    const res = await chain.deliver([variant]);
    assert.ok(isNotCanonical(res.txResults[0]!), name);
    assert.equal((await chain.checkTx(tx)).code, 0, "the tx as signed");
    assert.equal((await chain.deliver([tx])).txResults[0]!.code, 0);
  });

  /** A SIGN_MODE_DIRECT tx of alice's with its body and auth info edited before signing. */
  function signedDirect(editBody: (b: TxBody) => void, editAuthInfo: (a: AuthInfo) => void = () => {}): Uint8Array {
    const body = TxBody.fromPartial({
      messages: [msgSendAny(alice.address, bob.address, [{ denom: "utcu", amount: "1000" }])],
    });
    editBody(body);
    const authInfo = AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: {
            typeUrl: "/cosmos.crypto.secp256k1.PubKey",
            value: Secp256k1PubKey.encode({ key: alice.pubKey }).finish(),
          },
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: 0n,
        },
      ],
      fee: { amount: fee.amount, gasLimit: fee.gasLimit },
    });
    editAuthInfo(authInfo);
    const bodyBytes = TxBody.encode(body).finish();
    const authInfoBytes = AuthInfo.encode(authInfo).finish();
    const doc = SignDoc.encode({ bodyBytes, authInfoBytes, chainId: chain.chainId, accountNumber: 0n }).finish();
    const { signature } = secp256k1.ecdsaSign(createHash("sha256").update(doc).digest(), alice.privKey);
    return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish();
  }

  it("refuses signed fields this chain does not implement (37) rather than ignore them, and a mode_info of two branches (2)", async () => {
    const cases: Array<[string, Uint8Array, number, RegExp]> = [
      ["unordered", signedDirect((b) => (b.unordered = true)), 37, /unordered txs/],
      [
        "a timeout_timestamp in the past",
        signedDirect((b) => (b.timeoutTimestamp = { seconds: 1n, nanos: 0 })),
        37,
        /timeout_timestamp are not supported/,
      ],
      [
        "a tip",
        signedDirect(
          () => {},
          (a) => (a.tip = { amount: [{ denom: "utcu", amount: "1" }], tipper: alice.address }),
        ),
        37,
        /tips are not supported/,
      ],
      [
        "single and multi both set",
        signedDirect(
          () => {},
          (a) => (a.signerInfos[0]!.modeInfo!.multi = { modeInfos: [] }),
        ),
        2,
        /exactly one of single and multi/,
      ],
    ];
    // A multisig key nested in a multisig key (which the ante refuses anyway) is refused before
    // any walk down it: no recursion whose depth a tx chooses.
    const inner = LegacyAminoPubKey.encode({
      threshold: 1,
      publicKeys: [
        { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: Secp256k1PubKey.encode({ key: alice.pubKey }).finish() },
      ],
    }).finish();
    const nested = LegacyAminoPubKey.encode({
      threshold: 1,
      publicKeys: [{ typeUrl: "/cosmos.crypto.multisig.LegacyAminoPubKey", value: inner }],
    }).finish();
    cases.push([
      "a multisig key inside a multisig key",
      signedDirect(
        () => {},
        (a) =>
          (a.signerInfos[0] = {
            publicKey: { typeUrl: "/cosmos.crypto.multisig.LegacyAminoPubKey", value: nested },
            modeInfo: {
              multi: {
                bitarray: { extraBitsStored: 1, elems: Uint8Array.from([0x80]) },
                modeInfos: [{ single: { mode: SignMode.SIGN_MODE_LEGACY_AMINO_JSON } }],
              },
            },
            sequence: 0n,
          }),
      ),
      8,
      /must hold secp256k1 keys only/,
    ]);
    for (const [name, tx, code, log] of cases) {
      const r = await chain.checkTx(tx);
      assert.equal(r.code, code, `${name}: ${r.log}`);
      assert.match(r.log, log, name);
      assert.equal((await chain.deliver([tx])).txResults[0]!.code, code, `${name} in a block`);
    }
    assert.equal((await chain.checkTx(signedDirect(() => {}))).code, 0, "the same tx without them");
  });

  it("refuses a SIGN_MODE_LEGACY_AMINO_JSON tx whose body or auth info is re-encoded under the same signature", async () => {
    const client = await SigningStargateClient.offline(amino, {
      registry: tcomputeRegistry(),
      aminoTypes: tcomputeAminoTypes(),
    });
    /** Carol's amino-signed send of `amount` at `sequence`. */
    const signSend = (amount: string, sequence: number) =>
      client.sign(
        carol,
        [
          {
            typeUrl: "/cosmos.bank.v1beta1.MsgSend",
            value: { fromAddress: carol, toAddress: bob.address, amount: [{ denom: "utcu", amount }] },
          },
        ],
        { amount: [{ denom: "utcu", amount: "500" }], gas: "200000" },
        "",
        { accountNumber: 1n, sequence, chainId: chain.chainId },
      );
    const signed = await signSend("7", 0);
    const tx = TxRaw.encode(signed).finish();
    const rebuilt = (bodyBytes: Uint8Array, authInfoBytes: Uint8Array) =>
      TxRaw.encode({ bodyBytes, authInfoBytes, signatures: signed.signatures }).finish();
    const variants: Array<[string, Uint8Array]> = [
      // Neither is in the amino sign doc: the signature verifies on each.
      [
        "an unknown field in the body",
        rebuilt(Buffer.concat([signed.bodyBytes, Buffer.from([0xf8, 0x07, 0x01])]), signed.authInfoBytes),
      ],
      [
        "an unknown field in the auth info",
        rebuilt(signed.bodyBytes, Buffer.concat([signed.authInfoBytes, Buffer.from([0x38, 0x01])])),
      ],
    ];
    // The re-encodings decode to the same body and auth info.
    assert.deepEqual(TxBody.decode(TxRaw.decode(variants[0]![1]).bodyBytes), TxBody.decode(signed.bodyBytes));
    assert.deepEqual(
      AuthInfo.decode(TxRaw.decode(variants[1]![1]).authInfoBytes),
      AuthInfo.decode(signed.authInfoBytes),
    );
    for (const [name, variant] of variants) {
      const r = await chain.checkTx(variant);
      assert.ok(isNotCanonical(r), `${name}: ${r.code} ${r.log}`);
    }
    // The message's own bytes (the Any's value) are not in the amino sign doc either.
    const body = TxBody.decode(signed.bodyBytes);
    const any = body.messages[0]!;
    const msgVariant = rebuilt(
      TxBody.encode({
        ...body,
        messages: [{ typeUrl: any.typeUrl, value: Buffer.concat([any.value, Buffer.from([0x20, 0x01])]) }],
      }).finish(),
      signed.authInfoBytes,
    );
    const r = await chain.checkTx(msgVariant);
    assert.ok(isNotCanonical(r) && /message 0 \(\/cosmos.bank.v1beta1.MsgSend\)/.test(r.log), `${r.code} ${r.log}`);
    // Nor is the public key: an unknown field in it is refused, and so is leaving it out once
    // the account has it on record (both verified under a new hash before).
    const ai = AuthInfo.decode(signed.authInfoBytes);
    const pk = ai.signerInfos[0]!.publicKey!;
    const keyVariant = rebuilt(
      signed.bodyBytes,
      AuthInfo.encode({
        ...ai,
        signerInfos: [
          { ...ai.signerInfos[0]!, publicKey: { ...pk, value: Buffer.concat([pk.value, Buffer.from([0x10, 0x01])]) } },
        ],
      }).finish(),
    );
    const rk = await chain.checkTx(keyVariant);
    assert.ok(isNotCanonical(rk) && /public key/.test(rk.log), `${rk.code} ${rk.log}`);
    const ok = await chain.checkTx(tx);
    assert.equal(ok.code, 0, ok.log);
    assert.equal((await chain.deliver([tx])).txResults[0]!.code, 0);
    const next = await signSend("8", 1);
    const nai = AuthInfo.decode(next.authInfoBytes);
    const keyless = TxRaw.encode({
      ...next,
      authInfoBytes: AuthInfo.encode({
        ...nai,
        signerInfos: [{ ...nai.signerInfos[0]!, publicKey: undefined }],
      }).finish(),
    }).finish();
    const rl = await chain.checkTx(keyless);
    assert.equal(rl.code, 8, rl.log);
    assert.match(rl.log, /amino JSON, which does not sign the public key/);
    assert.equal((await chain.checkTx(TxRaw.encode(next).finish())).code, 0, "the tx as signed");
  });
});
