import { createHash, hash } from "node:crypto";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { pubkeyToRawAddress, type StdFee } from "@cosmjs/amino";
import { MultiSignature } from "cosmjs-types/cosmos/crypto/multisig/v1beta1/multisig";
import type { ModeInfo_Multi } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { encodeAddress, secp256k1Address } from "../sdk/address.js";
import { aminoSignBytes } from "../sdk/amino.js";
import { amountOf, coinsFromProto, formatCoins, frozenCoins, mulDecCeil, type Coin } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import { sdkErrors } from "../sdk/errors.js";
import { event } from "../sdk/events.js";
import { isAscii, smallUint, varintLength, writeAscii, writeVarint } from "../sdk/protoWire.js";
import { attributeKeys, eventTypes } from "./events.js";
import type { FeeBankKeeper, Secp256k1Verifier } from "./expectedKeepers.js";
import {
  decodeMultisig,
  encodeMultisig,
  multisigPubKeyTypeUrl,
  secp256k1PubKeyTypeUrl,
  type AccountKeeper,
  type MultisigKey,
} from "./keeper.js";
import type { Params } from "./params.js";
import { txSigners, type DecodedTx } from "./tx.js";

/**
 * The StdSignDoc bytes of a tx for one signer (SIGN_MODE_LEGACY_AMINO_JSON): its messages in amino
 * JSON, the fee as StdFee (payer and granter only when set), memo and timeout height.
 */
export function legacyAminoSignBytes(
  chainId: string,
  tx: DecodedTx,
  accountNumber: bigint,
  sequence: bigint,
): Uint8Array {
  const f = tx.authInfo.fee;
  const fee: StdFee = {
    amount: (f?.amount ?? []).map((c) => ({ denom: c.denom, amount: c.amount })),
    gas: (f?.gasLimit ?? 0n).toString(),
    ...(f?.granter !== undefined && f.granter !== "" ? { granter: f.granter } : {}),
    ...(f?.payer !== undefined && f.payer !== "" ? { payer: f.payer } : {}),
  };
  return aminoSignBytes({
    msgs: tx.body.messages,
    fee,
    chainId,
    memo: tx.body.memo,
    accountNumber,
    sequence,
    timeoutHeight: tx.body.timeoutHeight,
  });
}

/** The multisig key a signer info carries (checked against the address and the account's record). */
function multisigKeyOf(
  value: Uint8Array | undefined,
  account: { multisig?: MultisigKey },
  address: string,
  params: Params,
  index: number,
): MultisigKey {
  let key: MultisigKey;
  if (value === undefined) key = account.multisig!;
  else {
    try {
      key = decodeMultisig(value);
    } catch {
      throw sdkErrors.invalidPubKey.wrap("malformed LegacyAminoPubKey");
    }
  }
  if (key.pubKeys.length === 0 || key.pubKeys.some((k) => k.length !== 33))
    throw sdkErrors.invalidPubKey.wrap("a LegacyAminoPubKey must hold 33-byte secp256k1 keys only");
  if (key.threshold < 1 || key.threshold > key.pubKeys.length)
    throw sdkErrors.invalidPubKey.wrap(
      `multisig threshold ${key.threshold} must be between 1 and ${key.pubKeys.length}`,
    );
  if (BigInt(key.pubKeys.length) > params.txSigLimit)
    throw sdkErrors.tooManySignatures.wrap(`signatures: ${key.pubKeys.length}, limit: ${params.txSigLimit}`);
  const amino = {
    type: "tendermint/PubKeyMultisigThreshold",
    value: {
      threshold: String(key.threshold),
      pubkeys: key.pubKeys.map((k) => ({
        type: "tendermint/PubKeySecp256k1",
        value: Buffer.from(k).toString("base64"),
      })),
    },
  };
  if (encodeAddress(pubkeyToRawAddress(amino)) !== address)
    throw sdkErrors.invalidPubKey.wrap(`pubKey does not match signer address ${address} with signer index: ${index}`);
  if (
    account.multisig !== undefined &&
    Buffer.compare(Buffer.from(encodeMultisig(account.multisig)), Buffer.from(encodeMultisig(key))) !== 0
  ) {
    throw sdkErrors.invalidPubKey.wrap(`public key of ${address} differs from the one on record`);
  }
  return key;
}

/**
 * Checks a multisig signature: the bit array names which keys signed (as many bits as keys),
 * at least `threshold` of them, each with SIGN_MODE_LEGACY_AMINO_JSON over the account's
 * StdSignDoc. Returns the number of signatures checked (gas is charged per signature).
 */
function verifyMultisig(
  ctx: Context,
  tx: DecodedTx,
  multi: ModeInfo_Multi | undefined,
  sigBytes: Uint8Array,
  key: MultisigKey,
  accountNumber: bigint,
  sequence: bigint,
  deps: AnteDeps,
): number {
  if (multi === undefined || multi.bitarray === undefined)
    throw sdkErrors.notSupported.wrap("a multisig signer needs mode_info.multi");
  const { elems, extraBitsStored } = multi.bitarray;
  const bits = extraBitsStored === 0 ? elems.length * 8 : (elems.length - 1) * 8 + extraBitsStored;
  if (extraBitsStored > 7 || bits !== key.pubKeys.length)
    throw sdkErrors.unauthorized.wrap(`multisig bit array has ${bits} bits for ${key.pubKeys.length} keys`);
  const signed: number[] = [];
  for (let b = 0; b < bits; b++) if ((elems[b >> 3]! & (1 << (7 - (b & 7)))) !== 0) signed.push(b);
  let sigs: Uint8Array[];
  try {
    sigs = MultiSignature.decode(sigBytes).signatures;
  } catch {
    throw sdkErrors.unauthorized.wrap("malformed multisig signature");
  }
  if (sigs.length !== signed.length || multi.modeInfos.length !== signed.length)
    throw sdkErrors.unauthorized.wrap(
      `multisig: ${signed.length} bits set, ${sigs.length} signatures, ${multi.modeInfos.length} mode infos`,
    );
  if (signed.length < key.threshold)
    throw sdkErrors.unauthorized.wrap(`multisig: ${signed.length} signatures, threshold ${key.threshold}`);
  if (multi.modeInfos.some((m) => m.single?.mode !== SignMode.SIGN_MODE_LEGACY_AMINO_JSON))
    throw sdkErrors.notSupported.wrap("multisig members must sign with SIGN_MODE_LEGACY_AMINO_JSON");
  const digest = createHash("sha256")
    .update(legacyAminoSignBytes(ctx.chainId, tx, accountNumber, sequence))
    .digest();
  signed.forEach((b, j) => {
    const sig = sigs[j]!;
    if (sig.length !== 64 || !deps.verify(sig, digest, key.pubKeys[b]!)) {
      throw sdkErrors.unauthorized.wrap(
        `signature verification failed for multisig key ${b}; please verify account number (${accountNumber}) and chain-id (${ctx.chainId})`,
      );
    }
  });
  return signed.length;
}

/**
 * SignDoc.encode's bytes, written directly for an ASCII chain id and an account number below
 * 2^31 (the generated encoder formats the uint64 as a string and parses it back); the generated
 * encoder otherwise. modules/auth/test/accountCodec.test.ts checks that both give the same bytes.
 */
export function encodeSignDoc(
  bodyBytes: Uint8Array,
  authInfoBytes: Uint8Array,
  chainId: string,
  accountNumber: bigint,
): Uint8Array {
  return writeSignDoc((len) => new Uint8Array(len), bodyBytes, authInfoBytes, chainId, accountNumber);
}

/**
 * The sign doc is hashed at once and dropped: it is written into one reused buffer (a sign doc
 * is a few hundred bytes, above V8's 64-byte limit for typed arrays on the JS heap, so a fresh
 * one per tx costs a separate native allocation). The state machine is single-threaded and
 * nothing runs between the write and the hash.
 */
let signDocScratch = new Uint8Array(4096);
function scratch(len: number): Uint8Array {
  if (len > signDocScratch.length) signDocScratch = new Uint8Array(len * 2);
  return signDocScratch.subarray(0, len);
}

function writeSignDoc(
  alloc: (len: number) => Uint8Array,
  bodyBytes: Uint8Array,
  authInfoBytes: Uint8Array,
  chainId: string,
  accountNumber: bigint,
): Uint8Array {
  const n = smallUint(accountNumber);
  if (n < 0 || !isAscii(chainId)) return SignDoc.encode({ bodyBytes, authInfoBytes, chainId, accountNumber }).finish();
  const b = bodyBytes.length;
  const a = authInfoBytes.length;
  const c = chainId.length;
  const out = alloc(
    (b === 0 ? 0 : 1 + varintLength(b) + b) +
      (a === 0 ? 0 : 1 + varintLength(a) + a) +
      (c === 0 ? 0 : 1 + varintLength(c) + c) +
      (n === 0 ? 0 : 1 + varintLength(n)),
  );
  let p = 0;
  if (b !== 0) {
    out[p++] = 0x0a;
    p = writeVarint(out, p, b);
    out.set(bodyBytes, p);
    p += b;
  }
  if (a !== 0) {
    out[p++] = 0x12;
    p = writeVarint(out, p, a);
    out.set(authInfoBytes, p);
    p += a;
  }
  if (c !== 0) {
    out[p++] = 0x1a;
    p = writeVarint(out, p, c);
    p = writeAscii(out, p, chainId);
  }
  if (n !== 0) {
    out[p++] = 0x20;
    writeVarint(out, p, n);
  }
  return out;
}

/**
 * sha256 of the SIGN_MODE_DIRECT SignDoc (body, auth info, chain id, account number): it does
 * not depend on the sequence, so it is computed once per decoded tx and account.
 */
export function directSignDigest(tx: DecodedTx, chainId: string, accountNumber: bigint): Uint8Array {
  const key = `${chainId}/${accountNumber}`;
  const memo = (tx.derived.directDigests ??= new Map());
  let digest = memo.get(key);
  if (digest === undefined) {
    digest = hash("sha256", writeSignDoc(scratch, tx.bodyBytes, tx.authInfoBytes, chainId, accountNumber), "buffer");
    memo.set(key, digest);
  }
  return digest;
}

/** Base64 of bytes, read in place (Buffer.from(Uint8Array) would copy them first). */
function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

export interface AnteDeps {
  accounts: AccountKeeper;
  bank: FeeBankKeeper;
  verify: Secp256k1Verifier;
}

export interface AnteResult {
  signers: string[];
  fee: readonly Coin[];
  feePayer: string;
}

/**
 * The checks every tx passes before its messages run, in the SDK's ante order: basic
 * validity, gas for size, fee floor, then per signer the public key, sequence and signature,
 * the sequence bump and the fee deduction. Writes go to ctx.store; the caller keeps them even
 * when a message fails.
 */
export function runAnte(ctx: Context, tx: DecodedTx, params: Params, deps: AnteDeps): AnteResult {
  const { body, authInfo } = tx;
  const simulate = ctx.mode === "simulate";

  if (body.extensionOptions.length > 0 || body.nonCriticalExtensionOptions.length > 0) {
    throw sdkErrors.unknownExtensionOptions.wrap();
  }
  if (BigInt(body.memo.length) > params.maxMemoCharacters) {
    throw sdkErrors.memoTooLarge.wrap(
      `maximum number of characters is ${params.maxMemoCharacters} but received ${body.memo.length} characters`,
    );
  }
  if (body.timeoutHeight > 0n && ctx.height > body.timeoutHeight) {
    throw sdkErrors.txTimeoutHeight.wrap(`block height: ${ctx.height}, timeout height: ${body.timeoutHeight}`);
  }
  for (const [i, { msg, route }] of tx.msgs.entries()) {
    try {
      route.validateBasic(msg);
    } catch (e) {
      if (e instanceof Error) e.message = `message ${i}: ${e.message}`;
      throw e;
    }
  }

  const signers = txSigners(tx);
  if (signers.length === 0) throw sdkErrors.noSignatures.wrap("tx has no signers");
  if (BigInt(signers.length) > params.txSigLimit) {
    throw sdkErrors.tooManySignatures.wrap(`signatures: ${signers.length}, limit: ${params.txSigLimit}`);
  }
  if (tx.signatures.length !== signers.length) {
    throw sdkErrors.unauthorized.wrap(
      `wrong number of signatures; expected ${signers.length}, got ${tx.signatures.length}`,
    );
  }
  if (authInfo.signerInfos.length !== signers.length) {
    throw sdkErrors.unauthorized.wrap(
      `wrong number of signer info; expected ${signers.length}, got ${authInfo.signerInfos.length}`,
    );
  }

  ctx.gasMeter.consume(params.txSizeCostPerByte * BigInt(tx.bytes.length), "txSize");

  const feeInfo = authInfo.fee;
  const fee = (tx.derived.fee ??= frozenCoins(coinsFromProto(feeInfo?.amount ?? [])));
  const gasLimit = feeInfo?.gasLimit ?? 0n;
  if (feeInfo?.granter !== undefined && feeInfo.granter !== "") throw sdkErrors.notSupported.wrap("fee grants");
  const feePayer = feeInfo?.payer !== undefined && feeInfo.payer !== "" ? feeInfo.payer : signers[0]!;
  if (!signers.includes(feePayer)) throw sdkErrors.invalidRequest.wrap(`fee payer ${feePayer} is not a signer`);
  // Genesis txs pay no fee (as the SDK's gentxs, delivered before any fee can be set).
  if (!simulate && ctx.mode !== "genesis") {
    const required = mulDecCeil(gasLimit, params.minGasPrice);
    if (amountOf(fee, params.feeDenom) < required) {
      throw sdkErrors.insufficientFee.wrap(
        `got: ${formatCoins(fee) || "0" + params.feeDenom} required: ${required}${params.feeDenom}`,
      );
    }
  }

  for (let i = 0; i < signers.length; i++) {
    const address = signers[i]!;
    const info = authInfo.signerInfos[i]!;
    const account = deps.accounts.getAccount(ctx.store, address);
    if (account === null) throw sdkErrors.unknownAddress.wrap(`account ${address} not found`);

    if (
      info.publicKey?.typeUrl === multisigPubKeyTypeUrl ||
      (info.publicKey === undefined && account.multisig !== undefined)
    ) {
      const multisig = multisigKeyOf(info.publicKey?.value, account, address, params, i);
      if (info.sequence !== account.sequence) {
        throw sdkErrors.wrongSequence.wrap(
          `account sequence mismatch, expected ${account.sequence}, got ${info.sequence}`,
          { expected: account.sequence, got: info.sequence },
        );
      }
      if (!simulate && ctx.mode !== "recheck") {
        const used = verifyMultisig(
          ctx,
          tx,
          info.modeInfo?.multi,
          tx.signatures[i]!,
          multisig,
          account.accountNumber,
          account.sequence,
          deps,
        );
        ctx.gasMeter.consume(params.sigVerifyCostSecp256k1 * BigInt(used), "ante verify: multisig");
      } else ctx.gasMeter.consume(params.sigVerifyCostSecp256k1 * BigInt(multisig.threshold), "ante verify: multisig");
      deps.accounts.setAccount(ctx.store, { ...account, pubKey: null, multisig, sequence: account.sequence + 1n });
      ctx.events.emit(event(eventTypes.tx, [[attributeKeys.accSeq, `${address}/${account.sequence}`]]));
      ctx.events.emit(event(eventTypes.tx, [[attributeKeys.signature, base64(tx.signatures[i]!)]], false));
      continue;
    }
    if (account.multisig !== undefined)
      throw sdkErrors.invalidPubKey.wrap(`${address} is a multisig account: sign with its LegacyAminoPubKey`);

    let pubKey = account.pubKey;
    if (info.publicKey !== undefined) {
      if (info.publicKey.typeUrl !== secp256k1PubKeyTypeUrl) {
        throw sdkErrors.invalidPubKey.wrap(`unsupported public key type ${info.publicKey.typeUrl}`);
      }
      let key: Uint8Array;
      try {
        key = Secp256k1PubKey.decode(info.publicKey.value).key;
      } catch {
        throw sdkErrors.invalidPubKey.wrap("malformed secp256k1 public key");
      }
      if (key.length !== 33)
        throw sdkErrors.invalidPubKey.wrap(`secp256k1 public key must be 33 bytes, got ${key.length}`);
      if (secp256k1Address(key) !== address) {
        throw sdkErrors.invalidPubKey.wrap(`pubKey does not match signer address ${address} with signer index: ${i}`);
      }
      if (pubKey !== null && Buffer.compare(Buffer.from(pubKey), Buffer.from(key)) !== 0) {
        throw sdkErrors.invalidPubKey.wrap(`public key of ${address} differs from the one on record`);
      }
      pubKey = key;
    }
    if (pubKey === null && !simulate) throw sdkErrors.invalidPubKey.wrap(`pubkey on account ${address} is not set`);

    if (info.sequence !== account.sequence) {
      throw sdkErrors.wrongSequence.wrap(
        `account sequence mismatch, expected ${account.sequence}, got ${info.sequence}`,
        {
          expected: account.sequence,
          got: info.sequence,
        },
      );
    }

    ctx.gasMeter.consume(params.sigVerifyCostSecp256k1, "ante verify: secp256k1");
    if (!simulate && ctx.mode !== "recheck") {
      const mode = info.modeInfo?.single?.mode;
      let digest: Uint8Array;
      if (mode === SignMode.SIGN_MODE_DIRECT) {
        digest = directSignDigest(tx, ctx.chainId, account.accountNumber);
      } else if (mode === SignMode.SIGN_MODE_LEGACY_AMINO_JSON) {
        digest = createHash("sha256")
          .update(legacyAminoSignBytes(ctx.chainId, tx, account.accountNumber, account.sequence))
          .digest();
      } else {
        throw sdkErrors.notSupported.wrap(
          `sign mode ${String(mode)}; SIGN_MODE_DIRECT and SIGN_MODE_LEGACY_AMINO_JSON are accepted`,
        );
      }
      const sig = tx.signatures[i]!;
      if (sig.length !== 64 || !deps.verify(sig, digest, pubKey!)) {
        throw sdkErrors.unauthorized.wrap(
          `signature verification failed; please verify account number (${account.accountNumber}) and chain-id (${ctx.chainId})`,
        );
      }
    }

    deps.accounts.setAccount(ctx.store, { ...account, pubKey, sequence: account.sequence + 1n });
    ctx.events.emit(event(eventTypes.tx, [[attributeKeys.accSeq, `${address}/${account.sequence}`]]));
    // Signatures are unique and never searched for: kept in the event, left out of the index.
    ctx.events.emit(event(eventTypes.tx, [[attributeKeys.signature, base64(tx.signatures[i]!)]], false));
  }

  if (fee.length > 0) deps.bank.deductFee(ctx, feePayer, fee);
  // Simulated txs carry no fee; move a zero fee anyway so that the estimate includes the
  // store reads and writes the real fee transfer will cost.
  else if (simulate) deps.bank.deductFee(ctx, feePayer, [{ denom: params.feeDenom, amount: 0n }]);
  ctx.events.emit(
    event(eventTypes.tx, [
      [attributeKeys.fee, formatCoins(fee)],
      [attributeKeys.feePayer, feePayer],
    ]),
  );
  return { signers, fee, feePayer };
}
