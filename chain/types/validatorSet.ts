// A validator set with CometBFT's proposer rotation (types/validator_set.go): each step every
// validator's priority grows by its power, the highest (ties: lowest address) proposes and
// pays back the total power. Priorities are re-centred and kept within a window of twice the
// total power. int64 semantics (truncating division, clipped sums) are reproduced on bigint.

export interface ValidatorInfo {
  /** 20-byte address as uppercase hex: the ordering tie-break and the map key. */
  address: string;
  pubKey: Uint8Array;
  power: bigint;
}

interface Entry extends ValidatorInfo {
  priority: bigint;
}

const maxInt64 = (1n << 63n) - 1n;
const minInt64 = -(1n << 63n);
const priorityWindowSizeFactor = 2n;
/** CometBFT's MaxTotalVotingPower: MaxInt64 / 8. */
export const maxTotalVotingPower = maxInt64 / 8n;

/** CometBFT orders a set by power (descending), then address. */
function sortEntries(entries: Entry[]): void {
  entries.sort((a, b) =>
    a.power !== b.power ? (a.power > b.power ? -1 : 1) : a.address < b.address ? -1 : a.address > b.address ? 1 : 0,
  );
}

function clip(x: bigint): bigint {
  return x > maxInt64 ? maxInt64 : x < minInt64 ? minInt64 : x;
}

/** Go's truncating integer division. */
function quo(a: bigint, b: bigint): bigint {
  return a / b; // bigint division truncates toward zero, as Go's
}

/** Euclidean-style floor division for the average (Go's big.Int Div with a positive divisor). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

export class ValidatorSet {
  private constructor(
    private readonly vals: Entry[],
    /** The proposer after the last increment. */
    private proposerIndex: number,
  ) {}

  /** A new set: priorities start at 0 and one increment picks the first proposer (NewValidatorSet). */
  static create(vals: readonly ValidatorInfo[]): ValidatorSet {
    if (vals.length === 0) throw new Error("empty validator set");
    const seen = new Set<string>();
    for (const v of vals) {
      if (v.power <= 0n) throw new Error(`validator ${v.address} has non-positive power`);
      if (seen.has(v.address)) throw new Error(`duplicate validator ${v.address}`);
      seen.add(v.address);
    }
    const entries = vals.map((v) => ({ ...v, priority: 0n }));
    sortEntries(entries);
    const set = new ValidatorSet(entries, 0);
    set.increment(1);
    return set;
  }

  /**
   * A set as stored (priorities and proposer kept), e.g. from the block store. The proposer is
   * given by address; an unknown one falls back to the first validator.
   */
  static restore(vals: ReadonlyArray<ValidatorInfo & { priority: bigint }>, proposer: string | null): ValidatorSet {
    if (vals.length === 0) throw new Error("empty validator set");
    const entries = vals.map((v) => ({ address: v.address, pubKey: v.pubKey, power: v.power, priority: v.priority }));
    sortEntries(entries);
    return new ValidatorSet(
      entries,
      Math.max(
        0,
        entries.findIndex((v) => v.address === proposer),
      ),
    );
  }

  /**
   * The set after the app's validator updates (CometBFT's UpdateWithChangeSet): power 0 removes,
   * a new validator starts at priority -1.125 × the new total power (so that joining and leaving
   * cannot be used to jump the queue), existing ones keep theirs; then rescale and re-centre.
   * Throws on duplicates, negative power, removing an unknown validator, or an empty result.
   */
  withUpdates(changes: readonly ValidatorInfo[]): ValidatorSet {
    const seen = new Set<string>();
    for (const c of changes) {
      if (c.power < 0n) throw new Error(`validator update ${c.address} has negative power`);
      if (seen.has(c.address)) throw new Error(`duplicate validator update ${c.address}`);
      seen.add(c.address);
    }
    const byAddr = new Map(this.vals.map((v) => [v.address, { ...v }]));
    // As CometBFT: new validators' priority uses the total after updates, before removals.
    let total = this.totalPower;
    let removed = 0n;
    for (const c of changes) {
      const old = byAddr.get(c.address);
      if (c.power === 0n) {
        if (old === undefined) throw new Error(`validator update removes ${c.address}, which is not in the set`);
        removed += old.power;
      } else total += c.power - (old?.power ?? 0n);
    }
    if (total - removed > maxTotalVotingPower)
      throw new Error(`total voting power ${total - removed} exceeds ${maxTotalVotingPower}`);
    for (const c of changes) {
      const old = byAddr.get(c.address);
      if (c.power === 0n) byAddr.delete(c.address);
      else if (old !== undefined) byAddr.set(c.address, { ...old, pubKey: c.pubKey, power: c.power });
      else
        byAddr.set(c.address, {
          address: c.address,
          pubKey: c.pubKey,
          power: c.power,
          priority: -(total + (total >> 3n)),
        });
    }
    const entries = [...byAddr.values()];
    if (entries.length === 0) throw new Error("validator updates would remove every validator");
    sortEntries(entries);
    const proposer = this.proposer.address;
    const set = new ValidatorSet(
      entries,
      Math.max(
        0,
        entries.findIndex((v) => v.address === proposer),
      ),
    );
    set.rescale(priorityWindowSizeFactor * set.totalPower);
    set.shiftByAverage();
    return set;
  }

  /** Each validator's priority (for storage). */
  entries(): ReadonlyArray<ValidatorInfo & { priority: bigint }> {
    return this.vals;
  }

  get size(): number {
    return this.vals.length;
  }

  get totalPower(): bigint {
    let t = 0n;
    for (const v of this.vals) t += v.power;
    return t;
  }

  get validators(): readonly ValidatorInfo[] {
    return this.vals;
  }

  get proposer(): ValidatorInfo {
    return this.vals[this.proposerIndex]!;
  }

  indexOf(address: string): number {
    return this.vals.findIndex((v) => v.address === address);
  }

  powerOf(address: string): bigint {
    return this.get(address)?.power ?? 0n;
  }

  /** The validator with this address (hex), if in the set. */
  get(address: string): ValidatorInfo | undefined {
    if (this.index === null) this.index = new Map(this.vals.map((v) => [v.address, v]));
    return this.index.get(address);
  }

  private index: Map<string, ValidatorInfo> | null = null;

  /** priorities as [address, priority], in set order (tests compare with CometBFT's). */
  priorities(): Array<[string, bigint]> {
    return this.vals.map((v) => [v.address, v.priority]);
  }

  copy(): ValidatorSet {
    return new ValidatorSet(
      this.vals.map((v) => ({ ...v })),
      this.proposerIndex,
    );
  }

  /** A copy advanced `times` steps: the proposer of round `times` at this height. */
  copyIncrement(times: number): ValidatorSet {
    const c = this.copy();
    if (times > 0) c.increment(times);
    return c;
  }

  /** IncrementProposerPriority(times): rescale, re-centre, then `times` rotation steps. */
  increment(times: number): void {
    if (times <= 0) throw new Error("increment needs a positive count");
    const total = this.totalPower;
    this.rescale(priorityWindowSizeFactor * total);
    this.shiftByAverage();
    for (let i = 0; i < times; i++) this.step(total);
  }

  /**
   * The proposers of rounds 0, 1, 2, ... at this height, each the same as copyIncrement(round)'s
   * (one rescale and re-centre, then `round` steps) but computed one step per round and kept:
   * O(validators) for each round not asked for before, where copyIncrement costs O(round ×
   * validators) every time. The caller bounds the rounds it asks for.
   */
  proposerRotation(): (round: number) => ValidatorInfo {
    const base = this.copy();
    const total = base.totalPower;
    const found: ValidatorInfo[] = [this.proposer];
    let prepared = false;
    return (round) => {
      if (!Number.isSafeInteger(round) || round < 0) throw new Error(`bad round ${round}`);
      if (!prepared) {
        base.rescale(priorityWindowSizeFactor * total);
        base.shiftByAverage();
        prepared = true;
      }
      while (found.length <= round) {
        base.step(total);
        found.push(base.proposer);
      }
      return found[round]!;
    };
  }

  /** One rotation step: every priority grows by its power, the highest proposes and pays back. */
  private step(total: bigint): void {
    for (const v of this.vals) v.priority = clip(v.priority + v.power);
    let best = 0;
    for (let j = 1; j < this.vals.length; j++) {
      const a = this.vals[j]!;
      const b = this.vals[best]!;
      if (a.priority > b.priority || (a.priority === b.priority && a.address < b.address)) best = j;
    }
    this.vals[best]!.priority = clip(this.vals[best]!.priority - total);
    this.proposerIndex = best;
  }

  private rescale(diffMax: bigint): void {
    if (diffMax <= 0n) return;
    let max = minInt64;
    let min = maxInt64;
    for (const v of this.vals) {
      if (v.priority > max) max = v.priority;
      if (v.priority < min) min = v.priority;
    }
    const diff = max - min;
    if (diff > diffMax) {
      const ratio = quo(diff + diffMax - 1n, diffMax);
      for (const v of this.vals) v.priority = quo(v.priority, ratio);
    }
  }

  private shiftByAverage(): void {
    let sum = 0n;
    for (const v of this.vals) sum += v.priority;
    const avg = floorDiv(sum, BigInt(this.vals.length));
    for (const v of this.vals) v.priority = clip(v.priority - avg);
  }

  /** More than 2/3 of the total power (the 2f+1 rule). */
  hasTwoThirds(power: bigint): boolean {
    return power * 3n > this.totalPower * 2n;
  }

  /** More than 1/3 of the total power (the f+1 rule). */
  hasOneThird(power: bigint): boolean {
    return power * 3n > this.totalPower;
  }
}
