import { createHash } from "node:crypto";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import type { Event } from "cosmjs-types/tendermint/abci/types";
import { runAnte, type AnteDeps } from "../../modules/auth/ante.js";
import type { Params as AuthParams } from "../../modules/auth/params.js";
import { decodeTx, type DecodedTx, type MsgRouter } from "../../modules/auth/tx.js";
import { Context, type BlockInfo, type ExecMode, type Logger } from "../../modules/sdk/context.js";
import { sdkErrors, toCodedError, type CodedError } from "../../modules/sdk/errors.js";
import { event } from "../../modules/sdk/events.js";
import { GasMeter } from "../../modules/sdk/gas.js";
import type { KVStore } from "../../modules/sdk/store.js";
import { BranchStore } from "../store/branchStore.js";

export interface TxOutcome {
  code: number;
  codespace: string;
  log: string;
  data: Uint8Array;
  gasWanted: bigint;
  gasUsed: bigint;
  events: Event[];
  /** Decoded tx, when decoding succeeded. */
  tx: DecodedTx | null;
  /** First signer and its sequence before this tx, when the ante handler passed. */
  sender: string;
  /** True when the ante handler passed: fee and sequence were taken even if a message failed. */
  antePassed: boolean;
}

export interface TxRunnerDeps {
  router: MsgRouter;
  /** Module name that owns a message type, for the `message.module` event attribute. */
  moduleOf: (typeUrl: string) => string;
  ante: AnteDeps;
  logger: Logger;
  /** Decodes a tx (through the node's decoded-tx cache); decodeTx when absent. */
  decode?: (bytes: Uint8Array, last: boolean) => DecodedTx;
}

function failure(
  err: CodedError,
  gasWanted: bigint,
  gasUsed: bigint,
  events: Event[],
  tx: DecodedTx | null,
  sender: string,
  antePassed: boolean,
): TxOutcome {
  return {
    code: err.code,
    codespace: err.codespace,
    log: err.message,
    data: new Uint8Array(),
    gasWanted,
    gasUsed,
    events,
    tx,
    sender,
    antePassed,
  };
}

/**
 * Runs one tx on `parent`: the ante handler under a checkpoint of it, the messages under a
 * second one (the SDK's tx and msg cache branches). A failing ante leaves no trace; failing
 * messages leave only the fee and sequence bump (the Cosmos rule).
 */
export function runTx(
  deps: TxRunnerDeps,
  mode: ExecMode,
  parent: KVStore,
  block: BlockInfo,
  authParams: AuthParams,
  bytes: Uint8Array,
  maxTxBytes: number,
): TxOutcome {
  if (bytes.length > maxTxBytes) {
    return failure(
      sdkErrors.txTooLarge.wrap(`tx is ${bytes.length} bytes, maximum is ${maxTxBytes}`),
      0n,
      0n,
      [],
      null,
      "",
      false,
    );
  }
  let tx: DecodedTx;
  try {
    tx = deps.decode !== undefined ? deps.decode(bytes, mode === "deliver") : decodeTx(bytes, deps.router);
  } catch (e) {
    return failure(toCodedError(e), 0n, 0n, [], null, "", false);
  }
  const gasWanted = tx.authInfo.fee?.gasLimit ?? 0n;
  const meter = new GasMeter(mode === "simulate" ? undefined : gasWanted);
  // The tx runs on its parent branch under a checkpoint, its messages under a second one: a
  // failing ante undoes everything, failing messages undo their own writes (BranchStore.revert).
  // A parent that is not a branch (tests) gets one, written to it only if the tx's writes stay.
  const own = !(parent instanceof BranchStore);
  const store = parent instanceof BranchStore ? parent : new BranchStore(parent);
  const cp = store.checkpoint();
  let keep = false;
  try {
    return execute();
  } finally {
    if (!keep) store.revert(cp);
    store.release(cp);
    if (own && keep) store.write();
  }

  function execute(): TxOutcome {
    const ctx = new Context(store, block, meter, mode, deps.logger);
    let sender: string;
    let signers: string[];
    try {
      signers = runAnte(ctx, tx, authParams, deps.ante).signers;
      sender = signers[0]!;
    } catch (e) {
      return failure(toCodedError(e), gasWanted, meter.consumed, [], tx, "", false);
    }
    const anteEvents = ctx.events.events;

    // Re-checking after a block only asks whether the tx is still admissible (sequence, fee): its
    // messages already ran at admission and will run again in the block.
    if (mode === "recheck") {
      keep = true;
      return {
        code: 0,
        codespace: "",
        log: "",
        data: new Uint8Array(),
        gasWanted,
        gasUsed: meter.consumed,
        events: [],
        tx,
        sender,
        antePassed: true,
      };
    }

    const msgCp = store.checkpoint();
    const msgCtx = ctx.withStore(store);
    const responses: Array<{ typeUrl: string; value: Uint8Array }> = [];
    try {
      for (let i = 0; i < tx.msgs.length; i++) {
        const { typeUrl, msg, route } = tx.msgs[i]!;
        const before = msgCtx.events.events.length;
        const msgSigners = route.signers(msg);
        const message = event("message", [
          ["action", typeUrl],
          ["sender", msgSigners[0] ?? sender],
          ["module", deps.moduleOf(typeUrl)],
        ]);
        message.attributes.push({ key: "msg_index", value: String(i), index: false });
        msgCtx.events.emit(message);
        responses.push(route.handle(msgCtx, msg));
        const evs = msgCtx.events.events;
        // msg_index says which message emitted an event; it is positional, so not indexed.
        for (let j = before + 1; j < evs.length; j++)
          evs[j]!.attributes.push({ key: "msg_index", value: String(i), index: false });
      }
    } catch (e) {
      const err = toCodedError(e);
      if (err.codespace === "undefined")
        deps.logger.error("message handler failed unexpectedly", {
          error: err.message,
          tx: createHash("sha256").update(tx.bytes).digest("hex"),
        });
      // Messages failed: their writes are dropped; in block execution the fee and sequence stay.
      store.revert(msgCp);
      keep = mode === "deliver";
      return failure(
        err,
        gasWanted,
        meter.consumed > gasWanted && mode !== "simulate" ? gasWanted : meter.consumed,
        mode === "deliver" ? anteEvents : [],
        tx,
        sender,
        true,
      );
    } finally {
      store.release(msgCp);
    }
    keep = true;
    return {
      code: 0,
      codespace: "",
      log: "",
      data: TxMsgData.encode({ data: [], msgResponses: responses }).finish(),
      gasWanted,
      gasUsed: meter.consumed,
      events: [...anteEvents, ...msgCtx.events.events],
      tx,
      sender,
      antePassed: true,
    };
  }
}
