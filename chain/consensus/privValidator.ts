import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { registerError } from "../../modules/sdk/errors.js";
import type { Timestamp } from "../../modules/sdk/context.js";
import { ed25519Sign, type Ed25519Key } from "../crypto/ed25519.js";
import { proposalSignBytes, SignedMsgType, voteExtensionSignBytes, voteSignBytes, type BlockIdLike } from "../types/signBytes.js";

// The validator's signer, as CometBFT's FilePV: it persists the last (height, round, step) it
// signed, fsynced before the signature is released, and refuses anything that would conflict
// with it, also across restarts. Re-signing identical sign bytes returns the old signature.

export const signerErrors = {
  regression: registerError("privval", 2, "height/round/step regression"),
  conflict: registerError("privval", 3, "conflicting data"),
  corrupt: registerError("privval", 4, "corrupt sign state"),
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
  signVote(chainId: string, type: number, height: bigint, round: number, blockId: BlockIdLike, time: Timestamp): Uint8Array;
  signProposal(chainId: string, height: bigint, round: number, polRound: number, blockId: BlockIdLike, time: Timestamp): Uint8Array;
  /**
   * Signs a vote extension. No double-sign check, as CometBFT's FilePV: an extension only
   * counts together with its precommit, which is checked.
   */
  signVoteExtension(chainId: string, height: bigint, round: number, extension: Uint8Array): Uint8Array;
}

function emptyState(): LastSignState {
  return { height: 0n, round: 0, step: 0, signature: new Uint8Array(), signBytes: new Uint8Array() };
}

export function loadSignState(path: string): LastSignState {
  if (!existsSync(path)) return emptyState();
  try {
    const j = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    return {
      height: BigInt(String(j["height"])),
      round: Number(j["round"]),
      step: Number(j["step"]),
      signature: Buffer.from(String(j["signature"] ?? ""), "base64"),
      signBytes: Buffer.from(String(j["signbytes"] ?? ""), "hex"),
    };
  } catch (e) {
    throw signerErrors.corrupt.wrap(`${path}: ${(e as Error).message}`);
  }
}

function saveSignState(path: string, s: LastSignState): void {
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
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * A file-backed signer. `statePath` null keeps the state in memory (simulations and tests).
 */
export function createPrivValidator(key: Ed25519Key, statePath: string | null): PrivValidator {
  let last = statePath === null ? emptyState() : loadSignState(statePath);

  function check(height: bigint, round: number, step: number, signBytes: Uint8Array): Uint8Array | null {
    if (height < last.height) throw signerErrors.regression.wrap(`height regression: got ${height}, last ${last.height}`);
    if (height === last.height) {
      if (round < last.round) throw signerErrors.regression.wrap(`round regression at height ${height}: got ${round}, last ${last.round}`);
      if (round === last.round) {
        if (step < last.step) throw signerErrors.regression.wrap(`step regression at ${height}/${round}: got ${step}, last ${last.step}`);
        if (step === last.step) {
          if (Buffer.compare(Buffer.from(signBytes), Buffer.from(last.signBytes)) === 0) return last.signature;
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
    if (statePath !== null) saveSignState(statePath, next);
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
