// Store prefixes of the auth module; only ever added, never renumbered.
export const keys = {
  /** address -> BaseAccount (cosmos.auth.v1beta1 protobuf) */
  account: (addr: string) => `auth/a/${addr}`,
  accountPrefix: "auth/a/",
  /** -> next account number (decimal) */
  nextAccountNumber: "auth/n",
  /** -> Params (standard cosmos.auth.v1beta1.Params) */
  params: "auth/p",
  /** -> FeeParams (min gas price, fee denom) */
  feeParams: "auth/f",
} as const;
