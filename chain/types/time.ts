import type { Timestamp } from "../../modules/sdk/context.js";

export { formatTime, parseTime } from "../../modules/sdk/time.js";

export function timeFromMillis(ms: number): Timestamp {
  const whole = Math.floor(ms);
  return { seconds: BigInt(Math.floor(whole / 1000)), nanos: (whole % 1000) * 1_000_000 };
}

export function timeToMillis(t: Timestamp): number {
  return Number(t.seconds) * 1000 + Math.floor(t.nanos / 1_000_000);
}

export function compareTime(a: Timestamp, b: Timestamp): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanos - b.nanos;
}

/** The later of t and (prev + 1 ms): block times strictly increase, as CometBFT requires. */
export function nextBlockTime(now: Timestamp, prev: Timestamp | null): Timestamp {
  if (prev === null) return now;
  const min = timeFromMillis(timeToMillis(prev) + 1);
  return compareTime(now, min) >= 0 ? now : min;
}
