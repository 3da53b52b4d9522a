// Typed errors with a stable numeric code inside a codespace, as in the Cosmos SDK's
// types/errors: a code once released never changes meaning. Handlers throw these; the app
// turns them into (codespace, code, log) on the tx result. `throw new Error` is kept for
// programmer bugs, which the app reports as an internal error without changing state.

export class CodedError extends Error {
  constructor(
    readonly codespace: string,
    readonly code: number,
    message: string,
    readonly meta: Readonly<Record<string, string | number | bigint | boolean>> = {},
  ) {
    super(message);
    this.name = "CodedError";
  }

  /** Same error class (codespace and code), another message. */
  is(other: ErrorClass): boolean {
    return this.codespace === other.codespace && this.code === other.code;
  }
}

export interface ErrorClass {
  readonly codespace: string;
  readonly code: number;
  readonly description: string;
  /** `description: detail`, as the SDK's errors.Wrap prints it. */
  wrap(detail?: string, meta?: Record<string, string | number | bigint | boolean>): CodedError;
}

const registered = new Map<string, ErrorClass>();

export function registerError(codespace: string, code: number, description: string): ErrorClass {
  const id = `${codespace}:${code}`;
  if (registered.has(id)) throw new Error(`error ${id} registered twice`);
  if (code === 0) throw new Error("code 0 means success and cannot be an error");
  const cls: ErrorClass = {
    codespace,
    code,
    description,
    wrap(detail, meta) {
      const message = detail === undefined || detail === "" ? description : `${detail}: ${description}`;
      return new CodedError(codespace, code, message, meta ?? {});
    },
  };
  registered.set(id, cls);
  return cls;
}

/** The SDK's root codespace; codes and descriptions match cosmos-sdk types/errors. */
export const RootCodespace = "sdk";
export const sdkErrors = {
  txDecode: registerError(RootCodespace, 2, "tx parse error"),
  invalidSequence: registerError(RootCodespace, 3, "invalid sequence"),
  unauthorized: registerError(RootCodespace, 4, "unauthorized"),
  insufficientFunds: registerError(RootCodespace, 5, "insufficient funds"),
  unknownRequest: registerError(RootCodespace, 6, "unknown request"),
  invalidAddress: registerError(RootCodespace, 7, "invalid address"),
  invalidPubKey: registerError(RootCodespace, 8, "invalid pubkey"),
  unknownAddress: registerError(RootCodespace, 9, "unknown address"),
  invalidCoins: registerError(RootCodespace, 10, "invalid coins"),
  outOfGas: registerError(RootCodespace, 11, "out of gas"),
  memoTooLarge: registerError(RootCodespace, 12, "memo too large"),
  insufficientFee: registerError(RootCodespace, 13, "insufficient fee"),
  tooManySignatures: registerError(RootCodespace, 14, "maximum number of signatures exceeded"),
  noSignatures: registerError(RootCodespace, 15, "no signatures supplied"),
  invalidRequest: registerError(RootCodespace, 18, "invalid request"),
  txInMempoolCache: registerError(RootCodespace, 19, "tx already in mempool"),
  mempoolIsFull: registerError(RootCodespace, 20, "mempool is full"),
  txTooLarge: registerError(RootCodespace, 21, "tx too large"),
  keyNotFound: registerError(RootCodespace, 22, "key not found"),
  invalidSigner: registerError(RootCodespace, 24, "tx intended signer does not match the given signer"),
  invalidHeight: registerError(RootCodespace, 26, "invalid height"),
  invalidChainId: registerError(RootCodespace, 28, "invalid chain-id"),
  invalidType: registerError(RootCodespace, 29, "invalid type"),
  txTimeoutHeight: registerError(RootCodespace, 30, "tx timeout height"),
  unknownExtensionOptions: registerError(RootCodespace, 31, "unknown extension options defined"),
  wrongSequence: registerError(RootCodespace, 32, "incorrect account sequence"),
  logic: registerError(RootCodespace, 35, "internal logic error"),
  notSupported: registerError(RootCodespace, 37, "feature not supported"),
  notFound: registerError(RootCodespace, 38, "not found"),
  invalidGasLimit: registerError(RootCodespace, 41, "invalid gas limit"),
  panic: registerError("undefined", 111222, "panic"),
} as const;

/** Normalises anything thrown inside the state machine into a CodedError. */
export function toCodedError(err: unknown): CodedError {
  if (err instanceof CodedError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return sdkErrors.panic.wrap(message);
}
