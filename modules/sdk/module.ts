import type { Context, Timestamp } from "./context.js";
import type { Codec } from "./proto.js";

/** What consensus tells the modules at the start of a block (from FinalizeBlock). */
export interface BeginBlockInfo {
  /** Each validator of the last commit's set, and whether its precommit is in the commit. */
  readonly lastCommit: ReadonlyArray<{ address: Uint8Array; power: bigint; signed: boolean }>;
  /** Double signs proven by evidence in this block, with the validator's power at the time. */
  readonly misbehavior: ReadonlyArray<{
    address: Uint8Array;
    power: bigint;
    height: bigint;
    time: Timestamp;
    totalPower: bigint;
  }>;
}

/** A message route: how to decode, check and execute one message type. */
export interface MsgRoute<M = unknown> {
  typeUrl: string;
  decode(bytes: Uint8Array): M;
  /**
   * The message's bytes as its codec writes what `decode` reads from them (Codec.reencode; for
   * cosmjs-types, `encode(decode(bytes))`): a tx signed with amino JSON, which does not sign
   * these bytes, is taken only when they come back equal (modules/auth/txForm.ts).
   */
  reencode(bytes: Uint8Array): Uint8Array;
  /** Addresses that must sign a tx carrying this message, in order. */
  signers(msg: M): string[];
  /** Stateless checks (the SDK's ValidateBasic); throws a CodedError. */
  validateBasic(msg: M): void;
  /** Executes the message; returns its response as an Any for TxMsgData. */
  handle(ctx: Context, msg: M): { typeUrl: string; value: Uint8Array };
}

/** A cosmjs-types message type: its encoder and decoder. */
export interface ProtoType<M> {
  encode(message: M): { finish(): Uint8Array };
  decode(bytes: Uint8Array): M;
}

/** MsgRoute.reencode for a cosmjs-types message: `encode(decode(bytes))` with one type for both. */
export function reencodeOf<M>(t: ProtoType<M>): (bytes: Uint8Array) => Uint8Array {
  return (bytes) => t.encode(t.decode(bytes)).finish();
}

/** A query handler for one gRPC-style path; request and response are protobuf bytes. */
export type QueryHandler = (ctx: Context, request: Uint8Array) => Uint8Array;

export interface ValidatorUpdate {
  /** ed25519 public key (32 bytes). */
  pubKey: Uint8Array;
  /** 0 removes the validator. */
  power: bigint;
}

/** A named check over the whole state; returns a list of broken conditions (empty if sound). */
export interface Invariant {
  name: string;
  check(ctx: Context): string[];
}

/**
 * What is known of a module without its keeper (the SDK's AppModuleBasic): its name, default
 * genesis, the codecs of its own messages and its module accounts. Genesis tools and clients use
 * it through modules/basics.ts, the one list of tcompute's modules.
 */
export interface ModuleBasics {
  readonly name: string;
  defaultGenesis(): unknown;
  /** Codecs of the module's tcompute messages (`/tcompute.<module>.v1.Msg...`), for client registries. */
  readonly msgCodecs: ReadonlyArray<Codec<unknown>>;
  /** Module accounts the module owns: they hold pooled coins and cannot receive user sends. */
  readonly moduleAccounts: readonly string[];
}

/**
 * The shape every module has (CONVENTIONS.md): messages, queries, genesis, block hooks,
 * invariants. Modules reach each other only through keeper interfaces passed at construction.
 */
export interface AppModule extends ModuleBasics {
  readonly msgs: ReadonlyArray<MsgRoute<unknown>>;
  readonly queries: Readonly<Record<string, QueryHandler>>;
  /** Throws a CodedError naming the first problem. */
  validateGenesis(genesis: unknown): void;
  initGenesis(ctx: Context, genesis: unknown): void;
  exportGenesis(ctx: Context): unknown;
  beginBlock?(ctx: Context, info: BeginBlockInfo): void;
  endBlock?(ctx: Context): ValidatorUpdate[] | void;
  readonly invariants: readonly Invariant[];
}
