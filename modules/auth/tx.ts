import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { authErrors } from "./errors.js";
import {
  aminoSigner,
  assertCanonical,
  assertTxForm,
  authInfoSchema,
  decodeCanonical,
  txBodySchema,
  txRawSchema,
} from "./txForm.js";
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

/**
 * Decodes TxRaw, TxBody and AuthInfo, each only in its canonical encoding and one form
 * (txForm.ts: no malleability), and resolves every message; code 2 on any problem (37 for what
 * this chain does not support, 8 for an amino signer without its public key).
 */
export function decodeTx(bytes: Uint8Array, router: MsgRouter): DecodedTx {
  if (bytes.length === 0) throw authErrors.txDecode.wrap("empty tx");
  const raw = decodeCanonical("TxRaw", bytes, TxRaw, txRawSchema);
  const body = decodeCanonical("TxBody", raw.bodyBytes, TxBody, txBodySchema);
  const authInfo = decodeCanonical("AuthInfo", raw.authInfoBytes, AuthInfo, authInfoSchema);
  assertTxForm(body, authInfo, raw.signatures);
  if (body.messages.length === 0) throw authErrors.invalidRequest.wrap("must contain at least one message");
  // Amino JSON signs the messages' JSON, not their bytes: then each message must be canonical too.
  const aminoSigned = authInfo.signerInfos.some(aminoSigner);
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
