import { keyPart } from "../sdk/store.js";

const p = "registry/";

export const keys = {
  params: `${p}params`,
  // hash -> Model
  model: (hash: string) => `${p}m/${hash}`,
  modelPrefix: `${p}m/`,
  // (name, owner) -> hash: names are per owner (the name hex-encoded, so that "a" and "a/b"
  // never share a prefix); listing one name's owners is a prefix scan
  modelByName: (name: string, owner: string) => `${p}mn/${Buffer.from(name, "utf8").toString("hex")}/${keyPart(owner)}`,
  modelOwnersOfName: (name: string) => `${p}mn/${Buffer.from(name, "utf8").toString("hex")}/`,
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
