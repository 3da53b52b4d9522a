import type { Vote } from "./types.js";
import type { ValidatorSet } from "../types/validatorSet.js";

const nilKey = "\u0000nil";

/**
 * The votes of one type in one round. A validator counts once in the total ("2f+1 of any") and
 * once in the tally of each value it voted for: an equivocator's two votes each count for their
 * value, as the paper counts messages from distinct processes per value. This is safe (two
 * values cannot both reach 2f+1, that would take 2f+2 correct votes) and it is what lets a node
 * that first saw an equivocator's other vote still recognise the majority (CometBFT tracks
 * conflicting votes per block for the same reason). A second vote is reported for evidence.
 *
 * Bounded: a validator has at most `maxValuesPerVoter` votes here (its first and one
 * conflicting vote, which is all evidence needs); further values it signs are dropped, so a
 * byzantine validator cannot grow the set without bound by signing ever new block ids.
 */
export const maxValuesPerVoter = 2;

export class VoteSet {
  private readonly byValidator = new Map<string, Vote[]>();
  private readonly powerByValue = new Map<string, bigint>();
  private total = 0n;
  private count = 0;

  constructor(private readonly validators: ValidatorSet) {}

  /** Whether `add` would keep this vote (a voting validator's new value, within the bound). */
  accepts(v: Vote): boolean {
    if (this.validators.powerOf(v.validator) === 0n) return false;
    const prev = this.byValidator.get(v.validator);
    return prev === undefined || (prev.length < maxValuesPerVoter && !prev.some((p) => p.valueId === v.valueId));
  }

  /** Whether this very vote (validator and value) is held. */
  has(v: Vote): boolean {
    return this.byValidator.get(v.validator)?.some((p) => p.valueId === v.valueId) ?? false;
  }

  /** Votes held (an equivocator's two votes count two). */
  get size(): number {
    return this.count;
  }

  /** Adds a vote; returns an earlier vote of the same validator for another value, if any. */
  add(v: Vote): { added: boolean; conflict: Vote | null } {
    if (!this.accepts(v)) return { added: false, conflict: null };
    const power = this.validators.powerOf(v.validator);
    const prev = this.byValidator.get(v.validator);
    this.count++;
    const k = v.valueId ?? nilKey;
    this.powerByValue.set(k, (this.powerByValue.get(k) ?? 0n) + power);
    if (prev === undefined) {
      this.byValidator.set(v.validator, [v]);
      this.total += power;
      return { added: true, conflict: null };
    }
    prev.push(v);
    return { added: true, conflict: prev[0]! };
  }

  /** Power of distinct voters, whatever they voted for. */
  get totalPower(): bigint {
    return this.total;
  }

  powerFor(valueId: string | null): bigint {
    return this.powerByValue.get(valueId ?? nilKey) ?? 0n;
  }

  votesFor(valueId: string | null): Vote[] {
    const out: Vote[] = [];
    for (const vs of this.byValidator.values()) for (const v of vs) if (v.valueId === valueId) out.push(v);
    return out;
  }
}
