const p = "slashing/";

/** Store layout: params, signing info and the missed-blocks bitmap per consensus address (hex). */
export const keys = {
  params: `${p}params`,
  signingInfo: (consHex: string) => `${p}i/${consHex}`,
  signingInfoPrefix: `${p}i/`,
  /** Present when the validator missed the block at this index of its window. */
  missed: (consHex: string, index: bigint) => `${p}m/${consHex}/${index.toString().padStart(12, "0")}`,
  missedOf: (consHex: string) => `${p}m/${consHex}/`,
};
