import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { basename, dirname } from "node:path";
import { registerError } from "../../modules/sdk/errors.js";
import type { Timestamp } from "../../modules/sdk/context.js";
import { ed25519Sign, ed25519Verify, type Ed25519Key } from "../crypto/ed25519.js";
import { bytesEqual } from "../types/bytes.js";
import {
  proposalSignBytes,
  SignedMsgType,
  voteExtensionSignBytes,
  voteSignBytes,
  type BlockIdLike,
} from "../types/signBytes.js";

// The validator's signer, as CometBFT's FilePV: it persists the last (height, round, step) it
// signed, fsynced before the signature is released, and refuses anything that would conflict
// with it, also across restarts. Re-signing identical sign bytes at the last (height, round,
// step) returns the old signature (the signature a state file holds is checked at load against
// this validator's key over its sign bytes, so what is handed back is always our own); other
// bytes at that step are refused, a timestamp alone included (CometBFT re-uses the old
// signature then: here a vote's time is in the WAL before it is signed, so a restart asks for
// the very same bytes; see docs/consensus.md, "A restarted validator re-sends what it signed").

export const signerErrors = {
  regression: registerError("privval", 2, "height/round/step regression"),
  conflict: registerError("privval", 3, "conflicting data"),
  corrupt: registerError("privval", 4, "corrupt sign state"),
  behind: registerError("privval", 5, "sign state is behind this validator's own signatures"),
};

export const Step = { propose: 1, prevote: 2, precommit: 3 } as const;

export interface LastSignState {
  height: bigint;
  round: number;
  step: number;
  signature: Uint8Array;
  signBytes: Uint8Array;
}

export interface PrivValidator {
  readonly key: Ed25519Key;
  readonly last: Readonly<LastSignState>;
  signVote(
    chainId: string,
    type: number,
    height: bigint,
    round: number,
    blockId: BlockIdLike,
    time: Timestamp,
  ): Uint8Array;
  signProposal(
    chainId: string,
    height: bigint,
    round: number,
    polRound: number,
    blockId: BlockIdLike,
    time: Timestamp,
  ): Uint8Array;
  /**
   * Signs a vote extension. No double-sign check, as CometBFT's FilePV: an extension only
   * counts together with its precommit, which is checked.
   */
  signVoteExtension(chainId: string, height: bigint, round: number, extension: Uint8Array): Uint8Array;
}

function emptyState(): LastSignState {
  return { height: 0n, round: 0, step: 0, signature: new Uint8Array(), signBytes: new Uint8Array() };
}

const maxRound = 2 ** 31 - 1;

/** What to do about a sign state file the node cannot trust (part of every refusal's message). */
export function signStateWayOut(path: string): string {
  return (
    `the node refuses to start, since signing from an unknown last-sign state could double-sign. ` +
    `Way out: restore ${basename(path)} from an intact copy of this validator's own file; or stop every ` +
    `process using this validator key, find a height N above every height it may have signed (the ` +
    `network's latest height + 1), and write {"height":"N","round":0,"step":0,"signature":"","signbytes":""} ` +
    `to ${path}. Never copy the file from another node or an older backup`
  );
}

function corrupt(path: string, what: string): Error {
  return signerErrors.corrupt.wrap(`${path}: ${what}; ${signStateWayOut(path)}`);
}

/**
 * Parses the last-sign state, CometBFT's priv_validator_state.json. Every field must be present
 * and well-formed: a height as a decimal string, round and step as integers in range, and a
 * signature with its sign bytes exactly when something was signed (step > 0). Anything else is
 * refused with a coded error that says the way out: a NaN round or step would make every
 * comparison false and so switch the double-sign guard off.
 */
export function parseSignState(path: string, text: string): LastSignState {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw corrupt(path, `not JSON (${(e as Error).message}; a truncated write?)`);
  }
  if (typeof j !== "object" || j === null || Array.isArray(j)) throw corrupt(path, "not a JSON object");
  const o = j as Record<string, unknown>;
  for (const f of ["height", "round", "step"]) if (!(f in o)) throw corrupt(path, `field ${f} is missing`);
  const h = o["height"];
  // CometBFT writes the height as a string; accept a safe integer number as well.
  const height =
    typeof h === "string" && /^(0|[1-9][0-9]{0,18})$/.test(h)
      ? BigInt(h)
      : typeof h === "number" && Number.isSafeInteger(h) && h >= 0
        ? BigInt(h)
        : null;
  if (height === null) throw corrupt(path, `height ${JSON.stringify(h)} is not a non-negative integer`);
  const round = o["round"];
  if (typeof round !== "number" || !Number.isInteger(round) || round < 0 || round > maxRound)
    throw corrupt(path, `round ${JSON.stringify(round)} is not an integer in [0, 2^31)`);
  const step = o["step"];
  if (typeof step !== "number" || !Number.isInteger(step) || step < 0 || step > Step.precommit)
    throw corrupt(path, `step ${JSON.stringify(step)} is not 0, 1, 2 or 3`);
  // CometBFT leaves out an empty signature and sign bytes (omitempty): only a state that has
  // signed something (step > 0) must carry them.
  if (step !== 0)
    for (const f of ["signature", "signbytes"]) if (!(f in o)) throw corrupt(path, `field ${f} is missing`);
  const sig = o["signature"] ?? "";
  const sb = o["signbytes"] ?? "";
  if (typeof sig !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(sig))
    throw corrupt(path, "signature is not a base64 string");
  if (typeof sb !== "string" || !/^([0-9A-Fa-f]{2})*$/.test(sb)) throw corrupt(path, "signbytes is not a hex string");
  const signature = Buffer.from(sig, "base64");
  const signBytes = Buffer.from(sb, "hex");
  if (step === 0) {
    if (round !== 0 && height === 0n) throw corrupt(path, "round set at height 0 before anything was signed");
    if (signature.length !== 0 || signBytes.length !== 0) throw corrupt(path, "a signature without a step");
  } else {
    if (height === 0n) throw corrupt(path, "a step at height 0");
    if (signature.length !== 64)
      throw corrupt(path, `signature of ${signature.length} bytes, an ed25519 signature has 64`);
    if (signBytes.length === 0) throw corrupt(path, "a signature without its sign bytes");
  }
  return { height, round, step, signature: new Uint8Array(signature), signBytes: new Uint8Array(signBytes) };
}

/**
 * Loads the last-sign state. A signature in it must be `pubKey`'s over the sign
 * bytes beside it: the signer hands that signature out again for identical bytes, so a damaged
 * one (or a file of another validator) is refused rather than sent as ours.
 */
export function loadSignState(path: string, pubKey: Uint8Array): LastSignState {
  if (!existsSync(path)) return emptyState();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw corrupt(path, `unreadable (${(e as Error).message})`);
  }
  const s = parseSignState(path, text);
  if (s.step !== 0 && !ed25519Verify(pubKey, s.signBytes, s.signature))
    throw corrupt(
      path,
      "its signature is not this validator's over its sign bytes (damaged, edited, or another validator's file)",
    );
  return s;
}

/**
 * Refuses a sign state that is behind a signature this validator is known to have made (its
 * precommit in a commit the node stored, or its vote in the WAL): the file was replaced by an
 * older one or deleted, and the double-sign guard would let it sign that height again.
 */
export function assertSignStateCovers(
  path: string,
  last: Readonly<LastSignState>,
  signed: { height: bigint; round: number; step: number; source: string },
): void {
  const behind =
    last.height < signed.height ||
    (last.height === signed.height &&
      (last.round < signed.round || (last.round === signed.round && last.step < signed.step)));
  if (behind) {
    throw signerErrors.behind.wrap(
      `${path}: the file says ${last.height}/${last.round}/${last.step}, yet ${signed.source} holds this validator's signature at ` +
        `${signed.height}/${signed.round}/${signed.step} (height going backwards: an older copy or a deleted file?); ${signStateWayOut(path)}`,
    );
  }
}

/** Fsyncs a directory, so that a rename in it survives a crash. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The file operations a durable state write uses (injectable, so tests can see their order). */
export interface SignStateFs {
  /** Writes and fsyncs a file. */
  writeSynced(path: string, text: string): void;
  rename(from: string, to: string): void;
  fsyncDir(dir: string): void;
}

export const nodeSignStateFs: SignStateFs = {
  writeSynced(path, text) {
    const fd = openSync(path, "w", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  rename: renameSync,
  fsyncDir,
};

function saveSignState(fs: SignStateFs, path: string, s: LastSignState): void {
  const text = JSON.stringify(
    {
      height: s.height.toString(),
      round: s.round,
      step: s.step,
      signature: Buffer.from(s.signature).toString("base64"),
      signbytes: Buffer.from(s.signBytes).toString("hex").toUpperCase(),
    },
    null,
    2,
  );
  const tmp = `${path}.tmp`;
  fs.writeSynced(tmp, text);
  fs.rename(tmp, path);
  // The rename is durable only once the directory entry is: without this, a crash after the
  // signature went out could bring back the old state file.
  fs.fsyncDir(dirname(path));
}

/**
 * A file-backed signer. `statePath` null keeps the state in memory (simulations and tests).
 */
export function createPrivValidator(
  key: Ed25519Key,
  statePath: string | null,
  fs: SignStateFs = nodeSignStateFs,
): PrivValidator {
  let last = statePath === null ? emptyState() : loadSignState(statePath, key.pubKey);

  function check(height: bigint, round: number, step: number, signBytes: Uint8Array): Uint8Array | null {
    if (height < last.height)
      throw signerErrors.regression.wrap(`height regression: got ${height}, last ${last.height}`);
    if (height === last.height) {
      if (round < last.round)
        throw signerErrors.regression.wrap(`round regression at height ${height}: got ${round}, last ${last.round}`);
      if (round === last.round) {
        if (step < last.step)
          throw signerErrors.regression.wrap(`step regression at ${height}/${round}: got ${step}, last ${last.step}`);
        if (step === last.step) {
          if (bytesEqual(signBytes, last.signBytes)) return last.signature;
          throw signerErrors.conflict.wrap(`refusing to sign conflicting data at ${height}/${round}/${step}`);
        }
      }
    }
    return null;
  }

  function signAt(height: bigint, round: number, step: number, signBytes: Uint8Array): Uint8Array {
    const again = check(height, round, step, signBytes);
    if (again !== null) return again;
    const signature = ed25519Sign(key, signBytes);
    const next = { height, round, step, signature, signBytes };
    if (statePath !== null) saveSignState(fs, statePath, next);
    last = next;
    return signature;
  }

  return {
    key,
    get last() {
      return last;
    },
    signVote(chainId, type, height, round, blockId, time) {
      const step = type === SignedMsgType.prevote ? Step.prevote : Step.precommit;
      return signAt(height, round, step, voteSignBytes(chainId, type, height, round, blockId, time));
    },
    signProposal(chainId, height, round, polRound, blockId, time) {
      return signAt(height, round, Step.propose, proposalSignBytes(chainId, height, round, polRound, blockId, time));
    },
    signVoteExtension(chainId, height, round, extension) {
      return ed25519Sign(key, voteExtensionSignBytes(chainId, height, round, extension));
    },
  };
}
