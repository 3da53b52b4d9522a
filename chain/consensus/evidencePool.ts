import { DuplicateVoteEvidence, Evidence, EvidenceList } from "cosmjs-types/tendermint/types/evidence";
import type { Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import type { Logger, Timestamp } from "../../modules/sdk/context.js";
import { CodedError } from "../../modules/sdk/errors.js";
import { hexAddress, setFromProto, type ChainState } from "../state/chainState.js";
import type { BlockStore } from "../store/blockStore.js";
import { evidenceHash } from "../types/hashes.js";
import {
  consensusErrors,
  evidenceExpired,
  makeDuplicateVoteEvidence,
  verifyDuplicateVoteEvidence,
  type SignatureCache,
} from "./signedMessages.js";
import type { ValidatorSet } from "../types/validatorSet.js";

// The evidence pool (CometBFT's evidence/pool.go): double signs seen by this node's consensus
// or received from peers wait here, verified, until a proposer includes them in a block; then
// they are marked committed (in the block store, with the block) and never accepted again.
// Conflicting votes of the current height are buffered until that height is committed, so that
// the evidence carries the committed block time and the validator's power at that height,
// which every node can check against its own store.
//
// One piece of evidence per (validator, height): a validator that double signs at a height is
// punished once (slashing tombstones it), however many distinct conflicting pairs it signs
// there. The pool keeps and proposes the first piece for each; a block may carry at most one for
// each and none for a (validator, height) already committed in an earlier block. (CometBFT
// dedups by hash only, so a byzantine validator could fill blocks with distinct pairs for one
// height, each verified by every node; the Cosmos SDK then ignores all but the first.)
//
// Bounded pending evidence: a byzantine validator double signing at many past heights makes as
// many distinct valid offences (up to max_age_num_blocks of them), yet the first one committed
// tombstones it (modules/slashing ignores a tombstoned validator's further evidence), so the
// rest are worthless. The pool keeps at most `maxPendingPerValidator` pieces per validator and
// `maxPendingEvidence` in all, keeping what came first and refusing the rest quietly (false from
// `add`, not a peer fault: an honest peer gossips what its own pool kept), and keeps none for a
// validator once a block it committed carried evidence of that validator. These caps are the
// local pool's only: `checkBlock` verifies a block's pieces the pool does not hold against the
// chain, never against the pool's contents or caps, so every node judges a block alike.

/** `verify`'s refusals of valid evidence (its `meta.refusal`): not a fault of whoever built it. */
const expectedRefusals: ReadonlySet<string> = new Set(["committed", "expired", "pruned"]);

export interface EvidenceParams {
  maxAgeNumBlocks: bigint;
  maxAgeSeconds: bigint;
  maxBytes: bigint;
}

/**
 * Pending pieces kept per validator. One committed piece tombstones it; a few more than one
 * cover a piece that expires or that the next proposers leave out before one is committed.
 */
export const maxPendingPerValidator = 4;

/**
 * Pending pieces kept in all: `maxPendingPerValidator` for each of 250 validators (above the
 * largest Cosmos validator sets), about 300 KB of ~300-byte pieces, re-gossiped to each peer
 * as 10 messages of at most `maxEvidencePerMessage`. Only many validators double signing at once
 * can fill it, and then a block's max_bytes, not the pool, is what limits how fast they are
 * punished.
 */
export const maxPendingEvidence = 1000;

export interface EvidencePoolDeps {
  chainId: string;
  cache: SignatureCache;
  blockStore: BlockStore;
  getState(): ChainState;
  logger: Logger;
  /** Overrides `maxPendingPerValidator` / `maxPendingEvidence` (tests). */
  limits?: { perValidator: number; total: number };
}

/** What evidence is about: the validator (hex) and the height of its double sign. */
const offenceKey = (validator: Uint8Array, h: bigint) => `${hexAddress(validator)}/${h}`;

export function offenceOf(dve: DuplicateVoteEvidence): string {
  return offenceKey(dve.voteA?.validatorAddress ?? new Uint8Array(), dve.voteA?.height ?? 0n);
}

const validatorOf = (p: PendingEvidence): string =>
  hexAddress(p.evidence.duplicateVoteEvidence!.voteA!.validatorAddress);

export interface PendingEvidence {
  evidence: Evidence;
  /** DuplicateVoteEvidence bytes: what the evidence hash and the header's evidence_hash use. */
  bytes: Uint8Array;
  hash: string;
  /** `offenceOf`: at most one pending piece for each. */
  offence: string;
  height: bigint;
  time: Timestamp;
}

export class EvidencePool {
  private readonly pending = new Map<string, PendingEvidence>();
  /** offence -> hash of the pending piece for it. */
  private readonly pendingOffences = new Map<string, string>();
  private buffer: Array<[PbVote, PbVote]> = [];
  private readonly bufferedOffences = new Set<string>();
  private readonly added: Array<(e: PendingEvidence) => void> = [];
  /** validator (hex) -> how many pending pieces are about it. */
  private readonly perValidator = new Map<string, number>();
  /** Validators (hex) a block committed here carried evidence of: tombstoned, none kept. */
  private readonly punished = new Set<string>();
  private readonly capPerValidator: number;
  private readonly capTotal: number;

  constructor(
    private readonly params: EvidenceParams,
    private readonly deps: EvidencePoolDeps,
  ) {
    this.capPerValidator = deps.limits?.perValidator ?? maxPendingPerValidator;
    this.capTotal = deps.limits?.total ?? maxPendingEvidence;
  }

  /** Whether a piece about this validator (hex) would be refused for the caps (no store reads). */
  private full(validator: string): boolean {
    return (
      this.punished.has(validator) ||
      this.pending.size >= this.capTotal ||
      (this.perValidator.get(validator) ?? 0) >= this.capPerValidator
    );
  }

  get size(): number {
    return this.pending.size;
  }

  /** Called for each piece of evidence newly accepted (to gossip it). */
  onAdded(f: (e: PendingEvidence) => void): void {
    this.added.push(f);
  }

  /** Two conflicting votes seen by consensus (already verified); turned into evidence on commit. */
  reportConflictingVotes(a: PbVote, b: PbVote): void {
    // One pair per validator and height is enough: the evidence is one piece for each.
    const offence = offenceKey(a.validatorAddress, a.height);
    if (this.buffer.length >= 1000 || this.bufferedOffences.has(offence)) return;
    this.bufferedOffences.add(offence);
    this.buffer.push([a, b]);
  }

  /** The evidence to propose, oldest first, within max_bytes. */
  proposable(): Evidence[] {
    const out: Evidence[] = [];
    let bytes = 0n;
    const all = [...this.pending.values()].sort((x, y) =>
      x.height !== y.height ? (x.height < y.height ? -1 : 1) : x.hash < y.hash ? -1 : 1,
    );
    for (const p of all) {
      bytes += BigInt(p.bytes.length);
      if (bytes > this.params.maxBytes) break;
      out.push(p.evidence);
    }
    return out;
  }

  /**
   * Verifies one piece of evidence against this node's chain: a committed height, the block
   * time and the validator's power at that height, both signatures, not expired, not committed.
   * Throws a coded error (consensus 5) saying what is wrong; `meta.refusal` names the refusals a
   * valid piece meets (see `expectedRefusals`).
   */
  async verify(ev: Evidence): Promise<PendingEvidence> {
    const dve = ev.duplicateVoteEvidence;
    if (dve === undefined || dve.voteA === undefined || dve.voteB === undefined)
      throw consensusErrors.badEvidence.wrap("only duplicate-vote evidence is supported");
    const state = this.deps.getState();
    const h = dve.voteA.height;
    if (h < state.initialHeight || h > state.lastBlockHeight)
      throw consensusErrors.badEvidence.wrap(
        `evidence of height ${h}, which is not committed here (latest ${state.lastBlockHeight})`,
        { refusal: "uncommitted" },
      );
    const meta = await this.deps.blockStore.loadMeta(h);
    const pbSet = await this.deps.blockStore.loadValidators(h);
    if (meta === null || pbSet === null)
      throw consensusErrors.badEvidence.wrap(`evidence of height ${h}, which this node has pruned`, {
        refusal: "pruned",
      });
    if (
      evidenceExpired(
        h,
        meta.header!.time,
        state.lastBlockHeight,
        state.lastBlockTime,
        this.params.maxAgeNumBlocks,
        this.params.maxAgeSeconds,
      )
    ) {
      throw consensusErrors.badEvidence.wrap(`evidence of height ${h} has expired`, { refusal: "expired" });
    }
    const hash = evidenceHash(dve);
    if (await this.deps.blockStore.isEvidenceCommitted(hash))
      throw consensusErrors.badEvidence.wrap(`evidence ${hash} is already committed`, { refusal: "committed" });
    if (await this.deps.blockStore.isEquivocationCommitted(dve.voteA.validatorAddress, h))
      throw consensusErrors.badEvidence.wrap(
        `evidence for validator ${hexAddress(dve.voteA.validatorAddress)} at height ${h} is already committed`,
        { refusal: "committed" },
      );
    const set = setFromProto(pbSet);
    const val = set.get(hexAddress(dve.voteA.validatorAddress));
    if (val === undefined)
      throw consensusErrors.badEvidence.wrap(
        `validator ${hexAddress(dve.voteA.validatorAddress)} was not in the set at height ${h}`,
      );
    if (dve.validatorPower !== val.power || dve.totalVotingPower !== set.totalPower)
      throw consensusErrors.badEvidence.wrap("validator or total power does not match the set at that height");
    const t = dve.timestamp;
    if (t === undefined || t.seconds !== meta.header!.time.seconds || t.nanos !== meta.header!.time.nanos)
      throw consensusErrors.badEvidence.wrap("timestamp is not the block time of that height");
    verifyDuplicateVoteEvidence(this.deps.chainId, dve, val.pubKey, this.deps.cache);
    return {
      evidence: { duplicateVoteEvidence: dve },
      bytes: DuplicateVoteEvidence.encode(dve).finish(),
      hash,
      offence: offenceOf(dve),
      height: h,
      time: t,
    };
  }

  /**
   * Adds evidence from a peer (or from our own consensus); false when already known, when a
   * piece for the same validator and height is (another conflicting pair of that double sign),
   * or when the caps refuse it (see `maxPendingPerValidator`), checked before any signature.
   */
  async add(ev: Evidence): Promise<boolean> {
    const dve = ev.duplicateVoteEvidence;
    if (dve !== undefined && this.pendingOffences.has(offenceOf(dve))) return false;
    if (dve?.voteA !== undefined && this.full(hexAddress(dve.voteA.validatorAddress))) return false;
    // A block committed while this piece was being verified (its store reads interleave with
    // the commit's) may carry it or another piece for its offence, and `update` ran before it
    // was pending: verified again against the new height, or it would stay pending, proposed
    // by this node and trusted in others' blocks here while every other node refuses it. (A few
    // tries: a node syncing fast may commit during each; gossip brings the piece again.)
    let p: PendingEvidence | null = null;
    for (let tries = 0; p === null; tries++) {
      if (tries === 3) return false;
      const at = this.deps.getState().lastBlockHeight;
      const verified = await this.verify(ev);
      if (this.deps.getState().lastBlockHeight === at) p = verified;
    }
    if (this.pending.has(p.hash) || this.pendingOffences.has(p.offence)) return false;
    const validator = hexAddress(dve!.voteA!.validatorAddress);
    if (this.full(validator)) return false; // others were added while this one was verified
    this.pending.set(p.hash, p);
    this.pendingOffences.set(p.offence, p.hash);
    this.perValidator.set(validator, (this.perValidator.get(validator) ?? 0) + 1);
    this.deps.logger.info("evidence added", {
      hash: p.hash,
      height: p.height,
      validator: hexAddress(ev.duplicateVoteEvidence!.voteA!.validatorAddress),
    });
    for (const f of this.added) f(p);
    return true;
  }

  /**
   * Checks the evidence of a proposed block: each valid (none for a validator and height already
   * committed), none twice, at most one per validator and height, within max_bytes.
   */
  async checkBlock(list: readonly Evidence[]): Promise<void> {
    // First what costs no signature check: each piece once, one per validator and height (a
    // byzantine proposer's pairs for one double sign are refused before any is verified), and
    // within max_bytes (its double signs at many heights are as many valid offences).
    const seen = new Set<string>();
    const offences = new Set<string>();
    let bytes = 0n;
    for (const ev of list) {
      const dve = ev.duplicateVoteEvidence;
      if (dve?.voteA === undefined) continue; // verify says what is wrong with it
      bytes += BigInt(DuplicateVoteEvidence.encode(dve).finish().length);
      if (bytes > this.params.maxBytes)
        throw consensusErrors.badEvidence.wrap(
          `block evidence of over ${bytes} bytes exceeds max_bytes ${this.params.maxBytes}`,
        );
      const hash = evidenceHash(dve);
      if (seen.has(hash)) throw consensusErrors.badEvidence.wrap(`evidence ${hash} twice in one block`);
      seen.add(hash);
      const offence = offenceOf(dve);
      if (offences.has(offence))
        throw consensusErrors.badEvidence.wrap(
          `two pieces of evidence for validator ${hexAddress(dve.voteA.validatorAddress)} at height ${dve.voteA.height} in one block`,
        );
      offences.add(offence);
    }
    for (const ev of list)
      if (!this.pending.has(ev.duplicateVoteEvidence === undefined ? "" : evidenceHash(ev.duplicateVoteEvidence)))
        await this.verify(ev);
  }

  /**
   * After a block is committed: drop the evidence it included (the block store marked it),
   * turn buffered conflicting votes of committed heights into evidence, drop expired evidence.
   */
  async update(included: readonly Evidence[]): Promise<void> {
    // The included pieces, and any other pending piece for the same validator and height: the
    // double sign is punished, and a block carrying another piece for it would be refused.
    let punishedNow = false;
    for (const ev of included) {
      const dve = ev.duplicateVoteEvidence;
      if (dve === undefined) continue;
      this.remove(evidenceHash(dve));
      const other = this.pendingOffences.get(offenceOf(dve));
      if (other !== undefined) this.remove(other);
      // Its validator is tombstoned by this block: its other pieces are worthless.
      // (One address per validator ever punished: bounded by the chain's own slashing events.)
      if (dve.voteA !== undefined) this.punished.add(hexAddress(dve.voteA.validatorAddress));
      punishedNow = true;
    }
    if (punishedNow) for (const [hash, p] of this.pending) if (this.punished.has(validatorOf(p))) this.remove(hash);
    const state = this.deps.getState();
    const ready = this.buffer.filter(([a]) => a.height <= state.lastBlockHeight);
    this.buffer = this.buffer.filter(([a]) => a.height > state.lastBlockHeight);
    for (const [a] of ready) this.bufferedOffences.delete(offenceKey(a.validatorAddress, a.height));
    for (const [a, b] of ready) {
      const meta = await this.deps.blockStore.loadMeta(a.height);
      const pbSet = await this.deps.blockStore.loadValidators(a.height);
      if (meta === null || pbSet === null) continue;
      const set: ValidatorSet = setFromProto(pbSet);
      const power = set.powerOf(hexAddress(a.validatorAddress));
      const dve = makeDuplicateVoteEvidence(a, b, power, set.totalPower, meta.header!.time);
      try {
        await this.add({ duplicateVoteEvidence: dve });
      } catch (e) {
        // Valid evidence this node built can still be refused: its offence committed meanwhile
        // (by a block of another's, or before a restart), or its height expired or pruned. Only
        // anything else (a signature, power or time that does not check) is a fault here.
        const refusal = e instanceof CodedError ? e.meta.refusal : undefined;
        const fields = {
          validator: hexAddress(a.validatorAddress),
          height: a.height,
          code: e instanceof CodedError ? `${e.codespace}:${e.code}` : "internal",
          error: (e as Error).message,
        };
        if (typeof refusal === "string" && expectedRefusals.has(refusal))
          this.deps.logger.info("own evidence not added", { refusal, ...fields });
        else this.deps.logger.error("own evidence failed verification", fields);
      }
    }
    for (const [hash, p] of this.pending) {
      if (
        evidenceExpired(
          p.height,
          p.time,
          state.lastBlockHeight,
          state.lastBlockTime,
          this.params.maxAgeNumBlocks,
          this.params.maxAgeSeconds,
        )
      )
        this.remove(hash);
    }
  }

  private remove(hash: string): void {
    const p = this.pending.get(hash);
    if (p === undefined) return;
    this.pending.delete(hash);
    if (this.pendingOffences.get(p.offence) === hash) this.pendingOffences.delete(p.offence);
    const v = validatorOf(p);
    const n = (this.perValidator.get(v) ?? 1) - 1;
    if (n > 0) this.perValidator.set(v, n);
    else this.perValidator.delete(v);
  }

  /** Every pending piece, for re-gossip. */
  all(): PendingEvidence[] {
    return [...this.pending.values()];
  }
}

/** Evidence on the wire (channel 0x38): an EvidenceList, as CometBFT's evidence reactor sends. */
export function encodeEvidenceMessage(list: readonly Evidence[]): Uint8Array {
  return EvidenceList.encode({ evidence: [...list] }).finish();
}

/** The most pieces one evidence message may carry; a peer sending more is closed. */
export const maxEvidencePerMessage = 100;

/** Pieces to gossip, as messages of at most `maxEvidencePerMessage` each (what peers accept). */
export function encodeEvidenceMessages(list: readonly Evidence[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < list.length; i += maxEvidencePerMessage)
    out.push(encodeEvidenceMessage(list.slice(i, i + maxEvidencePerMessage)));
  return out;
}

export function decodeEvidenceMessage(bytes: Uint8Array): Evidence[] {
  const l = EvidenceList.decode(bytes);
  if (l.evidence.length > maxEvidencePerMessage)
    throw consensusErrors.badEvidence.wrap("too many pieces of evidence in one message");
  return l.evidence;
}
