import type { Timestamp } from "./context.js";

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

/** `t` plus whole seconds. */
export function addTime(t: Timestamp, seconds: bigint): Timestamp {
  return { seconds: t.seconds + seconds, nanos: t.nanos };
}

/** a <= b. */
export function timeLte(a: Timestamp, b: Timestamp): boolean {
  return a.seconds < b.seconds || (a.seconds === b.seconds && a.nanos <= b.nanos);
}
