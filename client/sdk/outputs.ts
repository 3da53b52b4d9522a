import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { Bip39, EnglishMnemonic, Slip10, Slip10Curve } from "@cosmjs/crypto";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { secp256k1Address } from "../../modules/sdk/address.js";
import { decodeResult, flatten, type Tensor } from "../models/tensors.js";
import { open, type X25519Key } from "./sealing.js";
import nacl from "tweetnacl";
import type { RawKey } from "./signing.js";
import { computeSketch, Outcome, sketchFromPb, type Job } from "../../modules/jobs/index.js";
import { sketchesAgree, type ComparisonRule, type Sketch } from "../../modules/jobs/sketch.js";
import type { Assignment } from "../../modules/jobs/types.js";

// Fetching a job's full output from the worker that produced it: only the job's requester may,
// with a request signed by its account key (secp256k1 over a digest of the job id, the X25519 key
// to seal the answer to, and the time). The worker answers with the output sealed to that key.

const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1") as typeof import("secp256k1");

export const outputHeaders = {
  pubkey: "x-tcompute-pubkey",
  x25519: "x-tcompute-x25519",
  time: "x-tcompute-time",
  signature: "x-tcompute-signature",
} as const;

/** How far a request's time may be from the worker's clock. */
export const maxRequestSkewSeconds = 300;

export function outputRequestDigest(jobId: string, x25519: Uint8Array, unixSeconds: number): Buffer {
  return createHash("sha256")
    .update(`tcompute/output/v1\n${jobId}\n${Buffer.from(x25519).toString("hex")}\n${unixSeconds}`)
    .digest();
}

export function signOutputRequest(
  key: RawKey,
  jobId: string,
  x25519: Uint8Array,
  unixSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const { signature } = secp256k1.ecdsaSign(outputRequestDigest(jobId, x25519, unixSeconds), key.privKey);
  return {
    [outputHeaders.pubkey]: Buffer.from(key.pubKey).toString("base64"),
    [outputHeaders.x25519]: Buffer.from(x25519).toString("hex"),
    [outputHeaders.time]: String(unixSeconds),
    [outputHeaders.signature]: Buffer.from(signature).toString("base64"),
  };
}

/** The requester address a signed request proves, and the key to seal to; or why it is refused. */
export function verifyOutputRequest(
  jobId: string,
  headers: Record<string, string | string[] | undefined>,
  nowSeconds: number,
): { address: string; x25519: Uint8Array } | string {
  const h = (n: string) => {
    const v = headers[n];
    return typeof v === "string" ? v : undefined;
  };
  const pub = Buffer.from(h(outputHeaders.pubkey) ?? "", "base64");
  const x = Buffer.from(h(outputHeaders.x25519) ?? "", "hex");
  const sig = Buffer.from(h(outputHeaders.signature) ?? "", "base64");
  const time = Number(h(outputHeaders.time) ?? "NaN");
  if (pub.length !== 33 || x.length !== 32 || sig.length !== 64 || !Number.isSafeInteger(time))
    return "a signed request needs the pubkey, x25519, time and signature headers";
  if (Math.abs(nowSeconds - time) > maxRequestSkewSeconds) return "the request time is too far from now";
  let ok: boolean;
  try {
    ok = secp256k1.ecdsaVerify(new Uint8Array(sig), outputRequestDigest(jobId, x, time), new Uint8Array(pub));
  } catch {
    ok = false;
  }
  if (!ok) return "bad signature";
  return { address: secp256k1Address(new Uint8Array(pub)), x25519: new Uint8Array(x) };
}

/** An account key from a mnemonic (the first Cosmos Hub path), to sign output requests. */
export async function rawKeyFromMnemonic(mnemonic: string): Promise<RawKey> {
  const seed = await Bip39.mnemonicToSeed(new EnglishMnemonic(mnemonic));
  const { privkey } = Slip10.derivePath(Slip10Curve.Secp256k1, seed, makeCosmoshubPath(0));
  const pubKey = secp256k1.publicKeyCreate(privkey, true);
  return { privKey: privkey, pubKey, address: secp256k1Address(pubKey) };
}

export class OutputFetchError extends Error {}

/** The most bytes a fetched (sealed) output may have: a worker cannot make the requester read more. */
export const defaultMaxOutputBytes = 256 * 1024 * 1024;

/** Reads a response body, refusing one over `max` bytes (declared or streamed) without reading on. */
async function readBounded(res: Response, outputUri: string, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (declared > max) {
    await res.body?.cancel();
    throw new OutputFetchError(`${outputUri}: the output is ${declared} bytes, over the ${max}-byte limit`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body !== null) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        await reader.cancel();
        throw new OutputFetchError(`${outputUri}: the output is over the ${max}-byte limit`);
      }
      chunks.push(value);
    }
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Fetches and opens a job's output bytes from a worker's output URI (not yet checked). */
export async function fetchOutputBytes(
  key: RawKey,
  jobId: string,
  outputUri: string,
  x25519: X25519Key = nacl.box.keyPair(),
  maxBytes = defaultMaxOutputBytes,
): Promise<Uint8Array> {
  const res = await fetch(outputUri, {
    headers: signOutputRequest(key, jobId, x25519.publicKey),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) {
    const why = await readBounded(res, outputUri, 4096).then(
      (b) => Buffer.from(b).toString("utf8"),
      () => "(a longer answer)",
    );
    throw new OutputFetchError(`${outputUri}: HTTP ${res.status} ${why}`);
  }
  const plain = open(await readBounded(res, outputUri, maxBytes), x25519);
  if (plain === null) throw new OutputFetchError(`${outputUri}: the answer is not sealed to this request's key`);
  return plain;
}

/**
 * Fetches and opens a job's output from a worker's output URI. `x25519` is the requester's box
 * key (a fresh one per call when omitted). Not checked against a commitment: fetchAcceptedOutput.
 */
export async function fetchOutput(
  key: RawKey,
  jobId: string,
  outputUri: string,
  x25519: X25519Key = nacl.box.keyPair(),
): Promise<{ bytes: Uint8Array; outputs: Array<Record<string, Tensor>> }> {
  const plain = await fetchOutputBytes(key, jobId, outputUri, x25519);
  return { bytes: plain, outputs: decodeResult(plain) };
}

export class OutputMismatchError extends OutputFetchError {}

/**
 * Why a fetched output is not the one a worker committed to, or null when it is: its sha256 must
 * be the digest the worker revealed (and committed), and the sketch recomputed from it
 * (modules/jobs/sketch.ts) must agree, under the model's rule, with the sketch the worker revealed
 * (the one consensus accepted). Undecodable or non-finite outputs are refused too.
 */
export function outputMismatch(
  job: Job,
  a: Assignment,
  plain: Uint8Array,
  rule: ComparisonRule | null,
  sketchKey?: Uint8Array,
): string | null {
  const digest = createHash("sha256").update(plain).digest();
  if (!digest.equals(Buffer.from(a.digest)))
    return `its sha256 ${digest.toString("hex")} is not the committed digest ${Buffer.from(a.digest).toString("hex")}`;
  if (rule === null || a.sketch === null) return null;
  // A private sealed job's sketch is keyed: checked only with its key (sketchKeyOf(input)).
  const keyed = (job.sketchKeyHash?.length ?? 0) === 32;
  if (keyed && sketchKey === undefined) return null;
  let outputs: Array<Record<string, Tensor>>;
  try {
    outputs = decodeResult(plain);
  } catch (e) {
    return `it is not a result payload: ${(e as Error).message}`;
  }
  const flat = outputs.map(flatten);
  const all = new Float64Array(flat.reduce((s, f) => s + f.length, 0));
  let o = 0;
  for (const f of flat) {
    all.set(f, o);
    o += f.length;
  }
  const revealed = sketchFromPb(a.sketch, rule.sketchSize);
  if (typeof revealed === "string") return `the revealed sketch is malformed: ${revealed}`;
  let mine: Sketch;
  try {
    mine = computeSketch(job.id, all, rule, keyed ? sketchKey : undefined);
  } catch (e) {
    return `its sketch cannot be computed: ${(e as Error).message}`;
  }
  if (!sketchesAgree(mine, revealed, rule)) return "its sketch does not agree with the revealed sketch";
  return null;
}

export type OutputFetcher = (key: RawKey, jobId: string, outputUri: string) => Promise<Uint8Array>;

/**
 * A settled job's result from the first of its accepted workers that serves one that matches its
 * commitment (outputMismatch). A worker that does not answer, or answers with another output, is
 * skipped (OutputMismatchError names it) and the next accepted worker is tried; when none serves
 * a matching output the error lists every worker's failure. `rule` is the model's comparison rule
 * (null: the digest alone is checked).
 */
export async function fetchAcceptedOutput(
  key: RawKey,
  job: Job,
  rule: ComparisonRule | null = null,
  fetchOne: OutputFetcher = fetchOutputBytes,
  sketchKey?: Uint8Array,
): Promise<{ bytes: Uint8Array; outputs: Array<Record<string, Tensor>>; provider: string }> {
  const sources = job.assignments.filter((a) => a.outcome === Outcome.accepted && a.outputUri !== "");
  if (sources.length === 0) throw new OutputFetchError(`job ${job.id} has no accepted output`);
  const failures: string[] = [];
  let mismatched = 0;
  for (const a of sources) {
    try {
      const bytes = await fetchOne(key, job.id, a.outputUri);
      const why = outputMismatch(job, a, bytes, rule, sketchKey);
      if (why === null) return { bytes, outputs: decodeResult(bytes), provider: a.provider };
      mismatched++;
      failures.push(`${a.provider} served a wrong output: ${why}`);
    } catch (e) {
      failures.push(`${a.provider}: ${(e as Error).message}`); // another accepted worker may still be serving it
    }
  }
  const msg = `job ${job.id}: none of its ${sources.length} accepted worker(s) served the committed output; ${failures.join("; ")}`;
  throw mismatched > 0 ? new OutputMismatchError(msg) : new OutputFetchError(msg);
}
