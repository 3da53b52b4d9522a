import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { DirectSecp256k1Wallet, type EncodeObject } from "@cosmjs/proto-signing";
import type { DeliverTxResponse } from "@cosmjs/stargate";
import { registerModel, registerProviders, type Send } from "../../../chain/testkit/providers.js";
import { jobsCodecs } from "../../../modules/jobs/index.js";
import type { Input, MsgSubmitJob } from "../../../modules/jobs/types.js";
import type { ZooModel } from "../../models/zoo.js";
import { TcomputeClient } from "../../sdk/client.js";
import { tcomputeRegistry } from "../../sdk/registry.js";
import type { RawKey } from "../../sdk/signing.js";

// The set-up the worker tests share, against a node they reach over RPC: the zoo model and the
// one provider that serves it (chain/testkit/providers.ts's messages, sent through cosmjs), and
// the k = 1 job they submit. A test names only what it changes.

/** Signs and broadcasts msgs with cosmjs; fails the test unless the tx succeeded. */
export type CosmSend = (key: RawKey, msgs: EncodeObject[]) => Promise<DeliverTxResponse>;

/** A CosmSend through the SDK's signing client, one connection a send, to the node at `rpcUrl()`. */
export const sdkSend =
  (rpcUrl: () => string): CosmSend =>
  async (key, msgs) => {
    const c = await TcomputeClient.connectWithSigner(rpcUrl(), await DirectSecp256k1Wallet.fromKey(key.privKey, "tc"));
    const res = await c.signing.signAndBroadcast(key.address, msgs, 1.5);
    c.disconnect();
    assert.equal(res.code, 0, res.rawLog);
    return res;
  };

const registry = tcomputeRegistry();

/** providers.ts's Send over a cosmjs send: each encoded message handed over as the object the tcompute registry encodes. */
export const anySend =
  (send: CosmSend): Send =>
  (key, msgs) =>
    send(
      key,
      msgs.map((a) => ({ typeUrl: a.typeUrl, value: registry.decode(a) as unknown })),
    );

/**
 * `owner` registers the 64-in, 32-out zoo model `m` (hash `hash`, served from `modelFile`), and
 * `provider` serves it on one CPU with 2 slots, its X25519 key `x25519Pubkey` and a bond of `bond`.
 */
export async function registerZooMarket(
  send: CosmSend,
  o: {
    m: ZooModel;
    hash: string;
    modelFile: string;
    owner: RawKey;
    provider: RawKey;
    moniker: string;
    x25519Pubkey: Uint8Array;
    bond: bigint;
  },
): Promise<void> {
  await registerModel(anySend(send), o.owner, o.hash, {
    name: o.m.name,
    inputs: [{ name: "x", dtype: "float32", shape: [-1, 64] }],
    outputs: [{ name: "y", dtype: "float32", shape: [-1, 32] }],
    rule: o.m.rule,
    uri: pathToFileURL(o.modelFile).href,
  });
  await registerProviders(anySend(send), [o.provider], {
    moniker: o.moniker,
    gpus: [{ vendor: "cpu", model: "x86-64", memoryMib: 8192, count: 1 }],
    models: [o.hash],
    slots: 2,
    x25519Pubkey: o.x25519Pubkey,
    bond: o.bond,
  });
}

/** MsgSubmitJob: a k = 1 public job of `requester` on `model`, 5utcu a unit, 100 blocks; `over` changes any field. */
export function submitJobMsg(
  requester: RawKey,
  model: string,
  inputs: Input[],
  over: Partial<MsgSubmitJob> = {},
): EncodeObject {
  const value: MsgSubmitJob = {
    requester: requester.address,
    model,
    inputs,
    sealed: [],
    k: 1,
    maxPricePerUnit: "5utcu",
    deadlineBlocks: "100",
    minReputation: 0,
    gpu: null,
    ...over,
  };
  return { typeUrl: jobsCodecs.msgSubmitJob.typeUrl, value };
}

/** The id of the (first) job a MsgSubmitJob tx created. */
export const submittedId = (res: DeliverTxResponse): string =>
  jobsCodecs.msgSubmitJobResponse.decode(res.msgResponses[0]!.value).ids[0]!;
