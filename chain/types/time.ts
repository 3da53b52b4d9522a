import type { Timestamp } from "../../modules/sdk/context.js";

/** RFC 3339 with 9 fractional digits and Z, as CometBFT prints times. */
export function formatTime(t: Timestamp): string {
  const ms = t.seconds * 1000n;
  const iso = new Date(Number(ms)).toISOString(); // yyyy-mm-ddThh:mm:ss.000Z
  return `${iso.slice(0, 19)}.${String(t.nanos).padStart(9, "0")}Z`;
}

/** Parses RFC 3339 (any fraction up to 9 digits; Z or an offset). */
export function parseTime(s: string): Timestamp {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (m === null) throw new Error(`invalid RFC 3339 time: ${JSON.stringify(s)}`);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) throw new Error(`invalid RFC 3339 time: ${JSON.stringify(s)}`);
  return { seconds: BigInt(ms / 1000), nanos: Number((m[2] ?? "").padEnd(9, "0")) };
}

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
