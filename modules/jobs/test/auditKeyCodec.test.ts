import assert from "node:assert/strict";
import { tcomputeAminoConverter } from "../../sdk/amino.js";
import { auditKeyCodecs } from "../auditKeys.js";
import { codecs } from "../types.js";

// The audit-key messages' wire bytes, pinned: their codecs are the generated ones of
// proto/jobs/v1/jobs.proto (types.ts's table, as every jobs message), and a signed
// MsgRegisterAuditKey, a stored AuditKey and the AuditKeys query's answer must keep these bytes
// and names whatever the codec's implementation.

const validator = "tcvaloper1audit";
const x25519Pubkey = new Uint8Array(32).fill(7);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** A decoded key with its bytes as hex (decode may hand back a Buffer). */
const plain = <T extends { x25519Pubkey: Uint8Array }>(k: T) => ({ ...k, x25519Pubkey: hex(k.x25519Pubkey) });
const str = (s: string) => Buffer.from(s).toString("hex");
/** Field 1 (validator) and field 2 (x25519_pubkey), length-delimited. */
const keyFields = `0a0f${str(validator)}1220${"07".repeat(32)}`;

describe("jobs: the audit-key messages' wire format", () => {
  it("MsgRegisterAuditKey encodes to fixed bytes and back, under its type URL and amino name", () => {
    const bytes = codecs.msgRegisterAuditKey.encode({ validator, x25519Pubkey });
    assert.equal(hex(bytes), keyFields);
    assert.deepEqual(plain(codecs.msgRegisterAuditKey.decode(bytes)), plain({ validator, x25519Pubkey }));
    assert.equal(codecs.msgRegisterAuditKey.typeUrl, "/tcompute.jobs.v1.MsgRegisterAuditKey");
    assert.equal(auditKeyCodecs.msgRegisterAuditKey, codecs.msgRegisterAuditKey, "one codec for the message");
    assert.equal(hex(codecs.msgRegisterAuditKeyResponse.encode({})), "");
    const amino = tcomputeAminoConverter(codecs.msgRegisterAuditKey.typeUrl)!;
    assert.equal(amino.aminoType, "tcompute/jobs/MsgRegisterAuditKey");
    assert.deepEqual(amino.toAmino({ validator, x25519Pubkey }), {
      validator,
      x25519_pubkey: Buffer.from(x25519Pubkey).toString("base64"),
    });
  });

  it("AuditKey and QueryAuditKeysResponse encode to fixed bytes and back", () => {
    const key = { validator, x25519Pubkey, height: "42" };
    const keyBytes = `${keyFields}1a02${str("42")}`;
    assert.equal(hex(codecs.auditKey.encode(key)), keyBytes);
    assert.deepEqual(plain(codecs.auditKey.decode(Buffer.from(keyBytes, "hex"))), plain(key));
    const res = codecs.queryAuditKeysResponse.encode({ keys: [key, key] });
    const one = `0a${(keyBytes.length / 2).toString(16)}${keyBytes}`;
    assert.equal(hex(res), one + one);
    assert.deepEqual(codecs.queryAuditKeysResponse.decode(res).keys.map(plain), [plain(key), plain(key)]);
  });

  it("refuses malformed bytes with sdk 2 (tx parse error)", () => {
    assert.throws(
      () => codecs.msgRegisterAuditKey.decode(Buffer.from("0a0f7463", "hex")),
      (e: Error & { code?: number; codespace?: string }) => e.code === 2 && e.codespace === "sdk",
    );
  });
});
