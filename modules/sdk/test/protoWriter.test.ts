import assert from "node:assert/strict";
import { BinaryWriter } from "cosmjs-types/binary";
import { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { Fee } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { SimpleValidator } from "cosmjs-types/tendermint/types/validator";
import { xorshift32 } from "../../../chain/testkit/xorshift.js";
import { originalWriterInt64 } from "../protoRuntime.js";

// cosmjs-types' writer encoded every int64 / uint64 in [2^31, 2^32) as a malformed varint (2^31
// as five zero bytes). The patched writer must write each value as Go's proto.Marshal does:
// the value's 64-bit two's complement, seven bits a byte, low first.

/** A varint written from the spec, for the test to compare with. */
function goVarint(v: bigint): string {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  while (u > 0x7fn) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return Buffer.from(out).toString("hex");
}

function written(value: bigint | number | string, kind: "int64" | "uint64"): string {
  const w = new BinaryWriter();
  if (kind === "int64") w.int64(value as bigint);
  else w.uint64(value as bigint);
  return Buffer.from(w.finish()).toString("hex");
}

const edges: bigint[] = [
  0n,
  1n,
  127n,
  128n,
  16383n,
  16384n,
  2n ** 28n - 1n,
  2n ** 28n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 31n + 5n,
  3_000_000_000n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 32n + 2n ** 31n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 63n - 1n,
  -1n,
  -(2n ** 31n),
  -(2n ** 31n) - 1n,
  -(2n ** 63n),
];

describe("protobuf writer: int64 and uint64 as Go writes them", () => {
  it("writes every edge value, as bigint, number and string, as the spec's varint", () => {
    for (const v of edges)
      for (const kind of ["int64", "uint64"] as const) {
        const forms: Array<bigint | number | string> = [v, v.toString()];
        if (Number.isSafeInteger(Number(v))) forms.push(Number(v));
        for (const form of forms) assert.equal(written(form, kind), goVarint(v), `${kind}(${typeof form} ${v})`);
      }
  });

  it("matches the spec on random values of every bit length", () => {
    const next = xorshift32(0x1f2e3d4c);
    for (let i = 0; i < 4_000; i++) {
      const bits = BigInt(1 + (i % 64));
      const raw = (BigInt(next() >>> 0) << 32n) | BigInt(next() >>> 0);
      const v = BigInt.asIntN(64, raw & ((1n << bits) - 1n));
      assert.equal(written(v, "int64"), goVarint(v), `int64(${v})`);
    }
  });

  it("the original writer was wrong in [2^31, 2^32) only (why the patch exists)", () => {
    const original = (v: bigint): string => {
      const w = new BinaryWriter();
      originalWriterInt64.call(w as never, v);
      return Buffer.from(w.finish()).toString("hex");
    };
    assert.notEqual(original(2n ** 31n), goVarint(2n ** 31n));
    assert.notEqual(original(3_000_000_000n), goVarint(3_000_000_000n));
    for (const v of [0n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 63n - 1n, -1n]) assert.equal(original(v), goVarint(v));
  });

  it("a gas limit of 3e9 survives the tx fee, the tx result and a validator's power", () => {
    // A client may choose such a gas limit; the node writes it into its results and hashes.
    const gas = 3_000_000_000n;
    const fee = Fee.decode(Fee.encode({ amount: [], gasLimit: gas, payer: "", granter: "" }).finish());
    assert.equal(fee.gasLimit, gas);
    const result = ExecTxResult.decode(
      ExecTxResult.encode(ExecTxResult.fromPartial({ gasWanted: gas, gasUsed: gas })).finish(),
    );
    assert.equal(result.gasWanted, gas);
    assert.equal(result.gasUsed, gas);
    const power = 2n ** 31n + 5n;
    const bytes = SimpleValidator.encode({ votingPower: power }).finish();
    assert.equal(Buffer.from(bytes).toString("hex"), "10" + goVarint(power));
  });
});
