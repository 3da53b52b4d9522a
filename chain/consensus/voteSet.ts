import type { Vote } from "./types.js";
import type { ValidatorSet } from "./validatorSet.js";

const nilKey = "\u0000nil";

/**
 * The votes of one type in one round. A validator counts once in the total ("2f+1 of any") and
 * once in the tally of each value it voted for: an equivocator's two votes each count for their
 * value, as the paper counts messages from distinct processes per value. This is safe (two
 * values cannot both reach 2f+1, that would take 2f+2 correct votes) and it is what lets a node
 * that first saw an equivocator's other vote still recognise the majority (CometBFT tracks
 * conflicting votes per block for the same reason). A second vote is reported for evidence.
 */
export class VoteSet {
  private readonly byValidator = new Map<string, Vote[]>();
  private readonly powerByValue = new Map<string, bigint>();
  private total = 0n;

  constructor(private readonly validators: ValidatorSet) {}

  /** Adds a vote; returns an earlier vote of the same validator for another value, if any. */
  add(v: Vote): { added: boolean; conflict: Vote | null } {
    const power = this.validators.powerOf(v.validator);
    if (power === 0n) return { added: false, conflict: null };
    const prev = this.byValidator.get(v.validator);
    if (prev !== undefined && prev.some((p) => p.valueId === v.valueId)) return { added: false, conflict: null };
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
