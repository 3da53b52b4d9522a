import { keyPart } from "../sdk/store.js";

const p = "registry/";

export const keys = {
  params: `${p}params`,
  // hash -> Model
  model: (hash: string) => `${p}m/${hash}`,
  modelPrefix: `${p}m/`,
  // name -> hash (names are unique)
  modelByName: (name: string) => `${p}mn/${keyPart(name)}`,
  // owner -> Provider
  provider: (owner: string) => `${p}p/${owner}`,
  providerPrefix: `${p}p/`,
  // (model hash, owner) -> "" : providers serving a model
  providerByModel: (hash: string, owner: string) => `${p}pm/${hash}/${owner}`,
  providersByModel: (hash: string) => `${p}pm/${hash}/`,
  // (completion seconds, owner) -> "" : bonds to return
  unbondingQueue: (seconds: bigint, owner: string) => `${p}uq/${seconds.toString().padStart(20, "0")}/${owner}`,
  unbondingQueuePrefix: `${p}uq/`,
};
