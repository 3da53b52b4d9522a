// Store prefixes of the bank module; only ever added, never renumbered.
export const keys = {
  /** address, denom -> amount (decimal) */
  balance: (addr: string, denom: string) => `bank/b/${addr}/${denom}`,
  balancesOf: (addr: string) => `bank/b/${addr}/`,
  balancePrefix: "bank/b/",
  /** denom -> total supply (decimal) */
  supply: (denom: string) => `bank/s/${denom}`,
  supplyPrefix: "bank/s/",
  /** denom -> Metadata (cosmos.bank.v1beta1 protobuf) */
  metadata: (denom: string) => `bank/m/${denom}`,
  metadataPrefix: "bank/m/",
  /** -> Params (cosmos.bank.v1beta1 protobuf) */
  params: "bank/p",
} as const;
