import { createHash } from "node:crypto";
import "../../modules/sdk/protoRuntime.js";
import { createRequire } from "node:module";
import { toBech32 } from "@cosmjs/encoding";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";

// Fast offline signing with libsecp256k1 (the `secp256k1` addon): what the benchmark, the
// load generator and tests use to sign thousands of txs. Wallet flows use cosmjs instead.
const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1") as typeof import("secp256k1");

export interface RawKey {
  privKey: Uint8Array;
  /** Compressed, 33 bytes. */
  pubKey: Uint8Array;
  address: string;
}

export function rawKeyFromPrivKey(privKey: Uint8Array, prefix = "tc"): RawKey {
  if (!secp256k1.privateKeyVerify(privKey)) throw new Error("invalid secp256k1 private key");
  const pubKey = secp256k1.publicKeyCreate(privKey, true);
  const sha = createHash("sha256").update(pubKey).digest();
  const address = toBech32(prefix, createHash("ripemd160").update(sha).digest());
  return { privKey, pubKey, address };
}

/** A deterministic key from a seed phrase of any text: for tests and local load only. */
export function rawKeyFromSeed(seed: string): RawKey {
  return rawKeyFromPrivKey(createHash("sha256").update(`tcompute-test-key:${seed}`).digest());
}

export interface TxSpec {
  chainId: string;
  accountNumber: bigint;
  sequence: bigint;
  msgs: Any[];
  fee: { amount: Array<{ denom: string; amount: string }>; gasLimit: bigint };
  memo?: string;
  timeoutHeight?: bigint;
  /** Include the public key in the signer info (needed on an account's first tx; harmless later). */
  includePubKey?: boolean;
}

/** Encodes and signs a SIGN_MODE_DIRECT tx; returns TxRaw bytes ready to broadcast. */
export function signTx(key: RawKey, spec: TxSpec): Uint8Array {
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({ messages: spec.msgs, memo: spec.memo ?? "", timeoutHeight: spec.timeoutHeight ?? 0n }),
  ).finish();
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey:
            spec.includePubKey === false
              ? undefined
              : {
                  typeUrl: "/cosmos.crypto.secp256k1.PubKey",
                  value: Secp256k1PubKey.encode({ key: key.pubKey }).finish(),
                },
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: spec.sequence,
        },
      ],
      fee: { amount: spec.fee.amount, gasLimit: spec.fee.gasLimit, payer: "", granter: "" },
    }),
  ).finish();
  const signDoc = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: spec.chainId,
    accountNumber: spec.accountNumber,
  }).finish();
  const digest = createHash("sha256").update(signDoc).digest();
  const { signature } = secp256k1.ecdsaSign(digest, key.privKey);
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish();
}

export function txHash(tx: Uint8Array): string {
  return createHash("sha256").update(tx).digest("hex").toUpperCase();
}
