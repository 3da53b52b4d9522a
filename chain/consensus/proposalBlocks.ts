// What block bodies a node holds from peers' proposals at one height (issue 16: a byzantine
// proposer or peer must not make a node hold block bodies without bound). CometBFT keeps one
// proposal block per round (and fetches the block a polka is for); here proposals carry their
// block whole, and per round the node holds at most `maxProposalBlocksPerRound` of them (the
// first ones it hears of: an equivocating proposer's two halves), plus any block more than 1/3
// of the power voted for in that round (a correct validator did: the block the others may
// decide, which honest peers keep re-gossiping). Proposals for rounds beyond the next one are
// not held at all: the proposer and everyone who took the proposal re-gossip it until the
// height ends, so the node hears it again when it gets there. A block over the bound is dropped
// before any validation work; its relay is not blamed (an honest peer relays what it took).

/** Block bodies held per round from peers' proposals, besides blocks more than 1/3 voted for. */
export const maxProposalBlocksPerRound = 2;

/** How many rounds ahead of the node's round a proposal is held (the next round only). */
export const proposalRoundsAhead = 1;

export type Admission = "new" | "seen" | "full" | "ahead";

/**
 * The per-height ledger of proposals from peers: which (round, block) pairs were taken (each is
 * validated, logged and handed to the core once; copies re-gossiped by peers are dropped), and
 * how many block bodies each round holds.
 */
export class ProposalBlocks {
  private readonly byRound = new Map<number, Set<string>>();
  private readonly seen = new Set<string>();
  private bytes = 0;
  private peak = { blocks: 0, bytes: 0 };

  /** Whether a proposal of this round for this block was taken already (a copy needs no work). */
  has(round: number, id: string): boolean {
    return this.seen.has(`${round}/${id}`);
  }

  /** Whether a proposal of `round` is too far ahead of the node's round to be held now. */
  static ahead(round: number, nodeRound: number): boolean {
    return round > nodeRound + proposalRoundsAhead;
  }

  /**
   * Whether a proposal of `round` for block `id` (of `size` bytes) is taken. `backed` says
   * whether more than 1/3 of the power voted for the block in that round. A taken proposal
   * reserves its slot at once (validation is asynchronous; copies may arrive meanwhile).
   * `replayed`: from this node's own WAL, taken once already (the bound held then).
   */
  admit(
    round: number,
    nodeRound: number,
    id: string,
    size: number,
    backed: () => boolean,
    replayed = false,
  ): Admission {
    const key = `${round}/${id}`;
    if (this.seen.has(key)) return "seen";
    if (!replayed && ProposalBlocks.ahead(round, nodeRound)) return "ahead";
    let ids = this.byRound.get(round);
    if (ids === undefined) {
      ids = new Set();
      this.byRound.set(round, ids);
    }
    if (!ids.has(id)) {
      if (!replayed && ids.size >= maxProposalBlocksPerRound && !backed()) return "full";
      ids.add(id);
      this.bytes += size;
    }
    this.seen.add(key);
    this.peak = { blocks: Math.max(this.peak.blocks, this.blocks), bytes: Math.max(this.peak.bytes, this.bytes) };
    return "new";
  }

  /** A taken proposal whose handling failed (an error, not a verdict): a copy may be taken again. */
  forget(round: number, id: string, size: number): void {
    if (!this.seen.delete(`${round}/${id}`)) return;
    const ids = this.byRound.get(round);
    if (ids?.delete(id) === true) this.bytes -= size;
  }

  /** Our own proposal: held (we built it), and its copies from peers are not taken again. */
  own(round: number, id: string, size: number): void {
    const key = `${round}/${id}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    let ids = this.byRound.get(round);
    if (ids === undefined) {
      ids = new Set();
      this.byRound.set(round, ids);
    }
    if (!ids.has(id)) {
      ids.add(id);
      this.bytes += size;
    }
  }

  /** Block bodies taken from proposals at this height (per round, so one block in two rounds counts twice). */
  get blocks(): number {
    let n = 0;
    for (const ids of this.byRound.values()) n += ids.size;
    return n;
  }

  /** The most block bodies (and their bytes) held from proposals at any one height so far. */
  get peakHeld(): { blocks: number; bytes: number } {
    return this.peak;
  }

  /** A new height: nothing held. The peak is kept (it is across heights). */
  reset(): void {
    this.byRound.clear();
    this.seen.clear();
    this.bytes = 0;
  }
}
