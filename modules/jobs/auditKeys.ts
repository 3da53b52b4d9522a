import nacl from "tweetnacl";
import { bech32Prefix, operatorAccount, validateAddress } from "../sdk/address.js";
import type { Context } from "../sdk/context.js";
import type { MsgRoute, QueryHandler } from "../sdk/module.js";
import { prefixRange, type KVStore } from "../sdk/store.js";
import type { Job } from "./domain.js";
import { jobsErrors } from "./errors.js";
import { jobEvent } from "./events.js";
import type { JobsKeeper } from "./keeper.js";
import { keys } from "./keys.js";
import { codecs, type AuditKey, type AuditSealedInput, type MsgRegisterAuditKey } from "./types.js";

// Sealed jobs auditable by validators (issue 11, item 3; docs/jobs.md, "Audits of sealed jobs").
// A validator registers an X25519 audit key (MsgRegisterAuditKey). A requester seals its input,
// with the sketch key in front (K ‖ input, the assignees' plaintext), also to the audit keys of the
// validators bonded when it submits (MsgSubmitJob.audit_sealed): the chain accepts a copy only for
// a validator bonded then with an audit key, requires one for every such validator (so that a
// requester cannot leave honest auditors out), and keeps the copies on the job (their
// ciphertexts apart from its record, keeper.saveJob). When a sealed job is sampled, its auditors
// are the validators bonded at that height that hold a copy; the 2/3 threshold stays on the whole
// bonded power, so garbage copies cannot get a result rejected: only an inconclusive audit.
// An auditor whose copy does not open, or opens to something other than the plaintext whose
// sha256 (input) and sketch-key sha256 the job carries, answers "unable" (no reward, no penalty).

export type { AuditKey };

export const auditKeyCodecs = {
  auditKey: codecs.auditKey,
  msgRegisterAuditKey: codecs.msgRegisterAuditKey,
  msgRegisterAuditKeyResponse: codecs.msgRegisterAuditKeyResponse,
  queryAuditKeysResponse: codecs.queryAuditKeysResponse,
};

/** tweetnacl box overhead: ephemeral public key, nonce, MAC (as a provider's sealed copy). */
const sealOverhead = 32 + 24 + 16;
/** Gas for the small-order check (twice a secp256k1 signature check's 1000: it takes about as long as two). */
const keyCheckGas = 2000n;
/** Any clamped scalar: X25519 of a small-order point with it is all zeros. */
const probe = new Uint8Array(32).fill(9);

/**
 * Why `key` is no usable X25519 public key, or null: 32 bytes, and not of small order (a box to a
 * small-order point has a shared secret everyone knows, so the copy would be public).
 */
export function badX25519Key(key: Uint8Array): string | null {
  if (key.length !== 32) return `an X25519 public key is 32 bytes, not ${key.length}`;
  if (nacl.scalarMult(probe, key).every((b) => b === 0)) return "a small-order point (anyone could open a box to it)";
  return null;
}

export function getAuditKey(store: KVStore, valoper: string): AuditKey | null {
  const raw = store.get(keys.auditKey(valoper));
  return raw === undefined ? null : codecs.auditKey.decode(raw);
}

export function setAuditKey(store: KVStore, key: AuditKey): void {
  store.set(keys.auditKey(key.validator), codecs.auditKey.encode(key));
}

/** Every registered audit key, by operator address. */
export function* allAuditKeys(store: KVStore): IterableIterator<AuditKey> {
  for (const [, raw] of prefixRange(store, keys.auditKeyPrefix)) yield codecs.auditKey.decode(raw);
}

/** MsgSubmitJob's audit copies, stateless part: sealed jobs only, one well-formed copy per validator. */
export function checkAuditCopiesBasic(copies: readonly AuditSealedInput[], sealed: boolean): void {
  if (copies.length === 0) return;
  if (!sealed) throw jobsErrors.invalidJob.wrap("audit copies are for sealed jobs only");
  const seen = new Set<string>();
  for (const c of copies) {
    validateAddress(c.validator, bech32Prefix.validator);
    if (seen.has(c.validator)) throw jobsErrors.invalidJob.wrap(`audit copy twice for ${c.validator}`);
    seen.add(c.validator);
    if (c.ciphertext.length <= sealOverhead)
      throw jobsErrors.invalidJob.wrap("an audit copy is ephemeral key ‖ nonce ‖ box");
  }
}

/**
 * MsgSubmitJob's audit copies against state: each for a validator bonded now with an audit key,
 * and, for a sealed job, one for every validator bonded now with an audit key. Else a requester
 * working with a cheating provider would leave out honest validators so that the copy holders'
 * disagreement never reaches 2/3 of the bonded power: an inconclusive audit lets the wrong result
 * stand (docs/jobs.md, "Audits of sealed jobs", 5). Reaching only "2/3 of the keyed power" is not
 * enough: with a friend under 1/3 among the holders, the honest holders may still hold under 2/3.
 * Bounded by the validator set, like the AuditKeys query.
 */
export function checkAuditCopies(
  k: JobsKeeper,
  store: KVStore,
  copies: readonly AuditSealedInput[],
  maxBytes: bigint,
  sealed: boolean,
): void {
  const holders = new Set<string>();
  for (const c of copies) {
    if (k.staking.lastPower(store, c.validator) <= 0n)
      throw jobsErrors.noAuditKey.wrap(`${c.validator} is not a bonded validator`);
    if (getAuditKey(store, c.validator) === null)
      throw jobsErrors.noAuditKey.wrap(`${c.validator} has registered no audit key`);
    if (BigInt(c.ciphertext.length) > maxBytes + BigInt(sealOverhead))
      throw jobsErrors.inputTooLarge.wrap(`audit copy for ${c.validator} is over ${maxBytes} bytes`);
    holders.add(c.validator);
  }
  if (!sealed) return;
  const missing: string[] = [];
  for (const { valoper, power } of k.staking.lastPowers(store))
    if (power > 0n && !holders.has(valoper) && getAuditKey(store, valoper) !== null) missing.push(valoper);
  if (missing.length > 0)
    throw jobsErrors.auditCoverage.wrap(
      `a sealed job needs an audit copy for every bonded validator with an audit key; missing ${missing.sort().join(", ")} (query AuditKeys)`,
    );
}

/**
 * Who audits a job sampled now: the validators bonded now; for a sealed job only those among them
 * holding an audit copy (the others cannot open it, so they are neither asked nor penalised).
 */
export function auditorsNow(k: JobsKeeper, store: KVStore, j: Job): string[] {
  const holders = new Set(j.auditSealed.map((c) => c.validator));
  const out: string[] = [];
  for (const { valoper, power } of k.staking.lastPowers(store))
    if (power > 0n && (j.sealed.length === 0 || holders.has(valoper))) out.push(valoper);
  return out.sort();
}

export function auditKeyMsgRoutes(k: JobsKeeper): MsgRoute<unknown>[] {
  const register: MsgRoute<MsgRegisterAuditKey> = {
    typeUrl: codecs.msgRegisterAuditKey.typeUrl,
    decode: (b) => codecs.msgRegisterAuditKey.decode(b),
    reencode: (b) => codecs.msgRegisterAuditKey.reencode(b),
    signers: (m) => [operatorAccount(m.validator)],
    validateBasic(m) {
      validateAddress(m.validator, bech32Prefix.validator);
      if (m.x25519Pubkey.length !== 32)
        throw jobsErrors.badAuditKey.wrap(`an X25519 public key is 32 bytes, not ${m.x25519Pubkey.length}`);
    },
    handle(ctx: Context, m) {
      if (k.staking.lastPower(ctx.store, m.validator) <= 0n)
        throw jobsErrors.notValidator.wrap(`${m.validator} is not bonded; bond first, then register the audit key`);
      // The small-order check is a scalar multiplication (~2 ms in tweetnacl): metered like a
      // signature check, and only after the cheap checks, so that a tx of many cannot stall a node.
      ctx.gasMeter.consume(keyCheckGas, "audit key check");
      const bad = badX25519Key(m.x25519Pubkey);
      if (bad !== null) throw jobsErrors.badAuditKey.wrap(bad);
      setAuditKey(ctx.store, { validator: m.validator, x25519Pubkey: m.x25519Pubkey, height: ctx.height.toString() });
      ctx.events.emit(jobEvent.auditKey(m.validator, Buffer.from(m.x25519Pubkey).toString("hex")));
      return {
        typeUrl: codecs.msgRegisterAuditKeyResponse.typeUrl,
        value: codecs.msgRegisterAuditKeyResponse.encode({}),
      };
    },
  };
  return [register] as MsgRoute<unknown>[];
}

export function auditKeyQueries(k: JobsKeeper): Record<string, QueryHandler> {
  return {
    // The keys of the validators bonded now (bounded by the validator set), by operator address.
    "/tcompute.jobs.v1.Query/AuditKeys": (ctx) => {
      const out: AuditKey[] = [];
      for (const { valoper, power } of k.staking.lastPowers(ctx.store)) {
        if (power <= 0n) continue;
        const key = getAuditKey(ctx.store, valoper);
        if (key !== null) out.push(key);
      }
      out.sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
      return codecs.queryAuditKeysResponse.encode({ keys: out });
    },
  };
}
