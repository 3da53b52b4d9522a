import { sdkErrors } from "./errors.js";
import type { KVStore } from "./store.js";

// Deterministic gas, priced as the Cosmos SDK's KVGasConfig and auth defaults so that gas
// figures look familiar to people who run SDK chains.
export const gasCosts = {
  readFlat: 1000n,
  readPerByte: 3n,
  writeFlat: 2000n,
  writePerByte: 30n,
  deleteFlat: 1000n,
  hasFlat: 1000n,
  iterNextFlat: 30n,
  txSizePerByte: 10n,
  secp256k1Verify: 1000n,
} as const;

/**
 * Gas used and its limit. Counted in a Number while the total stays a safe integer (always, in
 * practice: 2^53 gas is far beyond any block), so that the per-access charges of GasKVStore
 * allocate no BigInt; past 2^53 − 1 it counts in a BigInt. Either way the figures are exact, so
 * every node charges the same gas.
 */
export class GasMeter {
  private usedN = 0;
  /** Set once the total passes Number.MAX_SAFE_INTEGER; from then on the count. */
  private usedBig: bigint | null = null;
  /** The limit as a Number when it is a safe integer (else no Number total can pass it). */
  private readonly limitN: number | undefined;

  /** limit undefined: an infinite meter (genesis, begin/end-block). */
  constructor(readonly limit: bigint | undefined) {
    this.limitN = limit !== undefined && limit <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(limit) : undefined;
  }

  get consumed(): bigint {
    return this.usedBig ?? BigInt(this.usedN);
  }

  consume(amount: bigint, descriptor: string): void {
    if (this.usedBig === null && amount >= 0n && amount <= BigInt(Number.MAX_SAFE_INTEGER))
      return this.consumeN(Number(amount), descriptor);
    this.usedBig = this.consumed + amount;
    this.check(descriptor);
  }

  /** consume for a charge given as a safe non-negative integer Number (the store's charges). */
  consumeN(amount: number, descriptor: string): void {
    if (this.usedBig === null) {
      const next = this.usedN + amount;
      if (Number.isSafeInteger(next)) {
        this.usedN = next;
        if (this.limitN !== undefined && next > this.limitN) this.outOfGas(descriptor);
        return;
      }
    }
    this.usedBig = this.consumed + BigInt(amount);
    this.check(descriptor);
  }

  private check(descriptor: string): void {
    if (this.limit !== undefined && this.consumed > this.limit) this.outOfGas(descriptor);
  }

  private outOfGas(descriptor: string): never {
    throw sdkErrors.outOfGas.wrap(
      `out of gas in location: ${descriptor}; gasWanted: ${this.limit}, gasUsed: ${this.consumed}`,
    );
  }
}

/** gasCosts as Numbers, for the per-access charges (each is a small safe integer). */
const costN = {
  readFlat: Number(gasCosts.readFlat),
  readPerByte: Number(gasCosts.readPerByte),
  writeFlat: Number(gasCosts.writeFlat),
  writePerByte: Number(gasCosts.writePerByte),
  deleteFlat: Number(gasCosts.deleteFlat),
  hasFlat: Number(gasCosts.hasFlat),
  iterNextFlat: Number(gasCosts.iterNextFlat),
};

/** Wraps a store so that every access is charged to a gas meter. */
export class GasKVStore implements KVStore {
  constructor(
    private readonly parent: KVStore,
    private readonly meter: GasMeter,
  ) {}

  get(key: string): Uint8Array | undefined {
    this.meter.consumeN(costN.readFlat, "ReadFlat");
    const v = this.parent.get(key);
    this.meter.consumeN(costN.readPerByte * (key.length + (v?.length ?? 0)), "ReadPerByte");
    return v;
  }

  has(key: string): boolean {
    this.meter.consumeN(costN.hasFlat, "Has");
    return this.parent.has(key);
  }

  set(key: string, value: Uint8Array): void {
    this.meter.consumeN(costN.writeFlat, "WriteFlat");
    this.meter.consumeN(costN.writePerByte * (key.length + value.length), "WritePerByte");
    this.parent.set(key, value);
  }

  delete(key: string): void {
    this.meter.consumeN(costN.deleteFlat, "Delete");
    this.parent.delete(key);
  }

  *range(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    for (const entry of this.parent.range(start, end)) {
      this.meter.consumeN(costN.iterNextFlat + costN.readPerByte * (entry[0].length + entry[1].length), "IterNext");
      yield entry;
    }
  }

  *reverseRange(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    for (const entry of this.parent.reverseRange(start, end)) {
      this.meter.consumeN(costN.iterNextFlat + costN.readPerByte * (entry[0].length + entry[1].length), "IterNext");
      yield entry;
    }
  }
}
