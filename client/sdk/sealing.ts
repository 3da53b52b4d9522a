import { createHash, createHmac } from "node:crypto";
import nacl from "tweetnacl";

// Sealed inputs and outputs: tweetnacl box with a fresh ephemeral key per message, laid out as
// ephemeral public key (32) ‖ nonce (24) ‖ box. Shared by the SDK (requesters seal inputs to
// providers and open outputs) and the worker (which opens inputs and seals outputs); the worker
// keeps its key file handling in client/worker/sealing.ts.

export interface X25519Key {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** Bytes a sealed message adds to its plaintext: ephemeral key, nonce and the box's MAC. */
export const sealOverheadBytes = 32 + 24 + nacl.box.overheadLength;

export function seal(plain: Uint8Array, recipient: Uint8Array): Uint8Array {
  if (recipient.length !== 32) throw new Error("an X25519 public key is 32 bytes");
  const eph = nacl.box.keyPair();
  const nonce = nacl.randomBytes(24);
  const box = nacl.box(plain, nonce, recipient, eph.secretKey);
  const out = new Uint8Array(32 + 24 + box.length);
  out.set(eph.publicKey, 0);
  out.set(nonce, 32);
  out.set(box, 56);
  return out;
}

/** Opens a sealed message; null when it was not sealed to this key or was altered. */
export function open(sealed: Uint8Array, key: X25519Key): Uint8Array | null {
  if (sealed.length < sealOverheadBytes) return null;
  return nacl.box.open(sealed.subarray(56), sealed.subarray(32, 56), sealed.subarray(0, 32), key.secretKey);
}

/**
 * The X25519 key of a requester's non-delivery claim on `provider`'s result of job `jobId` on
 * chain `chainId`, derived from the requester's account key: reading the answer and disputing it
 * need nothing kept from the claim, and each claim has its own key. A dispute reveals the secret
 * on chain; it is an HMAC-SHA256 of the account key, so it reveals nothing of that key, and the
 * chain id keeps it from opening the answer of the same job id and provider on another chain
 * (a testnet, a reset localnet) where the same mnemonic claimed too.
 */
export function claimKeyOf(accountPrivKey: Uint8Array, chainId: string, jobId: string, provider: string): X25519Key {
  const secret = createHmac("sha256", accountPrivKey)
    .update(`tcompute/claim-key/v2/${chainId.length}/${chainId}/${jobId}/${provider}`)
    .digest();
  return nacl.box.keyPair.fromSecretKey(new Uint8Array(secret));
}

/**
 * A claim's answer opened with its key: the output payload (null when it does not open, or was
 * not given) and whether its sha256 is the digest the worker committed to.
 */
export function openClaimAnswer(
  claim: { sealedOutput: Uint8Array; digest: Uint8Array },
  key: X25519Key,
): { payload: Uint8Array | null; matches: boolean } {
  const payload = claim.sealedOutput.length > 0 ? open(claim.sealedOutput, key) : null;
  const matches = payload !== null && createHash("sha256").update(payload).digest().equals(Buffer.from(claim.digest));
  return { payload, matches };
}

/** What a requester needs of a provider to seal to it (a registry Provider is one). */
export interface SealCandidate {
  owner: string;
  status: number;
  models: string[];
  pricePerUnit: string;
  bond: string;
  x25519Pubkey: Uint8Array;
}

/** The jobs module's default `max_sealed`: at most this many sealed copies per job. */
export const defaultMaxSealed = 16;

function priceOf(s: string): [bigint, string] | null {
  const m = /^([0-9]{1,30})([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(s);
  return m === null ? null : [BigInt(m[1]!), m[2]!];
}

/**
 * A sealed job's input (docs/jobs.md, "Sealed inputs"): `inputs[0]` carries only the plaintext's
 * sha256 and `sealed` one copy per candidate provider, sealed to its registered X25519 key, and
 * `auditSealed` one per bonded validator's audit key (docs/jobs.md, "Audits of sealed jobs").
 * Candidates are the active providers of the model with a 32-byte X25519 key asking at most the
 * job's price in its denom, the highest-bonded first (ties by address), at most `maxSealed`:
 * matching draws the k assignees among them only, so fewer than k candidates is refused here
 * rather than left pending on chain.
 */
/**
 * A private sealed job's sketch key: sha256("tcompute/sketch-key/v1" ‖ input), so the requester
 * recomputes it from its own input, and nobody without the input can (docs/jobs.md, "Private
 * sealed jobs"). Whoever can guess the input could run the model on it anyway.
 */
export function sketchKeyOf(plain: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update("tcompute/sketch-key/v1").update(plain).digest());
}

/** A validator's audit key, as the jobs module's AuditKeys query lists the bonded ones. */
export interface AuditKeyHolder {
  validator: string;
  x25519Pubkey: Uint8Array;
}

export function sealToCandidates(
  plain: Uint8Array,
  o: {
    model: string;
    k: number;
    maxPricePerUnit: string;
    providers: readonly SealCandidate[];
    maxSealed?: number;
    /** Bonded validators' audit keys: the same envelope is sealed to each, so they can audit the job. */
    auditors?: readonly AuditKeyHolder[];
  },
): {
  input: { inline: Uint8Array; uri: string; sha256: string };
  sealed: Array<{ provider: string; ciphertext: Uint8Array }>;
  sketchKeyHash: Uint8Array;
  auditSealed: Array<{ validator: string; ciphertext: Uint8Array }>;
} {
  const max = priceOf(o.maxPricePerUnit);
  if (max === null) throw new Error(`max price ${o.maxPricePerUnit} is not a coin, e.g. 5utcu`);
  const eligible = o.providers
    .filter((p) => {
      const ask = priceOf(p.pricePerUnit);
      return (
        p.status === 1 &&
        p.models.includes(o.model) &&
        p.x25519Pubkey.length === 32 &&
        ask !== null &&
        ask[1] === max[1] &&
        ask[0] <= max[0]
      );
    })
    .sort((a, b) => {
      const d = BigInt(b.bond) - BigInt(a.bond);
      return d > 0n ? 1 : d < 0n ? -1 : a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0;
    })
    .slice(0, o.maxSealed ?? defaultMaxSealed);
  if (eligible.length < o.k)
    throw new Error(
      `a sealed job with k = ${o.k} needs ${o.k} candidate provider(s) with an X25519 key serving the model at ${o.maxPricePerUnit} or less; found ${eligible.length}`,
    );
  const sha256 = createHash("sha256").update(plain).digest("hex");
  // Each copy is sketch key ‖ input; the chain keeps only the key's sha256 (workers check it).
  const key = sketchKeyOf(plain);
  const envelope = new Uint8Array(32 + plain.length);
  envelope.set(key, 0);
  envelope.set(plain, 32);
  return {
    input: { inline: new Uint8Array(), uri: "", sha256 },
    sealed: eligible.map((p) => ({ provider: p.owner, ciphertext: seal(envelope, p.x25519Pubkey) })),
    sketchKeyHash: new Uint8Array(createHash("sha256").update(key).digest()),
    // The auditors' copies are the assignees' envelope (K ‖ input), sealed to each audit key.
    auditSealed: (o.auditors ?? [])
      .filter((a) => a.x25519Pubkey.length === 32)
      .map((a) => ({ validator: a.validator, ciphertext: seal(envelope, a.x25519Pubkey) })),
  };
}
