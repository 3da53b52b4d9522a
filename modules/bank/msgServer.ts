import { MsgMultiSend, MsgMultiSendResponse, MsgSend, MsgSendResponse } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { validateAddress } from "../sdk/address.js";
import { addCoins, coinsFromProto, formatCoins, frozenCoins, type Coin } from "../sdk/coins.js";
import { sdkErrors } from "../sdk/errors.js";
import { type MsgRoute, reencodeOf } from "../sdk/module.js";
import { bankErrors } from "./errors.js";
import type { BankKeeper } from "./keeper.js";

/**
 * A MsgSend's amount, parsed once per decoded message: validateBasic runs at every ante run of
 * the tx (CheckTx, re-check, the block) and handle at CheckTx and in the block, on the same
 * decoded message (the node's decoded-tx cache). The parse is a pure function of the message,
 * which nothing mutates; a parse that throws is not kept, so it throws each time as before.
 */
const sendAmounts = new WeakMap<MsgSend, readonly Coin[]>();
function sendAmount(m: MsgSend): readonly Coin[] {
  let coins = sendAmounts.get(m);
  if (coins === undefined) {
    coins = frozenCoins(coinsFromProto(m.amount));
    sendAmounts.set(m, coins);
  }
  return coins;
}

export function bankMsgRoutes(keeper: BankKeeper): MsgRoute<unknown>[] {
  const send: MsgRoute<MsgSend> = {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    decode: (b) => MsgSend.decode(b),
    reencode: reencodeOf(MsgSend),
    signers: (m) => [m.fromAddress],
    validateBasic(m) {
      validateAddress(m.fromAddress);
      validateAddress(m.toAddress);
      if (m.amount.length === 0) throw sdkErrors.invalidCoins.wrap("send amount must not be empty");
      sendAmount(m);
    },
    handle(ctx, m) {
      keeper.send(ctx, m.fromAddress, m.toAddress, sendAmount(m));
      return { typeUrl: "/cosmos.bank.v1beta1.MsgSendResponse", value: MsgSendResponse.encode({}).finish() };
    },
  };

  const multiSend: MsgRoute<MsgMultiSend> = {
    typeUrl: "/cosmos.bank.v1beta1.MsgMultiSend",
    decode: (b) => MsgMultiSend.decode(b),
    reencode: reencodeOf(MsgMultiSend),
    signers: (m) => m.inputs.map((i) => i.address),
    validateBasic(m) {
      // As SDK 0.47+: exactly one input, any number of outputs, sums equal.
      if (m.inputs.length === 0) throw bankErrors.noInputs.wrap();
      if (m.inputs.length > 1) throw bankErrors.multipleSenders.wrap();
      if (m.outputs.length === 0) throw bankErrors.noOutputs.wrap();
      const input = m.inputs[0]!;
      validateAddress(input.address);
      const inCoins = coinsFromProto(input.coins);
      if (inCoins.length === 0) throw sdkErrors.invalidCoins.wrap("input coins must not be empty");
      let outSum = coinsFromProto([]);
      for (const o of m.outputs) {
        validateAddress(o.address);
        const c = coinsFromProto(o.coins);
        if (c.length === 0) throw sdkErrors.invalidCoins.wrap("output coins must not be empty");
        outSum = addCoins(outSum, c);
      }
      if (formatCoins(outSum) !== formatCoins(inCoins)) throw bankErrors.inputOutputMismatch.wrap();
    },
    handle(ctx, m) {
      const input = m.inputs[0]!;
      const params = keeper.getParams(ctx.store);
      if (!params.defaultSendEnabled) throw bankErrors.sendDisabled.wrap();
      for (const o of m.outputs) keeper.send(ctx, input.address, o.address, coinsFromProto(o.coins));
      return { typeUrl: "/cosmos.bank.v1beta1.MsgMultiSendResponse", value: MsgMultiSendResponse.encode({}).finish() };
    },
  };

  return [send as MsgRoute<unknown>, multiSend as MsgRoute<unknown>];
}
