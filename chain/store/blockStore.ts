import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { Block } from "cosmjs-types/tendermint/types/block";
import { BlockMeta, Commit, ExtendedCommit } from "cosmjs-types/tendermint/types/types";
import { ValidatorSet } from "cosmjs-types/tendermint/types/validator";
import { heightKey, utf8, fromUtf8 } from "../../modules/sdk/store.js";
import type { AsyncKV } from "./asyncKV.js";
import { evidenceHash } from "../types/hashes.js";
import { decodeBlockResults, encodeBlockResults, encodeTxResultJson } from "./resultCodec.js";

// The block store: every block with its meta, the commit that decided it (the "seen commit"),
// its FinalizeBlock results and the validator set that signed it (and the sets of the next two
// heights, which the node needs on restart: updates take effect at H+2). One block is saved as one
// atomic batch, before the application commits its state (see docs/node.md: crash recovery).

const k = {
  block: (h: bigint) => `b/${heightKey(h)}`,
  meta: (h: bigint) => `m/${heightKey(h)}`,
  seenCommit: (h: bigint) => `c/${heightKey(h)}`,
  extendedCommit: (h: bigint) => `x/${heightKey(h)}`,
  results: (h: bigint) => `r/${heightKey(h)}`,
  validators: (h: bigint) => `v/${heightKey(h)}`,
  hash: (hash: Uint8Array) => `h/${Buffer.from(hash).toString("hex")}`,
  evidence: (hash: string) => `e/${hash}`,
  /** A double sign committed for (validator, height): at most one piece of evidence each. */
  equivocation: (validator: Uint8Array, h: bigint) => `ev/${Buffer.from(validator).toString("hex")}/${heightKey(h)}`,
  base: "s/base",
  height: "s/height",
  /** Set once every committed piece of evidence has its `equivocation` key (see `open`). */
  equivocationIndex: "s/evIndex",
};

export interface SavedBlock {
  block: Block;
  meta: BlockMeta;
  seenCommit: Commit;
  results: ResponseFinalizeBlock;
  /** Each tx result already encoded (resultCodec), shared with the tx index; computed if absent. */
  txResultJsons?: readonly string[];
  /** With vote extensions enabled: the precommits with their extensions, for the next proposer. */
  extendedCommit?: ExtendedCommit;
  /** The validator sets of heights H, H+1 and H+2 (with proposer priorities) after this block. */
  validators: readonly [ValidatorSet, ValidatorSet, ValidatorSet];
}

export class BlockStore {
  private _height = 0n;
  private _base = 0n;

  private constructor(private readonly kv: AsyncKV) {}

  static async open(kv: AsyncKV): Promise<BlockStore> {
    const s = new BlockStore(kv);
    const h = await kv.get(k.height);
    if (h !== undefined) {
      s._height = BigInt(fromUtf8(h));
      s._base = BigInt(fromUtf8((await kv.get(k.base))!));
    }
    if ((await kv.get(k.equivocationIndex)) === undefined) await s.indexEquivocations();
    return s;
  }

  /**
   * A store written before the `equivocation` keys existed: each committed piece of evidence
   * (its `evidence` key names its block) given one, so that this node judges "offence already
   * committed" as a node that synced the same blocks does (block validity must not depend on
   * which version wrote the store).
   */
  private async indexEquivocations(): Promise<void> {
    const heights = new Set<bigint>();
    for await (const [, v] of this.kv.scan("e/")) heights.add(BigInt(fromUtf8(v)));
    const ops: Array<[string, Uint8Array]> = [];
    for (const h of [...heights].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const ev of (await this.loadBlock(h))?.evidence?.evidence ?? []) {
        const a = ev.duplicateVoteEvidence?.voteA;
        if (a !== undefined) ops.push([k.equivocation(a.validatorAddress, a.height), utf8(h.toString())]);
      }
    }
    ops.push([k.equivocationIndex, utf8("1")]);
    await this.kv.write(ops);
  }

  get height(): bigint {
    return this._height;
  }

  /** The lowest stored height (0 when empty). */
  get base(): bigint {
    return this._base;
  }

  async save(b: SavedBlock): Promise<void> {
    const h = b.block.header!.height;
    if (this._height !== 0n && h !== this._height + 1n)
      throw new Error(`block store at ${this._height} cannot save height ${h}`);
    const ops: Array<[string, Uint8Array]> = [
      [k.block(h), Block.encode(b.block).finish()],
      [k.meta(h), BlockMeta.encode(b.meta).finish()],
      [k.seenCommit(h), Commit.encode(b.seenCommit).finish()],
      [k.results(h), encodeBlockResults(b.results, b.txResultJsons ?? b.results.txResults.map(encodeTxResultJson))],
      [k.validators(h), ValidatorSet.encode(b.validators[0]).finish()],
      [k.validators(h + 1n), ValidatorSet.encode(b.validators[1]).finish()],
      [k.validators(h + 2n), ValidatorSet.encode(b.validators[2]).finish()],
      [k.hash(b.meta.blockId!.hash), utf8(h.toString())],
      [k.height, utf8(h.toString())],
    ];
    if (this._base === 0n) ops.push([k.base, utf8(h.toString())]);
    if (b.extendedCommit !== undefined)
      ops.push([k.extendedCommit(h), ExtendedCommit.encode(b.extendedCommit).finish()]);
    // Evidence is marked committed with its block, so that it is never included twice, nor
    // another piece for the same validator and height.
    for (const ev of b.block.evidence?.evidence ?? []) {
      const dve = ev.duplicateVoteEvidence;
      if (dve === undefined) continue;
      ops.push([k.evidence(evidenceHash(dve)), utf8(h.toString())]);
      if (dve.voteA !== undefined)
        ops.push([k.equivocation(dve.voteA.validatorAddress, dve.voteA.height), utf8(h.toString())]);
    }
    await this.kv.write(ops);
    if (this._base === 0n) this._base = h;
    this._height = h;
  }

  private async load<T>(key: string, decode: (b: Uint8Array) => T): Promise<T | null> {
    const raw = await this.kv.get(key);
    return raw === undefined ? null : decode(raw);
  }

  loadBlock(h: bigint): Promise<Block | null> {
    return this.load(k.block(h), (b) => Block.decode(b));
  }

  loadMeta(h: bigint): Promise<BlockMeta | null> {
    return this.load(k.meta(h), (b) => BlockMeta.decode(b));
  }

  loadSeenCommit(h: bigint): Promise<Commit | null> {
    return this.load(k.seenCommit(h), (b) => Commit.decode(b));
  }

  loadExtendedCommit(h: bigint): Promise<ExtendedCommit | null> {
    return this.load(k.extendedCommit(h), (b) => ExtendedCommit.decode(b));
  }

  loadResults(h: bigint): Promise<ResponseFinalizeBlock | null> {
    return this.load(k.results(h), decodeBlockResults);
  }

  loadValidators(h: bigint): Promise<ValidatorSet | null> {
    return this.load(k.validators(h), (b) => ValidatorSet.decode(b));
  }

  /** The sets of the first two heights, as InitChain decided them (before any block exists). */
  async saveInitialValidators(initialHeight: bigint, sets: readonly [ValidatorSet, ValidatorSet]): Promise<void> {
    await this.kv.write([
      [k.validators(initialHeight), ValidatorSet.encode(sets[0]).finish()],
      [k.validators(initialHeight + 1n), ValidatorSet.encode(sets[1]).finish()],
    ]);
  }

  async isEvidenceCommitted(hash: string): Promise<boolean> {
    return (await this.kv.get(k.evidence(hash))) !== undefined;
  }

  /** Whether a block holds evidence of this validator's double sign at height h. */
  async isEquivocationCommitted(validator: Uint8Array, h: bigint): Promise<boolean> {
    return (await this.kv.get(k.equivocation(validator, h))) !== undefined;
  }

  async heightOfHash(hash: Uint8Array): Promise<bigint | null> {
    const raw = await this.kv.get(k.hash(hash));
    return raw === undefined ? null : BigInt(fromUtf8(raw));
  }
}
