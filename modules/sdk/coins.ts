import { sdkErrors } from "./errors.js";

// Amounts are bigint, never floats. Coins are kept sorted by denom with no zero entries,
// as the SDK's sdk.Coins, so that their encoding is canonical.

export interface Coin {
  denom: string;
  amount: bigint;
}

const denomPattern = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;
const amountPattern = /^[0-9]{1,77}$/;
/** Amounts above 2^256 - 1 are refused, as the SDK's Int bound. */
export const maxAmount = (1n << 256n) - 1n;

export function validateDenom(denom: string): string {
  if (!denomPattern.test(denom)) throw sdkErrors.invalidCoins.wrap(`invalid denom: ${JSON.stringify(denom)}`);
  return denom;
}

/** Parses a non-negative integer amount as it travels in protobuf strings. */
export function parseAmount(s: string): bigint {
  if (!amountPattern.test(s)) throw sdkErrors.invalidCoins.wrap(`invalid amount: ${JSON.stringify(s)}`);
  const v = BigInt(s);
  if (v > maxAmount) throw sdkErrors.invalidCoins.wrap(`amount out of range: ${s}`);
  return v;
}

/** A coin from its protobuf form {denom, amount: string}; positive unless allowZero. */
export function coinFromProto(c: { denom: string; amount: string }, allowZero = false): Coin {
  validateDenom(c.denom);
  const amount = parseAmount(c.amount);
  if (!allowZero && amount === 0n) throw sdkErrors.invalidCoins.wrap(`${c.amount}${c.denom}: amount must be positive`);
  return { denom: c.denom, amount };
}

/**
 * A coin list from its protobuf form, checked as the SDK's Coins.Validate: positive amounts,
 * sorted by denom, no duplicates.
 */
export function coinsFromProto(list: ReadonlyArray<{ denom: string; amount: string }>): Coin[] {
  const out: Coin[] = [];
  for (const c of list) {
    const coin = coinFromProto(c);
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.denom >= coin.denom) {
      throw sdkErrors.invalidCoins.wrap(
        `coins must be sorted by denom and unique: ${formatCoins(list.map((x) => ({ denom: x.denom, amount: BigInt(parseAmount(x.amount)) })))}`,
      );
    }
    out.push(coin);
  }
  return out;
}

/** The coins, and each coin, frozen: for parsed coins kept and shared between runs of a tx. */
export function frozenCoins(coins: Coin[]): readonly Coin[] {
  for (const c of coins) Object.freeze(c);
  return Object.freeze(coins);
}

export function coinsToProto(coins: readonly Coin[]): { denom: string; amount: string }[] {
  return coins.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));
}

/** "100utcu,5uatom", the SDK's String() of Coins. */
export function formatCoins(coins: readonly Coin[]): string {
  return coins.map((c) => `${c.amount}${c.denom}`).join(",");
}

/** Parses "100utcu,5stake" (sorted on output). */
export function parseCoins(s: string): Coin[] {
  if (s.trim() === "") return [];
  const coins = s.split(",").map((part) => {
    const m = /^\s*([0-9]+)\s*([a-zA-Z][a-zA-Z0-9/:._-]{2,127})\s*$/.exec(part);
    if (m === null) throw sdkErrors.invalidCoins.wrap(`invalid coin expression: ${JSON.stringify(part)}`);
    return coinFromProto({ amount: m[1]!, denom: m[2]! });
  });
  return normalizeCoins(coins);
}

/** Sorts and merges a coin list, dropping zero amounts. */
export function normalizeCoins(coins: readonly Coin[]): Coin[] {
  const byDenom = new Map<string, bigint>();
  for (const c of coins) byDenom.set(c.denom, (byDenom.get(c.denom) ?? 0n) + c.amount);
  return [...byDenom.keys()]
    .sort()
    .map((denom) => ({ denom, amount: byDenom.get(denom)! }))
    .filter((c) => c.amount !== 0n);
}

export function addCoins(a: readonly Coin[], b: readonly Coin[]): Coin[] {
  return normalizeCoins([...a, ...b]);
}

export function amountOf(coins: readonly Coin[], denom: string): bigint {
  for (const c of coins) if (c.denom === denom) return c.amount;
  return 0n;
}

/**
 * Fixed-point decimal on bigint with 18 fractional digits, as the SDK's LegacyDec.
 * Multiplication truncates; callers say where a remainder goes.
 */
export const decPrecision = 18;
export const decOne = 10n ** BigInt(decPrecision);

export function parseDec(s: string): bigint {
  const m = /^([0-9]{1,40})(?:\.([0-9]{1,18}))?$/.exec(s);
  if (m === null) throw sdkErrors.invalidRequest.wrap(`invalid decimal: ${JSON.stringify(s)}`);
  return BigInt(m[1]!) * decOne + BigInt((m[2] ?? "").padEnd(decPrecision, "0"));
}

export function formatDec(d: bigint): string {
  const neg = d < 0n;
  const abs = neg ? -d : d;
  const int = abs / decOne;
  const frac = (abs % decOne).toString().padStart(decPrecision, "0");
  return `${neg ? "-" : ""}${int}.${frac}`;
}

/** ceil(amount × dec), for fees: a required fee never rounds down to less than its price. */
export function mulDecCeil(amount: bigint, dec: bigint): bigint {
  return (amount * dec + decOne - 1n) / decOne;
}

/** floor(amount × dec). */
export function mulDecFloor(amount: bigint, dec: bigint): bigint {
  return (amount * dec) / decOne;
}

/** A proto integer or decimal-atomics string field as bigint; "" (proto3's default) is 0. */
export const big = (s: string): bigint => BigInt(s === "" ? "0" : s);
