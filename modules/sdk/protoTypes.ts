import type Long from "long";
import type { Codec } from "./proto.js";

// Types generated from the .proto files (./generated/protos.d.ts, by pbts) describe messages in
// protobufjs's own terms (every field optional in properties, 64-bit numbers as number | Long).
// `Wire<M>` turns a generated message type into the codecs' conventions (modules/sdk/proto.ts:
// decoded objects carry every field; 64-bit numbers are decimal strings; sub-messages are
// `T | null`; enums numbers), so that the modules' interfaces can be checked against it at
// compile time: a field added, removed, renamed or retyped in a .proto (and regenerated, which
// CI enforces) breaks the type check until the interface follows.

type Scalar<X> = [X] extends [Uint8Array]
  ? Uint8Array
  : [X] extends [string]
    ? string
    : [X] extends [boolean]
      ? boolean
      : [X] extends [number]
        ? number
        : [Long] extends [X]
          ? string
          : null;

type Field<X> = [X] extends [ReadonlyArray<infer E>] ? Elem<E>[] : Scalar<X> extends null ? Wire<X> | null : Scalar<X>;
type Elem<E> = Scalar<E> extends null ? Wire<E> : Scalar<E>;

/** A generated message (class or its $Properties) in the codecs' conventions. */
export type Wire<M> = {
  [K in keyof M as K extends "$unknowns" ? never : M[K] extends (...args: never[]) => unknown ? never : K]-?: Field<
    Exclude<M[K], null | undefined>
  >;
};

/** T with every optional field, at any depth, taken as set (decoding always sets them). */
type Settled<T> = [T] extends [Uint8Array]
  ? T
  : [T] extends [ReadonlyArray<infer E>]
    ? Settled<E>[]
    : T extends object
      ? { [K in keyof T]-?: Settled<Exclude<T[K], undefined>> }
      : T;

/**
 * true when T (a module's interface, optional fields taken as set) has exactly the fields of the
 * generated message M, each of a type the wire carries; otherwise the names of the fields that
 * differ.
 */
export type MatchesWire<T, M> = string extends keyof T
  ? [keyof Wire<M>] extends [never]
    ? true // Record<string, never>: an empty message
    : { indexSignatureFor: keyof Wire<M> }
  : [Settled<T>] extends [Wire<M>]
    ? [Exclude<keyof T, keyof Wire<M>>] extends [never]
      ? true
      : { extraFields: Exclude<keyof T, keyof Wire<M>> }
    : {
        fieldsThatDiffer: {
          [K in keyof Wire<M>]: K extends keyof Settled<T> ? ([Settled<T>[K]] extends [Wire<M>[K]] ? never : K) : K;
        }[keyof Wire<M>];
      };

/** The interface a codec is typed by. */
export type CodecType<C> = C extends Codec<infer T> ? T : never;

type Instance<C> = C extends abstract new (...args: never[]) => infer I ? I : never;

/**
 * Checks a module's table of codecs against the generated namespace of its proto package: each
 * entry `fooBar` is the message `FooBar` (its key with the first letter raised), unless `names`
 * maps the key to another message name.
 */
export type CheckCodecTable<
  Table,
  Namespace,
  Names extends Partial<Record<keyof Table, string>> = Record<never, string>,
> = {
  [K in keyof Table]: (K extends keyof Names ? Names[K] : Capitalize<K & string>) extends infer N
    ? N extends keyof Namespace
      ? MatchesWire<CodecType<Table[K]>, Instance<Namespace[N]>>
      : { noGeneratedMessage: N }
    : never;
};
