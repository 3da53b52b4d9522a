import type { Any } from "cosmjs-types/google/protobuf/any";
import type { RawKey } from "../../client/sdk/signing.js";
import {
  codecs as registryCodecs,
  type Gpu,
  type MsgRegisterModel,
  type MsgRegisterProvider,
  type TensorSpec,
} from "../../modules/registry/types.js";
import { any } from "./fixtures.js";

// The market set-up most module and client tests start from: a model registered by its owner and
// k providers serving it, each through its own real transaction. The defaults are what those
// tests used; a test names only what it changes.

/** One NVIDIA T4, the default provider's hardware. */
export const t4: Gpu[] = [{ vendor: "nvidia", model: "T4", memoryMib: 16384, count: 1 }];

/** A 16-float input and a 64-float output: the "mlp" models of the jobs tests. */
export const mlpShapes: { inputs: TensorSpec[]; outputs: TensorSpec[] } = {
  inputs: [{ name: "x", dtype: "float32", shape: [-1, 16] }],
  outputs: [{ name: "y", dtype: "float32", shape: [-1, 64] }],
};

/** Any bytes in, 64 floats out: the models simulated workers answer for any input. */
export const bytesShapes: { inputs: TensorSpec[]; outputs: TensorSpec[] } = {
  inputs: [{ name: "x", dtype: "uint8", shape: [-1] }],
  outputs: [{ name: "y", dtype: "float32", shape: [64] }],
};

/** A model's fields besides owner and hash; defaults: "mlp", mlpShapes, 10 units, sketch 16 / tolerance 1000, no uri. */
export type ModelSpec = Partial<Omit<MsgRegisterModel, "owner" | "hash">>;

export function registerModelMsg(owner: RawKey, hash: string, spec: ModelSpec = {}): Any {
  return any(
    registryCodecs.msgRegisterModel.typeUrl,
    registryCodecs.msgRegisterModel.encode({
      owner: owner.address,
      hash,
      name: "mlp",
      ...mlpShapes,
      computeUnits: "10",
      rule: { sketchSize: 16, tolerance: 1000, topK: 0 },
      uri: "",
      ...spec,
    }),
  );
}

/**
 * A provider's offer and bond; defaults for the i-th provider: moniker `p{i}`, one T4, no models,
 * 5utcu per unit, 1 slot, an x25519 key of 32 bytes i+1, no endpoint, a bond of 20 TCU.
 */
export type ProviderSpec = Partial<Omit<MsgRegisterProvider, "owner" | "bond">> & { bond?: bigint | string };

export function registerProviderMsg(key: RawKey, i: number, spec: ProviderSpec = {}): Any {
  const { bond, ...offer } = spec;
  return any(
    registryCodecs.msgRegisterProvider.typeUrl,
    registryCodecs.msgRegisterProvider.encode({
      owner: key.address,
      moniker: `p${i}`,
      gpus: t4,
      models: [],
      pricePerUnit: "5utcu",
      slots: 1,
      x25519Pubkey: new Uint8Array(32).fill(i + 1),
      endpoint: "",
      ...offer,
      bond: (bond ?? 20_000_000n).toString(),
    }),
  );
}

/** Sends msgs signed by key in one tx and asserts it succeeded (fixtures' txHelpers `ok`). */
export type Send = (key: RawKey, msgs: Any[]) => Promise<unknown>;

/** Registers a model through its owner's tx; returns its hash. */
export async function registerModel(send: Send, owner: RawKey, hash: string, spec: ModelSpec = {}): Promise<string> {
  await send(owner, [registerModelMsg(owner, hash, spec)]);
  return hash;
}

/**
 * Registers each key as a provider, one tx each in order: `spec` for all of them, `each(i)` over
 * it for the i-th. Returns the keys.
 */
export async function registerProviders(
  send: Send,
  keys: readonly RawKey[],
  spec: ProviderSpec = {},
  each: (i: number) => ProviderSpec = () => ({}),
): Promise<readonly RawKey[]> {
  for (const [i, key] of keys.entries()) await send(key, [registerProviderMsg(key, i, { ...spec, ...each(i) })]);
  return keys;
}
