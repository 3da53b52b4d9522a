import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { authErrors } from "./errors.js";
import type { Coin } from "../sdk/coins.js";
import type { MsgRoute } from "../sdk/module.js";

/** A Cosmos tx decoded once, keeping the exact bytes that were signed. */
export interface DecodedTx {
  bytes: Uint8Array;
  bodyBytes: Uint8Array;
  authInfoBytes: Uint8Array;
  signatures: Uint8Array[];
  body: TxBody;
  authInfo: AuthInfo;
  msgs: Array<{ typeUrl: string; msg: unknown; route: MsgRoute<unknown> }>;
  /**
   * Pure functions of the bytes above, computed once per decoded tx (a node keeps the decoded
   * tx from pre-check through CheckTx to FinalizeBlock): the required signers, and the
   * SIGN_MODE_DIRECT sign-doc digest per `chainId/accountNumber`, the fee's coins (parsed and
   * validated; frozen, as they are shared by every run of the tx).
   */
  readonly derived: { signers?: string[]; directDigests?: Map<string, Uint8Array>; fee?: readonly Coin[] };
}

export type MsgRouter = (typeUrl: string) => MsgRoute<unknown> | undefined;

function decodeOrThrow<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw authErrors.txDecode.wrap(`malformed ${what}: ${(e as Error).message}`);
  }
}

/** Whether two byte strings are equal. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/**
 * `bytes` must be what `encode` gives back for the value decoded from them: fields in order,
 * minimal varints, no unknown, repeated or default-valued fields. A signature covers only parts
 * of a tx (SIGN_MODE_DIRECT: body_bytes and auth_info_bytes, not the TxRaw around them;
 * SIGN_MODE_LEGACY_AMINO_JSON: a JSON rendering, not even those), and CometBFT names a tx by
 * the sha256 of all its bytes. Without this, anyone relaying a tx could re-encode it so that
 * it verifies under another hash and get that copy committed first: the sender's client, waiting
 * for its own hash, would never see the transfer that happened. The SDK's encoders (cosmjs,
 * Keplr, the Go SDK) all write this encoding.
 */
function assertCanonical(what: string, bytes: Uint8Array, encode: () => Uint8Array): void {
  if (!sameBytes(encode(), bytes))
    throw authErrors.txDecode.wrap(
      `${what} is not in its canonical encoding (fields in order, minimal varints, no unknown or repeated fields): re-encoding it would give the tx another hash under the same signature`,
    );
}

/**
 * Decodes TxRaw, TxBody and AuthInfo, each only in its canonical encoding (assertCanonical), and
 * resolves every message; code 2 on any problem.
 */
export function decodeTx(bytes: Uint8Array, router: MsgRouter): DecodedTx {
  if (bytes.length === 0) throw authErrors.txDecode.wrap("empty tx");
  const raw = decodeOrThrow("TxRaw", () => TxRaw.decode(bytes));
  assertCanonical("TxRaw", bytes, () => TxRaw.encode(raw).finish());
  const body = decodeOrThrow("TxBody", () => TxBody.decode(raw.bodyBytes));
  assertCanonical("TxBody", raw.bodyBytes, () => TxBody.encode(body).finish());
  const authInfo = decodeOrThrow("AuthInfo", () => AuthInfo.decode(raw.authInfoBytes));
  assertCanonical("AuthInfo", raw.authInfoBytes, () => AuthInfo.encode(authInfo).finish());
  if (body.messages.length === 0) throw authErrors.invalidRequest.wrap("must contain at least one message");
  // Amino JSON signs the messages' JSON, not their bytes: then each message must be canonical too.
  const aminoSigned = authInfo.signerInfos.some(
    (si) => si.modeInfo?.multi !== undefined || si.modeInfo?.single?.mode === SignMode.SIGN_MODE_LEGACY_AMINO_JSON,
  );
  const msgs = body.messages.map((any, i) => {
    const route = router(any.typeUrl);
    if (route === undefined)
      throw authErrors.txDecode.wrap(`unable to resolve type URL ${any.typeUrl}`, { msgIndex: i });
    const msg = decodeOrThrow(`message ${i} (${any.typeUrl})`, () => route.decode(any.value));
    if (aminoSigned) assertCanonical(`message ${i} (${any.typeUrl})`, any.value, () => route.reencode(any.value));
    return { typeUrl: any.typeUrl, msg, route };
  });
  return {
    bytes,
    bodyBytes: raw.bodyBytes,
    authInfoBytes: raw.authInfoBytes,
    signatures: raw.signatures,
    body,
    authInfo,
    msgs,
    derived: {},
  };
}

/** The required signers: each message's signers, first appearance first (the SDK's GetSigners). */
export function txSigners(tx: DecodedTx): string[] {
  if (tx.derived.signers !== undefined) return tx.derived.signers;
  const seen = new Set<string>();
  const out: string[] = [];
  for (const { msg, route } of tx.msgs) {
    for (const s of route.signers(msg)) {
      if (!seen.has(s)) {
        seen.add(s);
        out.push(s);
      }
    }
  }
  tx.derived.signers = out;
  return out;
}
