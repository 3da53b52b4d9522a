import assert from "node:assert/strict";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { xorshift32 } from "../../../chain/testkit/xorshift.js";
import { msgSendAny } from "../../../client/sdk/messages.js";
import { rawKeyFromSeed, signTx } from "../../../client/sdk/signing.js";
import { createRequire } from "node:module";
import { originalWriterInt64, protoReaders } from "../../sdk/protoRuntime.js";
import { canonicalSchema, provablyCanonical, type CanonicalSchema } from "../../sdk/protoCanonical.js";
import { decodeTx } from "../tx.js";
import { authInfoSchema, txBodySchema, txRawSchema } from "../txForm.js";

// The walk that lets a tx's layers skip their re-encoding (modules/sdk/protoCanonical.ts) must
// be a proof: whenever it says "canonical", re-encoding gives back the same bytes. Checked here
// on a corpus of each layer's shapes (including the values the walk must not vouch for: uint64s
// from 2^31, non-ASCII strings, fields it leaves out) and on tens of thousands of mutations of
// them (bytes flipped, inserted, removed; fields repeated, swapped, written with defaults or
// overlong varints), each either proven and re-encoding to itself, or left to the re-encoding.
// And it must be taken: the shapes every wallet writes are proven.

interface Layer<T> {
  name: string;
  schema: CanonicalSchema;
  type: { decode(b: Uint8Array): T; encode(v: T): { finish(): Uint8Array } };
  corpus: Uint8Array[];
}

/** Whether the re-encoding of the decoded bytes is the bytes (null: they do not decode). */
function roundTrips<T>(layer: Layer<T>, bytes: Uint8Array): boolean | null {
  let v: T;
  try {
    v = layer.type.decode(bytes);
  } catch {
    return null;
  }
  let again: Uint8Array;
  try {
    again = layer.type.encode(v).finish();
  } catch {
    return false;
  }
  return Buffer.from(again).equals(Buffer.from(bytes));
}

const alice = rawKeyFromSeed("walk-alice");
const bob = rawKeyFromSeed("walk-bob");
const pubKeyAny = { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: Uint8Array.from([0x0a, 33, ...alice.pubKey]) };
const coins = (...a: Array<[string, string]>) => a.map(([denom, amount]) => ({ denom, amount }));

const bodies: Array<Partial<TxBody>> = [
  { messages: [msgSendAny(alice.address, bob.address, coins(["utcu", "1000"]))] },
  { messages: [msgSendAny(alice.address, bob.address, coins(["utcu", "1"], ["uzz", "2"]))], memo: "hello" },
  { messages: [msgSendAny(alice.address, bob.address, coins(["utcu", "1"]))], memo: "héllo ✓" },
  { messages: [msgSendAny(alice.address, bob.address, coins(["utcu", "1"]))], timeoutHeight: 12_345n },
  { messages: [msgSendAny(alice.address, bob.address, coins(["utcu", "1"]))], timeoutHeight: 2n ** 31n },
  { messages: [msgSendAny(alice.address, bob.address, coins(["utcu", "1"]))], timeoutHeight: 2n ** 33n + 5n },
  { messages: [msgSendAny(alice.address, bob.address, coins(["utcu", "1"]))], unordered: true },
  {
    messages: [msgSendAny(alice.address, bob.address, coins(["utcu", "1"]))],
    timeoutTimestamp: { seconds: 9n, nanos: 1 },
  },
  {
    messages: [msgSendAny(alice.address, bob.address, coins(["utcu", "1"]))],
    extensionOptions: [{ typeUrl: "/x.Y", value: Uint8Array.from([1]) }],
    nonCriticalExtensionOptions: [{ typeUrl: "", value: new Uint8Array() }],
  },
  {
    messages: [
      msgSendAny(alice.address, bob.address, coins(["utcu", "1"])),
      { typeUrl: "", value: new Uint8Array() },
      { typeUrl: "/a.B", value: new Uint8Array(300).fill(0x80) },
    ],
  },
  {},
];

/** A bank send as a wallet signs it (SIGN_MODE_DIRECT). */
const walletTx = (memo: string) =>
  signTx(alice, {
    chainId: "walk-1",
    accountNumber: 5n,
    sequence: 3n,
    msgs: [msgSendAny(alice.address, bob.address, coins(["utcu", "10"]))],
    fee: { amount: coins(["utcu", "500"]), gasLimit: 200_000n },
    memo,
  });

const single = (mode: SignMode) => ({ single: { mode } });
const authInfos: Array<Partial<AuthInfo>> = [
  {
    signerInfos: [{ publicKey: pubKeyAny, modeInfo: single(SignMode.SIGN_MODE_DIRECT), sequence: 0n }],
    fee: { amount: coins(["utcu", "500"]), gasLimit: 200_000n, payer: "", granter: "" },
  },
  {
    signerInfos: [{ publicKey: pubKeyAny, modeInfo: single(SignMode.SIGN_MODE_LEGACY_AMINO_JSON), sequence: 7n }],
    fee: { amount: [], gasLimit: 0n, payer: alice.address, granter: bob.address },
  },
  {
    signerInfos: [
      { modeInfo: single(SignMode.SIGN_MODE_DIRECT), sequence: 2n ** 31n - 1n },
      { modeInfo: single(SignMode.SIGN_MODE_DIRECT), sequence: 2n ** 31n },
      { modeInfo: single(SignMode.SIGN_MODE_UNSPECIFIED), sequence: 2n ** 32n + 1n },
    ],
    fee: { amount: coins(["utcu", "1"], ["", ""]), gasLimit: 2n ** 40n, payer: "", granter: "" },
  },
  {
    signerInfos: [
      {
        publicKey: { typeUrl: "/cosmos.crypto.multisig.LegacyAminoPubKey", value: new Uint8Array(40).fill(7) },
        modeInfo: {
          multi: {
            bitarray: { extraBitsStored: 3, elems: Uint8Array.from([0xa0]) },
            modeInfos: [single(SignMode.SIGN_MODE_LEGACY_AMINO_JSON), single(SignMode.SIGN_MODE_LEGACY_AMINO_JSON)],
          },
        },
        sequence: 1n,
      },
    ],
    fee: { amount: coins(["utcu", "9"]), gasLimit: 1n, payer: "", granter: "" },
  },
  {
    // Nested multis (refused later by the tx form rule, but walked or left here first).
    signerInfos: [
      {
        modeInfo: {
          multi: {
            modeInfos: [
              {
                multi: {
                  modeInfos: [{ multi: { bitarray: { extraBitsStored: 0, elems: new Uint8Array() }, modeInfos: [] } }],
                },
              },
            ],
          },
        },
        sequence: 0n,
      },
    ],
  },
  { signerInfos: [{ sequence: 0n }], tip: { amount: coins(["utcu", "1"]), tipper: alice.address } },
  { signerInfos: [], fee: { amount: [], gasLimit: 0n, payer: "", granter: "" } },
  {},
];

const bodyLayer: Layer<TxBody> = {
  name: "TxBody",
  schema: txBodySchema,
  type: TxBody,
  corpus: bodies.map((b) => TxBody.encode(TxBody.fromPartial(b)).finish()),
};
const authLayer: Layer<AuthInfo> = {
  name: "AuthInfo",
  schema: authInfoSchema,
  type: AuthInfo,
  corpus: authInfos.map((a) => AuthInfo.encode(AuthInfo.fromPartial(a)).finish()),
};
const rawLayer: Layer<TxRaw> = {
  name: "TxRaw",
  schema: txRawSchema,
  type: TxRaw,
  corpus: [
    TxRaw.encode({
      bodyBytes: bodyLayer.corpus[0]!,
      authInfoBytes: authLayer.corpus[0]!,
      signatures: [new Uint8Array(64).fill(3)],
    }).finish(),
    TxRaw.encode({
      bodyBytes: bodyLayer.corpus[1]!,
      authInfoBytes: authLayer.corpus[3]!,
      signatures: [new Uint8Array(), new Uint8Array(200).fill(9)],
    }).finish(),
    TxRaw.encode({ bodyBytes: new Uint8Array(), authInfoBytes: new Uint8Array(), signatures: [] }).finish(),
    TxRaw.encode({
      bodyBytes: new Uint8Array(200).fill(1),
      authInfoBytes: Uint8Array.from([5]),
      signatures: [],
    }).finish(),
  ],
};
const layers = [rawLayer, bodyLayer, authLayer] as Array<Layer<unknown>>;

/** The fields of protobuf bytes as [start, end] ranges (null where they do not parse). */
function fieldRanges(b: Uint8Array): Array<[number, number]> | null {
  const out: Array<[number, number]> = [];
  let p = 0;
  const varint = (): number | null => {
    let v = 0;
    for (let s = 0; s < 35; s += 7) {
      if (p >= b.length) return null;
      const x = b[p++]!;
      v += (x & 0x7f) * 2 ** s;
      if (x < 0x80) return v;
    }
    return null;
  };
  while (p < b.length) {
    const start = p;
    const tag = varint();
    if (tag === null) return null;
    const wt = tag & 7;
    if (wt === 0) {
      if (varint() === null) return null;
    } else if (wt === 2) {
      const len = varint();
      if (len === null || p + len > b.length) return null;
      p += len;
    } else return null;
    out.push([start, p]);
  }
  return out;
}

/** One random change of protobuf bytes. */
function mutate(b: Uint8Array, rand: () => number): Uint8Array {
  const at = b.length === 0 ? 0 : rand() % b.length;
  const fields = fieldRanges(b);
  const pick = () => fields![rand() % fields!.length]!;
  const byte = [0x00, 0x01, 0x02, 0x07, 0x08, 0x0a, 0x10, 0x12, 0x18, 0x1a, 0x7f, 0x80, 0xff][rand() % 13]!;
  switch (rand() % 10) {
    case 0: // a byte changed
      return b.length === 0
        ? Uint8Array.from([byte])
        : Uint8Array.from(b, (x, i) => (i === at ? x ^ (1 << (rand() % 8)) : x));
    case 1: // a byte set to a telling value
      return b.length === 0 ? b : Uint8Array.from(b, (x, i) => (i === at ? byte : x));
    case 2: // a byte inserted
      return Buffer.concat([b.subarray(0, at), Uint8Array.from([byte]), b.subarray(at)]);
    case 3: // a byte removed
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    case 4: {
      // a field repeated
      if (fields === null || fields.length === 0) return b;
      const [s, e] = pick();
      return Buffer.concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)]);
    }
    case 5: {
      // two fields swapped
      if (fields === null || fields.length < 2) return b;
      const i = rand() % (fields.length - 1);
      const [s1, e1] = fields[i]!;
      const [s2, e2] = fields[i + 1]!;
      return Buffer.concat([b.subarray(0, s1), b.subarray(s2, e2), b.subarray(s1, e1), b.subarray(e2)]);
    }
    case 6: // a field with a default or small value appended or prepended (varint or empty bytes)
      return rand() % 2 === 0
        ? Buffer.concat([b, Uint8Array.from([((1 + (rand() % 5)) << 3) | (rand() % 2 === 0 ? 0 : 2), rand() % 2])])
        : Buffer.concat([Uint8Array.from([((1 + (rand() % 5)) << 3) | (rand() % 2 === 0 ? 0 : 2), rand() % 2]), b]);
    case 7: {
      // a varint made one byte longer than needed (a tag, a length or a value)
      if (fields === null || fields.length === 0) return b;
      const [s] = pick();
      let p = s;
      if (rand() % 2 === 1) while (p < b.length && b[p]! >= 0x80) p++; // to the tag's last byte, then past it
      if (rand() % 2 === 1 && p < b.length) p++;
      while (p < b.length && b[p]! >= 0x80) p++;
      if (p >= b.length) return b;
      return Buffer.concat([b.subarray(0, p), Uint8Array.from([b[p]! | 0x80, 0x00]), b.subarray(p + 1)]);
    }
    case 8: // a field removed
      if (fields === null || fields.length === 0) return b;
      {
        const [s, e] = pick();
        return Buffer.concat([b.subarray(0, s), b.subarray(e)]);
      }
    default: // truncated
      return b.subarray(0, at);
  }
}

describe("tx layers: the canonical walk is a proof, and it is taken", () => {
  it("proves the shapes wallets write (DIRECT and amino JSON signers, multisig, memo, fee payer)", async () => {
    for (const [layer, indices] of [
      [rawLayer, [0, 1]],
      [bodyLayer, [0, 1, 3, 6, 9, 10]],
      [authLayer, [0, 1, 3, 6, 7]],
    ] as Array<[Layer<unknown>, number[]]>)
      for (const i of indices)
        assert.ok(provablyCanonical(layer.corpus[i]!, layer.schema), `${layer.name} corpus ${i} is proven`);
    const tx = walletTx("m");
    const raw = TxRaw.decode(tx);
    assert.ok(provablyCanonical(tx, txRawSchema));
    assert.ok(provablyCanonical(raw.bodyBytes, txBodySchema));
    assert.ok(provablyCanonical(raw.authInfoBytes, authInfoSchema));
  });

  it("leaves to the re-encoding what it does not vouch for: uint64s from 2^31, non-ASCII, fields it omits, deep nesting", () => {
    for (const [layer, i] of [
      [bodyLayer, 2], // a non-ASCII memo
      [bodyLayer, 4], // a timeout height of 2^31 (the walk vouches for integers below 2^31 only)
      [bodyLayer, 5], // a timeout height past 2^32
      [bodyLayer, 7], // timeout_timestamp
      [bodyLayer, 8], // extension options
      [authLayer, 2], // sequences from 2^31, a gas limit past 2^32
      [authLayer, 5], // a tip
    ] as Array<[Layer<unknown>, number]>)
      assert.equal(provablyCanonical(layer.corpus[i]!, layer.schema), false, `${layer.name} corpus ${i}`);
    // ModeInfo nested past the walk's depth: not proven (the re-encoding decides).
    let mode: Record<string, unknown> = { single: { mode: 1 } };
    for (let d = 0; d < 12; d++) mode = { multi: { modeInfos: [mode] } };
    const deep = AuthInfo.encode(
      AuthInfo.fromPartial({ signerInfos: [{ modeInfo: mode as never, sequence: 1n }] }),
    ).finish();
    assert.equal(provablyCanonical(deep, authInfoSchema), false);
    assert.equal(roundTrips(authLayer, deep), true, "yet it is canonical: the re-encoding accepts it");
  });

  it("proves nothing that re-encodes differently: every layer's corpus and 60,000 mutations of it", () => {
    soundness(xorshift32(0x7a11), 20_000, 500);
  });

  it("is as sound under cosmjs-types' own reader and int64 writer (the walk relies on no patch)", () => {
    const binary = createRequire(import.meta.url)("cosmjs-types/binary") as {
      BinaryReader: unknown;
      BinaryWriter: { prototype: { int64: unknown } };
    };
    const patchedInt64 = binary.BinaryWriter.prototype.int64;
    binary.BinaryReader = protoReaders.original;
    binary.BinaryWriter.prototype.int64 = originalWriterInt64;
    try {
      soundness(xorshift32(0x51de), 5_000, 100);
    } finally {
      binary.BinaryReader = protoReaders.patched;
      binary.BinaryWriter.prototype.int64 = patchedInt64;
    }
  });

  it("layer cases at the edges: five-byte integers, a negative enum, bools, both mode branches, written defaults, long memos", () => {
    const cases: Array<[Layer<unknown>, string, boolean, string]> = [
      [bodyLayer, "18ffffffff07", true, "timeout height 2^31 - 1 in five bytes"],
      [authLayer, "0a0a12080a0608ffffffff07", true, "mode 2^31 - 1"],
      [authLayer, "0a0a12080a06088080808008", false, "mode 2^31 (decodes negative, re-encodes in ten bytes)"],
      [authLayer, "0a0c120a12080a0608ffffffff07", true, "extra_bits_stored 2^31 - 1"],
      [bodyLayer, "2001", true, "unordered true"],
      [bodyLayer, "2002", false, "unordered written as 2"],
      [bodyLayer, "208100", false, "unordered in an overlong varint"],
      [bodyLayer, "2000", false, "unordered false written"],
      [bodyLayer, "1a0161", false, "timeout height under the wrong wire type"],
      [authLayer, "0a0812060a0208011200", true, "a mode_info with both branches (refused later by the form rule)"],
      [rawLayer, "0a00", false, "empty body_bytes written"],
      [bodyLayer, "0a020a00", false, "a message's empty type_url written"],
      [bodyLayer, "0a00", true, "an empty message Any (repeated: always written)"],
      [authLayer, "12040a020a00", false, "a fee coin's empty denom written"],
      [authLayer, "1200", true, "an empty fee (present: written)"],
      [rawLayer, "1a00", true, "an empty signature (repeated: always written)"],
    ];
    for (const memo of [200, 9000]) {
      const body = TxBody.encode(TxBody.fromPartial({ memo: "m".repeat(memo) })).finish();
      cases.push([bodyLayer, Buffer.from(body).toString("hex"), true, `an ASCII memo of ${memo} bytes`]);
    }
    for (const [layer, hex, proven, what] of cases) {
      const bytes = Buffer.from(hex, "hex");
      assert.equal(provablyCanonical(bytes, layer.schema), proven, what);
      if (proven) assert.equal(roundTrips(layer, bytes), true, `${what}: re-encodes to itself`);
    }
  });

  it("nested multisig mode infos are proven to two levels (a wallet's multisig has one), deeper ones left to the re-encoding", () => {
    for (let levels = 1; levels <= 5; levels++) {
      let mode: Record<string, unknown> = { single: { mode: SignMode.SIGN_MODE_LEGACY_AMINO_JSON } };
      for (let d = 0; d < levels; d++) mode = { multi: { modeInfos: [mode] } };
      const bytes = AuthInfo.encode(
        AuthInfo.fromPartial({ signerInfos: [{ modeInfo: mode as never, sequence: 1n }] }),
      ).finish();
      assert.equal(roundTrips(authLayer, bytes), true);
      assert.equal(provablyCanonical(bytes, authInfoSchema), levels <= 2, `${levels} levels`);
    }
  });

  it("two-byte tags: fields 16, 1023 and 2047 in order, and out of order", () => {
    const s = canonicalSchema([
      [1, "uint"],
      [16, "uint"],
      [1023, "bytes"],
      [2047, "bytes"],
    ]);
    const ok = (hex: string) => provablyCanonical(Buffer.from(hex, "hex"), s);
    assert.equal(ok("0801" + "800101" + "fa3f0101" + "fa7f0101"), true);
    assert.equal(ok("0801" + "fa7f0101" + "fa3f0101"), false, "2047 before 1023");
    assert.equal(ok("fa3f0101" + "800101"), false, "1023 before 16");
    assert.equal(ok("80810001"), false, "a three-byte tag");
    assert.equal(ok("fa"), false, "a tag cut short");
  });
});

/**
 * Corpus and random mutations of each layer: whatever the walk proves re-encodes to itself;
 * the mutations reach both sides (proven bytes, and non-canonical bytes it must not prove).
 */
function soundness(rand: () => number, mutations: number, least: number): void {
  {
    for (const layer of layers) {
      let proven = 0;
      let refused = 0;
      const check = (bytes: Uint8Array, what: string) => {
        const same = roundTrips(layer, bytes);
        if (same === null) return; // does not decode: the decode's error, before any walk
        const p = provablyCanonical(bytes, layer.schema);
        if (p) {
          proven++;
          assert.equal(
            same,
            true,
            `${layer.name} ${what} proven but re-encodes differently: ${Buffer.from(bytes).toString("hex")}`,
          );
        } else if (!same) refused++;
      };
      layer.corpus.forEach((b, i) => check(b, `corpus ${i}`));
      for (let n = 0; n < mutations; n++) {
        let b = layer.corpus[rand() % layer.corpus.length]!;
        for (let k = 1 + (rand() % 3); k > 0; k--) b = mutate(b, rand);
        check(b, `mutant ${n}`);
      }
      assert.ok(proven > least, `${layer.name}: ${proven} proven`);
      assert.ok(refused > least, `${layer.name}: ${refused} not canonical`);
    }
  }
}

describe("tx layers: the canonical walk's schema rules", () => {
  it("a schema states what it holds: bad or repeated field numbers, a message without its schema and repeated scalars are refused", () => {
    assert.throws(() => canonicalSchema([[0, "uint"]]), /out of range/);
    assert.throws(() => canonicalSchema([[2048, "bytes"]]), /out of range/);
    assert.throws(() => canonicalSchema([[1, "message"]]), /needs its schema/);
    assert.throws(() => canonicalSchema([[1, "bytes", false, () => txRawSchema]]), /needs its schema/);
    assert.throws(() => canonicalSchema([[1, "uint", true]]), /repeated uint/);
    assert.throws(() => canonicalSchema([[1, "bool", true]]), /repeated bool/);
    assert.throws(
      () =>
        canonicalSchema([
          [1, "bytes"],
          [1, "string"],
        ]),
      /given twice/,
    );
  });

  it("varints: minimal only, below 2^31, at most five bytes", () => {
    const s = canonicalSchema([[1, "uint"]]);
    const ok = (hex: string) => provablyCanonical(Buffer.from(hex, "hex"), s);
    assert.equal(ok("0801"), true);
    assert.equal(ok("087f"), true);
    assert.equal(ok("088001"), true);
    assert.equal(ok("08ffffffff07"), true, "2^31 - 1");
    assert.equal(ok("088080808008"), false, "2^31");
    assert.equal(ok("0800"), false, "a default written");
    assert.equal(ok("088100"), false, "overlong");
    assert.equal(ok("0881808080808000"), false, "overlong past five bytes");
    assert.equal(ok("0881"), false, "truncated");
    assert.equal(ok("8a0001"), false, "an overlong tag");
    assert.equal(ok(""), true, "nothing set");
    assert.equal(ok("10" + "01"), false, "an unknown field");
    assert.equal(ok("0a0101"), false, "the wrong wire type");
  });

  it("decodeTx takes the walk and still refuses every variant the re-encoding refuses", async () => {
    const tx = walletTx("");
    const router = () => ({ decode: () => ({}) }) as never;
    assert.doesNotThrow(() => decodeTx(tx, router));
    const variants = [
      Buffer.concat([tx, Uint8Array.from([0x20, 0x01])]), // an unknown field
      Buffer.concat([tx, Uint8Array.from([0x1a, 0x00])]), // an empty extra signature: decodes, canonical
    ];
    assert.throws(() => decodeTx(variants[0]!, router), /not in its canonical encoding/);
    assert.doesNotThrow(() => decodeTx(variants[1]!, router));
  });
});
