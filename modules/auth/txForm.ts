import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { MultiSignature } from "cosmjs-types/cosmos/crypto/multisig/v1beta1/multisig";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import type { AuthInfo, SignerInfo, TxBody } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { sdkErrors } from "../sdk/errors.js";
import type { ProtoType } from "../sdk/module.js";
import { canonicalSchema, provablyCanonical, type CanonicalSchema } from "../sdk/protoCanonical.js";
import { authErrors } from "./errors.js";
import { multisigPubKeyTypeUrl, secp256k1PubKeyTypeUrl } from "./keeper.js";

// One form per tx (no malleability). CometBFT names a tx by the sha256 of its bytes, but a
// signature covers only part of them: SIGN_MODE_DIRECT signs body_bytes and auth_info_bytes,
// not the TxRaw around them; SIGN_MODE_LEGACY_AMINO_JSON signs a JSON rendering of the
// messages, fee, memo and timeout height, not the bytes, nor the public keys, mode infos or
// multisig signature encodings. Anyone relaying a tx could otherwise re-encode it, or change a
// part nobody signed, so that it still verifies under another hash, and get that copy committed
// first: the sender's client, polling its own hash, would never see the transfer that happened.
// So every tx is taken in one form only: each layer in its canonical encoding, what is signed by
// nobody fixed or refused. All checks here are stateless (decodeTx runs them once per tx).

/** Whether two byte strings are equal. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/**
 * `bytes` must be what `encode` gives back for the value decoded from them: fields in order,
 * minimal varints, no unknown or repeated fields, no default value written (the form cosmjs,
 * Keplr, the Go SDK and the SDK's client write).
 */
export function assertCanonical(what: string, bytes: Uint8Array, encode: () => Uint8Array): void {
  let again: Uint8Array;
  try {
    again = encode();
  } catch (e) {
    throw authErrors.txDecode.wrap(`malformed ${what}: ${(e as Error).message}`);
  }
  if (!sameBytes(again, bytes))
    throw authErrors.txDecode.wrap(
      `${what} is not in its canonical encoding (fields in order, minimal varints, no unknown, repeated or default-valued fields): re-encoding it would give the tx another hash under the same signature`,
    );
}

/**
 * `bytes` decoded as `type`, only when they are its canonical encoding (assertCanonical); sdk 2
 * ("malformed <what>") when they do not decode. With the type's `schema`, bytes the walk proves
 * canonical (modules/sdk/protoCanonical.ts) skip the re-encoding; any others are re-encoded and
 * compared, which decides.
 */
export function decodeCanonical<T>(what: string, bytes: Uint8Array, type: ProtoType<T>, schema?: CanonicalSchema): T {
  let value: T;
  try {
    value = type.decode(bytes);
  } catch (e) {
    throw authErrors.txDecode.wrap(`malformed ${what}: ${(e as Error).message}`);
  }
  if (schema === undefined || !provablyCanonical(bytes, schema))
    assertCanonical(what, bytes, () => type.encode(value).finish());
  return value;
}

// The layers of a tx in the shapes the walk vouches for (cosmos/tx/v1beta1/tx.proto; each
// generated encoder writes its fields in ascending field number). Left out, so always
// re-encoded when present: TxBody's timeout_timestamp and extension options and AuthInfo's tip
// (this chain refuses them anyway).
const coinSchema = canonicalSchema([
  [1, "string"],
  [2, "string"],
]);
const anySchema = canonicalSchema([
  [1, "string"],
  [2, "bytes"],
]);
const compactBitArraySchema = canonicalSchema([
  [1, "uint"],
  [2, "bytes"],
]);
const singleSchema = canonicalSchema([[1, "uint"]]);
const modeInfoSchema: CanonicalSchema = canonicalSchema([
  [1, "message", false, () => singleSchema],
  [2, "message", false, () => multiSchema],
]);
const multiSchema: CanonicalSchema = canonicalSchema([
  [1, "message", false, () => compactBitArraySchema],
  [2, "message", true, () => modeInfoSchema],
]);
const signerInfoSchema = canonicalSchema([
  [1, "message", false, () => anySchema],
  [2, "message", false, () => modeInfoSchema],
  [3, "uint"],
]);
const feeSchema = canonicalSchema([
  [1, "message", true, () => coinSchema],
  [2, "uint"],
  [3, "string"],
  [4, "string"],
]);
export const txRawSchema = canonicalSchema([
  [1, "bytes"],
  [2, "bytes"],
  [3, "bytes", true],
]);
export const txBodySchema = canonicalSchema([
  [1, "message", true, () => anySchema],
  [2, "string"],
  [3, "uint"],
  [4, "bool"],
]);
export const authInfoSchema = canonicalSchema([
  [1, "message", true, () => signerInfoSchema],
  [2, "message", false, () => feeSchema],
]);

/** Whether a signer signs with amino JSON (single, or as a multisig, whose members must). */
export function aminoSigner(si: SignerInfo): boolean {
  return si.modeInfo?.multi !== undefined || si.modeInfo?.single?.mode === SignMode.SIGN_MODE_LEGACY_AMINO_JSON;
}

/**
 * A public key's Any: each supported key type only in its canonical encoding. A multisig's
 * members must be secp256k1 keys (as the ante requires): no nesting, so no recursion whose depth
 * a tx would choose (a stack overflow at a depth that varies between nodes would split them).
 */
function assertCanonicalKey(what: string, pk: Any): void {
  if (pk.typeUrl === secp256k1PubKeyTypeUrl) decodeCanonical(what, pk.value, Secp256k1PubKey);
  else if (pk.typeUrl === multisigPubKeyTypeUrl) {
    for (const [j, member] of decodeCanonical(what, pk.value, LegacyAminoPubKey).publicKeys.entries()) {
      if (member.typeUrl !== secp256k1PubKeyTypeUrl)
        throw sdkErrors.invalidPubKey.wrap(`${what}: a LegacyAminoPubKey must hold secp256k1 keys only (key ${j})`);
      decodeCanonical(`${what}, key ${j}`, member.value, Secp256k1PubKey);
    }
  }
  // Any other type is refused by the ante (unsupported public key type).
}

/**
 * The parts of a decoded tx that no signature fixes, each held to one form: fields this chain
 * does not implement are refused rather than ignored (a signed expiry silently dropped would be
 * worse than a refusal); under amino JSON, the public keys, mode infos and multisig signatures.
 */
export function assertTxForm(body: TxBody, authInfo: AuthInfo, signatures: readonly Uint8Array[]): void {
  if (body.unordered || body.timeoutTimestamp !== undefined)
    throw sdkErrors.notSupported.wrap("unordered txs and timeout_timestamp are not supported: use timeout_height");
  if (authInfo.tip !== undefined) throw sdkErrors.notSupported.wrap("tips are not supported");
  for (const [i, si] of authInfo.signerInfos.entries()) {
    const m = si.modeInfo;
    if (m === undefined || (m.single === undefined) === (m.multi === undefined))
      throw authErrors.txDecode.wrap(`signer ${i}: mode_info must set exactly one of single and multi`);
    if (!aminoSigner(si)) continue;
    // Amino JSON does not sign the key: one form, present, in its canonical encoding.
    if (si.publicKey === undefined)
      throw sdkErrors.invalidPubKey.wrap(
        `signer ${i} signs with amino JSON, which does not sign the public key: the tx must carry it`,
      );
    assertCanonicalKey(`signer ${i}'s public key`, si.publicKey);
    if (m.multi !== undefined) {
      const sig = signatures[i];
      if (sig !== undefined) decodeCanonical(`signer ${i}'s multisig signature`, sig, MultiSignature);
      // Each member signs with amino JSON (the ante checks which mode): one branch set each.
      if (m.multi.modeInfos.some((mm) => mm.single === undefined || mm.multi !== undefined))
        throw authErrors.txDecode.wrap(`signer ${i}: each multisig member's mode_info must be single`);
      // The bit array's unused low bits (past extra_bits_stored in its last byte) are zero.
      const ba = m.multi.bitarray;
      const extra = ba?.extraBitsStored ?? 0;
      const last = ba?.elems[ba.elems.length - 1];
      if (ba !== undefined && extra > 0 && extra < 8 && last !== undefined && (last & ((1 << (8 - extra)) - 1)) !== 0)
        throw authErrors.txDecode.wrap(`signer ${i}: the multisig bit array sets bits past its length`);
    }
  }
}
