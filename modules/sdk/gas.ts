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

export class GasMeter {
  private used = 0n;

  /** limit undefined: an infinite meter (genesis, begin/end-block). */
  constructor(readonly limit: bigint | undefined) {}

  get consumed(): bigint {
    return this.used;
  }

  consume(amount: bigint, descriptor: string): void {
    this.used += amount;
    if (this.limit !== undefined && this.used > this.limit) {
      throw sdkErrors.outOfGas.wrap(
        `out of gas in location: ${descriptor}; gasWanted: ${this.limit}, gasUsed: ${this.used}`,
      );
    }
  }
}

/** Wraps a store so that every access is charged to a gas meter. */
export class GasKVStore implements KVStore {
  constructor(
    private readonly parent: KVStore,
    private readonly meter: GasMeter,
  ) {}

  get(key: string): Uint8Array | undefined {
    this.meter.consume(gasCosts.readFlat, "ReadFlat");
    const v = this.parent.get(key);
    this.meter.consume(gasCosts.readPerByte * BigInt(key.length + (v?.length ?? 0)), "ReadPerByte");
    return v;
  }

  has(key: string): boolean {
    this.meter.consume(gasCosts.hasFlat, "Has");
    return this.parent.has(key);
  }

  set(key: string, value: Uint8Array): void {
    this.meter.consume(gasCosts.writeFlat, "WriteFlat");
    this.meter.consume(gasCosts.writePerByte * BigInt(key.length + value.length), "WritePerByte");
    this.parent.set(key, value);
  }

  delete(key: string): void {
    this.meter.consume(gasCosts.deleteFlat, "Delete");
    this.parent.delete(key);
  }

  *range(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    for (const entry of this.parent.range(start, end)) {
      this.meter.consume(
        gasCosts.iterNextFlat + gasCosts.readPerByte * BigInt(entry[0].length + entry[1].length),
        "IterNext",
      );
      yield entry;
    }
  }

  *reverseRange(start: string, end: string | undefined): IterableIterator<[string, Uint8Array]> {
    for (const entry of this.parent.reverseRange(start, end)) {
      this.meter.consume(
        gasCosts.iterNextFlat + gasCosts.readPerByte * BigInt(entry[0].length + entry[1].length),
        "IterNext",
      );
      yield entry;
    }
  }
}
